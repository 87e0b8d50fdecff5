//! Following an open cycle from its page (SPEC §11): per nomination *remind now*, *reissue
//! link*, *revoke* and *correct the email address*; "remind everyone who has not answered";
//! a KAM's nomination link sent again. Admins only; each POST checks the CSRF token and the
//! origin, is one audited transaction, and answers 303 to the cycle page with its notice or
//! the page again (422) with the reason.

use actix_web::{web, HttpRequest, HttpResponse};

use super::cycle::{act, act_keeping};
use crate::actions::{follow_up, links, proposals};
use crate::db;
use crate::domain::ids::{CycleId, ReviewId};
use crate::domain::status::Notice;
use crate::error::AppResult;
use crate::web::extractors::{Admin, StaffRequest};
use crate::web::views::admin::cycle::Refusal;
use crate::web::AppState;

/// The one-button actions on a nomination.
#[derive(Debug, Clone, Copy)]
enum Step {
    Remind,
    Reissue,
    Revoke,
}

/// Runs a one-button action on the nomination of the path.
async fn step(
    session: &crate::db::sessions::StaffSession,
    state: &AppState,
    req: &HttpRequest,
    target: &links::Target,
    step: Step,
) -> AppResult<HttpResponse> {
    let cycle = target.cycle_id.clone();
    let target = target.clone();
    let done = match step {
        Step::Remind => Notice::Reminded,
        Step::Reissue => Notice::Reissued,
        Step::Revoke => Notice::Revoked,
    };
    act(
        state,
        StaffRequest::new(req, session),
        &cycle,
        done,
        move |c, mail, actor| {
            let now = db::now();
            match step {
                Step::Remind => follow_up::remind(c, mail, &target, Some(actor), now),
                Step::Reissue => {
                    links::reissue_assignment(c, mail, &target, Some(actor), now).map(|_| ())
                }
                Step::Revoke => links::revoke_assignment(c, &target, Some(actor), now),
            }
            .map(|()| 1)
        },
    )
    .await
}

super::admin_steps! { step, links::Target;
    /// `POST /admin/cycles/{cycle}/nominations/{assignment}/remind`: a reminder with a fresh
    /// link now.
    remind => Step::Remind;
    /// `POST /admin/cycles/{cycle}/nominations/{assignment}/reissue`: the old links die, a new
    /// one is mailed.
    reissue => Step::Reissue;
    /// `POST /admin/cycles/{cycle}/nominations/{assignment}/revoke`.
    revoke => Step::Revoke;
}

/// The corrected address as posted.
#[derive(serde::Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    email: String,
}

/// `POST /admin/cycles/{cycle}/nominations/{assignment}/email`: a new link to the new address;
/// the old link dies.
pub async fn correct_email(
    Admin(session): Admin,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<links::Target>,
    form: web::Form<EmailForm>,
) -> AppResult<HttpResponse> {
    let target = path.into_inner();
    let form = form.into_inner();
    let (cycle, email) = (target.cycle_id.clone(), form.email.clone());
    // a refused address comes back in its field, as typed
    let typed = crate::domain::forms::nomination_form::EditInput {
        email: form.email.clone(),
        ..Default::default()
    };
    let row = Some((target.assignment_id.clone(), typed));
    let keep = |reason| Refusal {
        other: Some(reason),
        row,
        ..Default::default()
    };
    act_keeping(
        &state,
        StaffRequest::new(&req, &session),
        &cycle,
        Notice::Corrected,
        keep,
        move |c, mail, actor| {
            follow_up::correct_email(c, mail, &target, &email, Some(actor), db::now()).map(|()| 1)
        },
    )
    .await
}

/// `POST /admin/cycles/{cycle}/remind`: everyone invited who has not answered, now.
pub async fn remind_all(
    Admin(session): Admin,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<CycleId>,
) -> AppResult<HttpResponse> {
    let cycle = path.into_inner();
    let c2 = cycle.clone();
    act(
        &state,
        StaffRequest::new(&req, &session),
        &cycle,
        Notice::Reminded,
        move |c, mail, actor| follow_up::remind_all(c, mail, &c2, Some(actor), db::now()),
    )
    .await
}

/// `POST /admin/cycles/{cycle}/kams/{review}/nudge`: a KAM who has not had their list
/// approved gets a fresh link to it (nomination mode `kam`).
pub async fn nudge(
    Admin(session): Admin,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(CycleId, ReviewId)>,
) -> AppResult<HttpResponse> {
    let (cycle, review) = path.into_inner();
    let c2 = cycle.clone();
    act(
        &state,
        StaffRequest::new(&req, &session),
        &cycle,
        Notice::Nudged,
        move |c, mail, actor| {
            proposals::nudge(c, mail, &c2, &review, Some(actor), db::now()).map(|()| 1)
        },
    )
    .await
}
