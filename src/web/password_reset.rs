//! Staff password reset by email (SPEC §14): `GET/POST /password/forgot` asks for a link and
//! always gives the same answer; `GET/POST /password/reset/{token}` sets the new password.
//! Requests are throttled per address and per client, through the database.

use crate::actions::Tx;
use crate::web::extractors::Visitor;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use maud::Markup;

use super::email_request::{Asked, EmailRequest};
use super::response::{chosen_lang, html, locale, not_found_page, see_other, with_lang};
use super::views::layout::Brand;
use super::views::password_reset as view;
use super::AppState;
use crate::actions::password_reset as reset;
use crate::actions::Mail;
use crate::db::{self, AnyConnection};
use crate::domain::locale::Locale;
use crate::domain::security::{password as passwords, token};
use crate::error::{AppError, AppResult};
use crate::i18n::t;

/// This page in the other language (keeping the path).
fn switch(req: &HttpRequest, l: Locale) -> String {
    with_lang(req.path(), Some(l.other()))
}

/// `GET/POST /password/forgot`: the same answer whether or not the address has an account.
pub struct Forgot;

impl EmailRequest for Forgot {
    const KIND: &'static str = "reset";
    const BRANDED: bool = false;

    fn form(brand: &Brand, l: Locale, switch: &str, typed: &str, error: Option<&str>) -> Markup {
        view::forgot(brand, l, switch, typed, error)
    }

    fn throttled(brand: &Brand, l: Locale) -> Markup {
        view::throttled(brand, l)
    }

    fn act(conn: &mut AnyConnection, mail: Mail<'_>, a: &Asked) -> AppResult<()> {
        reset::request(Tx(conn, mail, None, a.now), &a.email, a.locale)
    }

    fn sent(_: &AppState, l: Locale, email: &str) -> Markup {
        view::sent(l, email, reset::valid_for().num_minutes())
    }
}

/// The token of a reset path, hashed; `None` (a 404 without a query) when it is malformed.
fn token_hash(path: &web::Path<String>) -> Option<String> {
    token::well_formed(path.as_str()).then(|| token::hash(path.as_str()))
}

/// `GET /password/reset/{token}`
pub async fn choose_form(
    Visitor(state, req): Visitor,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let l = locale(&req, None);
    let Some(hash) = token_hash(&path) else {
        return Ok(not_found_page(&req));
    };
    let live = state
        .db
        .read(move |c| reset::holder_of(c, &hash, db::now()))
        .await?;
    let Some(holder) = live else {
        return Ok(html(StatusCode::GONE, view::gone(l)));
    };
    let action = with_lang(req.path(), chosen_lang(&req));
    Ok(html(
        StatusCode::OK,
        view::choose(l, &action, holder.first, &switch(&req, l), None),
    ))
}

/// The new password, twice.
#[derive(serde::Deserialize)]
pub struct ChooseForm {
    password: String,
    confirm: String,
}

/// `POST /password/reset/{token}`: sets the password, ends the account's sessions and sends
/// the person to sign in.
pub async fn choose(
    Visitor(state, req): Visitor,
    path: web::Path<String>,
    form: web::Form<ChooseForm>,
) -> AppResult<HttpResponse> {
    let l = locale(&req, None);
    let Some(hash) = token_hash(&path) else {
        return Ok(not_found_page(&req));
    };
    let lookup = hash.clone();
    let Some(holder) = state
        .db
        .read(move |c| reset::holder_of(c, &lookup, db::now()))
        .await?
    else {
        return Ok(html(StatusCode::GONE, view::gone(l)));
    };
    let email = holder.email;
    let ChooseForm { password, confirm } = form.into_inner();
    if let Err(refused) = passwords::check_new(&password, &confirm, &email) {
        let action = with_lang(req.path(), chosen_lang(&req));
        return Ok(html(
            StatusCode::UNPROCESSABLE_ENTITY,
            view::choose(
                l,
                &action,
                holder.first,
                &switch(&req, l),
                Some(t(l, refused.key())),
            ),
        ));
    }
    let password_hash = web::block(move || passwords::hash(&password))
        .await
        .map_err(|e| AppError::Unexpected(e.into()))?
        .map_err(|e| AppError::Unexpected(e.into()))?;
    let done = state
        .db
        .write(move |c| reset::complete(c, &hash, &password_hash, db::now()))
        .await?;
    if done.is_none() {
        return Ok(html(StatusCode::GONE, view::gone(l)));
    }
    let to = match chosen_lang(&req) {
        Some(lang) => format!("/login?reset=done&lang={}", lang.as_str()),
        None => "/login?reset=done".to_owned(),
    };
    Ok(see_other(to))
}
