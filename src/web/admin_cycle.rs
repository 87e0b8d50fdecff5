//! The admin's page of one cycle and the changes to its nominations (SPEC §11): the CSV
//! upload (all or nothing, every bad row listed), and adding, editing and removing one
//! nomination while the cycle is a draft (`admin_follow_up` has the actions of an open
//! cycle). Admins only;
//! every POST checks the CSRF token and the origin and is one audited transaction. A refused
//! action re-renders the page (422) with the reason and what was typed.

use std::collections::HashMap;

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;

use super::extractors::Admin;
use super::response::{html_after_notice, notice, see_other_with_notice, staff_locale};
use super::staff::{csrf_ok, forbidden, viewer, CsrfForm};
use super::views::admin_cycle::{self as view, KamBlock, NominationRow, PageQuery, Refusal};
use super::AppState;
use crate::actions;
use crate::actions::nominations::{self, NominationInput};
use crate::db::{self, sessions::StaffSession};
use crate::domain::ids::{AssignmentId, CycleId};
use crate::domain::relationship::Relationship;
use crate::domain::status::{AssignmentStatus, NominationMode};
use crate::error::{AppError, AppResult};

/// KAMs per page.
pub const PAGE_SIZE: usize = 25;
/// The largest CSV accepted (10,000 rows of long names fit well within it).
const MAX_UPLOAD: usize = 5 * 1024 * 1024;

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
pub fn load(c: &mut db::AnyConnection, cycle_id: &str, q: &PageQuery) -> AppResult<Loaded> {
    let cycle = actions::find_cycle(c, cycle_id).map_err(|_| AppError::NotFound)?;
    let counts: Vec<(AssignmentStatus, usize)> = db::cycle_page::status_counts(c, cycle_id)?
        .into_iter()
        .map(|(s, n)| (s, usize::try_from(n).unwrap_or(0)))
        .collect();
    let filter = db::cycle_page::Filter {
        search: q.q.clone(),
        unanswered: q.unanswered(),
    };
    let page = q.page.unwrap_or(1).max(1);
    let size = i64::try_from(PAGE_SIZE).unwrap_or(25);
    let offset = i64::try_from(page - 1).unwrap_or(0).saturating_mul(size);
    let (reviews, total) = db::cycle_page::reviews(c, cycle_id, &filter, (offset, size))?;
    let ids: Vec<&str> = reviews.iter().map(|r| r.review.id.as_str()).collect();
    let assignments = db::cycle_page::assignments_of(c, &ids)?;
    let assignment_ids: Vec<&str> = assignments
        .iter()
        .map(|a| a.assignment.id.as_str())
        .collect();
    let last: HashMap<String, Option<chrono::NaiveDateTime>> =
        db::cycle_page::last_emails(c, &assignment_ids)?
            .into_iter()
            .collect();
    let proposals: HashMap<String, crate::domain::status::ProposalStatus> =
        if cycle.nominations == NominationMode::Kam {
            db::proposals::statuses(c, &ids)?.into_iter().collect()
        } else {
            HashMap::new()
        };
    let mut by_review: HashMap<&str, Vec<NominationRow>> = HashMap::new();
    for a in &assignments {
        if filter.unanswered && !a.assignment.status.is_answerable() {
            continue;
        }
        by_review
            .entry(a.assignment.review_id.as_str())
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
            rows: by_review.remove(r.review.id.as_str()).unwrap_or_default(),
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
    state: &AppState,
    (req, session): (&HttpRequest, &StaffSession),
    cycle_id: &str,
    q: PageQuery,
    (status, refusal): (StatusCode, Refusal<'_>),
) -> AppResult<HttpResponse> {
    let l = staff_locale(req, session);
    let id = CycleId::parse(cycle_id).ok_or(AppError::NotFound)?;
    let query = q.clone();
    let loaded = state.db.read(move |c| load(c, id.as_str(), &query)).await?;
    let reminders = crate::domain::cycle_settings::stored_days(&state.settings.email.reminder_days);
    let page = view::CyclePage {
        cycle: &loaded.cycle,
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
    Admin(session): Admin,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    let mut q = query.into_inner();
    if let Some((done, n)) = notice(&req) {
        q.done = done;
        q.n = Some(n);
    }
    render(
        &state,
        (&req, &session),
        &path,
        q,
        (StatusCode::OK, Refusal::default()),
    )
    .await
}

/// Runs one nomination action and answers 303 to the cycle page with its notice, or the page
/// again (422) with the reason.
pub(super) async fn act<F>(
    state: &AppState,
    (req, session): (&HttpRequest, &StaffSession),
    (cycle_id, csrf): (&str, &str),
    done: &str,
    f: F,
) -> AppResult<HttpResponse>
where
    F: FnOnce(&mut db::AnyConnection, &str) -> AppResult<usize> + Send + 'static,
{
    act_keeping(state, (req, session), (cycle_id, csrf), (done, None), f).await
}

/// [`act`], keeping a typed address (nomination id, address) in its field when refused.
pub(super) async fn act_keeping<F>(
    state: &AppState,
    (req, session): (&HttpRequest, &StaffSession),
    (cycle_id, csrf): (&str, &str),
    (done, typed): (&str, Option<(String, String)>),
    f: F,
) -> AppResult<HttpResponse>
where
    F: FnOnce(&mut db::AnyConnection, &str) -> AppResult<usize> + Send + 'static,
{
    let l = staff_locale(req, session);
    if !csrf_ok(state, req, session, csrf) {
        return Ok(forbidden(l));
    }
    let id = CycleId::parse(cycle_id).ok_or(AppError::NotFound)?;
    let actor = session.person_id.clone();
    let result = state.db.write(move |c| f(c, &actor)).await;
    match result {
        Ok(n) => Ok(see_other_with_notice(
            format!("/admin/cycles/{}", id.as_str()),
            (done, n),
            state.settings.base_url().starts_with("https://"),
        )),
        Err(e) if e.refusal(l).is_some() => {
            let refusal = Refusal {
                other: e.refusal(l),
                email: typed,
                ..Default::default()
            };
            render(
                state,
                (req, session),
                id.as_str(),
                PageQuery::default(),
                (StatusCode::UNPROCESSABLE_ENTITY, refusal),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

/// The cycle and nomination of a `/admin/cycles/{cycle}/nominations/{assignment}/…` path.
pub(super) fn ids(path: &(String, String)) -> AppResult<(String, String)> {
    let cycle = CycleId::parse(&path.0).ok_or(AppError::NotFound)?;
    let assignment = AssignmentId::parse(&path.1).ok_or(AppError::NotFound)?;
    Ok((cycle.as_str().to_owned(), assignment.as_str().to_owned()))
}

/// `POST /admin/cycles/{cycle}/nominations` (multipart, `file` and `csrf`): imports the CSV,
/// all or nothing → 303 with "N nominations imported", or 422 listing every bad row.
pub async fn upload(
    Admin(session): Admin,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    mut payload: Multipart,
) -> AppResult<HttpResponse> {
    let l = staff_locale(&req, &session);
    let id = CycleId::parse(&path).ok_or(AppError::NotFound)?;
    let (mut csrf, mut file): (String, Option<Vec<u8>>) = (String::new(), None);
    while let Some(field) = payload.next().await {
        let mut field =
            field.map_err(|e| AppError::Invalid(format!("the upload is not a valid form: {e}")))?;
        let name = field.name().unwrap_or("").to_owned();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk =
                chunk.map_err(|e| AppError::Invalid(format!("the upload broke off: {e}")))?;
            if bytes.len() + chunk.len() > MAX_UPLOAD {
                return Err(AppError::Invalid(format!(
                    "the file is larger than {} MB",
                    MAX_UPLOAD / 1024 / 1024
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "csrf" => csrf = String::from_utf8_lossy(&bytes).into_owned(),
            "file" => file = Some(bytes),
            _ => {}
        }
    }
    if !csrf_ok(&state, &req, &session, &csrf) {
        return Ok(forbidden(l));
    }
    let bytes = file.unwrap_or_default();
    let (templates, settings, actor, cycle) = (
        state.templates.clone(),
        state.settings.clone(),
        session.person_id.clone(),
        id.as_str().to_owned(),
    );
    let result = state
        .db
        .write(move |c| {
            nominations::import_by(
                c,
                (templates.as_ref(), settings.as_ref()),
                &cycle,
                &bytes,
                Some(&actor),
                db::now(),
            )
        })
        .await;
    match result {
        Ok((summary, _)) => Ok(see_other_with_notice(
            format!("/admin/cycles/{}", id.as_str()),
            ("imported", summary.added),
            state.settings.base_url().starts_with("https://"),
        )),
        Err(AppError::Invalid(e)) => {
            let refusal = Refusal {
                import: e.lines().map(str::to_owned).collect(),
                ..Default::default()
            };
            render(
                &state,
                (&req, &session),
                id.as_str(),
                PageQuery::default(),
                (StatusCode::UNPROCESSABLE_ENTITY, refusal),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

/// The single-nomination form as posted.
#[derive(serde::Deserialize)]
pub struct AddForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    input: NominationInput,
}

/// `POST /admin/cycles/{cycle}/nominations/add`: one nomination, with the CSV's checks.
pub async fn add(
    Admin(session): Admin,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<AddForm>,
) -> AppResult<HttpResponse> {
    let l = staff_locale(&req, &session);
    let form = form.into_inner();
    if !csrf_ok(&state, &req, &session, &form.csrf) {
        return Ok(forbidden(l));
    }
    let id = CycleId::parse(&path).ok_or(AppError::NotFound)?;
    let (templates, settings, actor, cycle, input) = (
        state.templates.clone(),
        state.settings.clone(),
        session.person_id.clone(),
        id.as_str().to_owned(),
        form.input.clone(),
    );
    let result = state
        .db
        .write(move |c| {
            let mail = (templates.as_ref(), settings.as_ref());
            nominations::add_one(c, mail, &cycle, &input, Some(&actor), db::now())
        })
        .await;
    match result {
        Ok(s) => Ok(see_other_with_notice(
            format!("/admin/cycles/{}", id.as_str()),
            ("added", s.added),
            state.settings.base_url().starts_with("https://"),
        )),
        Err(e) if e.refusal(l).is_some() => {
            let refusal = Refusal {
                add: Some((&form.input, e.refusal(l).unwrap_or_default())),
                ..Default::default()
            };
            render(
                &state,
                (&req, &session),
                id.as_str(),
                PageQuery::default(),
                (StatusCode::UNPROCESSABLE_ENTITY, refusal),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

/// `POST /admin/cycles/{cycle}/nominations/{assignment}/remove` (a draft cycle).
pub async fn remove(
    Admin(session): Admin,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    form: web::Form<CsrfForm>,
) -> AppResult<HttpResponse> {
    let (cycle, assignment) = ids(&path)?;
    let c2 = cycle.clone();
    act(
        &state,
        (&req, &session),
        (&cycle, &form.csrf),
        "removed",
        move |c, actor| {
            nominations::remove(c, &c2, &assignment, Some(actor), db::now()).map(|()| 1)
        },
    )
    .await
}

/// The draft's edit form as posted.
#[derive(serde::Deserialize)]
pub struct EditForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    input: nominations::EditInput,
}

/// `POST /admin/cycles/{cycle}/nominations/{assignment}/edit`: name, relationship, language
/// and organisation of one nomination while the cycle is a draft.
pub async fn edit(
    Admin(session): Admin,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    form: web::Form<EditForm>,
) -> AppResult<HttpResponse> {
    let (cycle, assignment) = ids(&path)?;
    let form = form.into_inner();
    let (c2, input) = (cycle.clone(), form.input);
    let (templates, settings) = (state.templates.clone(), state.settings.clone());
    act(
        &state,
        (&req, &session),
        (&cycle, &form.csrf),
        "edited_one",
        move |c, actor| {
            let now = db::now();
            nominations::edit(c, &c2, &assignment, &input, Some(actor), now)?;
            // a corrected address, in the same transaction
            let current = db::assignments::find_listing(c, &assignment)?
                .ok_or(AppError::NotFound)?
                .rater_email;
            let typed = input.email.trim().to_lowercase();
            if !typed.is_empty() && typed != current {
                let mail = (templates.as_ref(), settings.as_ref());
                actions::follow_up::correct_email(
                    c,
                    mail,
                    &c2,
                    &assignment,
                    &input.email,
                    Some(actor),
                    now,
                )?;
            }
            Ok(1)
        },
    )
    .await
}
