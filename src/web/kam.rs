//! The KAM's released report (SPEC §12): `GET /k/{token}` shows it (final levels with the
//! supervisor's reasons, the figures and comments §7 allows), `POST /k/{token}/acknowledge`
//! confirms reading it, `POST /k/{token}/plan` stores the development plan. The link is the
//! credential (§4: only its hash is stored); an unknown or unreleased one is 404.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::extractors::{Report, ReviewLink};
use super::reconcile::page_model;
use super::response::{html, locale, see_other};
use super::views::release as release_view;
use super::views::review_report as view;
use super::AppState;
use crate::actions::{reconcile, release};
use crate::db;
use crate::domain::forms::plan::{self, Problem, Typed};
use crate::domain::ids::PersonId;
use crate::error::{AppError, AppResult};
use crate::i18n::t;

/// The KAM's link to their report.
type KamLink = ReviewLink<Report>;

/// What the KAM's page shows besides the report.
struct PlanState {
    rows: Vec<Typed>,
    problems: Vec<(usize, Problem)>,
    saved: bool,
}

async fn page(
    state: &AppState,
    req: &HttpRequest,
    link: &KamLink,
    plan: Option<PlanState>,
) -> AppResult<HttpResponse> {
    let id = link.review.clone();
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
    let action = |what: &str| link.url(req, what, "");
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
        switch: Some(link.in_language(l.other())),
        top: release_view::kam_ack(
            l,
            rel.and_then(|x| x.acknowledged_at),
            &action("/acknowledge"),
        ),
        bottom: release_view::kam_plan(
            l,
            &r.rubric,
            &plan.rows,
            &plan.problems,
            &comments,
            &action("/plan"),
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
    link: KamLink,
) -> AppResult<HttpResponse> {
    page(&state, &req, &link, None).await
}

/// `POST /k/{token}/acknowledge`
pub async fn acknowledge(
    state: web::Data<AppState>,
    req: HttpRequest,
    link: KamLink,
) -> AppResult<HttpResponse> {
    let review = link.review.clone();
    state
        .db
        .write(move |c| release::acknowledge(c, &review, db::now()))
        .await?;
    Ok(see_other(link.url(&req, "", "acknowledged=1")))
}

/// `POST /k/{token}/plan`: 1–5 goals; any problem re-renders the form with what was typed.
pub async fn plan(
    state: web::Data<AppState>,
    req: HttpRequest,
    link: KamLink,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let rows = plan::typed(&form.into_inner());
    let (id, review) = (link.review.clone(), link.review.clone());
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
                &link,
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
            Ok(see_other(link.url(&req, "", "saved=1") + "#plan-title"))
        }
    }
}
