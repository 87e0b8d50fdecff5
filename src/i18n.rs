//! The interface text in zh and en: flat `key = "text"` catalogues in `templates/i18n/`,
//! embedded in the binary, with `{name}` placeholders.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::domain::locale::Locale;

const ZH: &str = include_str!("../templates/i18n/zh.toml");
const EN: &str = include_str!("../templates/i18n/en.toml");

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

/// The text of `key` in `locale` (the key itself if missing, which the parity test forbids).
pub fn t<'a>(locale: Locale, key: &'a str) -> &'a str
where
    'static: 'a,
{
    catalogue(locale)
        .get(key)
        .map(String::as_str)
        .unwrap_or(key)
}

/// The text of `key` with `{name}` placeholders replaced.
pub fn tf(locale: Locale, key: &str, vars: &[(&str, &str)]) -> String {
    let mut s = t(locale, key).to_owned();
    for (name, value) in vars {
        s = s.replace(&format!("{{{name}}}"), value);
    }
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
}
