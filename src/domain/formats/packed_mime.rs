//! A composed message as the outbox keeps it until delivery: compressed (LZ4) against a
//! *specimen*, a message of the same kind and language that carries no one's link. A launch
//! queues 190,000 invitations that differ only in a few names, a link and a Message-ID; packed,
//! each takes a few hundred bytes instead of 7–9 KB, so the launch writes and the worker reads
//! and deletes a fraction of what they did.
//!
//! Base64 parts (lettre's choice for Chinese text) are kept decoded: a name one byte longer
//! shifts every base64 character after it, which no dictionary matches, while the decoded text
//! is the specimen's again after the name. A part is kept decoded only when encoding it again
//! gives back its very bytes, so [`unpack`] always returns exactly what [`pack`] was given.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

/// The layout's version, the packed form's first byte.
const VERSION: u8 = 1;
/// A segment kept as it is.
const RAW: u8 = b'R';
/// A base64 part kept decoded, encoded again in lines of [`LINE`] characters.
const DECODED: u8 = b'B';
/// Base64's line length in MIME (RFC 2045 §6.8).
const LINE: usize = 76;

/// Why packed bytes could not be read back.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UnpackError {
    #[error("packed body of an unknown version {0}")]
    Version(u8),
    #[error("packed body does not decompress: {0}")]
    Compression(String),
    #[error("packed body is cut short")]
    Truncated,
    #[error("packed body is not UTF-8")]
    Utf8,
}

/// A specimen made ready to compress and decompress against (its segments, laid out as a
/// packed body's are, so that they match).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dictionary(Vec<u8>);

impl Dictionary {
    /// The dictionary of a specimen message.
    pub fn of(specimen: &str) -> Dictionary {
        Dictionary(segments(specimen))
    }

    /// No dictionary: a message compressed on its own.
    pub fn none() -> Dictionary {
        Dictionary(Vec::new())
    }
}

/// `mime`, packed against `dict`.
pub fn pack(mime: &str, dict: &Dictionary) -> Vec<u8> {
    let laid_out = segments(mime);
    let mut out = vec![VERSION];
    out.extend(lz4_flex::block::compress_prepend_size_with_dict(
        &laid_out, &dict.0,
    ));
    out
}

/// The message `packed` holds, packed against `dict`.
pub fn unpack(packed: &[u8], dict: &Dictionary) -> Result<String, UnpackError> {
    let (&version, rest) = packed.split_first().ok_or(UnpackError::Truncated)?;
    if version != VERSION {
        return Err(UnpackError::Version(version));
    }
    let laid_out = lz4_flex::block::decompress_size_prepended_with_dict(rest, &dict.0)
        .map_err(|e| UnpackError::Compression(e.to_string()))?;
    let mut out = Vec::with_capacity(laid_out.len() + laid_out.len() / 3);
    let mut rest = laid_out.as_slice();
    while let Some((&tag, tail)) = rest.split_first() {
        let len_bytes: [u8; 4] = tail
            .get(..4)
            .and_then(|b| b.try_into().ok())
            .ok_or(UnpackError::Truncated)?;
        let len = u32::from_le_bytes(len_bytes) as usize;
        let body = tail.get(4..4 + len).ok_or(UnpackError::Truncated)?;
        match tag {
            RAW => out.extend_from_slice(body),
            DECODED => encode_lines(body, &mut out),
            _ => return Err(UnpackError::Truncated),
        }
        rest = &tail[4 + len..];
    }
    String::from_utf8(out).map_err(|_| UnpackError::Utf8)
}

/// The message as segments: each base64 part decoded where that is exact, the rest as it is.
fn segments(mime: &str) -> Vec<u8> {
    let bytes = mime.as_bytes();
    let mut out = Vec::with_capacity(bytes.len() + 64);
    let mut raw_from = 0;
    let mut at = 0;
    // inside a part's headers that named base64; the body starts after the blank line
    let mut base64_next = false;
    while at < bytes.len() {
        let end = line_end(bytes, at);
        let line = &bytes[at..end];
        if base64_next && line == b"\r\n" {
            let body_start = end;
            let mut body_end = body_start;
            while body_end < bytes.len() && !bytes[body_end..].starts_with(b"--") {
                body_end = line_end(bytes, body_end);
            }
            let body = &bytes[body_start..body_end];
            if let Some(decoded) = exact_base64(body) {
                push(&mut out, RAW, &bytes[raw_from..body_start]);
                push(&mut out, DECODED, &decoded);
                raw_from = body_end;
            }
            base64_next = false;
            at = body_end;
            continue;
        }
        if line.eq_ignore_ascii_case(b"Content-Transfer-Encoding: base64\r\n") {
            base64_next = true;
        }
        at = end;
    }
    push(&mut out, RAW, &bytes[raw_from..]);
    out
}

/// Where the line starting at `at` ends (after its `\n`, or at the end).
fn line_end(bytes: &[u8], at: usize) -> usize {
    bytes[at..]
        .iter()
        .position(|b| *b == b'\n')
        .map_or(bytes.len(), |i| at + i + 1)
}

/// The bytes a base64 body holds, if encoding them again gives back the body exactly.
fn exact_base64(body: &[u8]) -> Option<Vec<u8>> {
    if body.is_empty() {
        return None;
    }
    let joined: Vec<u8> = body
        .split(|b| *b == b'\n')
        .flat_map(|l| l.strip_suffix(b"\r").unwrap_or(l).iter().copied())
        .collect();
    let decoded = STANDARD.decode(&joined).ok()?;
    let mut again = Vec::with_capacity(body.len());
    encode_lines(&decoded, &mut again);
    (again == body).then_some(decoded)
}

/// `data` in base64, in lines of [`LINE`] characters each ending in CRLF.
fn encode_lines(data: &[u8], out: &mut Vec<u8>) {
    let encoded = STANDARD.encode(data);
    for line in encoded.as_bytes().chunks(LINE) {
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
    }
}

fn push(out: &mut Vec<u8>, tag: u8, body: &[u8]) {
    if body.is_empty() {
        return;
    }
    out.push(tag);
    out.extend_from_slice(&u32::try_from(body.len()).unwrap_or(u32::MAX).to_le_bytes());
    out.extend_from_slice(body);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(name: &str, link: &str, zh: bool) -> String {
        let text = if zh {
            format!("{name}，您好：\n请为李娜提供反馈。\n{link}\n")
        } else {
            format!("Dear {name},\nplease give feedback on Li Na.\n{link}\n")
        };
        let encoded = {
            let mut v = Vec::new();
            encode_lines(text.repeat(20).as_bytes(), &mut v);
            String::from_utf8(v).expect("ascii")
        };
        format!(
            "From: kam360 <no-reply@kam360.test>\r\nTo: {name} <r@x.cn>\r\n\
             Content-Type: multipart/alternative;\r\n boundary=\"b1\"\r\n\r\n\
             --b1\r\nContent-Type: text/plain; charset=utf-8\r\n\
             Content-Transfer-Encoding: base64\r\n\r\n{encoded}\
             --b1\r\nContent-Type: text/html; charset=utf-8\r\n\
             Content-Transfer-Encoding: quoted-printable\r\n\r\n<p>{name}</p>\r\n--b1--\r\n"
        )
    }

    #[test]
    fn unpacking_gives_back_the_very_bytes() {
        let dict = Dictionary::of(&message("", "https://x.test/r/0000", true));
        for m in [
            message("王芳", "https://x.test/r/abc", true),
            message("Anna Schmidt-Weiß", "https://x.test/r/xyz", false),
            String::new(),
            "no headers at all\n".into(),
            // names base64 but is not: kept as it is
            "Content-Transfer-Encoding: base64\r\n\r\nnot base64!\r\n--b--\r\n".into(),
            // base64 wrapped at another width: kept as it is
            "Content-Transfer-Encoding: base64\r\n\r\n5L2g\r\n5aW9\r\n".into(),
        ] {
            for d in [&dict, &Dictionary::none()] {
                assert_eq!(unpack(&pack(&m, d), d).expect("unpacks"), m);
            }
        }
    }

    #[test]
    fn a_message_like_its_specimen_packs_small() {
        let specimen = message("", "https://x.test/r/0000000000", true);
        let m = message("王芳", "https://x.test/r/abcdefghij", true);
        let dict = Dictionary::of(&specimen);
        let packed = pack(&m, &dict);
        assert!(
            packed.len() * 4 < pack(&m, &Dictionary::none()).len(),
            "{} bytes against the specimen",
            packed.len()
        );
        assert!(
            packed.len() < m.len() / 10,
            "{} of {}",
            packed.len(),
            m.len()
        );
    }

    #[test]
    fn damaged_packed_bodies_are_errors_not_panics() {
        let dict = Dictionary::of("specimen");
        let good = pack("a message", &dict);
        assert_eq!(unpack(&[], &dict), Err(UnpackError::Truncated));
        assert_eq!(unpack(&[9, 1, 2], &dict), Err(UnpackError::Version(9)));
        assert!(unpack(&good[..good.len() - 1], &dict).is_err());
        // read against the wrong dictionary: an error or other bytes, never a panic
        let _ = unpack(&good, &Dictionary::none());
    }
}
