//! The flow shared by the requests that email a link to a typed address — the staff's password
//! reset and the rater's request for their links: the address (a typo re-renders the form with
//! what was typed), the throttle per address and per client and the action in one
//! transaction, and the pages for each refusal; the neutral answer is the caller's page. The
//! origin was checked before ([`super::guard`]).

use crate::web::extractors::Visitor;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use maud::Markup;

use super::response::{html, locale, with_lang};
use super::views::layout::Brand;
use super::AppState;
use crate::actions::Mail;
use crate::db::{self, AnyConnection};
use crate::domain::locale::Locale;
use crate::domain::security::email_address::EmailAddress;
use crate::domain::security::throttle;
use crate::error::AppResult;
use crate::i18n::t;

/// The least time any answer to a request takes (issue #23): whether the address is known
/// (a message rendered and queued) or not (nothing to do), the answer leaves no sooner than
/// this, so its timing does not tell the two apart. The work itself takes a few milliseconds.
pub const ANSWER_AFTER: std::time::Duration = std::time::Duration::from_millis(200);

/// The request form's one field.
#[derive(serde::Deserialize)]
pub struct AddressForm {
    email: String,
}

/// One kind of request: its name, its pages and what it does.
pub trait EmailRequest: 'static {
    /// The throttle's name for this kind (`links`, `reset`).
    const KIND: &'static str;
    /// Whether the pages carry the organisation's branding (the raters' pages do; the staff's
    /// do not).
    const BRANDED: bool;
    /// The form: (brand, locale, language switch, typed address, error next to the field).
    fn form(brand: &Brand, l: Locale, switch: &str, typed: &str, error: Option<&str>) -> Markup;
    /// Too many requests.
    fn throttled(brand: &Brand, l: Locale) -> Markup;
    /// What the request does, in the transaction.
    fn act(conn: &mut AnyConnection, mail: Mail<'_>, asked: &Asked) -> AppResult<()>;
    /// The neutral answer, the same whether or not anything was sent.
    fn sent(state: &AppState, l: Locale, email: &str) -> Markup;
}

/// An admitted request.
pub struct Asked {
    /// The address typed.
    pub email: EmailAddress,
    /// The page's language.
    pub locale: Locale,
    pub now: NaiveDateTime,
}

fn brand<R: EmailRequest>(state: &AppState) -> std::borrow::Cow<'_, Brand> {
    if R::BRANDED {
        std::borrow::Cow::Borrowed(&state.brand)
    } else {
        std::borrow::Cow::Owned(Brand::default())
    }
}

/// `GET`: the empty form.
pub async fn form<R: EmailRequest>(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let l = locale(&req, None);
    let switch = with_lang(req.path(), Some(l.other()));
    html(
        StatusCode::OK,
        R::form(&brand::<R>(&state), l, &switch, "", None),
    )
}

/// `POST`: runs one request; the neutral answer when the action ran (whatever it found to
/// do), a refusal's page otherwise.
pub async fn send<R: EmailRequest>(
    Visitor(state, req): Visitor,
    form: web::Form<AddressForm>,
) -> AppResult<HttpResponse> {
    let start = std::time::Instant::now();
    let l = locale(&req, None);
    let typed = form.into_inner().email;
    let Some(email) = EmailAddress::parse(typed.trim()) else {
        let switch = with_lang(req.path(), Some(l.other()));
        return Ok(html(
            StatusCode::UNPROCESSABLE_ENTITY,
            R::form(
                &brand::<R>(&state),
                l,
                &switch,
                &typed,
                Some(t(l, "password.invalid_email")),
            ),
        ));
    };
    let client = super::security::client_address(&req, &state.settings.server.trusted_proxies);
    let rules = throttle::email_request_rules(R::KIND, email.as_str(), &client);
    let shown = email.as_str().to_owned();
    let admitted = state
        .write_mailing(move |c, mail| {
            let now = db::now();
            if db::throttle::begin(c, &rules, now)?.is_err() {
                return Ok(false);
            }
            let asked = Asked {
                email,
                locale: l,
                now,
            };
            R::act(c, mail, &asked)?;
            Ok(true)
        })
        .await;
    // every outcome of a well-formed address (sent, nothing to send, throttled, failed) leaves
    // at the same time
    actix_web::rt::time::sleep(ANSWER_AFTER.saturating_sub(start.elapsed())).await;
    let admitted = admitted?;
    Ok(if admitted {
        html(StatusCode::OK, R::sent(&state, l, &shown))
    } else {
        html(
            StatusCode::TOO_MANY_REQUESTS,
            R::throttled(&brand::<R>(&state), l),
        )
    })
}
