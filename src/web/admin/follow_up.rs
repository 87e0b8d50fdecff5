//! Following an open cycle from its page (SPEC §11): per nomination *remind now*, *reissue
//! link*, *revoke* and *correct the email address*; "remind everyone who has not answered";
//! a KAM's nomination link sent again. *Remind everyone* and *revoke* first show a page that
//! says how many people they affect (SPEC §16). Every signed-off report released at once
//! (issue #21), after a page that says how many KAMs are emailed. Admins only; each POST checks the CSRF token
//! and the origin, is one audited transaction, and answers 303 to the cycle page with its
//! notice or the page again (422) with the reason.

use actix_web::{web, HttpRequest, HttpResponse};

use super::cycle::{act, act_keeping};
use crate::actions::{follow_up, links, proposals};
use crate::db;
use crate::domain::ids::{CycleId, ReviewId};
use crate::domain::locale::Locale;
use crate::domain::status::{Count, Notice};
use crate::error::{AppError, AppResult};
use crate::i18n::{t, tf, tn};
use crate::web::extractors::{Admin, StaffRequest};
use crate::web::response::staff_locale;
use crate::web::views::admin::cycle::{PageQuery, Refusal};
use crate::web::views::admin::{self as view};

/// The one-button actions on a nomination.
#[derive(Debug, Clone, Copy)]
enum Step {
    Remind,
    Reissue,
    Revoke,
}

/// Runs a one-button action on the nomination of the path.
async fn step(admin: &Admin, target: &links::Target, step: Step) -> AppResult<HttpResponse> {
    let cycle = target.cycle_id.clone();
    let target = target.clone();
    let done = match step {
        Step::Remind => Notice::Reminded,
        Step::Reissue => Notice::Reissued,
        Step::Revoke => Notice::Revoked,
    };
    act(
        admin.state(),
        admin.asker(),
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
    Admin(session, state, req, ..): Admin,
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
            follow_up::correct_email(c, mail, &target, &email, Some(actor), db::now())
                .map(|()| Count::from(1))
        },
    )
    .await
}

/// `GET /admin/cycles/{cycle}/remind`: how many reminders *remind everyone* sends, and how
/// many raters it skips (reminded less than 24 hours ago).
pub async fn remind_all_form(
    Admin(session, state, req, l): Admin,
    path: web::Path<CycleId>,
) -> AppResult<HttpResponse> {
    let cycle = super::find(&state, &path).await?;
    let id = cycle.id.clone();
    let preview = state
        .db
        .read(move |c| follow_up::remind_all_preview(c, &id, db::now()))
        .await;
    let (effects, refusal) = match preview {
        Ok(r) => remind_effects(l, r),
        Err(e) => (Vec::new(), Some(e.refusal(l).ok_or(e)?)),
    };
    Ok(on_cycle(
        &session,
        &req,
        &cycle,
        OnCycle {
            step: "remind",
            title_key: "admin.confirm.remind.title",
            button: t(l, "admin.confirm.remind.button"),
            effects: &effects,
            refusal: refusal.as_deref(),
        },
    ))
}

/// A confirmation of a step on a whole cycle (`/admin/cycles/{cycle}/{step}`).
struct OnCycle<'a> {
    step: &'a str,
    /// The title's catalogue key (with `{cycle}`).
    title_key: &'static str,
    button: &'a str,
    effects: &'a [String],
    refusal: Option<&'a str>,
}

fn on_cycle(
    session: &crate::db::sessions::StaffSession,
    req: &HttpRequest,
    cycle: &crate::db::cycles::CycleRow,
    c: OnCycle<'_>,
) -> HttpResponse {
    let l = staff_locale(req, session);
    let back = format!("/admin/cycles/{}", cycle.id);
    let page = view::Confirm {
        title: tf(l, c.title_key, &[("cycle", &cycle.name)]),
        action: format!("{back}/{}", c.step),
        button: c.button,
        danger: false,
        back,
        effects: c.effects,
        refusal: c.refusal,
    };
    super::confirmation(session, req, &page)
}

/// What *remind everyone* will do, in the admin's words, and why it cannot be done (if so).
fn remind_effects(l: Locale, r: follow_up::Reminders) -> (Vec<String>, Option<String>) {
    let n = |v: usize| v.to_string();
    let mut effects = vec![tf(l, "admin.confirm.remind.sent", &[("n", &n(r.sent))])];
    if r.skipped > 0 {
        effects.push(tf(
            l,
            "admin.confirm.remind.skipped",
            &[("n", &n(r.skipped))],
        ));
    }
    let refusal = (r.sent == 0).then(|| t(l, "admin.confirm.remind.none").to_owned());
    (effects, refusal)
}

/// `POST /admin/cycles/{cycle}/remind`: everyone invited who has not answered, now, except
/// those reminded less than 24 hours ago.
pub async fn remind_all(
    Admin(session, state, req, ..): Admin,
    path: web::Path<CycleId>,
) -> AppResult<HttpResponse> {
    let cycle = path.into_inner();
    let c2 = cycle.clone();
    act(
        &state,
        StaffRequest::new(&req, &session),
        &cycle,
        Notice::Reminded,
        move |c, mail, actor| {
            let r = follow_up::remind_all(c, mail, &c2, Some(actor), db::now())?;
            Ok(Count {
                n: r.sent,
                skipped: r.skipped,
            })
        },
    )
    .await
}

/// `GET /admin/cycles/{cycle}/release`: how many signed-off reports a bulk release sends to
/// their KAMs (issue #21).
pub async fn release_all_form(
    Admin(session, state, req, l): Admin,
    path: web::Path<CycleId>,
) -> AppResult<HttpResponse> {
    let cycle = super::find(&state, &path).await?;
    let id = cycle.id.clone();
    let n = state
        .db
        .read(move |c| Ok::<_, AppError>(db::releases::unreleased_signed_off(c, &id)?.len()))
        .await?;
    let effects = vec![
        tn(l, "admin.confirm.release.effect", n, &[]),
        t(l, "admin.confirm.release.after").to_owned(),
    ];
    let refusal = (n == 0).then(|| t(l, "admin.confirm.release.none").to_owned());
    let button = tn(l, "admin.confirm.release.button", n, &[]);
    Ok(on_cycle(
        &session,
        &req,
        &cycle,
        OnCycle {
            step: "release",
            title_key: "admin.confirm.release.title",
            button: &button,
            effects: &effects,
            refusal: refusal.as_deref(),
        },
    ))
}

/// `POST /admin/cycles/{cycle}/release`: releases every signed-off report not released yet.
pub async fn release_all(
    Admin(session, state, req, ..): Admin,
    path: web::Path<CycleId>,
) -> AppResult<HttpResponse> {
    let cycle = path.into_inner();
    let c2 = cycle.clone();
    act(
        &state,
        StaffRequest::new(&req, &session),
        &cycle,
        Notice::Released,
        move |c, mail, actor| {
            let n = crate::actions::release::release_all(c, mail, &c2, actor, db::now())?;
            if n == 0 {
                return Err(AppError::refused("admin.confirm.release.none"));
            }
            Ok(n)
        },
    )
    .await
}

/// `GET /admin/cycles/{cycle}/nominations/{assignment}/revoke`: whose link a revoke cuts off,
/// and that it cannot be undone.
pub async fn revoke_form(
    Admin(session, state, req, l): Admin,
    path: web::Path<links::Target>,
) -> AppResult<HttpResponse> {
    let target = path.into_inner();
    let back = format!("/admin/cycles/{}", target.cycle_id);
    // back to the same view of the list (search, filter, page) it was asked from
    let kept = web::Query::<PageQuery>::from_query(req.query_string())
        .map(|q| q.kept())
        .unwrap_or_default();
    let action = format!("{back}/nominations/{}/revoke{kept}", target.assignment_id);
    let r = state
        .db
        .read(move |c| links::revoke_preview(c, &target))
        .await?;
    let a = &r.rater;
    let who = [
        ("name", a.rater_name.clone()),
        ("email", a.rater_email.clone()),
        (
            "relationship",
            t(l, a.assignment.relationship.group_key()).to_owned(),
        ),
        ("kam", r.subject_name.clone()),
    ];
    let who: Vec<(&str, &str)> = who.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let effects = [
        tf(l, "admin.confirm.revoke.who", &who),
        t(l, "admin.confirm.revoke.mail").to_owned(),
        t(l, "admin.confirm.revoke.final").to_owned(),
    ];
    let refusal = match r.refusal {
        Some(e) => Some(e.refusal(l).ok_or(e)?),
        None => None,
    };
    let page = view::Confirm {
        title: tf(l, "admin.confirm.revoke.title", &[("name", &a.rater_name)]),
        action,
        button: t(l, "admin.confirm.revoke.button"),
        danger: true,
        back: format!("{back}{kept}"),
        effects: &effects,
        refusal: refusal.as_deref(),
    };
    Ok(super::confirmation(&session, &req, &page))
}

/// `POST /admin/cycles/{cycle}/kams/{review}/nudge`: a KAM who has not had their list
/// approved gets a fresh link to it (nomination mode `kam`).
pub async fn nudge(
    Admin(session, state, req, ..): Admin,
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
