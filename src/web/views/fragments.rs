//! The rubric's texts escaped once per cycle and language and reused for every rater's form:
//! escaping the same ~20 KB of descriptors on every request was most of a form GET's cost.
//! Each criterion's radios and comment box are rendered once too, as the markup between the
//! places where one rater's answers go. `Escaped` is the one place in the views that writes
//! markup unescaped; it only ever holds what maud rendered.

use std::collections::HashMap;
use std::sync::OnceLock;

use maud::{html, Render};

use crate::domain::formats::rubric::{Criterion, Rubric};
use crate::domain::forms::answers::{Choice, MAX_COMMENT};
use crate::domain::locale::Locale;
use crate::i18n::t;

/// The interface text of `key` in `l`, escaped once per process; like [`crate::i18n::t`], it
/// falls back to the other language, then to a visible marker.
pub fn text(l: Locale, key: &str) -> &'static Escaped {
    fn texts(l: Locale) -> &'static HashMap<&'static str, Escaped> {
        static ZH: OnceLock<HashMap<&'static str, Escaped>> = OnceLock::new();
        static EN: OnceLock<HashMap<&'static str, Escaped>> = OnceLock::new();
        let cell = match l {
            Locale::Zh => &ZH,
            Locale::En => &EN,
        };
        cell.get_or_init(|| {
            crate::i18n::entries(l)
                .map(|(k, v)| (k, Escaped::of(v)))
                .collect()
        })
    }
    static MISSING: OnceLock<Escaped> = OnceLock::new();
    texts(l)
        .get(key)
        .or_else(|| texts(l.other()).get(key))
        .unwrap_or_else(|| MISSING.get_or_init(|| Escaped::of(t(l, key))))
}

/// The interface text of `key` with its `{name}` placeholders replaced, each value escaped as it
/// is inserted into the escaped text (placeholders hold nothing an escape changes).
pub fn textf(l: Locale, key: &str, vars: &[(&str, &str)]) -> Escaped {
    Escaped(crate::i18n::fill(&text(l, key).0, vars, |s, v| {
        use std::fmt::Write;
        let _ = maud::Escaper::new(s).write_str(v);
    }))
}

/// Renders nothing: makes room for `n` more bytes in the markup being rendered. maud sizes its
/// buffer from the template's source, far less than a form with its pre-rendered criteria,
/// which then grew by reallocating and copying several times per request.
pub struct Reserve(pub usize);

impl Render for Reserve {
    fn render_to(&self, buffer: &mut String) {
        buffer.reserve(self.0);
    }
}

/// Text already HTML-escaped by maud.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escaped(String);

impl Escaped {
    /// Escapes `text`.
    pub fn of(text: &str) -> Escaped {
        Escaped(html! { (text) }.into_string())
    }

    /// Markup maud rendered, cut in two at the first `marker` after `after`: the pieces between
    /// which a rater's own answer goes.
    fn split(markup: maud::Markup, after: &str, marker: &str) -> (Escaped, Escaped) {
        let s = markup.into_string();
        let from = s.find(after).unwrap_or(0);
        match s[from..].find(marker) {
            Some(i) => (
                Escaped(s[..from + i].to_owned()),
                Escaped(s[from + i + marker.len()..].to_owned()),
            ),
            None => (Escaped(s), Escaped(String::new())),
        }
    }
}

impl Render for Escaped {
    fn render_to(&self, buffer: &mut String) {
        buffer.push_str(&self.0);
    }
}

/// One criterion's texts.
#[derive(Debug, Clone)]
pub struct CriterionText {
    pub name: Escaped,
    /// For each choice (levels 1..=4, then not observed): its labelled radio input, cut where
    /// ` checked` goes when the rater chose it.
    pub choices: Vec<(Choice, Escaped, Escaped)>,
    /// The comment box, folded away (no comment yet: it opens on demand), cut where the
    /// rater's comment goes.
    pub comment: (Escaped, Escaped),
    /// The same box shown open, for a comment that holds text.
    pub comment_open: (Escaped, Escaped),
    /// The two boxes for a confidential rater, whose hint says where the comment goes
    /// (SPEC §7: word for word to the supervisor and, after release, the KAM).
    pub confidential: [(Escaped, Escaped); 2],
}

impl CriterionText {
    /// The comment box for `comment`: open when it holds text (SPEC §13); a `confidential`
    /// rater's says where their words go.
    pub fn comment_for(&self, comment: &str, confidential: bool) -> &(Escaped, Escaped) {
        match (confidential, comment.is_empty()) {
            (false, true) => &self.comment,
            (false, false) => &self.comment_open,
            (true, true) => &self.confidential[0],
            (true, false) => &self.confidential[1],
        }
    }
}

/// Marks where a rater's comment goes while the comment box is rendered once (a control
/// character: maud leaves it as it is, and no text of the rubric or catalogue holds it).
const COMMENT_SLOT: &str = "\u{1}";

impl CriterionText {
    fn new(c: &Criterion, rubric: &Rubric, l: Locale) -> CriterionText {
        let levels: Vec<(Escaped, Escaped)> = c
            .descriptors
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let label = rubric.scale.get(i).map(|s| s.label.get(l)).unwrap_or("");
                (
                    Escaped::of(&format!("{} · {label}", i + 1)),
                    Escaped::of(d.get(l)),
                )
            })
            .collect();
        let radio = |value: &str, label: &Escaped, descriptor: &Escaped| {
            let id = format!("{}-{value}", c.id);
            Escaped::split(
                html! {
                    label.level.na[value == "na"] for=(id) {
                        input type="radio" name=(c.id) id=(id) value=(value) checked;
                        span.level-name { (label) }
                        span.descriptor { (descriptor) }
                    }
                },
                "<input",
                " checked",
            )
        };
        let mut choices: Vec<(Choice, Escaped, Escaped)> = levels
            .iter()
            .enumerate()
            .map(|(i, (label, descriptor))| {
                let level = (i + 1) as u8;
                let (before, after) = radio(&level.to_string(), label, descriptor);
                (Choice::Level(level), before, after)
            })
            .collect();
        let (before, after) = radio("na", text(l, "level.na"), text(l, "level.na.hint"));
        choices.push((Choice::NotObserved, before, after));
        let comment_id = format!("{}__comment", c.id);
        let comment = |open: bool, hint: &str| {
            Escaped::split(
                html! {
                    details.comment open[open] {
                        summary { (t(l, "form.comment")) }
                        label.visually-hidden for=(comment_id) { (t(l, "form.comment")) }
                        textarea name=(comment_id) id=(comment_id) rows="2" maxlength=(MAX_COMMENT) aria-describedby={ "hint-" (c.id) } {
                            (COMMENT_SLOT)
                        }
                        p.hint id={ "hint-" (c.id) } { (t(l, hint)) }
                    }
                },
                "<textarea",
                COMMENT_SLOT,
            )
        };
        CriterionText {
            name: Escaped::of(c.name.get(l)),
            choices,
            comment: comment(false, "form.comment.hint"),
            comment_open: comment(true, "form.comment.hint"),
            confidential: [
                comment(false, "form.comment.hint.confidential"),
                comment(true, "form.comment.hint.confidential"),
            ],
        }
    }
}

/// Every text of a cycle's form in one language.
#[derive(Debug, Clone)]
pub struct FormText {
    /// About the size of a form with every criterion (for [`Reserve`]).
    pub size_hint: usize,
    pub criteria: HashMap<String, CriterionText>,
    pub areas: HashMap<String, Escaped>,
}

impl FormText {
    /// Escapes the rubric's texts in `locale`.
    pub fn new(rubric: &Rubric, l: Locale) -> FormText {
        let criteria: HashMap<String, CriterionText> = rubric
            .criteria()
            .map(|c| (c.id.clone(), CriterionText::new(c, rubric, l)))
            .collect();
        let areas = rubric
            .areas
            .iter()
            .map(|a| (a.id.clone(), Escaped::of(a.name.get(l))))
            .collect();
        let fragments: usize = criteria
            .values()
            .map(|c: &CriterionText| {
                c.name.0.len()
                    + c.comment.0 .0.len()
                    + c.comment.1 .0.len()
                    + c.choices
                        .iter()
                        .map(|(_, before, after)| before.0.len() + after.0.len() + 8)
                        .sum::<usize>()
            })
            .sum();
        FormText {
            // the criteria, and the page around them with room for the rater's own text
            size_hint: fragments + 16 * 1024,
            criteria,
            areas,
        }
    }
}

/// A cycle's rubric and its form texts, escaped once per language.
pub struct CycleForm {
    pub rubric: Rubric,
    zh: FormText,
    en: FormText,
}

impl CycleForm {
    /// Escapes the rubric's texts in both languages.
    pub fn new(rubric: Rubric) -> CycleForm {
        CycleForm {
            zh: FormText::new(&rubric, Locale::Zh),
            en: FormText::new(&rubric, Locale::En),
            rubric,
        }
    }

    /// The escaped texts in `locale`.
    pub fn text(&self, locale: Locale) -> &FormText {
        match locale {
            Locale::Zh => &self.zh,
            Locale::En => &self.en,
        }
    }
}

/// The `type` of a date field holding `value`: `date`, unless what was typed is not a day the
/// browser's date field can hold (a refused `2026-02-30` comes back as typed, in a text field).
pub fn date_type(value: &str) -> &'static str {
    let day = chrono::NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d");
    if value.trim().is_empty() || day.is_ok() {
        "date"
    } else {
        "text"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_criterion_is_rendered_once_with_slots_for_the_answer_and_the_comment() {
        let rubric = crate::domain::test_support::rubric();
        let c = rubric.criteria().next().expect("a criterion");
        let ct = CriterionText::new(c, &rubric, Locale::En);
        assert_eq!(ct.choices.len(), 5, "four levels and not observed");
        let (choice, before, after) = &ct.choices[1];
        assert_eq!(*choice, Choice::Level(2));
        let whole = format!("{}{}{}", before.0, " checked", after.0);
        assert!(
            whole.starts_with(&format!(
                "<label class=\"level\" for=\"{0}-2\"><input type=\"radio\" name=\"{0}\" id=\"{0}-2\" value=\"2\" checked>",
                c.id
            )),
            "{whole}"
        );
        assert!(whole.ends_with("</span></label>"), "{whole}");
        assert!(ct.choices[4].1 .0.starts_with("<label class=\"level na\""));
        assert!(ct.choices[4].1 .0.ends_with("value=\"na\""));
        let (open, close) = &ct.comment;
        assert!(
            open.0.ends_with('>') && open.0.contains("<textarea"),
            "{}",
            open.0
        );
        assert!(close.0.starts_with("</textarea>"), "{}", close.0);
        assert!(!open.0.contains(COMMENT_SLOT) && !close.0.contains(COMMENT_SLOT));
        assert!(
            open.0.starts_with("<details class=\"comment\"><summary>"),
            "folded when empty"
        );
        assert!(
            ct.comment_for("text", false)
                .0
                 .0
                .starts_with("<details class=\"comment\" open><summary>"),
            "open when it holds text"
        );
        // a confidential rater's box says where the comment goes, before anything is typed
        let hint = crate::i18n::t(Locale::En, "form.comment.hint.confidential");
        assert!(hint.contains("word for word"));
        for text in ["", "text"] {
            let (open, close) = ct.comment_for(text, true);
            assert!(close.0.contains(hint), "{}", close.0);
            assert!(open.0.contains("aria-describedby"), "{}", open.0);
            assert!(!ct.comment_for(text, false).1 .0.contains(hint));
        }
    }

    /// `text` and `textf` give exactly what maud makes of `t` and `tf`.
    #[test]
    fn escaped_interface_texts_match_escaping_on_each_use() {
        for l in [Locale::Zh, Locale::En] {
            for (key, _) in crate::i18n::entries(l) {
                assert_eq!(text(l, key).0, html! { (t(l, key)) }.into_string(), "{key}");
            }
            let vars = [
                ("subject", "<b>\"Tom\" & 'Jerry'</b> {date}"),
                ("date", "2026-12-01"),
            ];
            assert_eq!(
                textf(l, "submitted.body", &vars).0,
                html! { (crate::i18n::tf(l, "submitted.body", &vars)) }.into_string()
            );
        }
        assert_eq!(text(Locale::En, "no.such.key").0, "(missing text)");
    }

    #[test]
    fn reserve_renders_nothing() {
        assert_eq!(html! { (Reserve(1 << 16)) "x" }.into_string(), "x");
    }

    #[test]
    fn escaped_text_is_escaped() {
        let e = Escaped::of("<script>\"x\" & '客户'</script>");
        assert_eq!(
            html! { (e) }.into_string(),
            "&lt;script&gt;&quot;x&quot; &amp; '客户'&lt;/script&gt;"
        );
    }
}
