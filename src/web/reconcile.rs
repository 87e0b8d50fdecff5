//! Reconciliation handlers: the KAM's supervisor decides, an admin may read and reopen; anyone
//! else gets 404. Every POST carries the session's CSRF token and the review's version.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::extractors::{Admin, Staff, Supervisor};
use super::response::{html, see_other};
use super::staff::{csrf_ok, forbidden, viewer};
use super::views::reconcile::{self as view, PageState};
use super::AppState;
use crate::actions::reconcile::{self, Reconciliation, Saved};
use crate::db::{self, sessions::StaffSession};
use crate::domain::consolidation::Level;
use crate::domain::ids::{PersonId, ReviewId};
use crate::domain::reconciliation::{self, Entry, Submission};
use crate::domain::status::{ReviewStatus, Role};
use crate::error::{AppError, AppResult};

fn stored_entries(r: &Reconciliation) -> BTreeMap<String, Entry> {
    r.criteria
        .iter()
        .map(|c| {
            let e = match &c.decision {
                Some(d) => Entry {
                    final_level: d.final_level.and_then(|x| Level::try_from(x).ok()),
                    rationale: d.rationale.clone(),
                },
                // the control defaults to the proposal
                None => Entry {
                    final_level: c.shown.proposal.proposed,
                    rationale: String::new(),
                },
            };
            (c.id.clone(), e)
        })
        .collect()
}

/// The page's view of a loaded review.
pub fn page_model(r: &Reconciliation) -> view::ReviewPage<'_> {
    let review = &r.review.listing.review;
    view::ReviewPage {
        review_id: &review.id,
        subject_name: &r.review.listing.subject_name,
        cycle_name: &r.review.cycle_name,
        status: review.status,
        version: review.version,
        finalized_at: review.finalized_at,
        visible: r.visible,
        k: r.k,
        rubric: &r.rubric,
        progress: &r.progress,
        criteria: r
            .criteria
            .iter()
            .map(|c| view::CriterionView {
                id: &c.id,
                shown: &c.shown,
                final_level: c
                    .decision
                    .as_ref()
                    .and_then(|d| d.final_level)
                    .and_then(|x| Level::try_from(x).ok()),
                rationale: c
                    .decision
                    .as_ref()
                    .map(|d| d.rationale.as_str())
                    .filter(|r| !r.trim().is_empty()),
                previous_level: r
                    .previous
                    .as_ref()
                    .and_then(|(_, levels)| levels.get(&c.id).copied()),
            })
            .collect(),
        previous_cycle: r.previous.as_ref().map(|(name, _)| name.as_str()),
        audit: r
            .audit
            .iter()
            .map(|(e, who)| view::AuditLine {
                at: e.at,
                who: who.as_deref(),
                action: &e.action,
                target: e.target.as_deref(),
                old_value: e.old_value.as_deref(),
                new_value: e.new_value.as_deref(),
                rationale: e.rationale.as_deref(),
            })
            .collect(),
    }
}

fn share_percent(state: &AppState) -> String {
    format!(
        "{:.0}",
        state.settings.consolidation.supervisor_share * 100.0
    )
}

/// The review, if `session` may see it (its supervisor, or an admin); else 404.
pub async fn load(
    state: &AppState,
    session: &StaffSession,
    review: &str,
) -> AppResult<Reconciliation> {
    let review = ReviewId::parse(review).ok_or(AppError::NotFound)?;
    let viewer = PersonId::stored(session.person_id.as_str());
    let admin = session.role == Role::Admin;
    state
        .db
        .read(move |c| reconcile::load(c, &review, &viewer, admin))
        .await?
        .ok_or(AppError::NotFound)
}

/// `GET /reviews/{review}`
pub async fn show(
    Staff(session): Staff,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let r = load(&state, &session, &path).await?;
    let l = super::response::staff_locale(&req, &session);
    let saved = req.query_string().split('&').any(|p| p == "saved=1");
    let st = PageState {
        viewer: viewer(&session, &req),
        entries: stored_entries(&r),
        problems: BTreeMap::new(),
        saved,
        share_percent: share_percent(&state),
    };
    Ok(html(
        StatusCode::OK,
        view::page_for(l, &page_model(&r), &st),
    ))
}

/// `POST /reviews/{review}`: save progress or sign off, all or nothing.
pub async fn save(
    Supervisor(session): Supervisor,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let l = super::response::staff_locale(&req, &session);
    let review_id = path.into_inner();
    let r = std::sync::Arc::new(load(&state, &session, &review_id).await?);
    // the token and the origin first: a forged request learns nothing about the form; the body
    // is decoded strictly (bad UTF-8 is refused, never stored as U+FFFD in a rationale)
    let form =
        crate::domain::urlencoded::parse(&body).map_err(|e| AppError::Invalid(e.to_string()))?;
    let csrf = form
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    if !csrf_ok(&state, &req, &session, &csrf) {
        return Ok(forbidden(l));
    }
    let Submission {
        version,
        signoff,
        entries,
    } = reconciliation::parse(&r.rubric, form).map_err(|e| AppError::Invalid(e.to_string()))?;
    if r.review.listing.review.status == ReviewStatus::Finalized {
        return Ok(html(StatusCode::CONFLICT, view::conflict(l, &review_id)));
    }
    let actor = session.person_id.clone();
    let typed = entries.clone();
    let outcome = state
        .db
        .write({
            // what was read above is still what is stored if the version compare-and-set in
            // save succeeds; if anything changed meanwhile, save answers Conflict
            let r = r.clone();
            move |c| reconcile::save(c, &r, &actor, version, &entries, signoff, db::now())
        })
        .await?;
    let id = &r.review.listing.review.id;
    Ok(match outcome {
        Saved::Stored => see_other(format!("/reviews/{id}?saved=1")),
        Saved::Conflict => html(StatusCode::CONFLICT, view::conflict(l, id)),
        Saved::Invalid(problems) => {
            let st = PageState {
                viewer: viewer(&session, &req),
                entries: typed,
                problems,
                saved: false,
                share_percent: share_percent(&state),
            };
            html(
                StatusCode::UNPROCESSABLE_ENTITY,
                view::page_for(l, &page_model(&r), &st),
            )
        }
    })
}

/// The reopen form's fields.
#[derive(serde::Deserialize)]
pub struct ReopenForm {
    csrf: String,
    reason: String,
}

/// `POST /reviews/{review}/reopen`: admins only, with a reason, audited.
pub async fn reopen(
    Admin(session): Admin,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<ReopenForm>,
) -> AppResult<HttpResponse> {
    let l = super::response::staff_locale(&req, &session);
    if !csrf_ok(&state, &req, &session, &form.csrf) {
        return Ok(forbidden(l));
    }
    let r = load(&state, &session, &path).await?;
    let review = ReviewId::stored(r.review.listing.review.id.as_str());
    let (actor, reason) = (
        PersonId::stored(session.person_id.as_str()),
        form.reason.clone(),
    );
    let id = review.clone();
    state
        .db
        .write(move |c| reconcile::reopen(c, &id, &actor, &reason, db::now()))
        .await?;
    Ok(see_other(format!("/reviews/{review}")))
}
