//! Following an open cycle from its page (SPEC §11): per nomination *remind now*, *reissue
//! link*, *revoke* and *correct the email address*; "remind everyone who has not answered";
//! a KAM's nomination link sent again. *Remind everyone* and *revoke* first show a page that
//! says how many people they affect (SPEC §16). Every signed-off report released at once
//! (issue #21), after a page that says how many KAMs are emailed. Admins only; each POST checks the CSRF token
//! and the origin, is one audited transaction, and answers 303 to the cycle page with its
//! notice or the page again (422) with the reason.

use crate::actions::Tx;
use actix_web::{web, HttpResponse};

use super::cycle::{act, act_keeping};
use crate::actions::{follow_up, links, proposals};
use crate::db;
use crate::domain::ids::{CycleId, ReviewId};
use crate::domain::locale::Locale;
use crate::domain::status::{Count, Notice};
use crate::error::{AppError, AppResult};
use crate::i18n::{t, tf, tn};
use crate::web::extractors::Admin;
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
    act(admin.asker(), &cycle, done, move |c, mail, actor| {
        let now = db::now();
        match step {
            Step::Remind => follow_up::remind(Tx(c, mail, Some(actor), now), &target),
            Step::Reissue => {
                links::reissue_assignment(Tx(c, mail, Some(actor), now), &target).map(|_| ())
            }
            Step::Revoke => links::revoke_assignment(c, &target, Some(actor), now),
        }
        .map(|()| 1)
    })
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
    admin: Admin,
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
    let keep = Refusal::of_row(target.assignment_id.clone(), typed);
    act_keeping(
        admin.asker(),
        &cycle,
        Notice::Corrected,
        keep,
        move |c, mail, actor| {
            follow_up::correct_email(Tx(c, mail, Some(actor), db::now()), &target, &email)
                .map(|()| Count::from(1))
        },
    )
    .await
}

/// `GET /admin/cycles/{cycle}/remind`: how many reminders *remind everyone* sends, and how
/// many raters it skips (reminded less than 24 hours ago).
pub async fn remind_all_form(admin: Admin, path: web::Path<CycleId>) -> AppResult<HttpResponse> {
    let preview =
        |c: &mut db::AnyConnection, id: &CycleId| follow_up::remind_all_preview(c, id, db::now());
    let title = "admin.confirm.remind.title";
    on_cycle(admin, &path, "remind", title, preview, remind_said).await
}

/// What a confirmation on a whole cycle says: what the step will do, its button, and why it
/// cannot be taken now (if so).
struct Said {
    effects: Vec<String>,
    button: String,
    refusal: Option<String>,
}

/// A confirmation of a step on a whole cycle (`GET /admin/cycles/{cycle}/{step}`, its title's
/// catalogue key with `{cycle}`): `preview` reads what the step would do, in one read
/// transaction, and `say` puts it in the admin's words.
async fn on_cycle<T: Send + 'static>(
    Admin(session, state, req, l): Admin,
    cycle_id: &CycleId,
    step: &str,
    title_key: &'static str,
    preview: impl FnOnce(&mut db::AnyConnection, &CycleId) -> AppResult<T> + Send + 'static,
    say: impl FnOnce(Locale, AppResult<T>) -> AppResult<Said>,
) -> AppResult<HttpResponse> {
    let cycle = super::find(&state, cycle_id).await?;
    let id = cycle.id.clone();
    let said = say(l, state.db.read(move |c| preview(c, &id)).await)?;
    let back = format!("/admin/cycles/{}", cycle.id);
    let page = view::Confirm {
        title: tf(l, title_key, &[("cycle", &cycle.name)]),
        action: format!("{back}/{step}"),
        button: &said.button,
        danger: false,
        back,
        effects: &said.effects,
        refusal: said.refusal.as_deref(),
    };
    Ok(super::confirmation(&session, &req, &page))
}

/// What *remind everyone* will do, in the admin's words, and why it cannot be done (if so).
fn remind_said(l: Locale, r: AppResult<follow_up::Reminders>) -> AppResult<Said> {
    let button = t(l, "admin.confirm.remind.button").to_owned();
    let r = match r {
        Ok(r) => r,
        Err(e) => {
            let refusal = Some(e.refusal(l).ok_or(e)?);
            return Ok(Said {
                effects: Vec::new(),
                button,
                refusal,
            });
        }
    };
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
    Ok(Said {
        effects,
        button,
        refusal,
    })
}

/// `POST /admin/cycles/{cycle}/remind`: everyone invited who has not answered, now, except
/// those reminded less than 24 hours ago.
pub async fn remind_all(admin: Admin, path: web::Path<CycleId>) -> AppResult<HttpResponse> {
    let cycle = path.into_inner();
    let c2 = cycle.clone();
    act(
        admin.asker(),
        &cycle,
        Notice::Reminded,
        move |c, mail, actor| {
            let r = follow_up::remind_all(Tx(c, mail, Some(actor), db::now()), &c2)?;
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
pub async fn release_all_form(admin: Admin, path: web::Path<CycleId>) -> AppResult<HttpResponse> {
    let preview = |c: &mut db::AnyConnection, id: &CycleId| {
        Ok(db::releases::unreleased_signed_off(c, id)?.len())
    };
    let title = "admin.confirm.release.title";
    on_cycle(admin, &path, "release", title, preview, release_said).await
}

/// What releasing every signed-off report will do, in the admin's words.
fn release_said(l: Locale, n: AppResult<usize>) -> AppResult<Said> {
    let n = n?;
    Ok(Said {
        effects: vec![
            tn(l, "admin.confirm.release.effect", n, &[]),
            t(l, "admin.confirm.release.after").to_owned(),
        ],
        button: tn(l, "admin.confirm.release.button", n, &[]),
        refusal: (n == 0).then(|| t(l, "admin.confirm.release.none").to_owned()),
    })
}

/// `POST /admin/cycles/{cycle}/release`: releases every signed-off report not released yet.
pub async fn release_all(admin: Admin, path: web::Path<CycleId>) -> AppResult<HttpResponse> {
    let cycle = path.into_inner();
    let c2 = cycle.clone();
    act(
        admin.asker(),
        &cycle,
        Notice::Released,
        move |c, mail, actor| {
            let n = crate::actions::release::release_all(Tx(c, mail, actor, db::now()), &c2)?;
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
pub async fn nudge(admin: Admin, path: web::Path<(CycleId, ReviewId)>) -> AppResult<HttpResponse> {
    let (cycle, review) = path.into_inner();
    let c2 = cycle.clone();
    act(
        admin.asker(),
        &cycle,
        Notice::Nudged,
        move |c, mail, actor| {
            proposals::nudge(Tx(c, mail, Some(actor), db::now()), &c2, &review).map(|()| 1)
        },
    )
    .await
}
