//! `GET/POST /links` (SPEC §13): a rater who lost their email types their address and gets one
//! email with a fresh link for each open request; the answer is the same for every address,
//! and requests are throttled per address and per client through the database.

use crate::actions::Tx;
use maud::Markup;

use super::email_request::{Asked, EmailRequest};
use super::views::layout::Brand;
use super::views::link_request as view;
use super::AppState;
use crate::actions::{link_request, Mail};
use crate::db::AnyConnection;
use crate::domain::locale::Locale;
use crate::error::AppResult;

/// `GET/POST /links`.
pub struct Links;

impl EmailRequest for Links {
    const KIND: &'static str = "links";
    const BRANDED: bool = true;

    fn form(brand: &Brand, l: Locale, switch: &str, typed: &str, error: Option<&str>) -> Markup {
        view::form(brand, l, switch, typed, error)
    }

    fn throttled(brand: &Brand, l: Locale) -> Markup {
        view::throttled(brand, l)
    }

    fn act(conn: &mut AnyConnection, mail: Mail<'_>, a: &Asked) -> AppResult<()> {
        link_request::send(Tx(conn, mail, None, a.now), &a.email, a.locale).map(|_| ())
    }

    fn sent(state: &AppState, l: Locale, email: &str) -> Markup {
        view::sent(&state.brand, l, email, &state.settings.email.contact)
    }
}
