//! The KAM's released report (SPEC §12): `GET /k/{token}` shows it (final levels with the
//! supervisor's reasons, the figures and comments §7 allows), `POST /k/{token}/acknowledge`
//! confirms reading it, `POST /k/{token}/plan` stores the development plan (or, with
//! `show=better`, shows what the next level looks like without saving), and
//! `POST /k/{token}/progress` records where its goals stand. The link is the credential (§4:
//! only its hash is stored); an unknown or unreleased one is 404.

use crate::actions::Tx;
use crate::web::extractors::Visitor;
use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::extractors::{Report, ReviewLink};
use super::reconcile::page_model;
use super::response::{html, locale, see_other};
use super::views::release::{self as release_view, GoalView, PlanForm};
use super::views::review_report as view;
use super::AppState;
use crate::actions::{reconcile, release};
use crate::db;
use crate::domain::forms::plan::{self, Problem, ProgressProblem, Typed};
use crate::domain::ids::{GoalId, PersonId};
use crate::error::{AppError, AppResult};
use crate::i18n::t;

/// The KAM's link to their report.
type KamLink = ReviewLink<Report>;

/// The plan form as typed, with its problems (none when it only shows what better looks like).
struct PlanTyping {
    rows: Vec<Typed>,
    problems: Vec<(usize, Problem)>,
}

/// The progress form as typed, with its problems.
#[derive(Default)]
struct ProgressTyping {
    fields: Vec<(String, String)>,
    problems: Vec<(GoalId, ProgressProblem)>,
}

/// What the KAM typed into one of the page's forms, when it comes back to them.
#[derive(Default)]
struct Typing {
    plan: Option<PlanTyping>,
    progress: Option<ProgressTyping>,
}

pub(super) fn goal_views<'a>(
    rubric: &'a crate::domain::formats::rubric::Rubric,
    l: crate::domain::locale::Locale,
    goals: &'a [db::releases::GoalRow],
) -> Vec<GoalView<'a>> {
    goals
        .iter()
        .map(|g| GoalView {
            id: &g.id,
            position: g.position,
            criterion_name: rubric
                .criterion(&g.criterion_id)
                .map_or("", |c| c.name.get(l)),
            goal: &g.goal,
            actions: &g.actions,
            target_date: g.target_date,
            comment: &g.supervisor_comment,
            progress: g.progress,
            note: &g.progress_note,
            progress_at: g.progress_at,
        })
        .collect()
}

async fn page(
    state: &AppState,
    req: &HttpRequest,
    link: &KamLink,
    typing: Typing,
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
    let flag = |name: &str| req.query_string().split('&').any(|p| p == name);
    let stored = goal_views(&r.rubric, l, &goals);
    let finals: HashMap<String, u8> = r
        .criteria
        .iter()
        .filter_map(|c| Some((c.id.clone(), c.decision.as_ref()?.final_level?)))
        .filter_map(|(id, level)| Some((id, u8::try_from(level).ok()?)))
        .collect();
    let failed = typing.plan.as_ref().is_some_and(|p| !p.problems.is_empty())
        || typing
            .progress
            .as_ref()
            .is_some_and(|p| !p.problems.is_empty());
    let plan = typing.plan.unwrap_or_else(|| PlanTyping {
        rows: goals
            .iter()
            .map(|g| Typed {
                id: g.id.to_string(),
                criterion_id: g.criterion_id.clone(),
                goal: g.goal.clone(),
                actions: g.actions.clone(),
                date: g.target_date.to_string(),
            })
            .collect(),
        problems: Vec::new(),
    });
    let progress = typing.progress.unwrap_or_default();
    let plan_action = action("/plan");
    let bottom = maud::html! {
        (release_view::kam_plan(
            l,
            &PlanForm {
                rubric: &r.rubric,
                finals: &finals,
                stored: &stored,
                action: &plan_action,
                saved: flag("saved=1"),
            },
            &plan.rows,
            &plan.problems,
        ))
        (release_view::kam_progress(
            l,
            &stored,
            &progress.fields,
            &progress.problems,
            &action("/progress"),
            flag("progress=1"),
        ))
    };
    let frame = view::Frame {
        title: t(l, "kam.title").to_owned(),
        back: None,
        switch: Some(link.in_language(l.other())),
        top: release_view::kam_ack(
            l,
            rel.and_then(|x| x.acknowledged_at),
            &action("/acknowledge"),
        ),
        bottom,
    };
    let status = if failed {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(html(status, view::report(l, &model, &frame)))
}

/// The review's plan as stored.
async fn stored_goals(state: &AppState, link: &KamLink) -> AppResult<Vec<db::releases::GoalRow>> {
    let id = link.review.clone();
    state
        .db
        .read(move |c| Ok::<_, AppError>(db::releases::goals(c, &id)?))
        .await
}

/// Runs the KAM's step in one transaction, then back to the page with `said` (its query flag
/// and the section to show).
async fn done<T, F>(
    state: &AppState,
    req: &HttpRequest,
    link: &KamLink,
    said: &str,
    f: F,
) -> AppResult<HttpResponse>
where
    F: FnOnce(&mut db::AnyConnection, crate::actions::Mail<'_>) -> AppResult<T> + Send + 'static,
    T: Send + 'static,
{
    state.write_mailing(f).await?;
    let (flag, anchor) = said.split_once('#').unwrap_or((said, ""));
    Ok(see_other(link.url(req, "", flag) + "#" + anchor))
}

/// `GET /k/{token}`
pub async fn show(Visitor(state, req): Visitor, link: KamLink) -> AppResult<HttpResponse> {
    page(&state, &req, &link, Typing::default()).await
}

/// `POST /k/{token}/acknowledge`
pub async fn acknowledge(Visitor(state, req): Visitor, link: KamLink) -> AppResult<HttpResponse> {
    let review = link.review.clone();
    state
        .write_mailing(move |c, mail| release::acknowledge(Tx(c, mail, None, db::now()), &review))
        .await?;
    Ok(see_other(link.url(&req, "", "acknowledged=1")))
}

/// `POST /k/{token}/plan`: 1–5 goals; any problem re-renders the form with what was typed.
/// With `show=better`, the form comes back as typed with the rubric's words for each chosen
/// criterion, and nothing is saved (the form without script).
pub async fn plan(
    Visitor(state, req): Visitor,
    link: KamLink,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let fields = form.into_inner();
    let rows = plan::typed(&fields);
    if fields.iter().any(|(k, v)| k == "show" && v == "better") {
        let typing = Typing {
            plan: Some(PlanTyping {
                rows,
                problems: Vec::new(),
            }),
            progress: None,
        };
        return page(&state, &req, &link, typing).await;
    }
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
    let stored: Vec<(GoalId, chrono::NaiveDate)> = stored_goals(&state, &link)
        .await?
        .into_iter()
        .map(|g| (g.id, g.target_date))
        .collect();
    match plan::check(&rows, &rubric, db::now().date(), &stored) {
        Err(problems) => {
            let typing = Typing {
                plan: Some(PlanTyping { rows, problems }),
                progress: None,
            };
            page(&state, &req, &link, typing).await
        }
        Ok(goals) => {
            done(&state, &req, &link, "saved=1#plan-title", move |c, mail| {
                release::save_plan(Tx(c, mail, None, db::now()), &review, &goals)
            })
            .await
        }
    }
}

/// `POST /k/{token}/progress`: where each goal stands (`progress_{goal}`, `note_{goal}`); any
/// problem re-renders the form with what was typed.
pub async fn progress(
    Visitor(state, req): Visitor,
    link: KamLink,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let fields = form.into_inner();
    let review = link.review.clone();
    let ids: Vec<GoalId> = stored_goals(&state, &link)
        .await?
        .into_iter()
        .map(|g| g.id)
        .collect();
    match plan::progress(&fields, &ids) {
        Err(problems) => {
            let typing = Typing {
                plan: None,
                progress: Some(ProgressTyping { fields, problems }),
            };
            page(&state, &req, &link, typing).await
        }
        Ok(entries) => {
            done(
                &state,
                &req,
                &link,
                "progress=1#progress-title",
                move |c, mail| {
                    release::record_progress(Tx(c, mail, None, db::now()), &review, &entries)
                },
            )
            .await
        }
    }
}
