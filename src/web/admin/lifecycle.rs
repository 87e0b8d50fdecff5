//! A cycle's lifecycle in the admin console (SPEC §11): launch, close and archive, each behind
//! a page that says what will happen ("queues 38 invitations"); the POST performs the step and
//! answers 303 to the cycle's page. Admins only; each POST checks the CSRF token and the
//! origin, is one transaction and is audited.

use crate::actions::Tx;
use actix_web::HttpResponse;

use super::find;
use crate::actions::{cycles, retention};
use crate::db::{self};
use crate::domain::ids::CycleId;
use crate::domain::locale::Locale;
use crate::domain::rules::lifecycle;
use crate::domain::status::NominationMode;
use crate::domain::status::{Count, Notice};
use crate::error::{AppError, AppResult};
use crate::i18n::{t, tf, tn};
use crate::web::extractors::Admin;
use crate::web::views::admin::{self as view, Step};
use crate::web::AppState;

/// What a step will do, in the admin's words, and why it cannot be taken now (if so).
async fn effects(
    state: &AppState,
    l: Locale,
    cycle: &db::cycles::CycleRow,
    step: Step,
) -> AppResult<(Vec<String>, Option<String>)> {
    let id = cycle.id.clone();
    let (kams, per_status) = state
        .db
        .read(move |c| {
            let kams = db::reviews::count_for_cycle(c, &id)?;
            let per_status = db::cycle_page::status_counts(c, &id)?;
            Ok::<_, AppError>((kams, per_status))
        })
        .await?;
    let step_view = lifecycle::Cycle::counted(cycle.status, cycle.closes_at, &per_status);
    let count = |v: i64| usize::try_from(v).unwrap_or(0);
    let list = match step {
        Step::Launch => {
            let pending = i64::try_from(step_view.pending).unwrap_or(0);
            let mut e = vec![
                tn(l, "admin.confirm.launch.invitations", count(pending), &[]),
                tn(l, "admin.confirm.launch.kams", count(kams), &[]),
            ];
            if cycle.nominations == NominationMode::Kam {
                e.push(tn(l, "admin.confirm.launch.kam", count(kams), &[]));
            }
            e.push(tf(
                l,
                "admin.confirm.launch.deadline",
                &[("deadline", &cycle.deadline().label())],
            ));
            e.push(
                match lifecycle::launch_takes(
                    count(pending),
                    cycles::launch_rate(state.db.backend()),
                ) {
                    lifecycle::LaunchTakes::AMoment => {
                        t(l, "admin.confirm.launch.moment").to_owned()
                    }
                    // never one second or one minute: no singular forms
                    lifecycle::LaunchTakes::Seconds(n) => {
                        tf(l, "admin.confirm.launch.seconds", &[("n", &n.to_string())])
                    }
                    lifecycle::LaunchTakes::Minutes(n) => {
                        tf(l, "admin.confirm.launch.minutes", &[("n", &n.to_string())])
                    }
                },
            );
            e.push(t(l, "admin.confirm.launch.fixed").to_owned());
            e
        }
        Step::Close => {
            let waiting: i64 = per_status
                .iter()
                .filter(|(s, _)| s.is_answerable())
                .map(|(_, n)| n)
                .sum();
            vec![
                tn(l, "admin.confirm.close.expire", count(waiting), &[]),
                tn(l, "admin.confirm.close.supervisors", count(kams), &[]),
                t(l, "admin.confirm.close.final").to_owned(),
            ]
        }
        Step::Archive => vec![
            t(l, "admin.confirm.archive.read_only").to_owned(),
            t(l, "admin.confirm.archive.purge").to_owned(),
        ],
    };
    // the same reason the step itself would refuse with (domain::rules::lifecycle)
    let refusal = lifecycle::refusal(step, step_view, db::now()).map(|r| {
        let status = match r {
            lifecycle::Refusal::WrongStatus(_, s) => t(l, s.key()),
            _ => "",
        };
        tf(l, r.key(), &[("status", status)])
    });
    Ok((list, refusal))
}

async fn confirm_page(admin: &Admin, cycle_id: &CycleId, step: Step) -> AppResult<HttpResponse> {
    let Admin(session, state, req, l) = admin;
    let cycle = find(state, cycle_id).await?;
    let (effects, refusal) = effects(state, *l, &cycle, step).await?;
    let page = view::Confirm::step(
        *l,
        &cycle.id,
        &cycle.name,
        step,
        &effects,
        refusal.as_deref(),
    );
    Ok(super::confirmation(session, req, &page))
}

super::admin_steps! { confirm_page, CycleId;
    /// `GET /admin/cycles/{cycle}/launch`: what launching will do, and the button.
    launch_form => Step::Launch;
    /// `GET /admin/cycles/{cycle}/close`.
    close_form => Step::Close;
    /// `GET /admin/cycles/{cycle}/archive`.
    archive_form => Step::Archive;
}

/// Takes a lifecycle step: 303 to the cycle page with its notice; a step that cannot be taken
/// now shows its confirmation page again with the reason (409).
async fn step(admin: &Admin, cycle_id: &CycleId, step: Step) -> AppResult<HttpResponse> {
    let cycle = find(admin.state(), cycle_id).await?;
    let id = cycle.id.clone();
    let now = db::now();
    let done = match step {
        Step::Launch => Notice::Launched,
        Step::Close => Notice::Closed,
        Step::Archive => Notice::Archived,
    };
    let to = format!("/admin/cycles/{}", cycle.id);
    let again = |_: String| confirm_page(admin, &cycle.id, step);
    super::run(
        admin.asker(),
        to,
        done,
        move |c, mail, actor| {
            match step {
                Step::Launch => {
                    cycles::launch_each(Tx(c, mail, Some(actor), now), &id, &mut |_| ())
                }
                Step::Close => cycles::close(Tx(c, mail, Some(actor), now), &id),
                Step::Archive => retention::archive_by(c, &id, Some(actor), now).map(|()| 0),
            }
            .map(Count::from)
        },
        again,
    )
    .await
}

super::admin_steps! { step, CycleId;
    /// `POST /admin/cycles/{cycle}/launch`: opens the cycle and queues every invitation.
    launch => Step::Launch;
    /// `POST /admin/cycles/{cycle}/close`.
    close => Step::Close;
    /// `POST /admin/cycles/{cycle}/archive`.
    archive => Step::Archive;
}
