//! A cycle's email texts in the console (SPEC §16): the admin words the invitation and the
//! reminder, previews them in both languages, and saves them. Admins only; the POST is one
//! audited transaction; a refused field comes back beside its field, as typed (422).

use crate::actions::Tx;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

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

fn page(
    asker: StaffRequest<'_>,
    cycle: &db::cycles::CycleRow,
    status: StatusCode,
    texts: &Texts,
    problems: &[Problem],
    previews: &[Preview],
) -> HttpResponse {
    let StaffRequest { req, session, .. } = asker;
    let p = TextsPage {
        cycle_id: &cycle.id,
        cycle_name: &cycle.name,
        texts,
        problems,
        previews,
    };
    let l = staff_locale(req, session);
    html(status, view::texts(l, &viewer(session, req), &p))
}

/// `GET /admin/cycles/{cycle}/texts`
pub async fn form(
    Admin(session, state, req, ..): Admin,
    path: web::Path<CycleId>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (cycle, texts) = state
        .db
        .read(move |c| cycle_texts::load(c, &id))
        .await
        // as `find`: no such cycle is a 404
        .map_err(|_| crate::error::AppError::NotFound)?;
    let asker = StaffRequest::new(&state, &req, &session);
    Ok(page(asker, &cycle, StatusCode::OK, &texts, &[], &[]))
}

/// `POST /admin/cycles/{cycle}/texts`: `action=preview` shows the messages as they would go
/// (nothing is written), `action=save` stores the texts → 303 to the cycle's page.
pub async fn save(
    Admin(session, state, req, ..): Admin,
    path: web::Path<CycleId>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let cycle = find(&state, &id).await?;
    let fields = form.into_inner();
    let typed = Texts::from_fields(&fields);
    let previewing = fields.iter().any(|(k, v)| k == "action" && v == "preview");
    let asker = StaffRequest::new(&state, &req, &session);
    let refused = StatusCode::UNPROCESSABLE_ENTITY;
    if previewing {
        let (t, s, words) = (
            state.templates.clone(),
            state.settings.clone(),
            typed.clone(),
        );
        let previewed = state
            .db
            .read(move |c| {
                let mail = crate::actions::Mail::new(&t, &s);
                cycle_texts::preview(Tx(c, mail, None, db::now()), &id, &words)
            })
            .await?;
        return Ok(match previewed {
            Ok(previews) => page(asker, &cycle, StatusCode::OK, &typed, &[], &previews),
            Err(problems) => page(asker, &cycle, refused, &typed, &problems, &[]),
        });
    }
    let (actor, words) = (session.person_id.clone(), typed.clone());
    let saved = state
        .db
        .write(move |c| cycle_texts::save(c, &id, &words, Some(&actor), db::now()))
        .await?;
    Ok(match saved {
        Ok(()) => see_other_with_notice(
            format!("/admin/cycles/{}", cycle.id),
            Notice::TextsSaved,
            1,
            &state.settings,
        ),
        Err(problems) => page(asker, &cycle, refused, &typed, &problems, &[]),
    })
}
