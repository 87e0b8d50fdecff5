//! Text from outside that is echoed back: control characters (which drive terminals: ANSI
//! escapes, bell, line breaks that forge extra lines) and Unicode text-direction controls
//! (which reorder what a reader sees, U+202E …) are made visible or refused.

use std::borrow::Cow;

/// The bidirectional embedding, override and isolate controls (U+202A–U+202E,
/// U+2066–U+2069).
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// A character that must not reach a terminal, a header or a page as it is.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

/// `s` with every unsafe character written as `\u{…}` (text otherwise unchanged, Chinese
/// included).
pub fn printable(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `s` without text-direction controls (for names shown in pages and mail headers).
pub fn without_bidi(s: &str) -> Cow<'_, str> {
    if s.chars().any(is_bidi_control) {
        Cow::Owned(s.chars().filter(|c| !is_bidi_control(*c)).collect())
    } else {
        Cow::Borrowed(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_characters_are_made_visible() {
        assert_eq!(printable("王芳 ok"), "王芳 ok");
        assert_eq!(printable("a\u{1b}[31mb"), "a\\u{1b}[31mb");
        assert_eq!(printable("x\nline 9: forged"), "x\\u{a}line 9: forged");
        assert_eq!(printable("\u{202E}gnp.exe"), "\\u{202e}gnp.exe");
        assert_eq!(without_bidi("Ann\u{202E}a\u{2066}"), "Anna");
        assert!(matches!(without_bidi("plain"), Cow::Borrowed(_)));
    }
}
