//! Quoted-printable (RFC 2045 §6.7) for a message part whose lines already end in CRLF: the
//! very bytes of `quoted_printable::encode`, the encoder lettre calls, made a byte at a time
//! into a byte buffer. That encoder builds a `String` a `char` at a time; it was the largest
//! single cost of composing a launch's 190,000 invitations (6 % of the machine in `perf`).
//! A property test holds the two to the same output.

/// The longest encoded line, without its CRLF.
const LIMIT: usize = 76;

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// `input` quoted-printable, its CRLFs kept as line breaks, every line at most 76 bytes with
/// soft line breaks (`=` CRLF); a space or tab ending a line is encoded, as is a lone CR.
pub fn encode(input: &[u8]) -> Vec<u8> {
    let mut out = Encoded {
        bytes: Vec::with_capacity(input.len() + input.len() / 16),
        on_line: 0,
        last_start: 0,
    };
    let mut was_cr = false;
    let mut i = 0;
    while let Some(&byte) = input.get(i) {
        i += 1;
        if was_cr {
            if byte == b'\n' {
                out.encode_trailing_blank();
                out.bytes.extend_from_slice(b"\r\n");
                out.on_line = 0;
                was_cr = false;
                continue;
            }
            out.append(b"=0D");
        }
        was_cr = byte == b'\r';
        if was_cr {
            continue;
        }
        if LIMIT.saturating_sub(out.on_line) >= 3 && !needs_encoding(byte) {
            // a run that needs no encoding is copied whole, leaving room for a soft break
            let longest = LIMIT - out.on_line - 2;
            let start = i - 1;
            let mut end = i;
            while end - start < longest && input.get(end).is_some_and(|b| !needs_encoding(*b)) {
                end += 1;
            }
            out.bytes.extend_from_slice(&input[start..end]);
            out.on_line += end - start;
            out.last_start = out.bytes.len();
            i = end;
            continue;
        }
        match byte {
            b'=' => out.append(b"=3D"),
            b'\t' | b' '..=b'~' => out.append(&[byte]),
            _ => out.append(&[
                b'=',
                HEX[usize::from(byte >> 4)],
                HEX[usize::from(byte & 0x0f)],
            ]),
        }
    }
    if was_cr {
        out.append(b"=0D");
    } else {
        out.encode_trailing_blank();
    }
    out.bytes
}

fn needs_encoding(byte: u8) -> bool {
    !matches!(byte, b'\t' | b' '..=b'<' | b'>'..=b'~')
}

/// The output so far, with the length of its last line and where its last piece began.
struct Encoded {
    bytes: Vec<u8>,
    on_line: usize,
    last_start: usize,
}

impl Encoded {
    /// Appends one piece (a byte or an `=XX` escape), breaking the line first if it would not
    /// fit: before the previous piece when the line is full to the byte, so the `=` fits too.
    fn append(&mut self, piece: &[u8]) {
        if self.on_line + piece.len() > LIMIT {
            if self.on_line == LIMIT {
                self.on_line = self.bytes.len() - self.last_start;
                let at = self.last_start;
                self.bytes.splice(at..at, *b"=\r\n");
            } else {
                self.bytes.extend_from_slice(b"=\r\n");
                self.on_line = 0;
            }
        }
        self.bytes.extend_from_slice(piece);
        self.on_line += piece.len();
        self.last_start = self.bytes.len() - piece.len();
    }

    /// A space or tab may not end an encoded line: the last one is encoded instead.
    fn encode_trailing_blank(&mut self) {
        let escape: &[u8] = match self.bytes.last() {
            Some(b' ') => b"=20",
            Some(b'\t') => b"=09",
            _ => return,
        };
        self.on_line -= 1;
        self.bytes.pop();
        self.append(escape);
    }
}

#[cfg(test)]
mod tests {
    use super::encode;
    use proptest::prelude::*;

    fn lettres(input: &[u8]) -> Vec<u8> {
        quoted_printable::encode(input)
    }

    #[test]
    fn short_lines_pass_and_long_ones_break_softly() {
        assert_eq!(encode(b"Hello, world\r\n"), b"Hello, world\r\n");
        let long = "a".repeat(100);
        let encoded = encode(long.as_bytes());
        assert_eq!(encoded, lettres(long.as_bytes()));
        assert!(encoded.split(|b| *b == b'\n').all(|l| l.len() <= 77));
        assert_eq!(encode("a=b é \r\n".as_bytes()), b"a=3Db =C3=A9=20\r\n");
        assert_eq!(encode(b"lone\rcr\r"), b"lone=0Dcr=0D");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        /// Byte for byte what lettre's encoder gives, for text made of what messages hold:
        /// words, blanks at line ends, `=`, CRs and LFs alone or paired, and UTF-8.
        #[test]
        fn the_same_bytes_as_lettres_encoder(
            pieces in proptest::collection::vec(
                prop_oneof![
                    "[a-zA-Z0-9 .,:/?&-]{0,90}",
                    Just(" \r\n".to_owned()),
                    Just("\t\r\n".to_owned()),
                    Just("\r\n".to_owned()),
                    Just("\r".to_owned()),
                    Just("\n".to_owned()),
                    Just("=".to_owned()),
                    Just(" ".to_owned()),
                    "[\u{4e00}-\u{4e20}é—]{0,30}",
                ],
                0..40,
            )
        ) {
            let text = pieces.concat();
            prop_assert_eq!(encode(text.as_bytes()), lettres(text.as_bytes()));
        }

        #[test]
        fn the_same_bytes_for_any_bytes(input in proptest::collection::vec(any::<u8>(), 0..400)) {
            prop_assert_eq!(encode(&input), lettres(&input));
        }
    }
}
