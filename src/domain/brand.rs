//! The organisation's branding (SPEC §13): its accent colour must keep white button text and
//! links readable (WCAG AA, 4.5:1 against white), and the sender names the organisation.

/// The built-in accent (the stylesheet's `--brand`); another one is served as `brand.css`.
pub const DEFAULT_ACCENT: &str = "#0b5cad";

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Color(pub u8, pub u8, pub u8);

impl Color {
    /// `#rrggbb` (or `rrggbb`).
    ///
    /// # Errors
    ///
    /// What is wrong with the text.
    pub fn parse(s: &str) -> Result<Color, String> {
        let hex = s.trim().trim_start_matches('#');
        let ok = hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit());
        let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
        match (ok, ok.then(|| (byte(0), byte(2), byte(4)))) {
            (true, Some((Some(r), Some(g), Some(b)))) => Ok(Color(r, g, b)),
            _ => Err(format!("'{s}' is not a colour like #0b5cad")),
        }
    }

    /// WCAG relative luminance.
    fn luminance(self) -> f64 {
        let lin = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.039_28 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin(self.0) + 0.7152 * lin(self.1) + 0.0722 * lin(self.2)
    }

    /// The contrast ratio with white (1–21).
    pub fn contrast_with_white(self) -> f64 {
        1.05 / (self.luminance() + 0.05)
    }

    /// The colour `share` of the way to black (for hover and dark accents).
    pub fn darker(self, share: f64) -> Color {
        let k = (1.0 - share).clamp(0.0, 1.0);
        // each channel stays within 0..=255 because k is within 0..=1
        let ch = |c: u8| (f64::from(c) * k).round() as u8;
        Color(ch(self.0), ch(self.1), ch(self.2))
    }

    /// `#rrggbb`.
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

/// Checks an accent colour: it carries white text on buttons and is the colour of links.
///
/// # Errors
///
/// Why the colour cannot be used.
pub fn accent(s: &str) -> Result<Color, String> {
    let c = Color::parse(s)?;
    let ratio = c.contrast_with_white();
    if ratio < 4.5 {
        return Err(format!(
            "{} has a contrast of {ratio:.1}:1 with white; buttons and links need at least 4.5:1 (choose a darker shade)",
            c.hex()
        ));
    }
    Ok(c)
}

/// The sender of every email: with an organisation configured and a sender that does not
/// name anyone but kam360, "{organization} via kam360 <address>" (SPEC §13).
pub fn sender(from: &str, organization: &str) -> String {
    let organization = organization.trim();
    let (name, address) = match from.rsplit_once('<') {
        Some((name, rest)) => (name.trim().trim_matches('"'), format!("<{rest}")),
        None => ("", format!("<{}>", from.trim())),
    };
    if organization.is_empty() || !(name.is_empty() || name == "kam360") {
        return from.to_owned();
    }
    let quoted = organization.replace(['"', '\\'], "");
    format!("\"{quoted} via kam360\" {address}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_must_keep_white_text_readable() {
        assert_eq!(accent("#0b5cad").map(Color::hex), Ok("#0b5cad".into()));
        let e = accent("#ffcc00").expect_err("yellow under white text");
        assert!(e.contains("4.5:1"), "{e}");
        assert!(accent("blue").is_err() && accent("#12345").is_err());
        assert_eq!(Color(200, 100, 50).darker(0.5), Color(100, 50, 25));
    }

    #[test]
    fn the_sender_names_the_organisation_unless_someone_else_is_named() {
        let default = "kam360 <no-reply@kam360.invalid>";
        assert_eq!(
            sender(default, "China Telecom Guangdong"),
            "\"China Telecom Guangdong via kam360\" <no-reply@kam360.invalid>"
        );
        assert_eq!(
            sender("hr@acme.cn", "Acme"),
            "\"Acme via kam360\" <hr@acme.cn>"
        );
        assert_eq!(
            sender("HR Team <hr@acme.cn>", "Acme"),
            "HR Team <hr@acme.cn>"
        );
        assert_eq!(sender(default, ""), default);
    }
}
