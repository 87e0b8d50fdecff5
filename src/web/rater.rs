//! Rater handlers: the form contract of SPEC §5 behind the access rules of
//! [`super::rater_access`]. The token is hashed at once and never logged.

use crate::web::extractors::Visitor;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;

use super::rater_access::{
    issued_session, rater_key, resolve, session_cookie, session_value, Access, KeyError, Link,
};
use super::response::{chosen_lang, html, locale, not_found_page, see_other, with_lang};
use super::views::layout;
use super::views::rater::{self as view, FormHeader, Notice};
use super::AppState;
use crate::db::{self, rater_access::RaterContext, responses::RatingRow};
use crate::domain::forms::answers::{self, Action, Answers, Choice, Refusal, MAX_BODY};
use crate::domain::locale::Locale;
use crate::domain::security::token;
use crate::domain::status::AssignmentStatus;
use crate::error::{AppError, AppResult};
use crate::i18n::{tf, ProblemPage};

/// Any unknown URL.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    not_found_page(&req)
}

pub(super) fn bad_request(l: Locale, detail: &str) -> HttpResponse {
    html(
        StatusCode::BAD_REQUEST,
        layout::problem(l, ProblemPage::Bad, Some(detail)),
    )
}

pub(super) fn conflict(l: Locale) -> HttpResponse {
    html(
        StatusCode::CONFLICT,
        layout::problem(l, ProblemPage::Conflict, None),
    )
}

/// `GET /r/{token}`: validates the link, lets this browser's session reach the assignment, and
/// redirects to the token-free form URL. Links that accept nothing show their page directly and
/// write nothing.
pub async fn open(
    Visitor(state, req): Visitor,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let access = Access::Token(path.into_inner());
    let ctx = match resolve(&state, &req, &access).await? {
        Link::Done(r) => return Ok(r),
        Link::Answerable(ctx) => ctx,
    };
    let offered = session_value(&req, &state.settings);
    let id = ctx.assignment.id.clone();
    let cookie = state
        .db
        .write(move |c| {
            let now = db::now();
            let cookie = issued_session(c, offered)?;
            db::rater_access::grant_session(c, &token::hash(&cookie), &id, now)?;
            db::assignments::transition(
                c,
                &id,
                &[AssignmentStatus::Pending, AssignmentStatus::Invited],
                AssignmentStatus::Opened,
                now,
            )?;
            Ok::<_, AppError>(cookie)
        })
        .await?;
    let mut res = see_other(with_lang(
        &format!("/f/{}", ctx.assignment.id),
        chosen_lang(&req),
    ));
    res.add_cookie(&session_cookie(&state.settings, cookie, ctx.closes_at))
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("cookie: {e}")))?;
    Ok(res)
}

/// `GET /f/{assignment}`: the form, filled with the saved draft.
pub async fn show(
    Visitor(state, req): Visitor,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let access = Access::Session(path.into_inner());
    let ctx = match resolve(&state, &req, &access).await? {
        Link::Done(r) => return Ok(r),
        Link::Answerable(ctx) => ctx,
    };
    let form = state.rubrics.get(&state.db, &ctx.cycle_id).await?;
    let answers = stored_answers(&ctx, ctx.draft()?);
    let saved = req.query_string().split('&').any(|p| p == "saved=1");
    let h = header(&state, &req, &access, &ctx);
    Ok(html(
        StatusCode::OK,
        view::form(
            &h,
            &form,
            &answers,
            &[],
            if saved { Notice::Saved } else { Notice::None },
        ),
    ))
}

fn header<'a>(
    state: &'a AppState,
    req: &HttpRequest,
    access: &Access,
    ctx: &'a RaterContext,
) -> FormHeader<'a> {
    let base = access.base();
    let l = locale(req, Some(ctx.assignment.locale));
    let explicit = chosen_lang(req);
    FormHeader {
        brand: &state.brand,
        locale: l,
        subject_name: &ctx.subject_name,
        cycle_name: &ctx.cycle_name,
        relationship: ctx.assignment.relationship,
        deadline: ctx.deadline(),
        // the cycle's k, as its invitations promised and its reports apply
        min_group_size: crate::domain::rules::confidentiality::K::stored(ctx.min_group_size).get(),
        contact: &state.settings.email.contact,
        action: with_lang(&base, explicit),
        decline_href: with_lang(&format!("{base}/decline"), explicit),
        switch_href: with_lang(&base, Some(l.other())),
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
    crate::domain::forms::urlencoded::parse(&body).map_err(|_| "bad.encoding")
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

/// A rater's POST once its origin, body and link have been checked (answer, decline):
/// `(state, req, access, ctx, l, pairs)` — the app state, the request, the link, what it opens,
/// the page language and the urlencoded body's fields. A body that cannot be read or a link
/// that can no longer answer is answered instead of the handler.
pub struct RaterPost(
    pub web::Data<AppState>,
    pub HttpRequest,
    pub Access,
    pub Box<RaterContext>,
    pub Locale,
    pub Vec<(String, String)>,
);

impl actix_web::FromRequest for RaterPost {
    type Error = actix_web::Error;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let visit = Visitor::extract(req);
        let access = Access::extract(req);
        let body = web::Payload::from_request(req, payload);
        Box::pin(async move {
            let (Visitor(state, req), access) = (visit.await?, access.await?);
            // the origin was checked before (`web::guard`)
            let body = read_form(body.await?).await;
            let refused = |r| actix_web::error::InternalError::from_response("refused", r);
            let ctx = answerable(&state, &req, &access).await?.map_err(refused)?;
            let l = locale(&req, Some(ctx.assignment.locale));
            let pairs = body.map_err(|key| refused(bad_request(l, &tf(l, key, &[]))))?;
            Ok(RaterPost(state, req, access, ctx, l, pairs))
        })
    }
}

/// The context of an answerable link for a POST: state pages that show fine on GET (submitted,
/// declined) mean 409 here.
async fn answerable(
    state: &AppState,
    req: &HttpRequest,
    access: &Access,
) -> AppResult<Result<Box<RaterContext>, HttpResponse>> {
    Ok(match resolve(state, req, access).await? {
        Link::Answerable(ctx) => Ok(ctx),
        Link::Done(r) if r.status() == StatusCode::OK => Err(conflict(locale(req, None))),
        Link::Done(r) => Err(r),
    })
}

/// `POST /r/{token}` and `POST /f/{assignment}`: save a draft or submit (SPEC §5).
pub async fn answer(
    RaterPost(state, req, access, ctx, l, pairs): RaterPost,
) -> AppResult<HttpResponse> {
    let form = state.rubrics.get(&state.db, &ctx.cycle_id).await?;
    let rubric = &form.rubric;
    let group = ctx.assignment.relationship;
    let (action, answers) = match answers::parse(rubric, group, pairs) {
        Ok(x) => x,
        Err(r) => return Ok(bad_request(l, &refusal_text(l, &r))),
    };
    let missing = answers.missing(rubric, group);
    if action == Action::Submit && !missing.is_empty() {
        let h = header(&state, &req, &access, &ctx);
        let n = missing.len();
        return Ok(html(
            StatusCode::UNPROCESSABLE_ENTITY,
            view::form(&h, &form, &answers, &missing, Notice::Missing(n)),
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
        AssignmentStatus::Submitted
    } else {
        AssignmentStatus::Draft
    };
    let from = ctx.assignment.status;
    let had_draft = from == AssignmentStatus::Draft;
    let moved = state
        .db
        .write(move |c| {
            let now = db::now();
            // compare-and-set from the status we read: exactly one of two concurrent requests
            // moves the assignment; the other sees 0 rows and answers 409
            if !db::assignments::advance(c, &id, from, to, now)? {
                return Ok(false);
            }
            db::responses::replace(c, &id, &rows, &strengths, &improvements, had_draft, now)?;
            Ok::<_, AppError>(true)
        })
        .await?;
    if !moved {
        return Ok(conflict(l));
    }
    let base = access.base();
    let explicit = chosen_lang(&req);
    Ok(match action {
        Action::Submit => see_other(with_lang(&format!("{base}/done"), explicit)),
        // back where the rater goes on: the next unanswered question (or the overall comments)
        Action::Save => {
            let anchor = missing
                .first()
                .map_or_else(|| "overall".to_owned(), |id| format!("c-{id}"));
            see_other(match explicit {
                Some(x) => format!("{base}?lang={}&saved=1#{anchor}", x.as_str()),
                None => format!("{base}?saved=1#{anchor}"),
            })
        }
    })
}

/// `GET /r/{token}/done` and `GET /f/{assignment}/done`: the thank-you page (the form again if
/// nothing was submitted).
pub async fn done(Visitor(state, req): Visitor, access: Access) -> AppResult<HttpResponse> {
    let key = match rater_key(&req, &state.settings, &access) {
        Ok(key) => key,
        Err(KeyError::NoSession) => return Ok(see_other(access.base())),
        Err(KeyError::Malformed) => return Ok(not_found_page(&req)),
    };
    let Some(ctx) = db::rater_access::find(&state.db, key).await? else {
        return Ok(not_found_page(&req));
    };
    if ctx.assignment.status != AssignmentStatus::Submitted {
        return Ok(see_other(access.base()));
    }
    let l = locale(&req, Some(ctx.assignment.locale));
    // the next step: what else this browser was asked and can still answer
    let others = match session_value(&req, &state.settings) {
        Some(v) => {
            let (hash, except) = (token::hash(&v), ctx.assignment.id.clone());
            state
                .db
                .read(move |c| {
                    db::rater_access::open_in_session(c, &hash, &except, db::now())
                        .map_err(AppError::from)
                })
                .await?
        }
        None => Vec::new(),
    };
    let explicit = chosen_lang(&req);
    let others: Vec<view::OtherRequest> = others
        .into_iter()
        .map(|o| view::OtherRequest {
            href: with_lang(&format!("/f/{}", o.assignment_id), explicit),
            subject_name: o.subject_name,
            relationship: o.relationship,
        })
        .collect();
    Ok(html(
        StatusCode::OK,
        view::thanks(
            &state.brand,
            l,
            ctx.assignment.relationship,
            &ctx.subject_name,
            &others,
        ),
    ))
}
