//! The admin console's cycles (SPEC §11): the list of cycles, creating and editing a draft
//! (`admin_lifecycle` has launch / close / archive). Every
//! route is for admins only ([`Admin`]: anyone else gets 404); every POST carries the CSRF
//! token and passes the same-origin check, and is one transaction, audited.

pub mod cycle;
pub mod follow_up;
pub mod lifecycle;
pub mod nominations;
pub mod records;
pub mod report;
pub mod texts;
pub mod users;

/// Admin handlers that differ only in the value they pass on: each is one route, and all call
/// `$run(&admin, &path, value)`.
macro_rules! admin_steps {
    ($run:path, $path:ty; $($(#[$doc:meta])* $name:ident => $step:expr;)+) => {$(
        $(#[$doc])*
        pub async fn $name(
            admin: crate::web::extractors::Admin,
            path: actix_web::web::Path<$path>,
        ) -> crate::error::AppResult<actix_web::HttpResponse> {
            $run(&admin, &path, $step).await
        }
    )+};
}
pub(crate) use admin_steps;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::actions::{self, cycles};
use crate::db;
use crate::domain::forms::cycle_settings::{self, CycleInput, Problem};
use crate::domain::ids::{CycleId, PersonId};
use crate::domain::locale::Locale;
use crate::domain::status::{Count, Notice};
use crate::domain::status::{CycleStatus, NominationMode};
use crate::error::{AppError, AppResult};
use crate::i18n::{t, tf};
use crate::web::extractors::{Admin, StaffRequest};
use crate::web::response::{html, see_other, see_other_with_notice, staff_locale};
use crate::web::staff::viewer;
use crate::web::views::admin::{self as view, CycleFormView};
use crate::web::AppState;

/// The rows of the cycle list.
pub async fn cycle_rows(state: &AppState) -> AppResult<Vec<view::CycleRow>> {
    let cycles = state
        .db
        .read(crate::actions::progress::cycles_overview)
        .await?;
    Ok(cycles
        .into_iter()
        .map(|c| view::CycleRow {
            id: c.cycle.id.clone(),
            deadline: c.cycle.deadline(),
            closed_at: c.cycle.closed_at,
            nominations: c.cycle.nominations,
            name: c.cycle.name,
            status: c.cycle.status,
            reviews: c.reviews,
            invited: c.invited,
            answered: c.answered,
        })
        .collect())
}

/// `GET /admin`: every cycle with status, deadline and progress.
pub async fn home(Admin(session, state, req, l): Admin) -> AppResult<HttpResponse> {
    let rows = cycle_rows(&state).await?;
    Ok(html(
        StatusCode::OK,
        view::cycles(l, &viewer(&session, &req), &rows),
    ))
}

/// The configured reminder days, as the form's hint shows them.
fn default_reminders(state: &AppState) -> String {
    cycle_settings::stored_days(&state.settings.email.reminder_days)
}

/// The cycle form's page: a new cycle, or the draft it edits (its title and where it posts and
/// goes back to follow from that), and what it shows.
struct FormPage<'a> {
    editing: Option<&'a db::cycles::CycleRow>,
    input: &'a CycleInput,
    problems: &'a [Problem],
    mode_editable: bool,
}

fn form_page(asker: StaffRequest<'_>, l: Locale, page: FormPage<'_>) -> maud::Markup {
    let state = asker.state;
    let StaffRequest { req, session, .. } = asker;
    let FormPage {
        editing,
        input,
        problems,
        mode_editable,
    } = page;
    let (title, action, back) = match editing {
        None => (
            t(l, "admin.new_cycle").to_owned(),
            "/admin/cycles".to_owned(),
            "/admin".to_owned(),
        ),
        Some(c) => (
            tf(l, "admin.edit_cycle", &[("cycle", &c.name)]),
            format!("/admin/cycles/{}/edit", c.id),
            format!("/admin/cycles/{}", c.id),
        ),
    };
    let reminders = default_reminders(state);
    view::cycle_form(
        l,
        &viewer(session, req),
        &title,
        &CycleFormView {
            action: &action,
            input,
            problems,
            default_k: state.settings.min_group_size(),
            default_zone: &state.settings.cycle.time_zone,
            default_reminders: &reminders,
            back: &back,
            mode_editable,
        },
    )
}

/// `GET /admin/cycles/new`: the empty form.
pub async fn new_form(Admin(session, state, req, l): Admin) -> AppResult<HttpResponse> {
    let input = CycleInput {
        time_zone: state.settings.cycle.time_zone.clone(),
        min_group_size: state.settings.min_group_size().to_string(),
        nominations: NominationMode::Admin.as_str().into(),
        ..Default::default()
    };
    Ok(html(
        StatusCode::OK,
        form_page(
            StaffRequest::new(&state, &req, &session),
            l,
            FormPage {
                editing: None,
                input: &input,
                problems: &[],
                mode_editable: true,
            },
        ),
    ))
}

/// The cycle form as posted: the fields and the CSRF token.
#[derive(serde::Deserialize)]
pub struct CycleForm {
    #[serde(default)]
    #[serde(flatten)]
    input: CycleInput,
}

/// `POST /admin/cycles`: creates a draft cycle → 303 to its page; bad input → 422 with the
/// form as typed and each error beside its field.
pub async fn create(
    Admin(session, state, req, l): Admin,
    form: web::Form<CycleForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let now = db::now();
    let checked = cycle_settings::check(&form.input, cycles::defaults(&state.settings), now);
    let settings = match checked {
        Ok(s) => s,
        Err(problems) => {
            return Ok(html(
                StatusCode::UNPROCESSABLE_ENTITY,
                form_page(
                    StaffRequest::new(&state, &req, &session),
                    l,
                    FormPage {
                        editing: None,
                        input: &form.input,
                        problems: &problems,
                        mode_editable: true,
                    },
                ),
            ))
        }
    };
    let (st, actor) = (state.settings.clone(), session.person_id.clone());
    // the configured rubric, read at start: the cycle keeps its own snapshot
    let rubric = state.rubric.clone();
    let id = state
        .db
        .write(move |c| cycles::create_with(c, &st, &rubric, &settings, Some(&actor), now))
        .await?;
    Ok(see_other_with_notice(
        format!("/admin/cycles/{id}"),
        Notice::Created,
        0,
        &state.settings,
    ))
}

/// The cycle of the path, or 404.
pub(super) async fn find(state: &AppState, id: &CycleId) -> AppResult<db::cycles::CycleRow> {
    let id = id.clone();
    state
        .db
        .read(move |c| actions::find_cycle(c, &id).map_err(|_| AppError::NotFound))
        .await
}

/// What a stored cycle looks like in its form.
fn input_of(c: &db::cycles::CycleRow) -> CycleInput {
    CycleInput {
        name: c.name.clone(),
        closes_at: c.deadline().last_day().format("%Y-%m-%d").to_string(),
        min_group_size: c.min_group_size.to_string(),
        time_zone: c.time_zone.clone(),
        nominations: c.nominations.as_str().into(),
        reminder_days: c.reminder_days.clone(),
    }
}

/// `GET /admin/cycles/{cycle}/edit`: a draft's settings in the form.
pub async fn edit_form(
    Admin(session, state, req, l): Admin,
    path: web::Path<CycleId>,
) -> AppResult<HttpResponse> {
    let cycle = find(&state, &path).await?;
    if cycle.status != CycleStatus::Draft {
        return Ok(see_other(format!("/admin/cycles/{}", cycle.id)));
    }
    let has_kams = has_kams(&state, &cycle.id).await?;
    Ok(html(
        StatusCode::OK,
        form_page(
            StaffRequest::new(&state, &req, &session),
            l,
            FormPage {
                editing: Some(&cycle),
                input: &input_of(&cycle),
                problems: &[],
                mode_editable: !has_kams,
            },
        ),
    ))
}

async fn has_kams(state: &AppState, cycle_id: &CycleId) -> AppResult<bool> {
    let id = cycle_id.clone();
    let n = state
        .db
        .read(move |c| Ok::<_, AppError>(db::reviews::count_for_cycle(c, &id)?))
        .await?;
    Ok(n > 0)
}

/// `POST /admin/cycles/{cycle}/edit`: saves a draft's settings → 303 to its page, or 422.
pub async fn update(
    Admin(session, state, req, l): Admin,
    path: web::Path<CycleId>,
    form: web::Form<CycleForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let cycle = find(&state, &path).await?;
    let now = db::now();
    let has_kams = has_kams(&state, &cycle.id).await?;
    let refuse = |problems: &[Problem]| {
        html(
            StatusCode::UNPROCESSABLE_ENTITY,
            form_page(
                StaffRequest::new(&state, &req, &session),
                l,
                FormPage {
                    editing: Some(&cycle),
                    input: &form.input,
                    problems,
                    mode_editable: !has_kams,
                },
            ),
        )
    };
    let settings = match cycle_settings::check(&form.input, cycles::defaults(&state.settings), now)
    {
        Ok(s) => s,
        Err(problems) => return Ok(refuse(&problems)),
    };
    let (id, actor) = (cycle.id.clone(), session.person_id.clone());
    let done = state
        .db
        .write(move |c| cycles::update(c, &id, &settings, Some(&actor), now))
        .await;
    match done {
        Ok(()) => Ok(see_other_with_notice(
            format!("/admin/cycles/{}", cycle.id),
            Notice::Edited,
            0,
            &state.settings,
        )),
        // refused as a whole (launched meanwhile, or the mode fixed by its nominations): the
        // form again, as typed, with the reason beside the field it concerns
        Err(AppError::Refused { key, .. }) => {
            let field = if key == "cycle.error.mode_fixed" {
                cycle_settings::Field::Nominations
            } else {
                cycle_settings::Field::Name
            };
            Ok(refuse(&[Problem { field, key }]))
        }
        Err(e) => Err(e),
    }
}

/// A confirmation page: 200, or 409 with the reason when the action cannot be taken now.
pub(super) fn confirmation(
    session: &db::sessions::StaffSession,
    req: &HttpRequest,
    page: &view::Confirm<'_>,
) -> HttpResponse {
    let l = staff_locale(req, session);
    let status = match page.refusal {
        Some(_) => StatusCode::CONFLICT,
        None => StatusCode::OK,
    };
    html(status, view::confirm(l, &viewer(session, req), page))
}

/// Runs one admin action in one transaction, as `session`'s person: when it is done, 303 to
/// `to` with its notice and count; when it is refused, `again` renders the page again with the
/// reason, in the reader's language. Every admin POST answers through here.
pub(super) async fn run<F, A, P>(
    asker: StaffRequest<'_>,
    to: String,
    done: Notice,
    f: F,
    again: A,
) -> AppResult<HttpResponse>
where
    F: FnOnce(&mut db::AnyConnection, crate::actions::Mail<'_>, &PersonId) -> AppResult<Count>
        + Send
        + 'static,
    A: FnOnce(String) -> P,
    P: std::future::Future<Output = AppResult<HttpResponse>>,
{
    let state = asker.state;
    let StaffRequest { req, session, .. } = asker;
    let l = staff_locale(req, session);
    let actor = session.person_id.clone();
    match state.write_mailing(move |c, mail| f(c, mail, &actor)).await {
        Ok(n) => Ok(see_other_with_notice(to, done, n, &state.settings)),
        Err(e) => match e.refusal(l) {
            Some(reason) => again(reason).await,
            None => Err(e),
        },
    }
}
