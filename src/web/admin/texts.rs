//! A cycle's email texts in the console (SPEC §16): the admin words the invitation and the
//! reminder, previews them in both languages, and saves them. Admins only; the POST is one
//! audited transaction; a refused field comes back beside its field, as typed (422).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::find;
use crate::actions::cycle_texts;
use crate::db;
use crate::domain::forms::cycle_texts::{Preview, Problem, Texts};
use crate::domain::ids::CycleId;
use crate::domain::status::Notice;
use crate::error::AppResult;
use crate::web::extractors::{Admin, StaffRequest};
use crate::web::response::{html, see_other_with_notice, staff_locale};
use crate::web::staff::viewer;
use crate::web::views::admin::texts::{self as view, TextsPage};
use crate::web::AppState;

async fn page(
    state: &AppState,
    asker: StaffRequest<'_>,
    cycle_id: &CycleId,
    status: StatusCode,
    shown: (&Texts, &[Problem], &[Preview]),
) -> AppResult<HttpResponse> {
    let StaffRequest { req, session } = asker;
    let cycle = find(state, cycle_id).await?;
    let (texts, problems, previews) = shown;
    let p = TextsPage {
        cycle_id: &cycle.id,
        cycle_name: &cycle.name,
        texts,
        problems,
        previews,
    };
    let l = staff_locale(req, session);
    Ok(html(status, view::texts(l, &viewer(session, req), &p)))
}

/// `GET /admin/cycles/{cycle}/texts`
pub async fn form(
    Admin(session): Admin,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<CycleId>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let cycle = id.clone();
    let texts = state.db.read(move |c| cycle_texts::load(c, &cycle)).await?;
    let asker = StaffRequest::new(&req, &session);
    page(&state, asker, &id, StatusCode::OK, (&texts, &[], &[])).await
}

/// `POST /admin/cycles/{cycle}/texts`: `action=preview` shows the messages as they would go,
/// `action=save` stores the texts → 303 to the cycle's page.
pub async fn save(
    Admin(session): Admin,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<CycleId>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let fields = form.into_inner();
    let typed = Texts::from_fields(&fields);
    let previewing = fields.iter().any(|(k, v)| k == "action" && v == "preview");
    let asker = StaffRequest::new(&req, &session);
    let refused = StatusCode::UNPROCESSABLE_ENTITY;
    if previewing {
        let checked = crate::domain::forms::cycle_texts::check(&typed);
        let Ok(checked) = checked else {
            let problems = checked.err().unwrap_or_default();
            return page(&state, asker, &id, refused, (&typed, &problems, &[])).await;
        };
        let (cycle, words) = (id.clone(), checked.clone());
        let previews = state
            .write_mailing(move |c, mail| cycle_texts::preview(c, mail, &cycle, &words, db::now()))
            .await?;
        return page(
            &state,
            asker,
            &id,
            StatusCode::OK,
            (&checked, &[], &previews),
        )
        .await;
    }
    let (cycle, actor, words) = (id.clone(), session.person_id.clone(), typed.clone());
    let saved = state
        .db
        .write(move |c| cycle_texts::save(c, &cycle, &words, Some(&actor), db::now()))
        .await?;
    match saved {
        Ok(()) => Ok(see_other_with_notice(
            format!("/admin/cycles/{id}"),
            Notice::TextsSaved,
            1,
            &state.settings,
        )),
        Err(problems) => page(&state, asker, &id, refused, (&typed, &problems, &[])).await,
    }
}
