//! A rater gets at most one reminder in 24 hours, whatever sends it: *remind now*, *remind
//! everyone* or the schedule (SPEC §16).

use chrono::{NaiveDateTime, TimeDelta};
use kam360::actions::follow_up::{self, Reminders};
use kam360::actions::links::Target;
use kam360::actions::Tx;
use kam360::actions::{schedule, Mail};
use kam360::db;
use kam360::domain::ids::CycleId;
use kam360::domain::locale::Locale;

use crate::both_backends;
use crate::fixtures::{launched_cycle, standard};
use crate::helpers::{dispatch_all_pending_emails, TestApp};

fn remind(app: &TestApp, cycle: &CycleId, rater: &str, at: NaiveDateTime) -> Result<(), String> {
    let (s, t, cycle, rater) = (
        app.settings.clone(),
        app.templates.clone(),
        cycle.clone(),
        rater.to_owned(),
    );
    app.write(move |c| {
        let a = db::assignments::for_rater_email(c, &rater)?.remove(0);
        let target = Target {
            cycle_id: cycle.clone(),
            assignment_id: a.assignment.id,
        };
        follow_up::remind(Tx(c, Mail::new(&t, &s), None, at), &target)
    })
    .map_err(|e| e.refusal(Locale::En).unwrap_or_else(|| format!("{e:?}")))
}

fn remind_all(app: &TestApp, cycle: &CycleId, at: NaiveDateTime) -> Reminders {
    let (s, t, cycle) = (app.settings.clone(), app.templates.clone(), cycle.clone());
    app.write(move |c| follow_up::remind_all(Tx(c, Mail::new(&t, &s), None, at), &cycle))
        .expect("remind everyone")
}

fn due_work(app: &TestApp, at: NaiveDateTime) -> schedule::DueReport {
    let (s, t) = (app.settings.clone(), app.templates.clone());
    app.write(move |c| schedule::due_work(Tx(c, Mail::new(&t, &s), None, at)))
        .expect("due work")
}

async fn a_rater_is_reminded_at_most_once_a_day_whoever_sends_it(app: TestApp) {
    let l = launched_cycle(&app, &standard());
    dispatch_all_pending_emails(&app).await;
    let id = l.cycle_id.clone();
    let closes_at = {
        let id = id.clone();
        app.read(move |c| Ok(db::cycles::find(c, &id)?.expect("cycle").closes_at))
            .expect("cycle")
    };
    // the schedule's 7-day reminder falls due at `slot`; an admin reminds an hour before it
    let slot = closes_at - TimeDelta::days(7);
    let before = slot - TimeDelta::hours(1);
    remind(&app, &id, "c1@client.cn", before).expect("the first reminder goes");
    let again = remind(&app, &id, "c1@client.cn", before + TimeDelta::minutes(30))
        .expect_err("a second one the same day is refused");
    assert!(
        again.contains("less than 24 hours ago") && again.contains("in 24 h"),
        "{again}"
    );
    // remind everyone passes over c1 alone
    let everyone = remind_all(&app, &id, before + TimeDelta::minutes(40));
    assert_eq!(everyone.skipped, 1, "{everyone:?}");
    let waiting = everyone.sent + everyone.skipped;
    assert!(
        waiting >= 9,
        "every customer, peer and team member: {everyone:?}"
    );
    // then nobody, and the schedule holds its reminders back too
    let nobody = remind_all(&app, &id, before + TimeDelta::minutes(50));
    assert_eq!((nobody.sent, nobody.skipped), (0, waiting));
    let held = due_work(&app, slot + TimeDelta::hours(1));
    assert_eq!((held.reminders, held.held), (0, waiting), "{held:?}");
    // a day later the schedule's reminder goes, once
    let next_day = before + TimeDelta::hours(25);
    let sent = due_work(&app, next_day);
    assert_eq!((sent.reminders, sent.held), (waiting, 0), "{sent:?}");
    assert_eq!(due_work(&app, next_day + TimeDelta::hours(1)).reminders, 0);
    // and after it, *remind now* waits its 24 hours again
    let refused = remind(&app, &id, "c2@client.cn", next_day + TimeDelta::hours(2))
        .expect_err("reminded by the schedule");
    assert!(refused.contains("in 22 h"), "{refused}");
    remind(&app, &id, "c2@client.cn", next_day + TimeDelta::hours(24)).expect("a day later");
}

/// A reminder that never went out (cancelled when the address was corrected) does not count.
async fn a_cancelled_reminder_does_not_hold_the_next(app: TestApp) {
    let l = launched_cycle(&app, &standard());
    dispatch_all_pending_emails(&app).await;
    let id = l.cycle_id.clone();
    let now = db::now();
    remind(&app, &id, "c1@client.cn", now).expect("queued, not yet sent");
    let (s, t, cycle) = (app.settings.clone(), app.templates.clone(), id.clone());
    app.write(move |c| {
        let a = db::assignments::for_rater_email(c, "c1@client.cn")?.remove(0);
        let target = Target {
            cycle_id: cycle.clone(),
            assignment_id: a.assignment.id,
        };
        follow_up::correct_email(
            Tx(c, Mail::new(&t, &s), None, now),
            &target,
            "c1.new@client.cn",
        )
    })
    .expect("corrected");
    remind(&app, &id, "c1.new@client.cn", now + TimeDelta::minutes(5))
        .expect("the cancelled reminder never reached anyone");
}

both_backends!(
    a_rater_is_reminded_at_most_once_a_day_whoever_sends_it,
    a_cancelled_reminder_does_not_hold_the_next,
);
