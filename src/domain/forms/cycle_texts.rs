//! The words an admin gives a cycle's invitation and reminder (SPEC §16): a subject and an
//! opening paragraph, in zh and en. Placeholders are a fixed set; kam360 always adds the link,
//! the confidentiality and comment notice and the decline link, which cannot be edited away.

use crate::domain::locale::Locale;

/// The placeholders a text may use, each filled per message.
pub const PLACEHOLDERS: [&str; 5] = [
    "kam_name",
    "rater_name",
    "deadline",
    "cycle_name",
    "organization",
];

/// The longest text a field takes, in characters.
pub const MAX_CHARS: usize = 2_000;
/// The longest subject, in characters.
pub const MAX_SUBJECT: usize = 200;

/// The messages whose words an admin edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextKind {
    Invitation,
    Reminder,
}

impl TextKind {
    pub const ALL: [TextKind; 2] = [TextKind::Invitation, TextKind::Reminder];

    /// The code stored and used in field names.
    pub fn as_str(self) -> &'static str {
        match self {
            TextKind::Invitation => "invitation",
            TextKind::Reminder => "reminder",
        }
    }

    pub fn parse(s: &str) -> Option<TextKind> {
        TextKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The catalogue key of its name.
    pub fn key(self) -> &'static str {
        match self {
            TextKind::Invitation => "texts.kind.invitation",
            TextKind::Reminder => "texts.kind.reminder",
        }
    }
}

/// A field of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Part {
    Subject,
    Opening,
}

impl Part {
    pub const ALL: [Part; 2] = [Part::Subject, Part::Opening];

    pub fn as_str(self) -> &'static str {
        match self {
            Part::Subject => "subject",
            Part::Opening => "opening",
        }
    }

    /// The catalogue key of its label.
    pub fn key(self) -> &'static str {
        match self {
            Part::Subject => "texts.part.subject",
            Part::Opening => "texts.part.opening",
        }
    }
}

/// The form's field for (kind, locale, part): `invitation-zh-subject`…
pub fn field_name(kind: TextKind, locale: Locale, part: Part) -> String {
    format!("{}-{}-{}", kind.as_str(), locale.as_str(), part.as_str())
}

/// One message's words in one language; empty parts keep kam360's own words.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Words {
    pub subject: String,
    pub opening: String,
}

impl Words {
    pub fn is_empty(&self) -> bool {
        self.subject.trim().is_empty() && self.opening.trim().is_empty()
    }
}

/// A cycle's texts: every (kind, locale) the admin worded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Texts(pub Vec<(TextKind, Locale, Words)>);

impl Texts {
    /// The words for `kind` in `locale`, if the admin gave any.
    pub fn get(&self, kind: TextKind, locale: Locale) -> Option<&Words> {
        self.0
            .iter()
            .find(|(k, l, w)| *k == kind && *l == locale && !w.is_empty())
            .map(|(_, _, w)| w)
    }

    /// Reads the form's fields (unknown fields are ignored).
    pub fn from_fields(fields: &[(String, String)]) -> Texts {
        let mut out = Vec::new();
        for kind in TextKind::ALL {
            for locale in [Locale::Zh, Locale::En] {
                let value = |part| {
                    let name = field_name(kind, locale, part);
                    fields
                        .iter()
                        .find(|(k, _)| *k == name)
                        .map(|(_, v)| v.replace("\r\n", "\n"))
                        .unwrap_or_default()
                };
                out.push((
                    kind,
                    locale,
                    Words {
                        subject: value(Part::Subject),
                        opening: value(Part::Opening),
                    },
                ));
            }
        }
        Texts(out)
    }
}

/// Why a field is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: String,
    /// The catalogue key of the reason.
    pub key: &'static str,
    /// What the reason names (an unknown placeholder).
    pub name: String,
}

/// The placeholders `text` uses, in order.
pub fn placeholders(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                out.push(&after[..close]);
                rest = &after[close + 1..];
            }
            None => break,
        }
    }
    out
}

/// Checks every field: known placeholders only, no text over its length, a subject on one
/// line. Empty fields are fine (kam360's own words stand).
pub fn check(texts: &Texts) -> Result<Texts, Vec<Problem>> {
    let mut problems = Vec::new();
    for (kind, locale, words) in &texts.0 {
        for (part, text, max) in [
            (Part::Subject, &words.subject, MAX_SUBJECT),
            (Part::Opening, &words.opening, MAX_CHARS),
        ] {
            let field = field_name(*kind, *locale, part);
            let mut refuse = |key, name: &str| {
                problems.push(Problem {
                    field: field.clone(),
                    key,
                    name: name.to_owned(),
                })
            };
            if text.chars().count() > max {
                refuse("texts.error.too_long", &max.to_string());
            }
            if part == Part::Subject && text.contains('\n') {
                refuse("texts.error.subject_line", "");
            }
            if let Some(unknown) = placeholders(text)
                .into_iter()
                .find(|p| !PLACEHOLDERS.contains(p))
            {
                refuse("texts.error.placeholder", &format!("{{{unknown}}}"));
            }
        }
    }
    if problems.is_empty() {
        let kept = texts
            .0
            .iter()
            .map(|(k, l, w)| {
                (
                    *k,
                    *l,
                    Words {
                        subject: w.subject.trim().to_owned(),
                        opening: w.opening.trim().to_owned(),
                    },
                )
            })
            .collect();
        Ok(Texts(kept))
    } else {
        Err(problems)
    }
}

/// One message as a rater would get it, for the admin's preview.
pub struct Preview {
    pub kind: TextKind,
    pub locale: Locale,
    pub subject: String,
    /// The text part, as sent.
    pub text: String,
}

/// What fills the placeholders of one message.
pub struct Values<'a> {
    pub kam_name: &'a str,
    pub rater_name: &'a str,
    pub deadline: &'a str,
    pub cycle_name: &'a str,
    pub organization: &'a str,
}

/// `text` with its placeholders filled.
pub fn fill(text: &str, v: &Values<'_>) -> String {
    crate::i18n::fill(
        text,
        &[
            ("kam_name", v.kam_name),
            ("rater_name", v.rater_name),
            ("deadline", v.deadline),
            ("cycle_name", v.cycle_name),
            ("organization", v.organization),
        ],
        |s, value| s.push_str(value),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Texts {
        let fields: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Texts::from_fields(&fields)
    }

    #[test]
    fn known_placeholders_pass_and_are_filled() {
        let t = check(&form(&[
            (
                "invitation-en-subject",
                " Feedback on {kam_name} by {deadline} ",
            ),
            (
                "invitation-zh-opening",
                "{rater_name}您好，请为{kam_name}提供反馈。",
            ),
        ]))
        .expect("valid");
        let en = t.get(TextKind::Invitation, Locale::En).expect("en");
        assert_eq!(
            en.subject, "Feedback on {kam_name} by {deadline}",
            "trimmed"
        );
        assert!(
            t.get(TextKind::Reminder, Locale::En).is_none(),
            "empty: the default"
        );
        let v = Values {
            kam_name: "David Chen",
            rater_name: "李娜",
            deadline: "2026-12-31",
            cycle_name: "H2",
            organization: "Telecom",
        };
        assert_eq!(
            fill(&en.subject, &v),
            "Feedback on David Chen by 2026-12-31"
        );
        let zh = t.get(TextKind::Invitation, Locale::Zh).expect("zh");
        assert_eq!(
            fill(&zh.opening, &v),
            "李娜您好，请为 David Chen 提供反馈。"
        );
    }

    #[test]
    fn unknown_placeholders_long_texts_and_two_line_subjects_are_refused() {
        let long = "x".repeat(MAX_CHARS + 1);
        let problems = check(&form(&[
            ("invitation-en-subject", "Hello {name}"),
            ("reminder-zh-opening", &long),
            ("reminder-en-subject", "one\ntwo"),
        ]))
        .expect_err("refused");
        let got: Vec<(&str, &str, &str)> = problems
            .iter()
            .map(|p| (p.field.as_str(), p.key, p.name.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("invitation-en-subject", "texts.error.placeholder", "{name}"),
                ("reminder-zh-opening", "texts.error.too_long", "2000"),
                ("reminder-en-subject", "texts.error.subject_line", ""),
            ]
        );
    }
}
