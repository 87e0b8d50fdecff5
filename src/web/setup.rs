//! The first run (SPEC §15): `GET /setup/{token}` shows the form that creates the first admin,
//! `POST` creates it and sends them to sign in. The link is printed by `kam360 serve` while no
//! admin exists; an unknown, used or expired link, or any link once an admin exists, is 404.

use crate::web::extractors::Visitor;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::response::{chosen_lang, html, locale, not_found_page, see_other, with_lang};
use super::views::setup::{self as view, Typed};
use super::AppState;
use crate::actions::setup;
use crate::db;
use crate::domain::forms::staff_invite::check_first_admin;
use crate::domain::security::{password as passwords, token};
use crate::error::{AppError, AppResult};
use crate::i18n::t;

/// The first admin, as typed.
#[derive(serde::Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

/// The link's token hashed, if the link may create the first admin now.
pub(super) async fn open_link(state: &AppState, path: &str) -> AppResult<Option<String>> {
    if !token::well_formed(path) {
        return Ok(None);
    }
    let hash = token::hash(path);
    let lookup = hash.clone();
    let open = state
        .db
        .read(move |c| setup::is_open(c, &lookup, db::now()))
        .await?;
    Ok(open.then_some(hash))
}

fn page(
    state: &AppState,
    req: &HttpRequest,
    status: StatusCode,
    typed: &Typed<'_>,
) -> HttpResponse {
    let l = locale(req, None);
    let action = with_lang(req.path(), chosen_lang(req));
    let switch = with_lang(req.path(), Some(l.other()));
    // with single sign-on, the admin can be the holder's identity at the provider
    let sso_href = with_lang(&format!("{}/oidc", req.path()), chosen_lang(req));
    let typed = Typed {
        sso: state.sso.as_ref().map(|s| (s.name(), sso_href.as_str())),
        ..*typed
    };
    html(status, view::setup(l, &action, &switch, &typed))
}

/// `GET /setup/{token}`
pub async fn form(
    Visitor(state, req): Visitor,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    Ok(match open_link(&state, &path).await? {
        Some(_) => page(&state, &req, StatusCode::OK, &Typed::default()),
        None => not_found_page(&req),
    })
}

/// `POST /setup/{token}`: the first admin; any problem re-renders the form with what was typed
/// (never the password), each reason beside its field.
pub async fn create(
    Visitor(state, req): Visitor,
    path: web::Path<String>,
    form: web::Form<SetupForm>,
) -> AppResult<HttpResponse> {
    let Some(hash) = open_link(&state, &path).await? else {
        return Ok(not_found_page(&req));
    };
    let l = locale(&req, None);
    let f = form.into_inner();
    let (email, name) = match check_first_admin(&f.name, &f.email, &f.password, &f.confirm) {
        Ok(admin) => admin,
        Err(refused) => {
            let problems: Vec<(&'static str, String)> = refused
                .into_iter()
                .map(|(field, key)| (field, t(l, key).to_owned()))
                .collect();
            return Ok(again(&state, &req, &f, &problems));
        }
    };
    let password = f.password.clone();
    let password_hash = web::block(move || passwords::hash(&password))
        .await
        .map_err(|e| AppError::Unexpected(e.into()))?
        .map_err(|e| AppError::Unexpected(e.into()))?;
    let created = state
        .db
        .write(move |c| setup::create_admin(c, &hash, &email, &name, &password_hash, db::now()))
        .await;
    match created {
        Ok(_) => {
            let to = match chosen_lang(&req) {
                Some(lang) => format!("/login?setup=done&lang={}", lang.as_str()),
                None => "/login?setup=done".to_owned(),
            };
            Ok(see_other(to))
        }
        Err(AppError::NotFound) => Ok(not_found_page(&req)),
        // the address has an account already (a supervisor's, say)
        Err(AppError::Invalid(_)) => {
            let problems = [("email", t(l, "users.error.exists").to_owned())];
            Ok(again(&state, &req, &f, &problems))
        }
        Err(e) => Err(e),
    }
}

fn again(
    state: &AppState,
    req: &HttpRequest,
    f: &SetupForm,
    problems: &[(&'static str, String)],
) -> HttpResponse {
    page(
        state,
        req,
        StatusCode::UNPROCESSABLE_ENTITY,
        &Typed {
            name: &f.name,
            email: &f.email,
            problems,
            sso: None,
        },
    )
}
