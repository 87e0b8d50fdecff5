//! A cycle's email texts (SPEC §16): the invitation's and the reminder's subject and opening
//! paragraph in both languages, with the placeholders named, each refusal beside its field,
//! and a preview of the messages as a rater would get them.

use maud::{html, Markup};

use super::super::staff::{staff_page, Viewer};
use crate::domain::forms::cycle_texts::{
    field_name, Part, Preview, Problem, TextKind, Texts, PLACEHOLDERS,
};
use crate::domain::locale::Locale;
use crate::i18n::{t, tf};

/// The page.
pub struct TextsPage<'a> {
    pub cycle_id: &'a crate::domain::ids::CycleId,
    pub cycle_name: &'a str,
    /// What the fields hold (as stored, or as typed).
    pub texts: &'a Texts,
    pub problems: &'a [Problem],
    pub previews: &'a [Preview],
}

fn language(l: Locale, of: Locale) -> &'static str {
    t(
        l,
        if of == Locale::Zh {
            "texts.lang.zh"
        } else {
            "texts.lang.en"
        },
    )
}

fn field(l: Locale, p: &TextsPage<'_>, kind: TextKind, locale: Locale, part: Part) -> Markup {
    let name = field_name(kind, locale, part);
    let words = p
        .texts
        .0
        .iter()
        .find(|(k, lo, _)| *k == kind && *lo == locale)
        .map(|(_, _, w)| w);
    let value = words.map_or("", |w| match part {
        Part::Subject => w.subject.as_str(),
        Part::Opening => w.opening.as_str(),
    });
    let problem = p.problems.iter().find(|x| x.field == name);
    let error_id = format!("{name}-error");
    html! {
        div.field.error[problem.is_some()] {
            label for=(name) { (t(l, part.key())) " · " (language(l, locale)) }
            @if let Some(x) = problem { p.field-error id=(error_id) { (tf(l, x.key, &[("name", &x.name)])) } }
            @match part {
                Part::Subject => input type="text" id=(name) name=(name) value=(value) lang=(locale.html_lang())
                    aria-invalid=[problem.map(|_| "true")] aria-describedby=[problem.map(|_| error_id.as_str())];,
                Part::Opening => textarea id=(name) name=(name) rows="4" lang=(locale.html_lang())
                    aria-invalid=[problem.map(|_| "true")] aria-describedby=[problem.map(|_| error_id.as_str())] { (value) },
            }
        }
    }
}

/// `GET/POST /admin/cycles/{cycle}/texts`.
pub fn texts(l: Locale, s: &Viewer<'_>, p: &TextsPage<'_>) -> Markup {
    let title = tf(l, "texts.title", &[("cycle", p.cycle_name)]);
    let back = format!("/admin/cycles/{}", p.cycle_id);
    staff_page(
        l,
        &title,
        s,
        html! {
            p.breadcrumb { a href=(back) { (p.cycle_name) } }
            h1 { (title) }
            p { (t(l, "texts.intro")) }
            p.hint { (t(l, "texts.placeholders")) " " @for (i, name) in PLACEHOLDERS.iter().enumerate() { @if i > 0 { " " } code { "{" (name) "}" } } }
            @if !p.problems.is_empty() {
                div.status.error-summary role="alert" { p { (t(l, "texts.refused")) } }
            }
            form.texts method="post" action={ (back) "/texts" } {
                input type="hidden" name="csrf" value=(s.csrf);
                @for kind in TextKind::ALL {
                    fieldset {
                        legend { (t(l, kind.key())) }
                        @for locale in [Locale::Zh, Locale::En] {
                            @for part in Part::ALL { (field(l, p, kind, locale, part)) }
                        }
                    }
                }
                div.actions {
                    button.secondary type="submit" name="action" value="preview" { (t(l, "texts.preview")) }
                    " " button.primary type="submit" name="action" value="save" { (t(l, "texts.save")) }
                }
            }
            @if !p.previews.is_empty() {
                section.previews aria-labelledby="preview-title" {
                    h2 #preview-title { (t(l, "texts.preview.title")) }
                    @for m in p.previews {
                        article.preview lang=(m.locale.html_lang()) {
                            h3 { (t(l, m.kind.key())) " · " (language(l, m.locale)) }
                            p { strong { (t(l, "texts.part.subject")) (t(l, "punct.colon")) } (m.subject) }
                            pre.mail-text { (m.text) }
                        }
                    }
                }
            }
        },
    )
}
