//! `GET/POST /links` (SPEC §13): a rater who lost their email types their address and gets one
//! email with a fresh link for each open request; the answer is the same for every address,
//! and requests are throttled per address and per client through the database.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::email_request::{self, AddressForm, Pages};
use super::response::{html, locale, with_lang};
use super::views::link_request as view;
use super::AppState;
use crate::actions::link_request;
use crate::error::AppResult;

/// `GET /links`
pub async fn form(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let l = locale(&req, None);
    let switch = with_lang(req.path(), Some(l.other()));
    html(
        StatusCode::OK,
        view::form(&state.brand, l, &switch, "", None),
    )
}

const PAGES: Pages = Pages {
    form: view::form,
    throttled: view::throttled,
};

/// `POST /links`
pub async fn send(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<AddressForm>,
) -> AppResult<HttpResponse> {
    let l = locale(&req, None);
    let (templates, settings) = (state.templates.clone(), state.settings.clone());
    let asked = email_request::handle(
        &state,
        &req,
        form.into_inner(),
        "links",
        &PAGES,
        move |c, email, now| {
            link_request::send(c, &templates, &settings, email, l, now).map(|_| ())
        },
    )
    .await?;
    Ok(match asked {
        Ok(email) => html(
            StatusCode::OK,
            view::sent(&state.brand, l, &email, &state.settings.email.contact),
        ),
        Err(refused) => refused,
    })
}
