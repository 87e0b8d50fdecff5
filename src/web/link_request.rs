//! `GET/POST /links` (SPEC §13): a rater who lost their email types their address and gets one
//! email with a fresh link for each open request; the answer is the same for every address,
//! and requests are throttled per address and per client through the database.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::response::{html, locale, with_lang};
use super::staff::forbidden;
use super::views::link_request as view;
use super::AppState;
use crate::actions::link_request;
use crate::db;
use crate::domain::email_address::EmailAddress;
use crate::domain::throttle;
use crate::error::{AppError, AppResult};
use crate::i18n::t;

/// `GET /links`
pub async fn form(req: HttpRequest) -> HttpResponse {
    let l = locale(&req, None);
    let switch = with_lang(req.path(), Some(l.other()));
    html(StatusCode::OK, view::form(l, &switch, "", None))
}

/// The form's one field.
#[derive(serde::Deserialize)]
pub struct LinksForm {
    email: String,
}

/// `POST /links`
pub async fn send(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<LinksForm>,
) -> AppResult<HttpResponse> {
    let l = locale(&req, None);
    if !super::security::same_origin(&req, state.settings.base_url()) {
        return Ok(forbidden(l));
    }
    let typed = form.into_inner().email;
    let Some(email) = EmailAddress::parse(typed.trim()) else {
        let switch = with_lang(req.path(), Some(l.other()));
        return Ok(html(
            StatusCode::UNPROCESSABLE_ENTITY,
            view::form(l, &switch, &typed, Some(t(l, "password.invalid_email"))),
        ));
    };
    let client = super::security::client_address(&req, &state.settings.server.trusted_proxies);
    let keys = throttle::email_request_rules("links", email.as_str(), &client);
    let (templates, settings) = (state.templates.clone(), state.settings.clone());
    let shown = email.as_str().to_owned();
    let admitted = state
        .db
        .write(move |c| {
            let now = db::now();
            if db::throttle::begin(c, &keys, now)?.is_err() {
                return Ok::<_, AppError>(false);
            }
            link_request::send(c, &templates, &settings, &email, l, now)?;
            Ok(true)
        })
        .await?;
    if !admitted {
        return Ok(html(StatusCode::TOO_MANY_REQUESTS, view::throttled(l)));
    }
    Ok(html(
        StatusCode::OK,
        view::sent(l, &shown, &state.settings.email.contact),
    ))
}
