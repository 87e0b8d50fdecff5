//! The review report for staff (SPEC §12): `GET /reviews/{review}/report` for the review's
//! supervisor and admins once results are visible, with the release to the KAM
//! (`POST …/release`) and the KAM's development plan, which the supervisor comments on
//! (`POST …/plan`). Anyone else gets 404, as for the reconciliation page.

use crate::actions::Tx;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::html;

use super::extractors::Staff;
use super::reconcile::load;
use super::response::{html, see_other};
use super::views::release::{self as release_view, GoalView, ReleaseView};
use super::views::review_report as view;
use super::AppState;
use crate::actions::release;
use crate::db;
use crate::domain::ids::{GoalId, ReviewId};
use crate::domain::status::{ReviewStatus, Role};
use crate::error::{AppError, AppResult};
use crate::i18n::{t, tf};

/// The release and the plan of a review.
struct Released {
    release: Option<db::releases::ReleaseRow>,
    goals: Vec<db::releases::GoalRow>,
}

async fn released(state: &AppState, review_id: &ReviewId) -> AppResult<Released> {
    let id = review_id.clone();
    state
        .db
        .read(move |c| {
            Ok::<_, AppError>(Released {
                release: db::releases::find(c, &id)?,
                goals: db::releases::goals(c, &id)?,
            })
        })
        .await
}

fn flag(req: &HttpRequest, name: &str) -> bool {
    req.query_string().split('&').any(|p| p == name)
}

/// `GET /reviews/{review}/report`
pub async fn show(
    Staff(session, state, req, l): Staff,
    path: web::Path<ReviewId>,
) -> AppResult<HttpResponse> {
    let r = load(&state, &session, &path).await?;
    let model = super::reconcile::model_for(&r, &session);
    if !r.visible {
        return Ok(html(StatusCode::OK, view::not_yet(l, &model)));
    }
    let rel = released(&state, model.review_id).await?;
    let own = r.review.listing.review.supervisor_id == session.person_id;
    let base = format!("/reviews/{}", model.review_id);
    let goals: Vec<GoalView<'_>> = super::kam::goal_views(&r.rubric, l, &rel.goals);
    if own {
        // the supervisor opened what their KAM did: the notices on their pages go
        let id = model.review_id.clone();
        state
            .db
            .write(move |c| Ok::<_, AppError>(db::notices::open(c, &id, db::now())?))
            .await?;
    }
    let may_release = own || session.role == Role::Admin;
    let frame = view::Frame {
        title: tf(l, "report.title", &[("name", model.subject_name)]),
        back: Some((base.clone(), t(l, "report.back"))),
        switch: Some(super::response::switch_url(&req, l)),
        top: release_view::release_box(
            l,
            &ReleaseView {
                kam_name: model.subject_name,
                finalized: model.status == ReviewStatus::Finalized,
                released_at: rel.release.as_ref().map(|x| x.released_at),
                acknowledged_at: rel.release.as_ref().and_then(|x| x.acknowledged_at),
                form: may_release.then(|| release_view::PostTo {
                    csrf: session.csrf_token.as_str(),
                    action: format!("{base}/release"),
                }),
                sent: flag(&req, "released=1"),
            },
        ),
        bottom: if rel.release.is_some() {
            release_view::staff_plan(
                l,
                &goals,
                own.then(|| release_view::PostTo {
                    csrf: session.csrf_token.as_str(),
                    action: format!("{base}/plan"),
                }),
                flag(&req, "commented=1"),
            )
        } else {
            html! {}
        },
    };
    Ok(html(StatusCode::OK, view::report(l, &model, &frame)))
}

/// `POST /reviews/{review}/release`: releases the signed-off report to the KAM, or sends the
/// KAM's link again.
pub async fn release(
    Staff(session, state, req, ..): Staff,
    path: web::Path<ReviewId>,
) -> AppResult<HttpResponse> {
    let r = load(&state, &session, &path).await?;
    let own = r.review.listing.review.supervisor_id == session.person_id;
    if !(own || session.role == Role::Admin) {
        return Err(AppError::NotFound);
    }
    let id = r.review.listing.review.id.clone();
    let (review, actor) = (id.clone(), session.person_id.clone());
    state
        .write_mailing(move |c, mail| release::release(Tx(c, mail, &actor, db::now()), &review))
        .await?;
    // back to the page the release was offered on: the review (after sign-off) or the report
    Ok(if flag(&req, "from=review") {
        see_other(format!("/reviews/{id}?released=1#release-title"))
    } else {
        see_other(format!("/reviews/{id}/report?released=1"))
    })
}

/// `POST /reviews/{review}/plan`: the supervisor's comments on the KAM's goals
/// (`comment1` … `comment5`, each with the goal it was written under in `goal1` … `goal5`;
/// without it, the goal now in that place).
pub async fn comment(
    Staff(session, state, ..): Staff,
    path: web::Path<ReviewId>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let fields = form.into_inner();
    let r = load(&state, &session, &path).await?;
    if r.review.listing.review.supervisor_id != session.person_id {
        return Err(AppError::NotFound);
    }
    let id = r.review.listing.review.id.clone();
    let goals = released(&state, &id).await?.goals;
    let goal_at = |n: i32| {
        let named = fields
            .iter()
            .find(|(k, _)| k.strip_prefix("goal").and_then(|x| x.parse::<i32>().ok()) == Some(n))
            .and_then(|(_, v)| GoalId::parse(v));
        named.or_else(|| goals.iter().find(|g| g.position == n).map(|g| g.id.clone()))
    };
    let comments: Vec<(GoalId, String)> = fields
        .iter()
        .filter_map(|(k, v)| {
            let n = k.strip_prefix("comment")?.parse::<i32>().ok()?;
            Some((goal_at(n)?, v.clone()))
        })
        .collect();
    let (review, actor) = (id.clone(), session.person_id.clone());
    state
        .db
        .write(move |c| release::comment_plan(c, &review, &comments, &actor, db::now()))
        .await?;
    Ok(see_other(format!(
        "/reviews/{id}/report?commented=1#plan-title"
    )))
}
