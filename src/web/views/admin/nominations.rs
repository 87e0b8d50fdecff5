//! The nomination forms of a cycle's page (SPEC §11): the CSV upload, the single-nomination
//! form, and each nomination's actions (edit or remove in a draft; remind, reissue, revoke,
//! correct the address once open).

use maud::{html, Markup};

use super::cycle::{CyclePage, NominationRow};
use crate::domain::forms::nomination_form::{Field, NominationInput};
use crate::domain::locale::Locale;
use crate::domain::relationship::Relationship;
use crate::domain::status::{AssignmentStatus, CycleStatus};
use crate::i18n::{t, tf, tn};
use crate::web::views::staff::Viewer;

/// A row's actions: one form (one CSRF field) whose buttons post to their own action. The
/// form's default button (what Enter in a field presses) is the one beside that field.
pub(super) fn row_actions(
    l: Locale,
    s: &Viewer<'_>,
    c: &CyclePage<'_>,
    r: &NominationRow,
) -> Markup {
    let base = format!("/admin/cycles/{}/nominations/{}", c.cycle.id, r.id);
    // back to the same view of the list (search, filter, page) after the action
    let back = c.query.kept();
    let typed = c
        .refusal
        .row
        .as_ref()
        .filter(|(id, _)| *id == r.id)
        .map(|(_, t)| t);
    let open = c.cycle.status == CycleStatus::Open;
    let draft = c.cycle.status == CycleStatus::Draft;
    // the self-assessment and the supervisor's rating go to those two people themselves
    let fixed = !r.relationship.is_confidential();
    let button = |action: &str, key: &str| {
        html! {
            button.small.secondary type="submit" formaction={ (base) "/" (action) (back) } formnovalidate
                aria-label={ (t(l, key)) (t(l, "punct.colon")) (r.rater_name) } { (t(l, key)) }
        }
    };
    let waiting = r.status.awaits_answer();
    let reissuable = r.status.reissuable();
    let editable = draft && r.status == AssignmentStatus::Pending;
    let correctable = !fixed && open && r.status.address_correctable();
    let any = editable || correctable || (open && (waiting || reissuable));
    html! {
        @if any {
            form.row-form method="post" action={ (base) (if editable { "/edit" } else { "/email" }) (back) } {
                input type="hidden" name="csrf" value=(s.csrf);
                @if editable {
                    // a refused edit comes back open, as typed
                    @let name = typed.map_or(r.rater_name.as_str(), |t| t.rater_name.as_str());
                    @let email = typed.map_or(r.rater_email.as_str(), |t| t.email.as_str());
                    @let rel = typed.map_or(r.relationship.as_str(), |t| t.relationship.as_str());
                    @let loc = typed.map_or(r.locale.as_str(), |t| t.locale.as_str());
                    @let org = typed.map_or(r.organization.as_str(), |t| t.organization.as_str());
                    details.correct open[typed.is_some()] {
                        summary { (t(l, "admin.action.edit")) }
                        div.edit-one {
                            @if let (Some(_), Some(why)) = (typed, &c.refusal.other) {
                                p.field-error { (why) }
                            }
                            label for={ "name-" (r.id) } { (t(l, "admin.add.rater_name")) }
                            input type="text" id={ "name-" (r.id) } name="rater_name" value=(name) required;
                            @if !fixed {
                                label for={ "email-" (r.id) } { (t(l, "admin.add.rater_email")) }
                                input type="email" id={ "email-" (r.id) } name="email" value=(email) required;
                            }
                            label for={ "rel-" (r.id) } { (t(l, "admin.add.relationship")) }
                            select id={ "rel-" (r.id) } name="relationship" {
                                @for g in Relationship::ALL {
                                    option value=(g.as_str()) selected[g.as_str() == rel] { (t(l, g.group_key())) }
                                }
                            }
                            label for={ "loc-" (r.id) } { (t(l, "admin.add.locale")) }
                            select id={ "loc-" (r.id) } name="locale" {
                                option value="zh" selected[loc == "zh"] { "中文" }
                                option value="en" selected[loc == "en"] { "English" }
                            }
                            label for={ "org-" (r.id) } { (t(l, "admin.add.organization")) }
                            input type="text" id={ "org-" (r.id) } name="organization" value=(org);
                            button.small.primary type="submit" formaction={ (base) "/edit" (back) } { (t(l, "admin.edit.button")) }
                        }
                    }
                    (button("remove", "admin.action.remove"))
                }
                @if correctable {
                    @let typed = typed.map(|t| t.email.as_str());
                    details.correct open[typed.is_some()] {
                        summary { (t(l, "admin.action.correct")) }
                        div.edit-one {
                            label for={ "email-" (r.id) } { (tf(l, "admin.correct.label", &[("name", &r.rater_name)])) }
                            // a refused address: why, beside the field, with what was typed
                            @if let (Some(_), Some(why)) = (typed, &c.refusal.other) {
                                p.field-error id={ "email-" (r.id) "-error" } { (why) }
                            }
                            input type="email" id={ "email-" (r.id) } name="email" value=(typed.unwrap_or(&r.rater_email)) required
                                aria-invalid=[typed.map(|_| "true")] aria-describedby=[typed.map(|_| format!("email-{}-error", r.id))];
                            button.small.primary type="submit" formaction={ (base) "/email" (back) } { (t(l, "admin.correct.button")) }
                        }
                    }
                }
                @if open && waiting { (button("remind", "admin.action.remind")) }
                @if open && reissuable { (button("reissue", "admin.action.reissue")) }
                @if open && r.status.is_answerable() {
                    // asks first (SPEC §16): a revoke cannot be undone
                    a.button.small.secondary href={ (base) "/revoke" (back) }
                        aria-label={ (t(l, "admin.action.revoke")) (t(l, "punct.colon")) (r.rater_name) } { (t(l, "admin.action.revoke")) }
                }
            }
        }
    }
}

/// The CSV upload, with every bad row of a refused file.
pub(super) fn upload(l: Locale, s: &Viewer<'_>, c: &CyclePage<'_>) -> Markup {
    let id = &c.cycle.id;
    let errors = &c.refusal.import;
    html! {
        section.upload aria-labelledby="upload-title" {
            h2 #upload-title { (t(l, "admin.upload.title")) }
            @if c.cycle.status == CycleStatus::Open { p.hint { (t(l, "admin.upload.open")) } }
            p.hint { (t(l, "admin.upload.columns")) " " code { (crate::domain::formats::nomination::COLUMNS.join(", ")) } }
            p.hint { a href="/admin/nominations/sample.csv" download { (t(l, "admin.upload.sample")) } }
            @if !errors.is_empty() {
                div.status.error-summary role="alert" #import-errors {
                    p { (tn(l, "admin.upload.refused", errors.len(), &[])) }
                    ul.import-errors { @for e in errors { li { (e) } } }
                }
            }
            form method="post" action={ "/admin/cycles/" (id) "/nominations" } enctype="multipart/form-data" {
                input type="hidden" name="csrf" value=(s.csrf);
                div.field {
                    label for="file" { (t(l, "admin.upload.file")) }
                    input type="file" id="file" name="file" accept=".csv,text/csv" required aria-describedby=[(!errors.is_empty()).then_some("import-errors")];
                }
                button.primary type="submit" { (t(l, "admin.upload.button")) }
            }
        }
    }
}

/// One nomination by hand, kept as typed when refused.
pub(super) fn add_form(l: Locale, s: &Viewer<'_>, c: &CyclePage<'_>) -> Markup {
    let empty = NominationInput {
        relationship: "customer".into(),
        locale: l.as_str().into(),
        ..Default::default()
    };
    let (typed, error) = match &c.refusal.add {
        Some((typed, e)) => (*typed, Some(e.as_str())),
        None => (&empty, None),
    };
    let text = |field: Field, value: &str, kind: &str| {
        let name = field.name();
        html! {
            div.field {
                label for={ "add-" (name) } { (t(l, field.label_key())) }
                input type=(kind) id={ "add-" (name) } name=(name) value=(value) required[field != Field::Organization];
            }
        }
    };
    html! {
        details.add-one open[error.is_some()] {
            summary { (t(l, "admin.add.title")) }
            @if let Some(e) = error {
                div.status.error-summary role="alert" #add-error { p { (e) } }
            }
            form.grid-form method="post" action={ "/admin/cycles/" (c.cycle.id) "/nominations/add" } {
                input type="hidden" name="csrf" value=(s.csrf);
                (text(Field::SubjectEmail, &typed.subject_email, "email"))
                (text(Field::SubjectName, &typed.subject_name, "text"))
                (text(Field::SupervisorEmail, &typed.supervisor_email, "email"))
                (text(Field::SupervisorName, &typed.supervisor_name, "text"))
                (text(Field::RaterEmail, &typed.rater_email, "email"))
                (text(Field::RaterName, &typed.rater_name, "text"))
                div.field {
                    label for="add-relationship" { (t(l, "admin.add.relationship")) }
                    select id="add-relationship" name="relationship" {
                        @for r in Relationship::ALL {
                            option value=(r.as_str()) selected[typed.relationship == r.as_str()] { (t(l, r.group_key())) }
                        }
                    }
                }
                div.field {
                    label for="add-locale" { (t(l, "admin.add.locale")) }
                    select id="add-locale" name="locale" {
                        option value="zh" selected[typed.locale == "zh"] { "中文" }
                        option value="en" selected[typed.locale == "en"] { "English" }
                    }
                }
                (text(Field::Organization, &typed.organization, "text"))
                div.actions { button.primary type="submit" { (t(l, "admin.add.button")) } }
            }
        }
    }
}
