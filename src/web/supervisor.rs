//! The supervisor's pages: the home (their KAMs, where each review stands) and their own
//! rating of a KAM, opened from it.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

use super::extractors::Staff;
use super::response::{html, see_other};
use super::staff::viewer;
use super::views::supervisor as view;
use crate::db;
use crate::domain::ids::{AssignmentId, ReviewId};
use crate::domain::relationship::Relationship;
use crate::domain::rules::progress::{self, Stage};
use crate::domain::security::token;
use crate::domain::status::Role;
use crate::domain::status::{AssignmentStatus, ProposalStatus, ReviewStatus};
use crate::error::{AppError, AppResult};

/// `GET /`: the signed-in person's home (their KAMs for a supervisor, the cycles for an admin).
pub async fn home(Staff(session, state, req, l): Staff) -> AppResult<HttpResponse> {
    if session.role == Role::Admin {
        let rows = super::admin::cycle_rows(&state).await?;
        return Ok(html(
            StatusCode::OK,
            super::views::admin::cycles(l, &viewer(&session, &req), &rows),
        ));
    }
    let person = session.person_id.clone();
    let rows = state
        .db
        .read(move |c| {
            // three queries whatever the number of KAMs: the reviews (with their release),
            // their raters, and their KAM-nominated lists
            let reviews = db::reviews::list_for_supervisor(c, &person)?;
            let ids: Vec<ReviewId> = reviews
                .iter()
                .map(|r| r.listing.review.id.clone())
                .collect();
            let mut raters: HashMap<ReviewId, Vec<db::assignments::AssignmentListing>> =
                HashMap::new();
            for a in db::assignments::list_for_reviews(c, &ids)? {
                raters
                    .entry(a.assignment.review_id.clone())
                    .or_default()
                    .push(a);
            }
            let proposals: HashMap<ReviewId, ProposalStatus> =
                db::proposals::statuses(c, &ids)?.into_iter().collect();
            let mut out = Vec::new();
            for r in reviews {
                let assignments = raters.remove(&r.listing.review.id).unwrap_or_default();
                let statuses: Vec<(Relationship, AssignmentStatus)> = assignments
                    .iter()
                    .map(|a| (a.assignment.relationship, a.assignment.status))
                    .collect();
                let k = crate::domain::rules::confidentiality::K::stored(r.min_group_size).get();
                let own = assignments
                    .iter()
                    .find(|a| {
                        a.assignment.rater_id == person
                            && a.assignment.relationship == Relationship::Supervisor
                    })
                    .map(|a| (a.assignment.id.clone(), a.assignment.status));
                let deadline = r.deadline();
                let proposal = proposals.get(&r.listing.review.id).copied();
                let pending = proposal.is_some_and(|s| s != ProposalStatus::Approved);
                let visible = crate::actions::visibility::results_visible(
                    &r.listing.review,
                    r.cycle_status,
                    &assignments,
                    pending,
                );
                let released =
                    r.listing.review.status == ReviewStatus::Finalized && r.released_at.is_some();
                let stage = Stage::of(r.listing.review.status, visible, released);
                out.push(view::SupervisedRow {
                    notices: r.unopened,
                    review_id: r.listing.review.id,
                    subject_name: r.listing.subject_name,
                    cycle_name: r.cycle_name,
                    cycle_status: r.cycle_status,
                    deadline,
                    closed_at: r.closed_at,
                    proposal,
                    review_status: r.listing.review.status,
                    stage,
                    k,
                    progress: progress::per_group(&statuses, k),
                    own,
                });
            }
            Ok::<_, AppError>(out)
        })
        .await?;
    Ok(html(
        StatusCode::OK,
        view::supervisor_home(
            l,
            &viewer(&session, &req),
            &rows,
            state.settings.min_group_size(),
        ),
    ))
}

/// `POST /rate/{assignment}`: a signed-in supervisor opens their own rating form for a KAM,
/// the same form raters use.
pub async fn rate(
    Staff(session, state, req, l): Staff,
    path: web::Path<AssignmentId>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let offered = super::rater_access::session_value(&req, &state.settings);
    let (person, aid) = (session.person_id.clone(), id.clone());
    let (cookie, closes_at) = state
        .db
        .write(move |c| {
            // only the supervisor's own assignment; anything else is "not found"
            let closes_at = db::rater_access::own_supervisor_deadline(c, &aid, &person)?
                .ok_or(AppError::NotFound)?;
            let cookie = super::rater_access::issued_session(c, offered)?;
            db::rater_access::grant_session(c, &token::hash(&cookie), &aid, db::now())?;
            Ok::<_, AppError>((cookie, closes_at))
        })
        .await?;
    // the supervisor's own form, in the language of their staff pages
    let mut res = see_other(format!("/f/{id}?lang={}", l.as_str()));
    res.add_cookie(&super::rater_access::session_cookie(
        &state.settings,
        cookie,
        closes_at,
    ))
    .map_err(|e| AppError::Unexpected(anyhow::anyhow!("cookie: {e}")))?;
    Ok(res)
}
