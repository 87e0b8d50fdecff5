//! The team view (issue #21): `GET /team` shows a supervisor's KAMs of one cycle side by side
//! (an admin chooses whose), `GET /team.csv` downloads the same table. A supervisor sees only
//! their own team: asking for anyone else's is 404.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::extractors::Staff;
use super::response::html;
use super::staff::viewer;
use super::views::team::{self as view, Choice, TeamPage};
use super::AppState;
use crate::actions::team::{self, Team};
use crate::db;
use crate::db::sessions::StaffSession;
use crate::domain::ids::{CycleId, PersonId};
use crate::domain::rules::team::{sort_with, SortBy};
use crate::domain::status::Role;
use crate::error::{AppError, AppResult};

/// The page's query: which cycle, whose team (admins), the order.
#[derive(Debug, Default, Deserialize)]
pub struct TeamQuery {
    cycle: Option<String>,
    supervisor: Option<String>,
    sort: Option<String>,
    dir: Option<String>,
}

/// What the page resolved: the pickers' choices and the team, if there is one to show.
struct Resolved {
    cycles: Vec<(CycleId, String)>,
    supervisors: Vec<(PersonId, String)>,
    cycle: Option<CycleId>,
    supervisor: Option<PersonId>,
    team: Option<Team>,
}

/// Picks the cycle and the supervisor the query asks for (or the first of each), within what
/// the session may see; 404 for anything outside it.
async fn resolve(state: &AppState, session: &StaffSession, q: &TeamQuery) -> AppResult<Resolved> {
    let admin = session.role == Role::Admin;
    let me = session.person_id.clone();
    let asked_cycle = match q.cycle.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(CycleId::parse(s).ok_or(AppError::NotFound)?),
        None => None,
    };
    let asked_supervisor = match q.supervisor.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(PersonId::parse(s).ok_or(AppError::NotFound)?),
        None => None,
    };
    if !admin && asked_supervisor.as_ref().is_some_and(|s| *s != me) {
        return Err(AppError::NotFound);
    }
    state
        .db
        .read(move |c| {
            let cycles: Vec<(CycleId, String)> = if admin {
                db::cycles::list(c)?
                    .into_iter()
                    .map(|x| (x.id, x.name))
                    .collect()
            } else {
                let mut seen: Vec<(CycleId, String)> = Vec::new();
                for r in db::reviews::list_for_supervisor(c, &me)? {
                    let id = r.listing.review.cycle_id;
                    if !seen.iter().any(|(s, _)| *s == id) {
                        seen.push((id, r.cycle_name));
                    }
                }
                seen
            };
            let cycle = match asked_cycle {
                Some(id) if cycles.iter().any(|(c, _)| *c == id) => Some(id),
                Some(_) => return Err(AppError::NotFound),
                None => cycles.first().map(|(id, _)| id.clone()),
            };
            let Some(cycle) = cycle else {
                return Ok(Resolved {
                    cycles,
                    supervisors: Vec::new(),
                    cycle: None,
                    supervisor: None,
                    team: None,
                });
            };
            let supervisors = if admin {
                db::reviews::supervisors_of_cycle(c, &cycle)?
            } else {
                Vec::new()
            };
            let supervisor = if admin {
                match asked_supervisor {
                    Some(id) if supervisors.iter().any(|(s, _)| *s == id) => Some(id),
                    Some(_) => return Err(AppError::NotFound),
                    None => supervisors.first().map(|(id, _)| id.clone()),
                }
            } else {
                Some(me)
            };
            let team = match &supervisor {
                Some(s) => Some(team::load(c, &cycle, s, db::now())?),
                None => None,
            };
            Ok(Resolved {
                cycles,
                supervisors,
                cycle: Some(cycle),
                supervisor,
                team,
            })
        })
        .await
}

/// The order asked for (what needs the supervisor first, by default).
fn order(q: &TeamQuery, team: &mut Option<Team>) -> (SortBy, bool) {
    let Some(t) = team else {
        return (SortBy::State, true);
    };
    let by = SortBy::parse(q.sort.as_deref().unwrap_or("state"), &t.rubric);
    let ascending = by.ascending(q.dir.as_deref());
    sort_with(&mut t.rows, |(_, r)| r, &by, ascending);
    (by, ascending)
}

/// `GET /team`
pub async fn show(
    Staff(session, state, req, l): Staff,
    q: web::Query<TeamQuery>,
) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    let mut r = resolve(&state, &session, &q).await?;
    let (by, ascending) = order(&q, &mut r.team);
    let choices = |items: &[(String, String)], chosen: Option<String>| -> Vec<Choice> {
        items
            .iter()
            .map(|(value, label)| Choice {
                chosen: chosen.as_deref() == Some(value.as_str()),
                value: value.clone(),
                label: label.clone(),
            })
            .collect()
    };
    let cycles: Vec<(String, String)> = r
        .cycles
        .iter()
        .map(|(id, n)| (id.to_string(), n.clone()))
        .collect();
    let supervisors: Vec<(String, String)> = r
        .supervisors
        .iter()
        .map(|(id, n)| (id.to_string(), n.clone()))
        .collect();
    let cycle_name = r
        .cycles
        .iter()
        .find(|(id, _)| Some(id) == r.cycle.as_ref())
        .map(|(_, n)| n.as_str());
    let page = TeamPage {
        cycles: &choices(&cycles, r.cycle.as_ref().map(ToString::to_string)),
        supervisors: &choices(&supervisors, r.supervisor.as_ref().map(ToString::to_string)),
        cycle: r.cycle.as_ref().zip(cycle_name),
        supervisor: if session.role == Role::Admin {
            r.supervisor.as_ref()
        } else {
            None
        },
        rubric: r.team.as_ref().map(|t| &t.rubric),
        rows: r.team.as_ref().map_or(&[], |t| t.rows.as_slice()),
        sort: &by,
        ascending,
    };
    Ok(html(
        StatusCode::OK,
        view::team(l, &viewer(&session, &req), &page),
    ))
}

/// `GET /team.csv`: the same table, in the same order.
pub async fn csv(
    Staff(session, state, ..): Staff,
    q: web::Query<TeamQuery>,
) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    let mut r = resolve(&state, &session, &q).await?;
    order(&q, &mut r.team);
    let team = r.team.ok_or(AppError::NotFound)?;
    let rows: Vec<_> = team.rows.into_iter().map(|(_, r)| r).collect();
    let text = crate::domain::formats::team_csv::to_csv(&team.rubric, &rows)
        .map_err(|e| AppError::Unexpected(e.into()))?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"kam360-team-{}.csv\"", team.cycle.id),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(text))
}
