//! The KAM's released report (SPEC §12): `GET /k/{token}` shows it (final levels with the
//! supervisor's reasons, the figures and comments §7 allows), `POST /k/{token}/acknowledge`
//! confirms reading it, `POST /k/{token}/plan` stores the development plan. The link is the
//! credential (§4: only its hash is stored); an unknown or unreleased one is 404.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::reconcile::page_model;
use super::response::{chosen_lang, html, locale, not_found_page, see_other};
use super::staff::forbidden;
use super::views::release as release_view;
use super::views::review_report as view;
use super::AppState;
use crate::actions::{reconcile, release};
use crate::db;
use crate::domain::forms::plan::{self, Problem, Typed};
use crate::domain::ids::{PersonId, ReviewId};
use crate::domain::security::token;
use crate::error::{AppError, AppResult};
use crate::i18n::t;

/// The review a well-formed, released link opens.
async fn review_of(state: &AppState, raw: &str) -> AppResult<Option<ReviewId>> {
    if !token::well_formed(raw) {
        return Ok(None);
    }
    let hash = token::hash(raw);
    state
        .db
        .read(move |c| release::review_for_link(c, &hash))
        .await
}

/// What the KAM's page shows besides the report.
struct PlanState {
    rows: Vec<Typed>,
    problems: Vec<(usize, Problem)>,
    saved: bool,
}

async fn page(
    state: &AppState,
    req: &HttpRequest,
    raw: &str,
    review_id: ReviewId,
    plan: Option<PlanState>,
) -> AppResult<HttpResponse> {
    let id = review_id.clone();
    let (r, rel, goals) = state
        .db
        .read(move |c| {
            // the link stands for the KAM: the review is read as an admin would
            let r = reconcile::load(c, &id, &PersonId::stored(String::new()), true)?
                .ok_or(AppError::NotFound)?;
            Ok::<_, AppError>((r, db::releases::find(c, &id)?, db::releases::goals(c, &id)?))
        })
        .await?;
    let l = locale(req, None);
    let mut model = page_model(&r);
    model.reader = crate::web::views::review_model::Reader::Kam;
    let action = |what: &str| match chosen_lang(req) {
        Some(x) => format!("/k/{raw}/{what}?lang={}", x.as_str()),
        None => format!("/k/{raw}/{what}"),
    };
    let plan = plan.unwrap_or_else(|| PlanState {
        rows: goals
            .iter()
            .map(|g| Typed {
                criterion_id: g.criterion_id.clone(),
                goal: g.goal.clone(),
                actions: g.actions.clone(),
                date: g.target_date.to_string(),
            })
            .collect(),
        problems: Vec::new(),
        saved: req.query_string().split('&').any(|p| p == "saved=1"),
    });
    let comments: Vec<(usize, &str)> = goals
        .iter()
        .filter(|g| !g.supervisor_comment.is_empty())
        .filter_map(|g| {
            Some((
                usize::try_from(g.position).ok()?,
                g.supervisor_comment.as_str(),
            ))
        })
        .collect();
    let frame = view::Frame {
        title: t(l, "kam.title").to_owned(),
        back: None,
        switch: Some(format!("/k/{raw}?lang={}", l.other().as_str())),
        top: release_view::kam_ack(
            l,
            rel.and_then(|x| x.acknowledged_at),
            &action("acknowledge"),
        ),
        bottom: release_view::kam_plan(
            l,
            &r.rubric,
            &plan.rows,
            &plan.problems,
            &comments,
            &action("plan"),
            plan.saved,
        ),
    };
    let status = if plan.problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(html(status, view::report(l, &model, &frame)))
}

/// `GET /k/{token}`
pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let Some(review) = review_of(&state, &path).await? else {
        return Ok(not_found_page(&req));
    };
    page(&state, &req, &path, review, None).await
}

fn back_to(req: &HttpRequest, raw: &str, query: &str) -> String {
    match chosen_lang(req) {
        Some(x) => format!("/k/{raw}?{query}&lang={}", x.as_str()),
        None => format!("/k/{raw}?{query}"),
    }
}

/// `POST /k/{token}/acknowledge`
pub async fn acknowledge(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    if !super::security::same_origin(&req, state.settings.base_url()) {
        return Ok(forbidden(locale(&req, None)));
    }
    let Some(review) = review_of(&state, &path).await? else {
        return Ok(not_found_page(&req));
    };
    state
        .db
        .write(move |c| release::acknowledge(c, &review, db::now()))
        .await?;
    Ok(see_other(back_to(&req, &path, "acknowledged=1")))
}

/// `POST /k/{token}/plan`: 1–5 goals; any problem re-renders the form with what was typed.
pub async fn plan(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    if !super::security::same_origin(&req, state.settings.base_url()) {
        return Ok(forbidden(locale(&req, None)));
    }
    let Some(review) = review_of(&state, &path).await? else {
        return Ok(not_found_page(&req));
    };
    let rows = plan::typed(&form.into_inner());
    let id = review.clone();
    let rubric = state
        .db
        .read(move |c| {
            let cycle = db::reviews::find(c, &id)?
                .ok_or(AppError::NotFound)?
                .listing
                .review
                .cycle_id;
            Ok::<_, AppError>(crate::actions::load_snapshots(c, &cycle)?.0)
        })
        .await?;
    match plan::check(&rows, &rubric, db::now().date()) {
        Err(problems) => {
            page(
                &state,
                &req,
                &path,
                review,
                Some(PlanState {
                    rows,
                    problems,
                    saved: false,
                }),
            )
            .await
        }
        Ok(goals) => {
            state
                .db
                .write(move |c| release::save_plan(c, &review, &goals, db::now()))
                .await?;
            Ok(see_other(back_to(&req, &path, "saved=1") + "#plan-title"))
        }
    }
}
