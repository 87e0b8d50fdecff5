//! Following an open cycle from its page (SPEC §11): per nomination *remind now*, *reissue
//! link*, *revoke* and *correct the email address*; "remind everyone who has not answered";
//! a KAM's nomination link sent again. Admins only; each POST checks the CSRF token and the
//! origin, is one audited transaction, and answers 303 to the cycle page with its notice or
//! the page again (422) with the reason.

use actix_web::{web, HttpRequest, HttpResponse};

use super::cycle::{act, act_keeping};
use crate::actions::{follow_up, links, proposals};
use crate::db;
use crate::domain::ids::{AssignmentId, CycleId, ReviewId};
use crate::domain::status::Notice;
use crate::error::AppResult;
use crate::web::extractors::{Admin, StaffRequest};
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
    path: &(CycleId, AssignmentId),
    step: Step,
) -> AppResult<HttpResponse> {
    let (cycle, assignment) = path.clone();
    let c2 = cycle.clone();
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
            let target = links::Target {
                cycle_id: &c2,
                assignment_id: &assignment,
            };
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

super::admin_steps! { step, (CycleId, AssignmentId);
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
    path: web::Path<(CycleId, AssignmentId)>,
    form: web::Form<EmailForm>,
) -> AppResult<HttpResponse> {
    let (cycle, assignment) = path.into_inner();
    let form = form.into_inner();
    let (c2, email, a2) = (cycle.clone(), form.email.clone(), assignment.clone());
    // a refused address comes back in its field, as typed
    let typed = Some((
        assignment,
        crate::domain::forms::nomination_form::EditInput {
            email: form.email.clone(),
            ..Default::default()
        },
    ));
    act_keeping(
        &state,
        StaffRequest::new(&req, &session),
        &cycle,
        Notice::Corrected,
        typed,
        move |c, mail, actor| {
            let target = links::Target {
                cycle_id: &c2,
                assignment_id: &a2,
            };
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
