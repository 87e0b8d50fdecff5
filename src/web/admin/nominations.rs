//! Changing a cycle's nominations (SPEC §11): the CSV upload (all or nothing, every bad row
//! listed as `line N: reason` in the CLI's words), and adding, editing and removing one
//! nomination while the cycle is a draft. Admins only; every POST checks the CSRF token and
//! the origin and is one audited transaction; a refusal re-renders the page (422) with what
//! was typed.

use crate::actions::Tx;
use actix_multipart::Multipart;
use actix_web::{web, HttpResponse};
use futures_util::StreamExt;

use super::cycle::{act, act_keeping};
use crate::actions::links::Target;
use crate::actions::nominations::{self, NominationInput};
use crate::db;
use crate::domain::ids::CycleId;
use crate::domain::status::{Count, Notice};
use crate::error::{AppError, AppResult};
use crate::web::extractors::Admin;
use crate::web::views::admin::cycle::Refusal;

/// The largest CSV accepted (10,000 rows of long names fit well within it).
const MAX_UPLOAD: usize = 5 * 1024 * 1024;

/// `POST /admin/cycles/{cycle}/nominations` (multipart, `file` and `csrf`): imports the CSV,
/// all or nothing → 303 with "N nominations imported", or 422 listing every bad row.
pub async fn upload(
    admin: Admin,
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
        // the `csrf` field was checked before (`web::guard`)
        if name == "file" {
            file = Some(bytes);
        }
    }
    let bytes = file.unwrap_or_default();
    // every bad row, `line N: reason` each
    let keep = |reason: String| Refusal {
        import: reason.lines().map(str::to_owned).collect(),
        ..Default::default()
    };
    act_keeping(
        admin.asker(),
        &id.clone(),
        Notice::Imported,
        keep,
        move |c, mail, actor| {
            let (summary, _) =
                nominations::import(Tx(c, mail, Some(actor), db::now()), &id, &bytes)?;
            Ok(summary.added.into())
        },
    )
    .await
}

/// `GET /admin/nominations/sample.csv`: a file to start from, with a row per relationship.
pub async fn sample(_: Admin) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            "attachment; filename=\"nominations-sample.csv\"",
        ))
        .body(crate::domain::formats::nomination::SAMPLE)
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
    admin: Admin,
    path: web::Path<CycleId>,
    form: web::Form<AddForm>,
) -> AppResult<HttpResponse> {
    let (id, form) = (path.into_inner(), form.into_inner());
    let input = form.input.clone();
    // the form again, as typed, with the reason
    let keep = |reason| Refusal {
        add: Some((&form.input, reason)),
        ..Default::default()
    };
    act_keeping(
        admin.asker(),
        &id.clone(),
        Notice::Added,
        keep,
        move |c, mail, actor| {
            let summary = nominations::add_one(Tx(c, mail, Some(actor), db::now()), &id, &input)?;
            Ok(summary.added.into())
        },
    )
    .await
}

/// `POST /admin/cycles/{cycle}/nominations/{assignment}/remove` (a draft cycle).
pub async fn remove(admin: Admin, path: web::Path<Target>) -> AppResult<HttpResponse> {
    let target = path.into_inner();
    act(
        admin.asker(),
        &target.cycle_id.clone(),
        Notice::Removed,
        move |c, _, actor| nominations::remove(c, &target, Some(actor), db::now()).map(|()| 1),
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
    admin: Admin,
    path: web::Path<Target>,
    form: web::Form<EditForm>,
) -> AppResult<HttpResponse> {
    let target = path.into_inner();
    let input = form.into_inner().input;
    // a refused edit comes back open, as typed
    let keep = Refusal::of_row(target.assignment_id.clone(), input.clone());
    act_keeping(
        admin.asker(),
        &target.cycle_id.clone(),
        Notice::EditedOne,
        keep,
        move |c, mail, actor| {
            nominations::edit(Tx(c, mail, Some(actor), db::now()), &target, &input)
                .map(|()| Count::from(1))
        },
    )
    .await
}
