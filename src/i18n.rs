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

/// The text of `key` for the count `n` (its `{n}`): the `key.one` form when `n` is 1 (English
/// has two forms; the Chinese `.one` form is the same text), with the other placeholders.
pub fn tn(locale: Locale, key: &str, n: usize, vars: &[(&str, &str)]) -> String {
    let one = [key, ".one"].concat();
    let template = if n == 1 && catalogue(locale).contains_key(&one) {
        t(locale, &one)
    } else {
        t(locale, key)
    };
    let n = n.to_string();
    let mut all = vec![("n", n.as_str())];
    all.extend_from_slice(vars);
    fill(template, &all, |s, v| s.push_str(v))
}

/// `template` with each `{name}` placeholder of `vars` replaced by `push`ing its value, in one
/// pass: a value is never searched for placeholders, and a placeholder not in `vars` is left as
/// it is. Where a value puts Latin letters or digits against Chinese characters, a space goes
/// between them, as Chinese typesetting wants ("对 David Chen 的反馈", but "对王芳的反馈").
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
                rest = &after[close + 1..];
                if needs_space(s.chars().next_back(), v.chars().next()) {
                    s.push(' ');
                }
                push(&mut s, v);
                if needs_space(v.chars().next_back(), rest.chars().next()) {
                    s.push(' ');
                }
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

/// `text` with a space wherever a Chinese character and a Latin letter or digit stand side by
/// side (the Chinese emails, whose names and numbers come from their templates' values).
pub fn spaced(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut last = None;
    for c in text.chars() {
        if needs_space(last, Some(c)) {
            out.push(' ');
        }
        out.push(c);
        last = Some(c);
    }
    out
}

/// Whether `a` and `b`, side by side, are a Chinese character and a Latin letter or digit.
fn needs_space(a: Option<char>, b: Option<char>) -> bool {
    let han = |c: char| matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}');
    match (a, b) {
        (Some(a), Some(b)) => {
            (han(a) && b.is_ascii_alphanumeric()) || (a.is_ascii_alphanumeric() && han(b))
        }
        _ => false,
    }
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
            let mut theirs = placeholders(&en[k]);
            if k.ends_with(".one") {
                // a singular may say "1" or "the" instead of its count
                theirs.insert("n".to_owned());
            }
            let mut ours = placeholders(v);
            if k.ends_with(".one") {
                ours.insert("n".to_owned());
            }
            assert_eq!(ours, theirs, "placeholders differ for {k}");
            assert!(
                !v.trim().is_empty() && !en[k].trim().is_empty(),
                "empty text for {k}"
            );
        }
    }

    /// The keys of `keys` missing from either catalogue, with the locale they are missing in.
    fn missing<'a>(keys: impl IntoIterator<Item = (String, &'a str)>) -> Vec<String> {
        let mut out = Vec::new();
        for (place, key) in keys {
            for l in [Locale::Zh, Locale::En] {
                if !catalogue(l).contains_key(key) {
                    out.push(format!("{place}: {key} (no {} text)", l.as_str()));
                }
            }
        }
        out
    }

    /// Every value of every family of keys has its words in both languages: a new variant
    /// without them fails here.
    #[test]
    fn every_family_key_exists_in_both_catalogues() {
        use crate::domain::audit::Action;
        use crate::domain::forms::{cycle_settings, nomination_form, proposal, staff_invite};
        use crate::domain::relationship::Relationship;
        use crate::domain::rules::consolidation::Flag;
        use crate::domain::rules::lifecycle::Step;
        use crate::domain::rules::progress::Stage;
        use crate::domain::status::{
            AssignmentStatus, CycleStatus, EmailKind, NominationMode, Notice, ProposalStatus, Role,
        };

        let mut keys: Vec<(String, &'static str)> = Vec::new();
        let mut add = |what: String, ks: &[&'static str]| {
            keys.extend(ks.iter().map(|k| (what.clone(), *k)));
        };
        {
            use crate::domain::forms::cycle_texts::{Part, TextKind};
            for k in TextKind::ALL {
                add(format!("{k:?}"), &[k.key()]);
            }
            for p in Part::ALL {
                add(format!("{p:?}"), &[p.key()]);
            }
            add(
                "cycle texts' refusals".into(),
                &[
                    "texts.error.too_long",
                    "texts.error.subject_line",
                    "texts.error.placeholder",
                ],
            );
        }
        for r in Relationship::ALL {
            add(
                format!("{r:?}"),
                &[r.group_key(), r.plural_key(), r.report_key()],
            );
        }
        for s in CycleStatus::ALL {
            add(format!("{s:?}"), &[s.key()]);
        }
        for s in AssignmentStatus::ALL {
            add(format!("{s:?}"), &[s.key()]);
        }
        for p in ProposalStatus::ALL {
            add(format!("{p:?}"), &[p.key()]);
        }
        for m in NominationMode::ALL {
            add(format!("{m:?}"), &[m.key(), m.hint_key()]);
        }
        for r in Role::ALL {
            add(format!("{r:?}"), &[r.key(), r.title_key(), r.does_key()]);
        }
        for k in EmailKind::ALL {
            add(format!("{k:?}"), &[k.key()]);
            assert_eq!(
                k.personal_key().is_some(),
                EmailKind::SELF_SERVICE.contains(k),
                "{k:?}: the words for an admin who cannot retry go with the self-service kinds"
            );
            add(
                format!("{k:?}"),
                &k.personal_key().into_iter().collect::<Vec<_>>(),
            );
        }
        for n in Notice::ALL {
            add(format!("{n:?}"), &[n.key()]);
        }
        for a in Action::ALL {
            add(format!("{a:?}"), &[a.key()]);
        }
        for s in Stage::ALL {
            add(format!("{s:?}"), &[s.key()]);
        }
        for s in Step::ALL {
            add(format!("{s:?}"), &[s.title_key(), s.button_key()]);
        }
        for f in Flag::ALL {
            let w = f.words();
            add(
                format!("{f:?}"),
                &[w.name, w.for_supervisor, w.for_admin, w.for_kam],
            );
        }
        for f in cycle_settings::Field::ALL {
            add(format!("cycle {f:?}"), &[f.label_key()]);
        }
        for f in staff_invite::Field::ALL {
            add(format!("invite {f:?}"), &[f.label_key()]);
        }
        for f in proposal::Field::ALL {
            add(format!("proposal {f:?}"), &[f.label_key()]);
        }
        for f in nomination_form::Field::ALL {
            add(format!("nomination {f:?}"), &[f.label_key()]);
        }
        for p in ProblemPage::ALL {
            add(format!("{p:?}"), &[p.title_key(), p.body_key()]);
        }
        for u in Unavailable::ALL {
            add(format!("{u:?}"), &[u.title_key(), u.body_key()]);
        }
        assert_eq!(missing(keys), Vec::<String>::new());
    }

    /// The literal keys in `text`: the second argument of every call to `t` or `tf` (whatever
    /// the first), and to the views' `text` or `textf` with the locale `l`, when it is a string
    /// literal.
    fn literal_keys(text: &str) -> Vec<&str> {
        keys_of_calls(text, &["t", "tf", "tn", "text", "textf"])
    }

    /// The literal keys of the calls to the functions `names` in `text`.
    fn keys_of_calls<'a>(text: &'a str, names: &[&str]) -> Vec<&'a str> {
        let mut keys = Vec::new();
        for (open, _) in text.match_indices('(') {
            let before = &text[..open];
            let start = before
                .char_indices()
                .rev()
                .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_'))
                .map_or(0, |(p, c)| p + c.len_utf8());
            let name = &before[start..];
            let wrapper = matches!(name, "text" | "textf");
            if !names.contains(&name) || before[..start].ends_with("fn ") {
                continue;
            }
            // the first argument ends at the first comma outside brackets
            let rest = &text[open + 1..];
            let mut depth = 0usize;
            let mut comma = None;
            for (i, c) in rest.char_indices() {
                match c {
                    '(' | '[' | '{' => depth += 1,
                    ')' | ']' | '}' if depth == 0 => break,
                    ')' | ']' | '}' => depth -= 1,
                    ',' if depth == 0 => {
                        comma = Some(i);
                        break;
                    }
                    // a string in the first argument: not a lookup
                    '"' => break,
                    _ => {}
                }
            }
            let Some(comma) = comma else { continue };
            // the views' wrappers share their names with form helpers: only `text(l, …)`
            if wrapper && !matches!(rest[..comma].trim(), "l" | "locale") {
                continue;
            }
            if let Some(lit) = rest[comma + 1..].trim_start().strip_prefix('"') {
                if let Some(end) = lit.find('"') {
                    keys.push(&lit[..end]);
                }
            }
        }
        keys
    }

    #[test]
    fn literal_keys_are_found_in_calls() {
        // `@` for `t`, so that the scan of this file does not read these as lookups
        let src = r#"@(l, "a.b") @f(Locale::En, "c", &[]) crate::i18n::@(
            locale,
            "d.e",
        ) @(l, key) @(l, if x { "no" } else { "no" }) fn @(s: i64) @ext(l, "f")
        @ext(Field::Email, "no", "no") @extf(l, "g", &[]) @ext(&field("x.no"), "no")"#
            .replace('@', "t");
        assert_eq!(literal_keys(&src), ["a.b", "c", "d.e", "f", "g"]);
    }

    /// Every key the code looks up literally has its words in both languages.
    #[test]
    fn every_literal_key_used_in_src_exists() {
        let mut keys = Vec::new();
        for (path, text) in crate::architecture_tests::rust_sources() {
            let place = path.display().to_string();
            keys.extend(
                literal_keys(&text)
                    .into_iter()
                    .map(|k| (place.clone(), k.to_owned())),
            );
        }

        assert!(keys.len() > 300, "the scan found only {} keys", keys.len());
        assert_eq!(
            missing(keys.iter().map(|(p, k)| (p.clone(), k.as_str()))),
            Vec::<String>::new()
        );
    }

    /// Every word the audit trail shows for a stored value has its text in both catalogues.
    #[test]
    fn audit_details_have_their_words() {
        use crate::domain::audit::{reason, shown, Action, Shown};
        let samples = [
            "1",
            "open",
            "finalized",
            "peer",
            "revoked",
            "admin",
            "2 added, 0 unchanged",
            "3 ratings and 4 answers deleted; final levels kept",
            "fresh link queued",
            "x",
        ];
        let mut keys = Vec::new();
        for a in Action::ALL {
            for v in samples {
                if let Shown::Word(k) | Shown::Counted(k, _) = shown(*a, v) {
                    keys.push((format!("{a:?} {v}"), k));
                }
            }
        }
        for r in ["cycle_closed", "everyone_answered"] {
            if let Shown::Word(k) = reason(r) {
                keys.push((r.to_owned(), k));
            }
        }
        assert!(keys.len() > 100, "{}", keys.len());
        assert_eq!(missing(keys), Vec::<String>::new());
    }

    /// Every count looked up with `tn` has its singular form in both catalogues, and every
    /// singular form belongs to a key.
    #[test]
    fn counted_texts_have_their_singular_forms() {
        let mut counted = Vec::new();
        for (path, text) in crate::architecture_tests::rust_sources() {
            let place = path.display().to_string();
            for key in keys_of_calls(&text, &["tn"]) {
                counted.push((place.clone(), format!("{key}.one")));
            }
        }
        assert!(
            counted.len() >= 8,
            "the scan found {} counts",
            counted.len()
        );
        assert_eq!(
            missing(counted.iter().map(|(p, k)| (p.clone(), k.as_str()))),
            Vec::<String>::new()
        );
        for (key, _) in entries(Locale::En) {
            if let Some(base) = key.strip_suffix(".one") {
                assert!(
                    catalogue(Locale::En).contains_key(base),
                    "{key} without {base}"
                );
            }
        }
        assert_eq!(
            tn(Locale::En, "admin.done.imported", 1, &[]),
            "1 nomination imported"
        );
        assert_eq!(
            tn(Locale::En, "admin.done.imported", 2, &[]),
            "2 nominations imported"
        );
    }

    #[test]
    fn latin_values_are_spaced_from_chinese_characters() {
        let feedback = |name| tf(Locale::Zh, "form.title", &[("subject", name)]);
        assert_eq!(feedback("David Chen"), "对 David Chen 的反馈");
        assert_eq!(feedback("王芳"), "对王芳的反馈");
        assert_eq!(feedback("王 David"), "对王 David 的反馈");
        assert_eq!(fill("{n} 人", &[("n", "3")], |s, v| s.push_str(v)), "3 人");
        assert_eq!(
            fill("少于{n}人", &[("n", "3")], |s, v| s.push_str(v)),
            "少于 3 人"
        );
        assert_eq!(
            fill("（{n}）", &[("n", "3")], |s, v| s.push_str(v)),
            "（3）"
        );
        assert_eq!(
            fill("for {n}.", &[("n", "王芳")], |s, v| s.push_str(v)),
            "for 王芳."
        );
        assert_eq!(
            fill("on{n}", &[("n", "王芳")], |s, v| s.push_str(v)),
            "on 王芳"
        );
    }

    #[test]
    fn chinese_text_is_spaced_from_latin_names_and_numbers() {
        assert_eq!(
            spaced("转给Kam B的主管，至少3人"),
            "转给 Kam B 的主管，至少 3 人"
        );
        assert_eq!(spaced("<p>王芳</p> a=\"1\""), "<p>王芳</p> a=\"1\"");
        assert_eq!(spaced("Feedback on 王芳"), "Feedback on 王芳");
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
