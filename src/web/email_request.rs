//! The flow shared by the requests that email a link to a typed address — the staff's password
//! reset and the rater's request for their links: the same-origin check, the address (a typo
//! re-renders the form with what was typed), the throttle per address and per client and the
//! action in one transaction, and the pages for each refusal. The caller shows the neutral
//! answer.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use maud::Markup;

use super::response::{html, locale, with_lang};
use super::staff::forbidden;
use super::views::layout::Brand;
use super::AppState;
use crate::db::{self, AnyConnection};
use crate::domain::locale::Locale;
use crate::domain::security::email_address::EmailAddress;
use crate::domain::security::throttle;
use crate::error::{AppError, AppResult};
use crate::i18n::t;

/// The request form's one field.
#[derive(serde::Deserialize)]
pub struct AddressForm {
    email: String,
}

/// The pages of one kind of request.
pub struct Pages {
    /// The form: (brand, locale, language switch, typed address, error next to the field).
    pub form: fn(&Brand, Locale, &str, &str, Option<&str>) -> Markup,
    /// Too many requests.
    pub throttled: fn(&Brand, Locale) -> Markup,
}

/// Runs one request of `kind`; `Ok(Ok(address))` when the action ran (whatever it found to
/// do), `Ok(Err(page))` when the request was refused.
pub async fn handle<F>(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    form: AddressForm,
    kind: &'static str,
    pages: &Pages,
    act: F,
) -> AppResult<Result<String, HttpResponse>>
where
    F: FnOnce(&mut AnyConnection, &EmailAddress, NaiveDateTime) -> AppResult<()> + Send + 'static,
{
    let l = locale(req, None);
    if !super::security::same_origin(req, state.settings.base_url()) {
        return Ok(Err(forbidden(l)));
    }
    let typed = form.email;
    let Some(email) = EmailAddress::parse(typed.trim()) else {
        let switch = with_lang(req.path(), Some(l.other()));
        return Ok(Err(html(
            StatusCode::UNPROCESSABLE_ENTITY,
            (pages.form)(
                &state.brand,
                l,
                &switch,
                &typed,
                Some(t(l, "password.invalid_email")),
            ),
        )));
    };
    let client = super::security::client_address(req, &state.settings.server.trusted_proxies);
    let rules = throttle::email_request_rules(kind, email.as_str(), &client);
    let shown = email.as_str().to_owned();
    let admitted = state
        .db
        .write(move |c| {
            let now = db::now();
            if db::throttle::begin(c, &rules, now)?.is_err() {
                return Ok::<_, AppError>(false);
            }
            act(c, &email, now)?;
            Ok(true)
        })
        .await?;
    if !admitted {
        return Ok(Err(html(
            StatusCode::TOO_MANY_REQUESTS,
            (pages.throttled)(&state.brand, l),
        )));
    }
    Ok(Ok(shown))
}
