//! Reconciliation handlers: the KAM's supervisor decides, an admin may read and reopen; anyone
//! else gets 404. Every POST carries the session's CSRF token and the review's version.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::extractors::{Admin, Staff, Supervisor};
use super::response::{html, see_other};
use super::staff::viewer;
use super::views::reconcile::{self as view, PageState};
use super::views::release::ReleaseView;
use super::AppState;
use crate::actions::reconcile::{self, Reconciliation, Saved, SignedOff};
use crate::db::{self, sessions::StaffSession};
use crate::domain::ids::ReviewId;
use crate::domain::rules::consolidation::Level;
use crate::domain::rules::progress::Stage;
use crate::domain::rules::reconciliation::{self, Entry, Submission};
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
        supervisor_name: &r.review.listing.supervisor_name,
        reader: view::Reader::Supervisor,
        stage: Stage::of(review.status, r.visible, r.release.is_some()),
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
            .map(|x| {
                let e = &x.event;
                view::AuditLine {
                    at: e.at,
                    who: x.actor.as_ref().map(|(name, _)| name.as_str()),
                    action: &e.action,
                    target: e.target.as_deref(),
                    // named for admins only (`model_for`): who has or has not answered is not the
                    // supervisor's to know (SPEC §7)
                    concerned: None,
                    old_value: e.old_value.as_deref(),
                    new_value: e.new_value.as_deref(),
                    rationale: e.rationale.as_deref(),
                }
            })
            .collect(),
    }
}

/// The page's view for a staff reader: the supervisor reads "you", an admin the supervisor's
/// name.
pub fn model_for<'a>(r: &'a Reconciliation, session: &StaffSession) -> view::ReviewPage<'a> {
    let mut model = page_model(r);
    if r.review.listing.review.supervisor_id != session.person_id {
        model.reader = view::Reader::Admin;
        // admins see who was asked and who answered (never what): the trail names the rater
        for (line, x) in model.audit.iter_mut().zip(&r.audit) {
            line.concerned = x
                .concerned
                .as_ref()
                .map(|(name, email, rel)| (name.as_str(), email.as_str(), *rel));
        }
    }
    model
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
    review: &ReviewId,
) -> AppResult<Reconciliation> {
    let (review, viewer) = (review.clone(), session.person_id.clone());
    let admin = session.role == Role::Admin;
    state
        .db
        .read(move |c| reconcile::load(c, &review, &viewer, admin))
        .await?
        .ok_or(AppError::NotFound)
}

/// `GET /reviews/{review}`
pub async fn show(
    Staff(session, state, req, l): Staff,
    path: web::Path<ReviewId>,
) -> AppResult<HttpResponse> {
    let r = load(&state, &session, &path).await?;
    let flag = |name: &str| req.query_string().split('&').any(|p| p == name);
    let review = &r.review.listing.review;
    let may_release = review.supervisor_id == session.person_id || session.role == Role::Admin;
    // once signed off, the release is offered here, where the sign-off ends
    let release = (review.status == ReviewStatus::Finalized).then(|| ReleaseView {
        kam_name: &r.review.listing.subject_name,
        finalized: true,
        released_at: r.release.as_ref().map(|x| x.released_at),
        acknowledged_at: r.release.as_ref().and_then(|x| x.acknowledged_at),
        form: may_release.then(|| crate::web::views::release::PostTo {
            csrf: session.csrf_token.as_str(),
            action: format!("/reviews/{}/release?from=review", review.id),
        }),
        sent: flag("released=1"),
    });
    let st = PageState {
        viewer: viewer(&session, &req),
        entries: stored_entries(&r),
        problems: BTreeMap::new(),
        saved: flag("saved=1"),
        share_percent: share_percent(&state),
        release,
        signed: flag("signed=1"),
    };
    Ok(html(
        StatusCode::OK,
        view::page_for(l, &model_for(&r, &session), &st),
    ))
}

/// `POST /reviews/{review}`: save progress or sign off, all or nothing.
pub async fn save(
    Supervisor(session, state, req, l): Supervisor,
    path: web::Path<ReviewId>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let review_id = path.into_inner();
    let r = std::sync::Arc::new(load(&state, &session, &review_id).await?);
    // the body is decoded strictly (bad UTF-8 is refused, never stored as U+FFFD in a
    // rationale); the token and the origin were checked before (`web::guard`)
    let form = crate::domain::forms::urlencoded::parse(&body)
        .map_err(|e| AppError::Invalid(e.to_string()))?;
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
        // the first sign-off step stored the entries: the summary asks to confirm
        Saved::Stored if signoff => see_other(format!("/reviews/{id}/signoff")),
        Saved::Stored => see_other(format!("/reviews/{id}?saved=1")),
        Saved::Conflict => html(StatusCode::CONFLICT, view::conflict(l, id)),
        Saved::Invalid(problems) => {
            let st = PageState {
                viewer: viewer(&session, &req),
                entries: typed,
                problems,
                saved: false,
                share_percent: share_percent(&state),
                release: None,
                signed: false,
            };
            html(
                StatusCode::UNPROCESSABLE_ENTITY,
                view::page_for(l, &model_for(&r, &session), &st),
            )
        }
    })
}

/// The review for its own supervisor's sign-off, else 404 (admins read, they do not sign).
async fn own_review(
    state: &AppState,
    session: &StaffSession,
    review: &ReviewId,
) -> AppResult<Reconciliation> {
    let r = load(state, session, review).await?;
    if r.review.listing.review.supervisor_id != session.person_id || !r.visible {
        return Err(AppError::NotFound);
    }
    Ok(r)
}

/// `GET /reviews/{review}/signoff`: what signing off will finalize, and the button that does.
pub async fn summary(
    Supervisor(session, state, req, ..): Supervisor,
    path: web::Path<ReviewId>,
) -> AppResult<HttpResponse> {
    let r = own_review(&state, &session, &path).await?;
    let id = &r.review.listing.review.id;
    if r.review.listing.review.status == ReviewStatus::Finalized {
        return Ok(see_other(format!("/reviews/{id}")));
    }
    Ok(summary_page(&r, &session, &req, StatusCode::OK))
}

/// The sign-off summary of a loaded review.
fn summary_page(
    r: &Reconciliation,
    session: &StaffSession,
    req: &HttpRequest,
    status: StatusCode,
) -> HttpResponse {
    let l = super::response::staff_locale(req, session);
    let page = view::signoff_summary(
        l,
        &model_for(r, session),
        &reconcile::summary(r),
        &viewer(session, req),
    );
    html(status, page)
}

/// `POST /reviews/{review}/signoff`: the confirmation that finalizes (SPEC §6's second step),
/// with the session's `csrf` and the `version` the summary showed.
pub async fn sign_off(
    Supervisor(session, state, req, l): Supervisor,
    path: web::Path<ReviewId>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let form = crate::domain::forms::urlencoded::parse(&body)
        .map_err(|e| AppError::Invalid(e.to_string()))?;
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let r = std::sync::Arc::new(own_review(&state, &session, &path).await?);
    let id = r.review.listing.review.id.clone();
    if r.review.listing.review.status == ReviewStatus::Finalized {
        return Ok(html(StatusCode::CONFLICT, view::conflict(l, &id)));
    }
    let version = field("version")
        .and_then(|v| v.parse::<i32>().ok())
        .ok_or_else(|| AppError::Invalid("the form is incomplete".into()))?;
    let actor = session.person_id.clone();
    let outcome = state
        .db
        .write({
            let r = r.clone();
            move |c| reconcile::sign_off(c, &r, &actor, version, db::now())
        })
        .await?;
    Ok(match outcome {
        SignedOff::Done => see_other(format!("/reviews/{id}?signed=1#release-title")),
        SignedOff::Conflict => html(StatusCode::CONFLICT, view::conflict(l, &id)),
        // the summary says what is missing, with the way back to the decisions
        SignedOff::Incomplete => summary_page(&r, &session, &req, StatusCode::UNPROCESSABLE_ENTITY),
    })
}

/// The reopen form's fields.
#[derive(serde::Deserialize)]
pub struct ReopenForm {
    reason: String,
}

/// `POST /reviews/{review}/reopen`: admins only, with a reason, audited.
pub async fn reopen(
    Admin(session, state, ..): Admin,
    path: web::Path<ReviewId>,
    form: web::Form<ReopenForm>,
) -> AppResult<HttpResponse> {
    let r = load(&state, &session, &path).await?;
    let review = ReviewId::stored(r.review.listing.review.id.as_str());
    let (actor, reason) = (session.person_id.clone(), form.reason.clone());
    let id = review.clone();
    state
        .db
        .write(move |c| reconcile::reopen(c, &id, &actor, &reason, db::now()))
        .await?;
    Ok(see_other(format!("/reviews/{review}")))
}
