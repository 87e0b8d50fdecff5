//! The rubric's texts escaped once per cycle and language and reused for every rater's form:
//! escaping the same ~20 KB of descriptors on every request was most of a form GET's cost.
//! `Escaped` is the one place in the views that writes markup unescaped, and its only
//! constructor escapes.

use std::collections::HashMap;

use maud::{html, Render};

use crate::domain::locale::Locale;
use crate::domain::rubric::Rubric;
use crate::i18n::t;

/// Text already HTML-escaped by maud.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escaped(String);

impl Escaped {
    /// Escapes `text`.
    pub fn of(text: &str) -> Escaped {
        Escaped(html! { (text) }.into_string())
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
    /// For levels 1..=4: ("1 · 不满意", descriptor).
    pub levels: Vec<(Escaped, Escaped)>,
}

/// Every text of a cycle's form in one language.
#[derive(Debug, Clone)]
pub struct FormText {
    pub criteria: HashMap<String, CriterionText>,
    pub areas: HashMap<String, Escaped>,
    pub na: Escaped,
    pub na_hint: Escaped,
}

impl FormText {
    /// Escapes the rubric's texts in `locale`.
    pub fn new(rubric: &Rubric, l: Locale) -> FormText {
        let criteria = rubric
            .criteria()
            .map(|c| {
                let levels = c
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
                (
                    c.id.clone(),
                    CriterionText {
                        name: Escaped::of(c.name.get(l)),
                        levels,
                    },
                )
            })
            .collect();
        let areas = rubric
            .areas
            .iter()
            .map(|a| (a.id.clone(), Escaped::of(a.name.get(l))))
            .collect();
        FormText {
            criteria,
            areas,
            na: Escaped::of(t(l, "level.na")),
            na_hint: Escaped::of(t(l, "level.na.hint")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_text_is_escaped() {
        let e = Escaped::of("<script>\"x\" & '客户'</script>");
        assert_eq!(
            html! { (e) }.into_string(),
            "&lt;script&gt;&quot;x&quot; &amp; '客户'&lt;/script&gt;"
        );
    }
}
