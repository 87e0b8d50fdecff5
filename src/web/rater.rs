//! Rater handlers: the tokenised link (SPEC §4) and the form contract (SPEC §5). The token is
//! the capability: it is hashed at once and never logged.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use maud::Markup;

use super::views::rater::{self as view, FormHeader, Notice};
use super::AppState;
use crate::actions::cycles::deadline_date;
use crate::db::{self, assignments::RaterContext, responses::RatingRow};
use crate::domain::answers::{self, Action, Answers, Choice, Refusal, MAX_BODY, MAX_TEXT};
use crate::domain::locale::Locale;
use crate::domain::relationship::Relationship;
use crate::domain::status::{AssignmentStatus, CycleStatus};
use crate::domain::token;
use crate::error::{AppError, AppResult};
use crate::i18n::tf;

const ANSWERABLE: [&str; 4] = ["pending", "invited", "opened", "draft"];

/// `?lang=zh|en`, if given.
fn chosen_lang(req: &HttpRequest) -> Option<Locale> {
    web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .ok()
        .and_then(|q| {
            q.iter()
                .find(|(k, _)| k == "lang")
                .and_then(|(_, v)| Locale::parse(v))
        })
}

/// The page language: `?lang`, then the rater's locale, then Accept-Language, then zh.
fn locale(req: &HttpRequest, rater: Option<Locale>) -> Locale {
    chosen_lang(req)
        .or(rater)
        .or_else(|| {
            req.headers()
                .get("accept-language")
                .and_then(|v| v.to_str().ok())
                .and_then(Locale::negotiate)
        })
        .unwrap_or(Locale::Zh)
}

fn with_lang(path: &str, lang: Option<Locale>) -> String {
    match lang {
        Some(l) => format!("{path}?lang={}", l.as_str()),
        None => path.to_owned(),
    }
}

fn html(status: StatusCode, body: Markup) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .body(body.into_string())
}

fn see_other(to: String) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", to))
        .insert_header(("Cache-Control", "no-store"))
        .finish()
}

/// Any unknown URL.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    html(
        StatusCode::NOT_FOUND,
        view::problem(locale(&req, None), "notfound", None),
    )
}

fn bad_request(l: Locale, detail: &str) -> HttpResponse {
    html(
        StatusCode::BAD_REQUEST,
        view::problem(l, "bad", Some(detail)),
    )
}

fn conflict(l: Locale) -> HttpResponse {
    html(StatusCode::CONFLICT, view::problem(l, "conflict", None))
}

/// The link's context, or the response for a link that cannot be answered.
enum Link {
    Answerable(Box<RaterContext>),
    Done(HttpResponse),
}

async fn resolve(state: &AppState, req: &HttpRequest, token: &str) -> AppResult<Link> {
    if !token::well_formed(token) {
        return Ok(Link::Done(not_found(req.clone()).await));
    }
    let hash = token::hash(token);
    let Some(ctx) = state
        .db
        .read(move |c| db::assignments::context_by_token_hash(c, &hash).map_err(AppError::from))
        .await?
    else {
        return Ok(Link::Done(not_found(req.clone()).await));
    };
    let l = locale(req, Locale::parse(&ctx.assignment.locale));
    let switch = with_lang(&format!("/r/{token}"), Some(super::views::layout::other(l)));
    let deadline = deadline_date(ctx.closes_at).to_string();
    let contact = &state.settings.email.contact;
    let status = AssignmentStatus::parse(&ctx.assignment.status);
    let cycle_open = ctx.cycle_status == CycleStatus::Open.as_str() && ctx.closes_at > db::now();
    let page = match status {
        Some(AssignmentStatus::Submitted) => {
            let date = ctx
                .assignment
                .submitted_at
                .map(|d| d.date().to_string())
                .unwrap_or_default();
            Some(html(
                StatusCode::OK,
                view::already_submitted(l, &ctx.subject_name, &date, &switch),
            ))
        }
        Some(AssignmentStatus::Declined) => Some(html(
            StatusCode::OK,
            view::declined(l, &ctx.subject_name, &switch),
        )),
        Some(AssignmentStatus::Revoked) => Some(html(
            StatusCode::GONE,
            view::unavailable(
                l,
                "revoked",
                &ctx.cycle_name,
                &deadline,
                contact,
                Some(&switch),
            ),
        )),
        _ if !cycle_open || status == Some(AssignmentStatus::Expired) => Some(html(
            StatusCode::GONE,
            view::unavailable(
                l,
                "closed",
                &ctx.cycle_name,
                &deadline,
                contact,
                Some(&switch),
            ),
        )),
        _ => None,
    };
    Ok(match page {
        Some(p) => Link::Done(p),
        None => Link::Answerable(Box::new(ctx)),
    })
}

fn header<'a>(
    state: &'a AppState,
    req: &HttpRequest,
    token: &str,
    ctx: &'a RaterContext,
) -> FormHeader<'a> {
    let l = locale(req, Locale::parse(&ctx.assignment.locale));
    let explicit = chosen_lang(req);
    FormHeader {
        locale: l,
        subject_name: &ctx.subject_name,
        cycle_name: &ctx.cycle_name,
        relationship: Relationship::parse(&ctx.assignment.relationship)
            .unwrap_or(Relationship::Customer),
        deadline: deadline_date(ctx.closes_at).to_string(),
        min_group_size: state.settings.min_group_size(),
        contact: &state.settings.email.contact,
        action: with_lang(&format!("/r/{token}"), explicit),
        decline_href: with_lang(&format!("/r/{token}/decline"), explicit),
        switch_href: with_lang(&format!("/r/{token}"), Some(super::views::layout::other(l))),
    }
}

fn stored_answers(ctx: &RaterContext, rows: Vec<RatingRow>) -> Answers {
    let mut a = Answers {
        strengths: ctx.strengths.clone().unwrap_or_default(),
        improvements: ctx.improvements.clone().unwrap_or_default(),
        ..Answers::default()
    };
    for r in rows {
        let choice = match (r.level, r.not_observed) {
            (_, true) => Some(Choice::NotObserved),
            (Some(l), false) => u8::try_from(l).ok().map(Choice::Level),
            (None, false) => None,
        };
        if let Some(c) = choice {
            a.choices.insert(r.criterion_id.clone(), c);
        }
        if !r.comment.is_empty() {
            a.comments.insert(r.criterion_id, r.comment);
        }
    }
    a
}

/// `GET /r/{token}`: the form, filled with the saved draft.
pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let token = path.into_inner();
    let ctx = match resolve(&state, &req, &token).await? {
        Link::Done(r) => return Ok(r),
        Link::Answerable(ctx) => ctx,
    };
    let rubric = state.rubrics.get(&state.db, &ctx.cycle_id).await?;
    let id = ctx.assignment.id.clone();
    let first_visit = matches!(ctx.assignment.status.as_str(), "pending" | "invited");
    let rows = if first_visit {
        state
            .db
            .write(move |c| {
                db::assignments::transition(c, &id, &["pending", "invited"], "opened", db::now())?;
                db::responses::ratings_for(c, &id).map_err(AppError::from)
            })
            .await?
    } else {
        state
            .db
            .read(move |c| db::responses::ratings_for(c, &id).map_err(AppError::from))
            .await?
    };
    let answers = stored_answers(&ctx, rows);
    let saved = req.query_string().split('&').any(|p| p == "saved=1");
    let h = header(&state, &req, &token, &ctx);
    Ok(html(
        StatusCode::OK,
        view::form(
            &h,
            &rubric,
            &answers,
            &[],
            if saved { Notice::Saved } else { Notice::None },
        ),
    ))
}

/// Reads an urlencoded body of at most 64 KiB.
async fn read_form(mut payload: web::Payload) -> Result<Vec<(String, String)>, &'static str> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| "bad.encoding")?;
        if body.len() + chunk.len() > MAX_BODY {
            return Err("bad.too_large");
        }
        body.extend_from_slice(&chunk);
    }
    serde_urlencoded::from_bytes(&body).map_err(|_| "bad.encoding")
}

fn refusal_text(l: Locale, r: &Refusal) -> String {
    match r {
        Refusal::UnknownField(f) => tf(l, "bad.unknown_field", &[("field", f)]),
        Refusal::BadLevel { field, value } => {
            tf(l, "bad.level", &[("field", field), ("value", value)])
        }
        Refusal::CommentTooLong(f) => tf(l, "bad.comment_long", &[("field", f)]),
        Refusal::TextTooLong(f) => tf(l, "bad.text_long", &[("field", f)]),
        Refusal::Duplicate(f) => tf(l, "bad.duplicate", &[("field", f)]),
        Refusal::UnknownAction => tf(l, "bad.action", &[]),
    }
}

/// `POST /r/{token}`: save a draft or submit (SPEC §5).
pub async fn answer(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let token = path.into_inner();
    let early = locale(&req, None);
    if !super::security::same_origin(&req, state.settings.base_url()) {
        return Ok(html(
            StatusCode::FORBIDDEN,
            view::problem(early, "bad", Some(&tf(early, "bad.origin", &[]))),
        ));
    }
    let body = read_form(payload).await;
    let ctx = match resolve(&state, &req, &token).await? {
        Link::Answerable(ctx) => ctx,
        Link::Done(r) if r.status() == StatusCode::OK => return Ok(conflict(locale(&req, None))),
        Link::Done(r) => return Ok(r),
    };
    let l = locale(&req, Locale::parse(&ctx.assignment.locale));
    let pairs = match body {
        Ok(p) => p,
        Err(key) => return Ok(bad_request(l, &tf(l, key, &[]))),
    };
    let rubric = state.rubrics.get(&state.db, &ctx.cycle_id).await?;
    let group = Relationship::parse(&ctx.assignment.relationship).unwrap_or(Relationship::Customer);
    let (action, answers) = match answers::parse(&rubric, group, pairs) {
        Ok(x) => x,
        Err(r) => return Ok(bad_request(l, &refusal_text(l, &r))),
    };
    let missing = answers.missing(&rubric, group);
    if action == Action::Submit && !missing.is_empty() {
        let h = header(&state, &req, &token, &ctx);
        let n = missing.len();
        return Ok(html(
            StatusCode::UNPROCESSABLE_ENTITY,
            view::form(&h, &rubric, &answers, &missing, Notice::Missing(n)),
        ));
    }
    let id = ctx.assignment.id.clone();
    let rows: Vec<RatingRow> = rubric
        .criteria_for(group)
        .filter(|c| answers.choices.contains_key(&c.id) || answers.comments.contains_key(&c.id))
        .map(|c| {
            let choice = answers.choices.get(&c.id).copied();
            RatingRow {
                assignment_id: id.clone(),
                criterion_id: c.id.clone(),
                level: match choice {
                    Some(Choice::Level(l)) => Some(i32::from(l)),
                    _ => None,
                },
                not_observed: choice == Some(Choice::NotObserved),
                comment: answers.comments.get(&c.id).cloned().unwrap_or_default(),
            }
        })
        .collect();
    let (strengths, improvements) = (answers.strengths.clone(), answers.improvements.clone());
    let to = if action == Action::Submit {
        "submitted"
    } else {
        "draft"
    };
    let moved = state
        .db
        .write(move |c| {
            let now = db::now();
            if !db::assignments::transition(c, &id, &ANSWERABLE, to, now)? {
                return Ok(false);
            }
            db::responses::replace(c, &id, &rows, &strengths, &improvements, now)?;
            Ok::<_, AppError>(true)
        })
        .await?;
    if !moved {
        return Ok(conflict(l));
    }
    let explicit = chosen_lang(&req);
    Ok(match action {
        Action::Submit => see_other(with_lang(&format!("/r/{token}/done"), explicit)),
        Action::Save => see_other(match explicit {
            Some(x) => format!("/r/{token}?lang={}&saved=1#progress", x.as_str()),
            None => format!("/r/{token}?saved=1#progress"),
        }),
    })
}

/// `GET /r/{token}/done`: the thank-you page.
pub async fn done(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let token = path.into_inner();
    if !token::well_formed(&token) {
        return Ok(not_found(req).await);
    }
    let hash = token::hash(&token);
    let Some(ctx) = state
        .db
        .read(move |c| db::assignments::context_by_token_hash(c, &hash).map_err(AppError::from))
        .await?
    else {
        return Ok(not_found(req).await);
    };
    if ctx.assignment.status != "submitted" {
        return Ok(see_other(format!("/r/{token}")));
    }
    let l = locale(&req, Locale::parse(&ctx.assignment.locale));
    Ok(html(StatusCode::OK, view::thanks(l, &ctx.subject_name)))
}

/// `GET /r/{token}/decline`: confirm declining.
pub async fn decline_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let token = path.into_inner();
    let ctx = match resolve(&state, &req, &token).await? {
        Link::Done(r) => return Ok(r),
        Link::Answerable(ctx) => ctx,
    };
    let l = locale(&req, Locale::parse(&ctx.assignment.locale));
    let explicit = chosen_lang(&req);
    let page = view::decline_form(
        l,
        &ctx.subject_name,
        &with_lang(&format!("/r/{token}/decline"), explicit),
        &with_lang(&format!("/r/{token}"), explicit),
        &with_lang(
            &format!("/r/{token}/decline"),
            Some(super::views::layout::other(l)),
        ),
    );
    Ok(html(StatusCode::OK, page))
}

/// `POST /r/{token}/decline`: decline with an optional reason; the link then accepts nothing.
pub async fn decline(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let token = path.into_inner();
    let early = locale(&req, None);
    if !super::security::same_origin(&req, state.settings.base_url()) {
        return Ok(html(
            StatusCode::FORBIDDEN,
            view::problem(early, "bad", Some(&tf(early, "bad.origin", &[]))),
        ));
    }
    let body = read_form(payload).await;
    let ctx = match resolve(&state, &req, &token).await? {
        Link::Answerable(ctx) => ctx,
        Link::Done(r) if r.status() == StatusCode::OK => return Ok(conflict(locale(&req, None))),
        Link::Done(r) => return Ok(r),
    };
    let l = locale(&req, Locale::parse(&ctx.assignment.locale));
    let pairs = match body {
        Ok(p) => p,
        Err(key) => return Ok(bad_request(l, &tf(l, key, &[]))),
    };
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
            db::assignments::decline(c, &id, &ANSWERABLE, &reason, db::now())
                .map_err(AppError::from)
        })
        .await?;
    if !moved {
        return Ok(conflict(l));
    }
    Ok(see_other(with_lang(
        &format!("/r/{token}"),
        chosen_lang(&req),
    )))
}

impl actix_web::ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Invalid(_) => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let key = match self {
            AppError::NotFound => "notfound",
            AppError::Invalid(_) => "bad",
            AppError::Conflict(_) => "conflict",
            AppError::Unexpected(_) => {
                tracing::error!(error = ?self, "request failed");
                "error"
            }
        };
        html(
            status,
            view::problem(
                Locale::Zh,
                key,
                Some(crate::i18n::t(Locale::En, &format!("{key}.body"))),
            ),
        )
    }
}
