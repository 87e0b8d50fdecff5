//! Changing a cycle's nominations (SPEC §11): the CSV upload (all or nothing, every bad row
//! listed as `line N: reason` in the CLI's words), and adding, editing and removing one
//! nomination while the cycle is a draft. Admins only; every POST checks the CSRF token and
//! the origin and is one audited transaction; a refusal re-renders the page (422) with what
//! was typed.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;

use super::cycle::{act, act_keeping, render};
use crate::actions;
use crate::actions::nominations::{self, NominationInput};
use crate::db;
use crate::domain::ids::{AssignmentId, CycleId};
use crate::domain::status::Notice;
use crate::error::{AppError, AppResult};
use crate::web::extractors::{Admin, StaffRequest};
use crate::web::response::{see_other_with_notice, staff_locale};
use crate::web::views::admin::cycle::{PageQuery, Refusal};
use crate::web::AppState;

/// The largest CSV accepted (10,000 rows of long names fit well within it).
const MAX_UPLOAD: usize = 5 * 1024 * 1024;

/// `POST /admin/cycles/{cycle}/nominations` (multipart, `file` and `csrf`): imports the CSV,
/// all or nothing → 303 with "N nominations imported", or 422 listing every bad row.
pub async fn upload(
    Admin(session): Admin,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<CycleId>,
    mut payload: Multipart,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let mut file: Option<Vec<u8>> = None;
    while let Some(field) = payload.next().await {
        let mut field =
            field.map_err(|e| AppError::Invalid(format!("the upload is not a valid form: {e}")))?;
        let name = field.name().unwrap_or("").to_owned();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk =
                chunk.map_err(|e| AppError::Invalid(format!("the upload broke off: {e}")))?;
            if bytes.len() + chunk.len() > MAX_UPLOAD {
                return Err(AppError::Invalid(format!(
                    "the file is larger than {} MB",
                    MAX_UPLOAD / 1024 / 1024
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        // the `csrf` field was checked before (`staff_guard`)
        if name == "file" {
            file = Some(bytes);
        }
    }
    let bytes = file.unwrap_or_default();
    let (templates, settings, actor, cycle) = (
        state.templates.clone(),
        state.settings.clone(),
        session.person_id.clone(),
        id.clone(),
    );
    let result = state
        .db
        .write(move |c| {
            nominations::import_by(
                c,
                crate::actions::Mail::new(&templates, &settings),
                &cycle,
                &bytes,
                Some(&actor),
                db::now(),
            )
        })
        .await;
    match result {
        Ok((summary, _)) => Ok(see_other_with_notice(
            format!("/admin/cycles/{}", id.as_str()),
            Notice::Imported,
            summary.added,
            &state.settings,
        )),
        Err(AppError::Invalid(e)) => {
            let refusal = Refusal {
                import: e.lines().map(str::to_owned).collect(),
                ..Default::default()
            };
            render(
                &state,
                StaffRequest::new(&req, &session),
                &id,
                PageQuery::default(),
                StatusCode::UNPROCESSABLE_ENTITY,
                refusal,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

/// The single-nomination form as posted.
#[derive(serde::Deserialize)]
pub struct AddForm {
    #[serde(default)]
    #[serde(flatten)]
    input: NominationInput,
}

/// `POST /admin/cycles/{cycle}/nominations/add`: one nomination, with the CSV's checks.
pub async fn add(
    Admin(session): Admin,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<CycleId>,
    form: web::Form<AddForm>,
) -> AppResult<HttpResponse> {
    let l = staff_locale(&req, &session);
    let form = form.into_inner();
    let id = path.into_inner();
    let (templates, settings, actor, cycle, input) = (
        state.templates.clone(),
        state.settings.clone(),
        session.person_id.clone(),
        id.clone(),
        form.input.clone(),
    );
    let result = state
        .db
        .write(move |c| {
            nominations::add_one(
                c,
                crate::actions::Mail::new(&templates, &settings),
                &cycle,
                &input,
                Some(&actor),
                db::now(),
            )
        })
        .await;
    match result {
        Ok(s) => Ok(see_other_with_notice(
            format!("/admin/cycles/{}", id.as_str()),
            Notice::Added,
            s.added,
            &state.settings,
        )),
        Err(e) if e.refusal(l).is_some() => {
            let refusal = Refusal {
                add: Some((&form.input, e.refusal(l).unwrap_or_default())),
                ..Default::default()
            };
            render(
                &state,
                StaffRequest::new(&req, &session),
                &id,
                PageQuery::default(),
                StatusCode::UNPROCESSABLE_ENTITY,
                refusal,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

/// `POST /admin/cycles/{cycle}/nominations/{assignment}/remove` (a draft cycle).
pub async fn remove(
    Admin(session): Admin,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(CycleId, AssignmentId)>,
) -> AppResult<HttpResponse> {
    let (cycle, assignment) = path.into_inner();
    let c2 = cycle.clone();
    act(
        &state,
        StaffRequest::new(&req, &session),
        &cycle,
        Notice::Removed,
        move |c, _, actor| {
            nominations::remove(c, &c2, &assignment, Some(actor), db::now()).map(|()| 1)
        },
    )
    .await
}

/// The draft's edit form as posted.
#[derive(serde::Deserialize)]
pub struct EditForm {
    #[serde(default)]
    #[serde(flatten)]
    input: nominations::EditInput,
}

/// `POST /admin/cycles/{cycle}/nominations/{assignment}/edit`: name, relationship, language
/// and organisation of one nomination while the cycle is a draft.
pub async fn edit(
    Admin(session): Admin,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(CycleId, AssignmentId)>,
    form: web::Form<EditForm>,
) -> AppResult<HttpResponse> {
    let (cycle, assignment) = path.into_inner();
    let form = form.into_inner();
    let (c2, input) = (cycle.clone(), form.input);
    // a refused edit comes back open, as typed
    let typed = Some((assignment.clone(), input.clone()));
    act_keeping(
        &state,
        StaffRequest::new(&req, &session),
        &cycle,
        Notice::EditedOne,
        typed,
        move |c, mail, actor| {
            let now = db::now();
            nominations::edit(c, &c2, &assignment, &input, Some(actor), now)?;
            // a corrected address, in the same transaction
            let current = db::assignments::find_listing(c, &assignment)?
                .ok_or(AppError::NotFound)?
                .rater_email;
            let typed = input.email.trim().to_lowercase();
            if !typed.is_empty() && typed != current {
                let target = actions::links::Target {
                    cycle_id: &c2,
                    assignment_id: &assignment,
                };
                actions::follow_up::correct_email(
                    c,
                    mail,
                    &target,
                    &input.email,
                    Some(actor),
                    now,
                )?;
            }
            Ok(1)
        },
    )
    .await
}
