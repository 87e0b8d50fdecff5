//! The admin console's records (SPEC §11): email problems (messages retrying or failed, with
//! the last error, and their retry) and the audit trail, filterable by cycle and person.
//! Admins only; the retries check the CSRF token and the origin and are audited.

use crate::actions::Tx;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

use crate::db;
use crate::domain::status::{Count, Notice};
use crate::error::{AppError, AppResult};
use crate::web::extractors::{Admin, StaffRequest};
use crate::web::response::{html, html_after_notice, notice, staff_locale};
use crate::web::staff::viewer;
use crate::web::views::admin::records::{self as view, AuditPage};

/// The most problems the outbox page lists.
const OUTBOX_LIMIT: i64 = 500;

async fn outbox_page(
    asker: StaffRequest<'_>,
    status: StatusCode,
    done: Option<crate::domain::status::Done>,
    refusal: Option<&str>,
) -> AppResult<HttpResponse> {
    let state = asker.state;
    let StaffRequest { req, session, .. } = asker;
    let l = staff_locale(req, session);
    let rows = state
        .db
        .read(|c| {
            let rows = db::outbox::problems(c, OUTBOX_LIMIT)?;
            Ok::<_, AppError>(
                rows.into_iter()
                    .map(|r| view::MessageLine {
                        id: r.id,
                        kind: r.kind,
                        recipient_name: r.recipient_name,
                        recipient_email: r.recipient_email,
                        status: r.status,
                        attempts: r.attempts,
                        created_at: r.created_at,
                        next_attempt_at: r.next_attempt_at,
                        last_error: r.last_error,
                    })
                    .collect::<Vec<_>>(),
            )
        })
        .await?;
    Ok(html_after_notice(
        req,
        status,
        view::outbox(l, &viewer(session, req), &rows, done, refusal),
    ))
}

/// `GET /admin/outbox`: messages retrying or failed, with the last error.
pub async fn outbox(Admin(session, state, req, ..): Admin) -> AppResult<HttpResponse> {
    outbox_page(
        StaffRequest::new(&state, &req, &session),
        StatusCode::OK,
        notice(&req),
        None,
    )
    .await
}

async fn retry_some(
    asker: StaffRequest<'_>,
    id: Option<crate::domain::ids::MessageId>,
) -> AppResult<HttpResponse> {
    let state = asker.state;
    let StaffRequest { req, session, .. } = asker;
    let again = |reason: String| async move {
        outbox_page(
            StaffRequest::new(state, req, session),
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some(&reason),
        )
        .await
    };
    let to = "/admin/outbox".to_owned();
    super::run(
        StaffRequest::new(state, req, session),
        to,
        Notice::Retried,
        move |c, mail, actor| {
            crate::actions::outbox::retry(Tx(c, mail, Some(actor), db::now()), id.as_ref())
                .map(|r| Count::from(r.queued()))
        },
        again,
    )
    .await
}

/// `POST /admin/outbox/{message}/retry`.
pub async fn retry(
    admin: Admin,
    path: web::Path<crate::domain::ids::MessageId>,
) -> AppResult<HttpResponse> {
    retry_some(admin.asker(), Some(path.into_inner())).await
}

/// `POST /admin/outbox/retry`: every failed message.
pub async fn retry_all(Admin(session, state, req, ..): Admin) -> AppResult<HttpResponse> {
    retry_some(StaffRequest::new(&state, &req, &session), None).await
}

/// The audit page's query.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct AuditQuery {
    cycle: String,
    person: String,
    page: Option<usize>,
}

/// Events per page.
const AUDIT_PAGE: i64 = 100;

/// `GET /admin/audit`: the trail, newest first, filterable by cycle and person.
pub async fn audit(
    Admin(session, state, req, l): Admin,
    query: web::Query<AuditQuery>,
) -> AppResult<HttpResponse> {
    let q = query.into_inner();
    let page = q.page.unwrap_or(1).max(1);
    let search = db::audit::Search {
        cycle_id: crate::domain::ids::CycleId::parse(q.cycle.trim()),
        person_email: Some(q.person.trim().to_lowercase()).filter(|p| !p.is_empty()),
    };
    let offset = i64::try_from(page - 1)
        .unwrap_or(0)
        .saturating_mul(AUDIT_PAGE);
    let (events, more, cycles) = state
        .db
        .read(move |c| {
            let (events, more) = db::audit::search(
                c,
                &search,
                db::Page {
                    offset,
                    limit: AUDIT_PAGE,
                },
            )?;
            let events: Vec<view::AuditLine> = events
                .into_iter()
                .map(|e| view::AuditLine {
                    at: e.event.at,
                    actor: e.actor,
                    action: e.event.action,
                    target: e.event.target,
                    concerned: e.concerned,
                    old_value: e.event.old_value,
                    new_value: e.event.new_value,
                    rationale: e.event.rationale,
                })
                .collect();
            let cycles: Vec<(crate::domain::ids::CycleId, String)> = db::cycles::list(c)?
                .into_iter()
                .map(|c| (c.id, c.name))
                .collect();
            Ok::<_, AppError>((events, more, cycles))
        })
        .await?;
    let p = AuditPage {
        events: &events,
        cycles: &cycles,
        cycle: &q.cycle,
        person: &q.person,
        page,
        more,
    };
    Ok(html(
        StatusCode::OK,
        view::audit(l, &viewer(&session, &req), &p),
    ))
}
