//! Declining: a rater who cannot give feedback says so (with an optional reason) and the link
//! accepts nothing more.

use crate::web::extractors::Visitor;
use actix_web::http::StatusCode;
use actix_web::HttpResponse;

use super::rater::{bad_request, conflict, RaterPost};
use super::rater_access::{resolve, Access, Link};
use super::response::{chosen_lang, html, locale, not_found_page, see_other, with_lang};
use super::views::rater as view;
use crate::db;
use crate::domain::forms::answers::MAX_TEXT;
use crate::domain::relationship::Relationship;
use crate::error::{AppError, AppResult};
use crate::i18n::tf;

/// `GET /r/{token}/decline` and `GET /f/{assignment}/decline`: confirm declining.
pub async fn decline_form(Visitor(state, req): Visitor, access: Access) -> AppResult<HttpResponse> {
    let ctx = match resolve(&state, &req, &access).await? {
        Link::Done(r) => return Ok(r),
        Link::Answerable(ctx) => ctx,
    };
    // a supervisor's rating is part of their role: it cannot be declined
    if ctx.assignment.relationship == Relationship::Supervisor {
        return Ok(not_found_page(&req));
    }
    let l = locale(&req, Some(ctx.assignment.locale));
    let explicit = chosen_lang(&req);
    let base = access.base();
    let page = view::decline_form(
        &state.brand,
        l,
        &ctx.subject_name,
        &with_lang(&format!("{base}/decline"), explicit),
        &with_lang(&base, explicit),
        &with_lang(&format!("{base}/decline"), Some(l.other())),
    );
    Ok(html(StatusCode::OK, page))
}

/// `POST /r/{token}/decline` and `POST /f/{assignment}/decline`: decline with an optional
/// reason; the link then accepts nothing.
pub async fn decline(
    RaterPost(state, req, access, ctx, l, pairs): RaterPost,
) -> AppResult<HttpResponse> {
    if ctx.assignment.relationship == Relationship::Supervisor {
        return Ok(not_found_page(&req));
    }
    let mut reason = String::new();
    for (k, v) in pairs {
        if k != "reason" {
            return Ok(bad_request(
                l,
                &tf(l, "bad.unknown_field", &[("field", &k)]),
            ));
        }
        if v.chars().count() > MAX_TEXT {
            return Ok(bad_request(
                l,
                &tf(l, "bad.text_long", &[("field", "reason")]),
            ));
        }
        reason = v.trim().to_owned();
    }
    let id = ctx.assignment.id.clone();
    let moved = state
        .db
        .write(move |c| {
            db::assignments::decline(c, &id, &reason, db::now()).map_err(AppError::from)
        })
        .await?;
    if !moved {
        return Ok(conflict(l));
    }
    Ok(see_other(with_lang(&access.base(), chosen_lang(&req))))
}
