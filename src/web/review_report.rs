//! `GET /reviews/{review}/report` (SPEC §12): the review's supervisor and admins, once results
//! are visible; anyone else gets 404, as for the reconciliation page.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::extractors::Staff;
use super::reconcile::{load, page_model};
use super::response::{html, locale};
use super::views::review_report as view;
use super::AppState;
use crate::error::AppResult;

/// `GET /reviews/{review}/report`
pub async fn show(
    Staff(session): Staff,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let r = load(&state, &session, &path).await?;
    let l = locale(&req, None);
    let model = page_model(&r);
    Ok(html(
        StatusCode::OK,
        if r.visible {
            view::report(l, &model)
        } else {
            view::not_yet(l, &model)
        },
    ))
}
