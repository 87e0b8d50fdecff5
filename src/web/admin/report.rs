//! The cycle report for admins (SPEC §11, §12): the insights page, and the downloads — CSV
//! and JSON byte for byte what `kam360 report` prints, and the spreadsheet. Anyone but an
//! admin gets 404.

use actix_web::http::header;
use actix_web::{web, HttpResponse};

use crate::actions;
use crate::db;
use crate::domain::formats::export;
use crate::domain::ids::CycleId;
use crate::error::{AppError, AppResult};
use crate::web::extractors::Admin;
use crate::web::AppState;

/// The cycle's id, if it names a cycle (else 404 rather than the CLI's message).
async fn cycle(state: &AppState, id: &CycleId) -> AppResult<CycleId> {
    let (id, lookup) = (id.clone(), id.clone());
    state
        .db
        .read(move |c| db::cycles::find(c, &lookup).map_err(AppError::from))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(id)
}

fn download(bytes: Vec<u8>, media_type: &str, name: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(media_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(bytes)
}

/// The report as the CLI prints it, CSV or JSON.
async fn text_report(state: &AppState, path: &CycleId, json: bool) -> AppResult<HttpResponse> {
    let id = cycle(state, path).await?;
    let key = id.clone();
    let rows = state
        .db
        .read(move |c| actions::report::build(c, &key))
        .await?;
    let unexpected = |e: export::ExportError| AppError::Unexpected(e.into());
    let (text, media_type, ext) = if json {
        (
            export::to_json(&rows).map_err(unexpected)? + "\n",
            "application/json",
            "json",
        )
    } else {
        (
            export::to_csv(&rows).map_err(unexpected)?,
            "text/csv; charset=utf-8",
            "csv",
        )
    };
    Ok(download(
        text.into_bytes(),
        media_type,
        format!("kam360-report-{id}.{ext}"),
    ))
}

/// `GET /admin/cycles/{cycle}/report.csv`
pub async fn csv(Admin(_, state, ..): Admin, path: web::Path<CycleId>) -> AppResult<HttpResponse> {
    text_report(&state, &path, false).await
}

/// `GET /admin/cycles/{cycle}/report.json`
pub async fn json(Admin(_, state, ..): Admin, path: web::Path<CycleId>) -> AppResult<HttpResponse> {
    text_report(&state, &path, true).await
}

/// `GET /admin/cycles/{cycle}/report.xlsx`
pub async fn xlsx(Admin(_, state, ..): Admin, path: web::Path<CycleId>) -> AppResult<HttpResponse> {
    let id = cycle(&state, &path).await?;
    let key = id.clone();
    let bytes = state
        .db
        .read(move |c| actions::report::spreadsheet(c, &key))
        .await?;
    Ok(download(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        format!("kam360-report-{id}.xlsx"),
    ))
}

/// `GET /admin/cycles/{cycle}/insights`
pub async fn insights(
    Admin(session, state, req, l): Admin,
    path: web::Path<CycleId>,
) -> AppResult<HttpResponse> {
    let id = cycle(&state, &path).await?;
    let key = id.clone();
    let (name, k, rubric, rows, supervisors) = state
        .db
        .read(move |c| {
            let cycle = actions::find_cycle(c, &key)?;
            let (rubric, _) = actions::load_snapshots(c, &key)?;
            let rows = actions::report::build(c, &key)?;
            let supervisors: std::collections::HashMap<String, String> =
                db::reviews::list_for_cycle(c, &key)?
                    .into_iter()
                    .map(|r| (r.subject_email, r.supervisor_name))
                    .collect();
            let k = crate::domain::rules::confidentiality::K::stored(cycle.min_group_size).get();
            Ok::<_, AppError>((cycle.name, k, rubric, rows, supervisors))
        })
        .await?;
    let i = crate::domain::rules::insights::compute(&rows, &supervisors);
    Ok(crate::web::response::html(
        actix_web::http::StatusCode::OK,
        crate::web::views::admin::report::insights(
            l,
            &crate::web::staff::viewer(&session, &req),
            &name,
            &id,
            &rubric,
            &i,
            k,
        ),
    ))
}
