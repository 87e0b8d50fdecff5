//! The rater's screens: the form (SPEC §5), thank-you, decline, and the pages for links that
//! no longer accept answers.

use maud::{html, Markup};

use super::fragments::{text, textf, Reserve};
use super::layout::{rater_message, rater_page, Brand};
use crate::domain::forms::answers::{Answers, MAX_TEXT};
use crate::domain::locale::Locale;
use crate::domain::relationship::Relationship;
use crate::i18n::{t, tf, Unavailable};

/// What the form header shows.
pub struct FormHeader<'a> {
    pub brand: &'a Brand,
    pub locale: Locale,
    pub subject_name: &'a str,
    pub cycle_name: &'a str,
    pub relationship: Relationship,
    pub deadline: crate::domain::dates::Deadline,
    pub min_group_size: usize,
    pub contact: &'a str,
    /// Where the form posts (token URL, with `?lang=` when chosen explicitly).
    pub action: String,
    pub decline_href: String,
    pub switch_href: String,
}

/// How the form is being shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    None,
    Saved,
    /// Submit refused: criteria still open.
    Missing(usize),
}

/// The rater form, filled with `answers`; `missing` criteria are marked.
pub fn form(
    h: &FormHeader<'_>,
    cycle: &super::fragments::CycleForm,
    answers: &Answers,
    missing: &[&str],
    notice: Notice,
) -> Markup {
    let l = h.locale;
    let group = h.relationship;
    let rubric = &cycle.rubric;
    let texts = cycle.text(l);
    let total = rubric.criteria_for(group).count();
    let answered = rubric
        .criteria_for(group)
        .filter(|c| answers.choices.contains_key(&c.id))
        .count();
    let next_open = rubric
        .criteria_for(group)
        .find(|c| !answers.choices.contains_key(&c.id))
        .map(|c| c.id.as_str());
    let title = if group == Relationship::SelfReview {
        t(l, "form.title.self").to_owned()
    } else {
        tf(l, "form.title", &[("subject", h.subject_name)])
    };
    let areas: Vec<_> = rubric
        .areas
        .iter()
        .filter(|a| a.criteria.iter().any(|c| c.observable_by(group)))
        .collect();
    let body = html! {
        (Reserve(texts.size_hint))
        header.form-head {
            h1 { (title) }
            ul.meta {
                li { span.label { (text(l, "form.cycle")) } " " (h.cycle_name) }
                li { span.label { (text(l, "form.role")) } " " (text(l, group.group_key())) }
                li { span.label { (text(l, "form.deadline")) } " " strong { time datetime=(h.deadline.iso()) { (h.deadline.label()) } } }
            }
            p.notice.confidential {
                @match group {
                    Relationship::Supervisor => (text(l, "form.identifiable.supervisor")),
                    Relationship::SelfReview => (text(l, "form.identifiable.self")),
                    _ => {
                        (textf(l, "form.confidential", &[("group", t(l, group.plural_key())), ("k", &h.min_group_size.to_string())]))
                        " "
                        // where comments go, before anything is typed (SPEC §7)
                        (textf(l, "form.comments_notice", &[("subject", h.subject_name)]))
                    },
                }
            }
            details.intro {
                summary { (textf(l, "form.duration", &[("minutes", &crate::domain::forms::answers::minutes_for(total).to_string()), ("count", &total.to_string())])) }
                p { (text(l, "form.intro")) }
            }
        }
        @match notice {
            Notice::Missing(n) => div.status.error-summary role="alert" id="error-summary" tabindex="-1" {
                p { (textf(l, "form.missing", &[("count", &n.to_string())])) }
                ul {
                    @for id in missing {
                        @if let Some(c) = rubric.criterion(id) {
                            li { a href={ "#c-" (id) } { (c.name.get(l)) } }
                        }
                    }
                }
            },
            Notice::Saved | Notice::None => {},
        }
        form.rater-form method="post" action=(h.action) {
            @for (n, area) in areas.iter().enumerate() {
                section.area aria-labelledby={ "area-" (area.id) } {
                    p.area-count { (textf(l, "form.area", &[("n", &(n + 1).to_string()), ("total", &areas.len().to_string())])) }
                    h2 id={ "area-" (area.id) } { @if let Some(name) = texts.areas.get(&area.id) { (name) } }
                    @for c in area.criteria.iter().filter(|c| c.observable_by(group)) {
                        @let is_missing = missing.contains(&c.id.as_str());
                        @let chosen = answers.choices.get(&c.id).copied();
                        @let ct = texts.criteria.get(&c.id);
                        fieldset.criterion.missing[is_missing] id={ "c-" (c.id) } aria-describedby=[is_missing.then(|| format!("err-{}", c.id))] {
                            legend { @if let Some(ct) = ct { (ct.name) } }
                            @if is_missing {
                                p.field-error id={ "err-" (c.id) } { (text(l, "form.missing.one")) }
                            }
                            @if let Some(ct) = ct {
                                div.levels {
                                    @for (choice, before, after) in &ct.choices {
                                        (before) @if chosen == Some(*choice) { " checked" } (after)
                                    }
                                }
                                @let comment = answers.comments.get(&c.id).map(String::as_str).unwrap_or("");
                                @let (open, close) = ct.comment_for(comment, group.is_confidential());
                                (open) (comment) (close)
                            }
                        }
                    }
                }
            }
            section.area.overall aria-labelledby="overall" {
                h2 id="overall" { (text(l, "form.overall")) }
                div.comment {
                    label for="strengths" { (textf(l, "form.strengths", &[("subject", h.subject_name)])) }
                    textarea name="strengths" id="strengths" rows="3" maxlength=(MAX_TEXT) { (answers.strengths) }
                }
                div.comment {
                    label for="improvements" { (textf(l, "form.improvements", &[("subject", h.subject_name)])) }
                    textarea name="improvements" id="improvements" rows="3" maxlength=(MAX_TEXT) { (answers.improvements) }
                }
            }
            div.form-bar {
                p.progress id="progress" data-total=(total) {
                    span id="progress-count" { (textf(l, "form.progress", &[("answered", &answered.to_string()), ("total", &total.to_string())])) }
                    @if let Some(next) = next_open {
                        " " a id="next-open" href={ "#c-" (next) } { (text(l, "form.next_open")) }
                    }
                }
                // a saved draft (without JavaScript, after the Save button) is said here, in the
                // bar that stays on screen; the script says its own saves here too
                p.save-status.saved[notice == Notice::Saved] id="save-status" role="status" aria-live="polite"
                    data-saving=(text(l, "form.autosave.saving")) data-saved=(text(l, "form.autosave.saved"))
                    data-offline=(text(l, "form.autosave.offline")) data-failed=(text(l, "form.autosave.failed")) {
                    @if notice == Notice::Saved { (text(l, "form.saved")) }
                }
                button.secondary type="submit" name="action" value="save" formnovalidate { (text(l, "form.save")) }
            }
            p.submit-hint { (text(l, "form.submit.hint")) }
            div.actions {
                button.primary type="submit" name="action" value="submit" id="submit" { (text(l, "form.submit")) }
            }
            dialog id="review" aria-labelledby="review-title" data-missing=(text(l, "form.review.missing")) data-answered=(text(l, "form.review.answered")) data-none=(text(l, "form.review.none")) {
                h2 id="review-title" { (text(l, "form.review.title")) }
                p { (text(l, "form.submit.hint")) }
                div id="review-list" {}
                div.actions {
                    button.secondary type="button" id="review-back" { (text(l, "form.review.back")) }
                    button.primary type="submit" name="action" value="submit" id="review-submit" { (text(l, "form.review.submit")) }
                }
            }
        }
        @if h.relationship == Relationship::Supervisor {
            // the supervisor's own rating: no decline, and the way back to their reviews
            p.decline-link { a href="/" { (text(l, "form.back_home")) } }
        } @else {
            p.decline-link { a href=(h.decline_href) { (text(l, "form.decline")) } }
        }
        (contact_line(l, h.contact))
    };
    rater_page(h.brand, l, &title, Some(&h.switch_href), body)
}

/// "Questions? Contact …" with the address as a link a phone can tap.
fn contact_line(l: Locale, contact: &str) -> Markup {
    let text = t(l, "form.contact");
    let (before, after) = text.split_once("{contact}").unwrap_or((text, ""));
    html! {
        p.contact { (before) a href={ "mailto:" (contact) } { (contact) } (after) }
    }
}

/// Another request the rater can still answer, for the thank-you page.
pub struct OtherRequest {
    pub href: String,
    pub subject_name: String,
    pub relationship: Relationship,
}

/// After a successful submit, with the rater's other open requests in this browser.
pub fn thanks(
    brand: &Brand,
    locale: Locale,
    relationship: Relationship,
    subject_name: &str,
    others: &[OtherRequest],
) -> Markup {
    let l = locale;
    rater_message(
        brand,
        l,
        t(l, "thanks.title"),
        &tf(l, "thanks.body", &[("subject", subject_name)]),
        None,
        html! {
            @if relationship == Relationship::Supervisor {
                p { a href="/" { (t(l, "form.back_home")) } }
            }
            @if !others.is_empty() {
                h2 { (tf(l, "thanks.others", &[("count", &others.len().to_string())])) }
                ul.others {
                    @for o in others {
                        li {
                            a href=(o.href) {
                                @if o.relationship == Relationship::SelfReview {
                                    (t(l, "form.title.self"))
                                } @else {
                                    (tf(l, "form.title", &[("subject", &o.subject_name)]))
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// The link was used to submit already: no answers shown.
pub fn already_submitted(
    brand: &Brand,
    locale: Locale,
    subject_name: &str,
    date: &str,
    switch: &str,
) -> Markup {
    rater_message(
        brand,
        locale,
        t(locale, "submitted.title"),
        &tf(
            locale,
            "submitted.body",
            &[("subject", subject_name), ("date", date)],
        ),
        Some(switch),
        html! {},
    )
}

/// Confirm a decline, with an optional reason.
pub fn decline_form(
    brand: &Brand,
    locale: Locale,
    subject_name: &str,
    action: &str,
    back: &str,
    switch: &str,
) -> Markup {
    let title = t(locale, "decline.title");
    rater_page(
        brand,
        locale,
        title,
        Some(switch),
        html! {
            section.message {
                h1 { (title) }
                p { (tf(locale, "decline.body", &[("subject", subject_name)])) }
                form method="post" action=(action) {
                    div.comment {
                        label for="reason" { (t(locale, "decline.reason")) }
                        textarea name="reason" id="reason" rows="3" maxlength=(MAX_TEXT) {}
                    }
                    div.actions {
                        a.button.secondary href=(back) { (t(locale, "decline.back")) }
                        button.primary type="submit" { (t(locale, "decline.confirm")) }
                    }
                }
            }
        },
    )
}

/// The rater declined.
pub fn declined(brand: &Brand, locale: Locale, subject_name: &str, switch: &str) -> Markup {
    rater_message(
        brand,
        locale,
        t(locale, "declined.title"),
        &tf(locale, "declined.body", &[("subject", subject_name)]),
        Some(switch),
        html! {},
    )
}

/// A link that no longer accepts answers, and why, with the cycle contact.
pub fn unavailable(
    brand: &Brand,
    locale: Locale,
    why: Unavailable,
    cycle: &str,
    date: &str,
    contact: &str,
    switch: Option<&str>,
) -> Markup {
    rater_message(
        brand,
        locale,
        t(locale, why.title_key()),
        &tf(locale, why.body_key(), &[("cycle", cycle), ("date", date)]),
        switch,
        html! {
            p { a href="/links" { (t(locale, "links.lost")) } }
            (contact_line(locale, contact))
        },
    )
}
