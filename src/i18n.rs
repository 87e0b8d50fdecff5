//! The interface text in zh and en: flat `key = "text"` catalogues in `config/i18n/`,
//! embedded in the binary, with `{name}` placeholders.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::domain::locale::Locale;

const ZH: &str = include_str!("../config/i18n/zh.toml");
const EN: &str = include_str!("../config/i18n/en.toml");

type Catalogue = HashMap<String, String>;

fn parse(text: &str) -> Catalogue {
    toml::from_str(text).unwrap_or_default()
}

fn catalogue(locale: Locale) -> &'static Catalogue {
    static ZH_CAT: OnceLock<Catalogue> = OnceLock::new();
    static EN_CAT: OnceLock<Catalogue> = OnceLock::new();
    match locale {
        Locale::Zh => ZH_CAT.get_or_init(|| parse(ZH)),
        Locale::En => EN_CAT.get_or_init(|| parse(EN)),
    }
}

/// A page that says something went wrong: a title and a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemPage {
    NotFound,
    Bad,
    Conflict,
    Session,
    Error,
}

impl ProblemPage {
    /// Every problem page.
    pub const ALL: [ProblemPage; 5] = [
        ProblemPage::NotFound,
        ProblemPage::Bad,
        ProblemPage::Conflict,
        ProblemPage::Session,
        ProblemPage::Error,
    ];

    /// The catalogue key of its title.
    pub fn title_key(self) -> &'static str {
        match self {
            ProblemPage::NotFound => "notfound.title",
            ProblemPage::Bad => "bad.title",
            ProblemPage::Conflict => "conflict.title",
            ProblemPage::Session => "session.title",
            ProblemPage::Error => "error.title",
        }
    }

    /// The catalogue key of its body.
    pub fn body_key(self) -> &'static str {
        match self {
            ProblemPage::NotFound => "notfound.body",
            ProblemPage::Bad => "bad.body",
            ProblemPage::Conflict => "conflict.body",
            ProblemPage::Session => "session.body",
            ProblemPage::Error => "error.body",
        }
    }
}

/// Why a rater's link no longer takes answers: a page with a title and a body (`{cycle}`,
/// `{date}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    /// The cycle closed, or the link expired.
    Closed,
    /// An admin revoked the link.
    Revoked,
}

impl Unavailable {
    /// Every reason.
    pub const ALL: [Unavailable; 2] = [Unavailable::Closed, Unavailable::Revoked];

    /// The catalogue key of its title.
    pub fn title_key(self) -> &'static str {
        match self {
            Unavailable::Closed => "closed.title",
            Unavailable::Revoked => "revoked.title",
        }
    }

    /// The catalogue key of its body.
    pub fn body_key(self) -> &'static str {
        match self {
            Unavailable::Closed => "closed.body",
            Unavailable::Revoked => "revoked.body",
        }
    }
}

/// The text of `key` in `locale`, else in the other language, else a visible marker (the
/// parity test keeps both catalogues complete).
pub fn t(locale: Locale, key: &str) -> &'static str {
    catalogue(locale)
        .get(key)
        .or_else(|| catalogue(locale.other()).get(key))
        .map(String::as_str)
        .unwrap_or("(missing text)")
}

/// Every `(key, text)` of `locale`'s catalogue.
pub fn entries(locale: Locale) -> impl Iterator<Item = (&'static str, &'static str)> {
    catalogue(locale)
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
}

/// The text of `key` with `{name}` placeholders replaced.
pub fn tf(locale: Locale, key: &str, vars: &[(&str, &str)]) -> String {
    fill(t(locale, key), vars, |s, v| s.push_str(v))
}

/// `template` with each `{name}` placeholder of `vars` replaced by `push`ing its value, in one
/// pass: a value is never searched for placeholders, and a placeholder not in `vars` is left as
/// it is.
pub fn fill(template: &str, vars: &[(&str, &str)], push: impl Fn(&mut String, &str)) -> String {
    let mut rest = template;
    let mut s =
        String::with_capacity(rest.len() + vars.iter().map(|(_, v)| v.len()).sum::<usize>());
    while let Some(open) = rest.find('{') {
        s.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            let name = &after[..close];
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v, close))
        });
        match value {
            Some((v, close)) => {
                push(&mut s, v);
                rest = &after[close + 1..];
            }
            None => {
                s.push('{');
                rest = after;
            }
        }
    }
    s.push_str(rest);
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn placeholders(s: &str) -> BTreeSet<String> {
        s.split('{')
            .skip(1)
            .filter_map(|p| p.split_once('}').map(|(n, _)| n.to_owned()))
            .collect()
    }

    #[test]
    fn catalogues_parse_and_have_the_same_keys_and_placeholders() {
        let zh: Catalogue = toml::from_str(ZH).expect("zh.toml");
        let en: Catalogue = toml::from_str(EN).expect("en.toml");
        let zk: BTreeSet<_> = zh.keys().collect();
        let ek: BTreeSet<_> = en.keys().collect();
        assert_eq!(
            zk.symmetric_difference(&ek).collect::<Vec<_>>(),
            Vec::<&&String>::new()
        );
        for (k, v) in &zh {
            assert_eq!(
                placeholders(v),
                placeholders(&en[k]),
                "placeholders differ for {k}"
            );
            assert!(
                !v.trim().is_empty() && !en[k].trim().is_empty(),
                "empty text for {k}"
            );
        }
    }

    /// Every literal key the code looks up exists.
    #[test]
    fn every_literal_key_used_in_src_exists() {
        let en: Catalogue = toml::from_str(EN).expect("en.toml");
        let mut stack = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src"
        ))];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(dir).expect("src") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).expect("read");
                for call in ["t(l, \"", "t(locale, \"", "tf(l, \"", "tf(locale, \""] {
                    for part in text.split(call).skip(1) {
                        let key = part.split('"').next().unwrap_or("");
                        assert!(
                            en.contains_key(key),
                            "{}: unknown text key {key}",
                            path.display()
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn lookups_substitute() {
        assert_eq!(t(Locale::En, "group.customer"), "Customer");
        assert_eq!(t(Locale::Zh, "group.customer"), "客户");
        assert_eq!(
            tf(
                Locale::En,
                "form.progress",
                &[("answered", "2"), ("total", "5")]
            ),
            "2 of 5 answered"
        );
    }

    /// A value is inserted as it is: a name that looks like a placeholder is not substituted
    /// again, and a placeholder without a value stays visible.
    #[test]
    fn values_are_substituted_once() {
        let s = tf(
            Locale::En,
            "submitted.body",
            &[("subject", "{date} {"), ("date", "2026-12-01")],
        );
        assert!(
            s.starts_with("Feedback on {date} { was submitted from this link on 2026-12-01."),
            "{s}"
        );
        assert_eq!(
            tf(Locale::En, "form.progress", &[("answered", "2")]),
            "2 of {total} answered"
        );
    }
}
