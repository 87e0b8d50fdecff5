//! The audit trail in the reader's words (the console's trail and a review's): the event, the
//! person or rater it concerns, the change and the reason — never a stored code or id.

use maud::{html, Markup};

use crate::domain::audit::{self, Action, Shown};
use crate::domain::locale::Locale;
use crate::domain::relationship::Relationship;
use crate::i18n::{t, tf};

/// An event as the trail shows it.
pub struct Event<'a> {
    /// The stored code of the action.
    pub action: &'a str,
    /// Whom or what it concerns.
    pub about: About<'a>,
    pub old_value: Option<&'a str>,
    pub new_value: Option<&'a str>,
}

/// Whom or what an event concerns.
pub enum About<'a> {
    /// A rater's nomination: (name, email, relationship).
    Rater(&'a str, &'a str, Relationship),
    /// A criterion, by its name in the reader's language.
    Criterion(&'a str),
    /// Something named as stored (an address).
    Named(&'a str),
    Nothing,
}

/// An audited action in the reader's words (a code this build does not know, as stored).
pub fn action_words(l: Locale, code: &str) -> &str {
    match Action::parse(code) {
        Some(a) => t(l, a.key()),
        None => code,
    }
}

fn words(l: Locale, s: &Shown<'_>) -> String {
    match s {
        Shown::Word(key) => t(l, key).to_owned(),
        Shown::Counted(key, counts) => {
            let counts: Vec<(&str, String)> =
                counts.iter().map(|(k, n)| (*k, n.to_string())).collect();
            let vars: Vec<(&str, &str)> = counts.iter().map(|(k, v)| (*k, v.as_str())).collect();
            tf(l, key, &vars)
        }
        Shown::Raw(v) => (*v).to_owned(),
    }
}

/// Whom the event concerns, then the change (`old → new`, or the new value alone).
pub fn detail(l: Locale, e: &Event<'_>) -> Markup {
    let shown = |v: &str| match Action::parse(e.action) {
        Some(a) => words(l, &audit::shown(a, v)),
        None => v.to_owned(),
    };
    let change = match (e.old_value, e.new_value) {
        (Some(old), Some(new)) => Some(format!("{} → {}", shown(old), shown(new))),
        (None, Some(new)) => Some(shown(new)),
        (Some(old), None) => Some(shown(old)),
        (None, None) => None,
    };
    html! {
        @match e.about {
            About::Rater(name, email, relationship) => {
                span.concerns { (tf(l, "audit.rater", &[("name", name), ("relationship", t(l, relationship.group_key()))])) }
                " " span.hint.email { (email) }
            }
            About::Criterion(name) | About::Named(name) => span.concerns { (name) },
            About::Nothing => {}
        }
        @if let Some(c) = change {
            @if !matches!(e.about, About::Nothing) { br; }
            span.change { (c) }
        }
    }
}

/// An event's reason in words (the system's own reasons are codes; a person's, as typed).
pub fn reason(l: Locale, r: &str) -> String {
    words(l, &audit::reason(r))
}
