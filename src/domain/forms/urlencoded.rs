//! Strict `application/x-www-form-urlencoded` decoding for the forms whose text is stored
//! (the rater form, the reconciliation form): a broken `%` escape or bytes that are not UTF-8
//! refuse the whole body, instead of becoming U+FFFD in someone's answer.

/// The body is not a well-formed urlencoded form in UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the form is not valid UTF-8 urlencoded text")]
pub struct Malformed;

/// Decodes `name=value&…` pairs in order (empty segments skipped; a name without `=` has an
/// empty value).
///
/// # Errors
///
/// [`Malformed`] for a `%` not followed by two hex digits, or a name or value that is not
/// UTF-8 once decoded.
pub fn parse(body: &[u8]) -> Result<Vec<(String, String)>, Malformed> {
    body.split(|b| *b == b'&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (name, value) = match part.iter().position(|b| *b == b'=') {
                Some(i) => (&part[..i], &part[i + 1..]),
                None => (part, &[][..]),
            };
            Ok((decode(name)?, decode(value)?))
        })
        .collect()
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn decode(raw: &[u8]) -> Result<String, Malformed> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = raw.get(i + 1).copied().and_then(hex).ok_or(Malformed)?;
                let lo = raw.get(i + 2).copied().and_then(hex).ok_or(Malformed)?;
                out.push(hi * 16 + lo);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_formed_bodies_decode() {
        let v = parse(b"a=1&b=%E7%8E%8B+%E8%8A%B3&&c&d=x%3Dy").expect("valid");
        assert_eq!(
            v,
            [
                ("a".into(), "1".into()),
                ("b".into(), "王 芳".into()),
                ("c".into(), String::new()),
                ("d".into(), "x=y".into())
            ]
        );
    }

    #[test]
    fn broken_escapes_and_invalid_utf8_are_refused() {
        for bad in [
            &b"a=%FF"[..],
            b"a=%E7%8E",
            b"a=%zz",
            b"a=%4",
            b"a=\xff",
            b"%C3%28=1",
        ] {
            assert_eq!(parse(bad), Err(Malformed), "{bad:?}");
        }
    }
}
