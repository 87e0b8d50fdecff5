//! The list of proposed raters (SPEC §11, mode `kam`): the KAM's form behind their link, and
//! the supervisor's review of it with "approve and invite". The same editor for both: three
//! groups of rows (name, email, organisation, language), each error beside its field, a
//! button that adds a row without losing what was typed (no script needed).

use maud::{html, Markup};

use crate::domain::forms::proposal::{
    asks_organization, Field, Place, Problem, Proposal, Typed, GROUPS, MAX_PER_GROUP,
};
use crate::domain::locale::Locale;
use crate::domain::relationship::Relationship;
use crate::domain::status::ProposalStatus;
use crate::i18n::{t, tf};

/// Who is editing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Editor {
    Kam,
    Supervisor,
}

/// The editor's state.
pub struct EditorView<'a> {
    pub editor: Editor,
    /// Where the form posts.
    pub action: &'a str,
    /// The CSRF token (the supervisor's session); the KAM's link is its own credential.
    pub csrf: Option<&'a str>,
    pub proposal: &'a Proposal,
    pub problems: &'a [Problem],
    /// Rows to show per group (at least what was typed).
    pub rows: &'a [(Relationship, usize)],
    pub k: usize,
    pub status: ProposalStatus,
    pub kam_name: &'a str,
    pub supervisor_name: &'a str,
    /// A confirmation to show (saved, approved).
    pub notice: Option<String>,
    /// The language of new rows.
    pub locale: Locale,
    /// Whether the list can still change (the cycle is open, its deadline not passed).
    pub open: bool,
}

fn field_problem(
    problems: &[Problem],
    group: Relationship,
    row: usize,
    field: Field,
) -> Option<&'static str> {
    problems
        .iter()
        .find(|p| p.place == Place::Field(group, row, field.name()))
        .map(|p| p.key)
}

fn row(
    l: Locale,
    v: &EditorView<'_>,
    group: Relationship,
    i: usize,
    typed: &Typed,
    locked: bool,
) -> Markup {
    let id = |f: Field| format!("{}-{i}-{}", group.as_str(), f.name());
    let input = |f: Field, kind: &str, value: &str| {
        let error = field_problem(v.problems, group, i, f);
        html! {
            div.field.error[error.is_some()] {
                label for=(id(f)) {
                    (t(l, f.label_key()))
                    // every field shown is required: said in words, not by a sign alone
                    span.required { (t(l, "proposal.required")) }
                }
                @if let Some(k) = error { p.field-error id={ (id(f)) "-error" } { (t(l, k)) } }
                input type=(kind) id=(id(f)) name=(id(f)) value=(value) readonly[locked] required[!locked]
                    aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| format!("{}-error", id(f)))];
            }
        }
    };
    let locale = Locale::parse(typed.locale.trim()).unwrap_or(v.locale);
    html! {
        fieldset.proposed-row {
            legend { (tf(l, "proposal.row", &[("n", &(i + 1).to_string())])) }
            (input(Field::Name, "text", &typed.name))
            (input(Field::Email, "email", &typed.email))
            @if asks_organization(group) {
                (input(Field::Organization, "text", &typed.organization))
            }
            div.field {
                label for=(id(Field::Locale)) { (t(l, Field::Locale.label_key())) }
                select id=(id(Field::Locale)) name=(id(Field::Locale)) disabled[locked] {
                    option value="zh" selected[locale == Locale::Zh] { "中文" }
                    option value="en" selected[locale == Locale::En] { "English" }
                }
            }
        }
    }
}

/// The editor (or, once approved, the list read-only).
pub fn editor(l: Locale, v: &EditorView<'_>) -> Markup {
    let locked = v.status == ProposalStatus::Approved || !v.open;
    let empty = Typed::default();
    html! {
        @if let Some(n) = &v.notice { div.status.notice role="status" { p { (n) } } }
        @if !v.problems.is_empty() {
            div.status.error-summary role="alert" {
                p { (t(l, "form.problems")) }
                ul {
                    @for p in v.problems {
                        li {
                            @match p.place {
                                Place::Field(g, i, f) => a href={ "#" (g.as_str()) "-" (i) "-" (f) } { (t(l, g.group_key())) " " (i + 1) (t(l, "punct.colon")) (t(l, p.key)) },
                                Place::Group(g) => a href={ "#group-" (g.as_str()) } { (tf(l, p.key, &[("group", t(l, g.plural_key())), ("k", &v.k.to_string()), ("max", &MAX_PER_GROUP.to_string())])) },
                            }
                        }
                    }
                }
            }
        }
        form.proposal method="post" action=(v.action) novalidate {
            @if let Some(c) = v.csrf { input type="hidden" name="csrf" value=(c); }
            @if !locked {
                // Enter in a field saves (the first submit button is the form's default), it
                // does not add a row
                button.visually-hidden type="submit" name="action" value="save" tabindex="-1" aria-hidden="true" { (t(l, "proposal.save")) }
            }
            @for g in GROUPS {
                @let typed = v.proposal.rows(g);
                @let count = v.rows.iter().find(|(rg, _)| *rg == g).map_or(typed.len(), |(_, n)| (*n).max(typed.len()));
                @let group_error = v.problems.iter().find(|p| p.place == Place::Group(g));
                section.group-rows id={ "group-" (g.as_str()) } aria-labelledby={ "group-" (g.as_str()) "-title" } {
                    h2 id={ "group-" (g.as_str()) "-title" } { (t(l, g.group_key())) }
                    p.hint { (tf(l, "proposal.group_hint", &[("k", &v.k.to_string()), ("max", &MAX_PER_GROUP.to_string()), ("n", &typed.len().to_string())])) }
                    @if let Some(p) = group_error {
                        p.field-error { (tf(l, p.key, &[("group", t(l, g.plural_key())), ("k", &v.k.to_string()), ("max", &MAX_PER_GROUP.to_string())])) }
                    }
                    input type="hidden" name={ (g.as_str()) "-rows" } value=(count);
                    @for i in 0..count {
                        (row(l, v, g, i, typed.get(i).unwrap_or(&empty), locked))
                    }
                    @if !locked && count < MAX_PER_GROUP {
                        button.secondary.small type="submit" name="more" value=(g.as_str()) formnovalidate { (t(l, "proposal.more")) }
                    }
                }
            }
            @if !locked {
                p.hint { (t(l, "proposal.clear_to_remove")) }
                div.actions.form-end {
                    @match v.editor {
                        Editor::Kam => button.primary type="submit" name="action" value="save" { (tf(l, "proposal.send", &[("name", v.supervisor_name)])) },
                        Editor::Supervisor => {
                            button.primary type="submit" name="action" value="approve" { (t(l, "proposal.approve")) }
                            " " button.secondary type="submit" name="action" value="save" { (t(l, "proposal.save")) }
                        },
                    }
                }
            }
        }
    }
}

/// Where the proposal stands, in words for its reader.
pub fn standing(l: Locale, v: &EditorView<'_>) -> String {
    if !v.open && v.status != ProposalStatus::Approved {
        return t(l, "proposal.closed").to_owned();
    }
    let key = match (v.editor, v.status) {
        (Editor::Kam, ProposalStatus::NotStarted) => "proposal.kam.not_started",
        (Editor::Kam, ProposalStatus::Proposed) => "proposal.kam.proposed",
        (Editor::Kam, ProposalStatus::Approved) => "proposal.kam.approved",
        (Editor::Supervisor, ProposalStatus::NotStarted) => "proposal.sup.not_started",
        (Editor::Supervisor, ProposalStatus::Proposed) => "proposal.sup.proposed",
        (Editor::Supervisor, ProposalStatus::Approved) => "proposal.sup.approved",
    };
    tf(
        l,
        key,
        &[("kam", v.kam_name), ("supervisor", v.supervisor_name)],
    )
}
