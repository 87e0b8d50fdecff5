//! The two languages kam360 speaks, and how a request's language is chosen.

use serde::{Deserialize, Serialize};

/// A supported language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    Zh,
    En,
}

impl Locale {
    /// `zh` or `en`.
    pub fn as_str(self) -> &'static str {
        match self {
            Locale::Zh => "zh",
            Locale::En => "en",
        }
    }

    /// The other language.
    pub fn other(self) -> Locale {
        match self {
            Locale::Zh => Locale::En,
            Locale::En => Locale::Zh,
        }
    }

    /// The BCP 47 tag for the HTML `lang` attribute.
    pub fn html_lang(self) -> &'static str {
        match self {
            Locale::Zh => "zh-CN",
            Locale::En => "en",
        }
    }

    /// Parses `zh` or `en` exactly.
    pub fn parse(s: &str) -> Option<Locale> {
        match s {
            "zh" => Some(Locale::Zh),
            "en" => Some(Locale::En),
            _ => None,
        }
    }

    /// The best supported language of an `Accept-Language` header, honouring q-values
    /// (`en;q=0.1, zh;q=0.2` → zh). Any `zh*` tag maps to zh. `None` when nothing matches.
    pub fn negotiate(header: &str) -> Option<Locale> {
        let mut best: Option<(u32, usize, Locale)> = None;
        for (position, part) in header.split(',').enumerate() {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let mut q = 1000u32;
            for p in pieces {
                if let Some(v) = p.trim().strip_prefix("q=") {
                    q = parse_q(v.trim()).unwrap_or(0);
                }
            }
            let primary = tag.split('-').next().unwrap_or("");
            let Some(locale) = Locale::parse(primary) else {
                continue;
            };
            if q == 0 {
                continue;
            }
            // higher q wins; among equal q the earlier tag wins
            let better = match best {
                None => true,
                Some((bq, _, _)) => q > bq,
            };
            if better {
                best = Some((q, position, locale));
            }
        }
        best.map(|(_, _, l)| l)
    }
}

/// q-value in thousandths (`0.25` → 250); `None` when malformed.
fn parse_q(v: &str) -> Option<u32> {
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: u32 = match int {
        "0" => 0,
        "1" => 1,
        _ => return None,
    };
    let mut thousandths: u32 = 0;
    for (i, b) in frac.bytes().enumerate() {
        thousandths += u32::from(b - b'0') * 10u32.pow(2 - i as u32);
    }
    let q = whole * 1000 + thousandths;
    (q <= 1000).then_some(q)
}

impl super::status::TextEnum for Locale {
    const WHAT: &'static str = "locale";
    fn as_str(self) -> &'static str {
        Locale::as_str(self)
    }
    fn parse(s: &str) -> Option<Self> {
        Locale::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn q_values_are_honoured() {
        assert_eq!(Locale::negotiate("en;q=0.1, zh;q=0.2"), Some(Locale::Zh));
        assert_eq!(
            Locale::negotiate("zh-CN,zh;q=0.9,en;q=0.8"),
            Some(Locale::Zh)
        );
        assert_eq!(
            Locale::negotiate("en-GB,en;q=0.9,zh;q=0.8"),
            Some(Locale::En)
        );
        assert_eq!(Locale::negotiate("fr-FR, de;q=0.5"), None);
        assert_eq!(Locale::negotiate("zh-TW"), Some(Locale::Zh));
        assert_eq!(Locale::negotiate("zh;q=0, en;q=0.5"), Some(Locale::En));
        assert_eq!(Locale::negotiate(""), None);
        assert_eq!(Locale::negotiate("en;q=abc, zh"), Some(Locale::Zh));
    }
}
