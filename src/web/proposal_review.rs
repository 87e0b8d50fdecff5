//! The supervisor's review of a KAM's proposed raters (SPEC §11, mode `kam`):
//! `GET|POST /reviews/{review}/nominations` — add, remove or correct, save, or approve and
//! invite at once. Only the review's supervisor; a refused list re-renders as typed (422).

use crate::actions::Tx;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

use super::extractors::{Staff, StaffRequest};
use super::proposal::{form_state, load, read_list, Sent};
use super::response::{html, html_after_notice, notice, see_other_with_notice, staff_locale};
use super::staff::viewer;
use super::views::proposal::{editor, standing, Editor};
use super::views::staff::staff_page;
use super::AppState;
use crate::actions::proposals::{self, Loaded};
use crate::db::{self, sessions::StaffSession};
use crate::domain::ids::ReviewId;
use crate::domain::status::Notice;
use crate::error::{AppError, AppResult};
use crate::i18n::{t, tf};

/// The review of the path, if the signed-in person supervises it and it has a proposal.
async fn own(state: &AppState, session: &StaffSession, id: &ReviewId) -> AppResult<Loaded> {
    let loaded = load(state, id).await?;
    if loaded.review.review.supervisor_id != session.person_id {
        return Err(AppError::NotFound);
    }
    Ok(loaded)
}

fn supervisor_page(
    asker: StaffRequest<'_>,
    loaded: &Loaded,
    sent: Option<Sent>,
    notice: Option<String>,
) -> maud::Markup {
    let StaffRequest { req, session, .. } = asker;
    let l = staff_locale(req, session);
    let sent = form_state(loaded, sent);
    let action = format!("/reviews/{}/nominations", loaded.review.review.id);
    let s = viewer(session, req);
    let csrf = Some(session.csrf_token.as_str());
    let v =
        super::proposal::editor_view(Editor::Supervisor, &action, csrf, loaded, &sent, notice, l);
    let title = tf(
        l,
        "proposal.sup.title",
        &[("name", &loaded.review.subject_name)],
    );
    staff_page(
        l,
        &title,
        &s,
        maud::html! {
            p.breadcrumb { a href="/" { (t(l, "home.title")) } }
            h1 { (title) }
            p { (standing(l, &v)) }
            (editor(l, &v))
        },
    )
}

/// `GET /reviews/{review}/nominations`: the supervisor's review of the KAM's list.
pub async fn supervisor_show(
    Staff(session, state, req, l): Staff,
    path: web::Path<ReviewId>,
) -> AppResult<HttpResponse> {
    let loaded = own(&state, &session, &path).await?;
    // the notice of the save or approval that led here (carried by the redirect's cookie)
    let notice = super::views::admin::notice_of(l, notice(&req));
    Ok(html_after_notice(
        &req,
        StatusCode::OK,
        supervisor_page(
            StaffRequest::new(&state, &req, &session),
            &loaded,
            None,
            notice,
        ),
    ))
}

/// `POST /reviews/{review}/nominations`: save the supervisor's changes, add a row, or approve
/// and invite.
pub async fn supervisor_save(
    Staff(session, state, req, l): Staff,
    path: web::Path<ReviewId>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let fields = form.into_inner();
    let loaded = own(&state, &session, &path).await?;
    let approving = fields
        .iter()
        .any(|(key, v)| key == "action" && v == "approve");
    let list = match read_list(&fields, &loaded) {
        Ok(list) => list,
        Err((status, sent)) => {
            return Ok(html(
                status,
                supervisor_page(
                    StaffRequest::new(&state, &req, &session),
                    &loaded,
                    Some(sent),
                    None,
                ),
            ))
        }
    };
    let (id, actor) = (loaded.review.review.id.clone(), session.person_id.clone());
    let done = state
        .write_mailing(move |c, mail| {
            let now = db::now();
            if approving {
                proposals::approve(Tx(c, mail, &actor, now), &id, &list)
            } else {
                proposals::save(c, &id, &list, Some(&actor), now).map(|()| 0)
            }
        })
        .await;
    let back = format!("/reviews/{}/nominations", loaded.review.review.id);
    match done {
        Ok(n) if approving => Ok(see_other_with_notice(
            back,
            Notice::Approved,
            n,
            &state.settings,
        )),
        Ok(_) => Ok(see_other_with_notice(
            back,
            Notice::Saved,
            0,
            &state.settings,
        )),
        Err(e) if e.refusal(l).is_some() => {
            let loaded = own(&state, &session, &path).await?;
            Ok(html(
                StatusCode::CONFLICT,
                supervisor_page(
                    StaffRequest::new(&state, &req, &session),
                    &loaded,
                    None,
                    e.refusal(l),
                ),
            ))
        }
        Err(e) => Err(e),
    }
}
