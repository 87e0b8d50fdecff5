//! The admin's page of one cycle (SPEC §11): its settings, counts and, a page of KAMs at a
//! time, every nomination with its status and last email; and the way every action on it
//! answers (`admin_nominations` changes the nominations, `admin_follow_up` follows an open
//! cycle, `admin_lifecycle` launches, closes and archives). Admins only;
//! every POST checks the CSRF token and the origin and is one audited transaction. A refused
//! action re-renders the page (422) with the reason and what was typed.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

use crate::actions;
use crate::db;
use crate::domain::ids::{AssignmentId, CycleId, PersonId, ReviewId};
use crate::domain::relationship::Relationship;
use crate::domain::status::{AssignmentStatus, NominationMode};
use crate::domain::status::{Count, Notice};
use crate::error::{AppError, AppResult};
use crate::web::extractors::{Admin, StaffRequest};
use crate::web::response::{html_after_notice, notice, staff_locale};
use crate::web::staff::viewer;
use crate::web::views::admin::cycle::{self as view, KamBlock, NominationRow, PageQuery, Refusal};

/// KAMs per page.
pub const PAGE_SIZE: usize = 25;

/// The cycle as its page shows it.
pub fn cycle_view(c: &db::cycles::CycleRow) -> view::CycleView {
    view::CycleView {
        id: c.id.clone(),
        name: c.name.clone(),
        status: c.status,
        deadline: c.deadline(),
        closed_at: c.closed_at,
        min_group_size: c.min_group_size,
        reminder_days: c.reminder_days.clone(),
        nominations: c.nominations,
        time_zone: c.time_zone.clone(),
    }
}

/// Everything the page shows, read in one go.
pub struct Loaded {
    pub cycle: db::cycles::CycleRow,
    pub counts: Vec<(AssignmentStatus, usize)>,
    pub kams_total: usize,
    pub kams: Vec<KamBlock>,
    pub page: usize,
    pub pages: usize,
}

/// Reads one page of the cycle: its counts, the page's KAMs with their nominations and the
/// time of each one's last email (five queries, whatever the cycle's size).
pub fn load(c: &mut db::AnyConnection, cycle_id: &CycleId, q: &PageQuery) -> AppResult<Loaded> {
    let cycle = actions::find_cycle(c, cycle_id).map_err(|_| AppError::NotFound)?;
    let counts: Vec<(AssignmentStatus, usize)> = db::cycle_page::status_counts(c, cycle_id)?
        .into_iter()
        .map(|(s, n)| (s, usize::try_from(n).unwrap_or(0)))
        .collect();
    let filter = db::cycle_page::Filter {
        search: q.q.clone(),
        unanswered: q.unanswered(),
    };
    let mut page = q.page.unwrap_or(1).max(1);
    let size = i64::try_from(PAGE_SIZE).unwrap_or(25);
    let offset = |page: usize| i64::try_from(page - 1).unwrap_or(0).saturating_mul(size);
    let (mut reviews, total) = db::cycle_page::reviews(
        c,
        cycle_id,
        &filter,
        db::Page {
            offset: offset(page),
            limit: size,
        },
    )?;
    // past the end (the last KAM of the last page left the filter): the last page instead
    let last = usize::try_from(total)
        .unwrap_or(0)
        .div_ceil(PAGE_SIZE)
        .max(1);
    if reviews.is_empty() && page > last {
        page = last;
        reviews = db::cycle_page::reviews(
            c,
            cycle_id,
            &filter,
            db::Page {
                offset: offset(page),
                limit: size,
            },
        )?
        .0;
    }
    let ids: Vec<ReviewId> = reviews.iter().map(|r| r.review.id.clone()).collect();
    let assignments = db::cycle_page::assignments_of(c, &ids)?;
    let assignment_ids: Vec<AssignmentId> = assignments
        .iter()
        .map(|a| a.assignment.id.clone())
        .collect();
    let last: HashMap<AssignmentId, Option<chrono::NaiveDateTime>> =
        db::cycle_page::last_emails(c, &assignment_ids)?
            .into_iter()
            .collect();
    let proposals: HashMap<ReviewId, crate::domain::status::ProposalStatus> =
        if cycle.nominations == NominationMode::Kam {
            db::proposals::statuses(c, &ids)?.into_iter().collect()
        } else {
            HashMap::new()
        };
    let mut by_review: HashMap<&ReviewId, Vec<NominationRow>> = HashMap::new();
    for a in &assignments {
        if filter.unanswered && !a.assignment.status.is_answerable() {
            continue;
        }
        by_review
            .entry(&a.assignment.review_id)
            .or_default()
            .push(NominationRow {
                id: a.assignment.id.clone(),
                rater_name: a.rater_name.clone(),
                rater_email: a.rater_email.clone(),
                locale: a.assignment.locale,
                organization: a.organization.clone().unwrap_or_default(),
                relationship: a.assignment.relationship,
                status: a.assignment.status,
                last_email: last.get(&a.assignment.id).copied().flatten(),
            });
    }
    // per KAM, the groups in reporting order (customers, peers, team, supervisor, self)
    for rows in by_review.values_mut() {
        rows.sort_by_key(|r| Relationship::ALL.iter().position(|g| *g == r.relationship));
    }
    let kams = reviews
        .iter()
        .map(|r| KamBlock {
            review_id: r.review.id.clone(),
            subject_name: r.subject_name.clone(),
            subject_email: r.subject_email.clone(),
            supervisor_name: r.supervisor_name.clone(),
            proposal: proposals.get(&r.review.id).copied(),
            rows: by_review.remove(&r.review.id).unwrap_or_default(),
        })
        .collect();
    let kams_total = usize::try_from(total).unwrap_or(0);
    Ok(Loaded {
        cycle,
        counts,
        kams_total,
        kams,
        page,
        pages: kams_total.div_ceil(PAGE_SIZE).max(1),
    })
}

/// Renders the page (after a read, or again after a refused action).
pub(super) async fn render(
    asker: StaffRequest<'_>,
    cycle_id: &CycleId,
    q: PageQuery,
    status: StatusCode,
    refusal: Refusal<'_>,
) -> AppResult<HttpResponse> {
    let state = asker.state;
    let StaffRequest { req, session, .. } = asker;
    let l = staff_locale(req, session);
    let (id, query) = (cycle_id.clone(), q.clone());
    let loaded = state.db.read(move |c| load(c, &id, &query)).await?;
    let reminders =
        crate::domain::forms::cycle_settings::stored_days(&state.settings.email.reminder_days);
    let page = view::CyclePage {
        cycle: &cycle_view(&loaded.cycle),
        counts: &loaded.counts,
        kams_total: loaded.kams_total,
        kams: &loaded.kams,
        query: &q,
        page: loaded.page,
        pages: loaded.pages,
        default_reminders: &reminders,
        refusal,
    };
    Ok(html_after_notice(
        req,
        status,
        view::cycle_page(l, &viewer(session, req), &page),
    ))
}

/// `GET /admin/cycles/{cycle}`.
pub async fn show(
    Admin(session, state, req, ..): Admin,
    path: web::Path<CycleId>,
    query: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    let mut q = query.into_inner();
    if let Some(done) = notice(&req) {
        q.done = Some(done.notice);
        q.n = Some(done.count);
    }
    render(
        StaffRequest::new(&state, &req, &session),
        &path,
        q,
        StatusCode::OK,
        Refusal::default(),
    )
    .await
}

/// Runs one nomination action and answers 303 to the cycle page with its notice, or the page
/// again (422) with the reason.
pub(super) async fn act<F, R>(
    asker: StaffRequest<'_>,
    cycle_id: &CycleId,
    done: Notice,
    f: F,
) -> AppResult<HttpResponse>
where
    F: FnOnce(&mut db::AnyConnection, crate::actions::Mail<'_>, &PersonId) -> AppResult<R>
        + Send
        + 'static,
    R: Into<Count>,
{
    let other = |reason| Refusal {
        other: Some(reason),
        ..Default::default()
    };
    let f = |c: &mut db::AnyConnection, m: crate::actions::Mail<'_>, a: &PersonId| {
        f(c, m, a).map(Into::into)
    };
    act_keeping(asker, cycle_id, done, other, f).await
}

/// [`act`], where `keep` turns the refusal's reason into what the page shows again (a typed
/// row kept in its form, the CSV's bad lines…).
pub(super) async fn act_keeping<'a, F>(
    asker: StaffRequest<'_>,
    cycle_id: &CycleId,
    done: Notice,
    keep: impl FnOnce(String) -> Refusal<'a>,
    f: F,
) -> AppResult<HttpResponse>
where
    F: FnOnce(&mut db::AnyConnection, crate::actions::Mail<'_>, &PersonId) -> AppResult<Count>
        + Send
        + 'static,
{
    let req = asker.req;
    // the view of the list the action was taken from (search, filter, page)
    let view = web::Query::<PageQuery>::from_query(req.query_string())
        .map(web::Query::into_inner)
        .unwrap_or_default();
    let to = format!("/admin/cycles/{}{}", cycle_id.as_str(), view.kept());
    let again = |reason: String| async move {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        render(asker, cycle_id, view, status, keep(reason)).await
    };
    super::run(asker, to, done, f, again).await
}
