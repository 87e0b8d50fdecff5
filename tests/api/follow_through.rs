//! After the release (issue #21): the supervisor hears of each step their KAM takes (one email
//! per review, event and day, over real SMTP) and sees it on their home and team pages until
//! they open the report; each goal gets a check-in on its date in the cycle's zone, with
//! reminders until it is done; goals keep their identity when the plan is edited; the team
//! view shows a supervisor their own KAMs only; an admin releases every signed-off report at
//! once.

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use kam360::actions::users::Role;
use kam360::actions::Tx;
use kam360::actions::{schedule, Mail as Mailing};
use kam360::db;
use kam360::domain::ids::ReviewId;

use crate::each_backend;
use crate::email::smtp;
use crate::helpers::{
    csrf_of, dispatch_all_pending_emails, link_in_mail, new_client, try_spawn_app_with, Backend,
    StaffClient, TestApp,
};
use crate::reconcile::closed;
use crate::release::sign_off;
use crate::smtp_server::SmtpServer;

/// One message as the relay got it: (to, subject, text).
fn received(server: &SmtpServer) -> Vec<(String, String, String)> {
    server
        .messages()
        .into_iter()
        .map(|r| {
            let m = mail_parser::MessageParser::default()
                .parse(r.data.as_bytes())
                .expect("mime");
            (
                r.rcpt.join(","),
                m.subject().unwrap_or_default().to_owned(),
                m.body_text(0).unwrap_or_default().into_owned(),
            )
        })
        .collect()
}

fn to_with(server: &SmtpServer, to: &str, subject: &str) -> Vec<String> {
    received(server)
        .into_iter()
        .filter(|(t, s, _)| t == to && s.contains(subject))
        .map(|(_, _, text)| text)
        .collect()
}

async fn get(app: &TestApp, client: &reqwest::Client, path: &str) -> (u16, String) {
    let r = client
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .expect("GET");
    (r.status().as_u16(), r.text().await.expect("body"))
}

async fn post(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    client
        .post(format!("{}{path}", app.address))
        .form(form)
        .send()
        .await
        .expect("POST")
}

/// A signed-off review released to its KAM over SMTP: (app, relay, supervisor, review, the
/// KAM's link path).
async fn released(
    backend: Backend,
) -> Option<(TestApp, SmtpServer, StaffClient, ReviewId, String)> {
    let server = SmtpServer::start().await;
    let app = try_spawn_app_with(backend, smtp(server.port)).await?;
    let (_, review) = closed(&app).await;
    let boss = app.staff("boss@t.cn", Role::Supervisor).await;
    sign_off(&app, &boss, &review).await;
    let (_, report) = get(&app, &boss.client, &format!("/reviews/{review}/report")).await;
    let r = post(
        &app,
        &boss.client,
        &format!("/reviews/{review}/release"),
        &[("csrf", &csrf_of(&report))],
    )
    .await;
    assert_eq!(r.status(), 303);
    dispatch_all_pending_emails(&app).await;
    let text = to_with(&server, "kam@t.cn", "Your 360° report is ready")
        .pop()
        .expect("the KAM's email over SMTP");
    let link = link_in_mail(&text, "/k/");
    Some((app, server, boss, review, link))
}

/// Delivers what was queued with a clock moved ahead (the worker runs on the real one): every
/// pending message falls due now.
async fn deliver_queued_ahead(app: &TestApp) {
    app.write(|c| {
        use diesel::prelude::*;
        use kam360::db::schema::email_outbox::dsl::*;
        diesel::update(email_outbox.filter(status.eq("pending")))
            .set(next_attempt_at.eq(db::now()))
            .execute(c)
            .map_err(Into::into)
    })
    .expect("due now");
    dispatch_all_pending_emails(app).await;
}

fn due_work(app: &TestApp, at: NaiveDateTime) -> schedule::DueReport {
    let (s, t) = (app.settings.clone(), app.templates.clone());
    app.write(move |c| schedule::due_work(Tx(c, Mailing::new(&t, &s), None, at)))
        .expect("due work")
}

async fn the_supervisor_hears_of_each_step_once_a_day_and_sees_it_until_opened(backend: Backend) {
    let Some((app, server, boss, review, link)) = released(backend).await else {
        return;
    };
    let kam = new_client();
    // the KAM reads and acknowledges: their supervisor is told, by email and on their pages
    assert_eq!(
        post(&app, &kam, &format!("{link}/acknowledge"), &[])
            .await
            .status(),
        303
    );
    dispatch_all_pending_emails(&app).await;
    let told = to_with(&server, "boss@t.cn", "has read their 360° report");
    assert_eq!(told.len(), 1, "one email");
    assert!(
        told[0].contains("Wang Fang confirmed reading"),
        "{}",
        told[0]
    );
    assert!(told[0].contains(&format!("/reviews/{review}/report#plan-title")));
    let (_, home) = get(&app, &boss.client, "/?lang=en").await;
    assert!(
        home.contains("New: Confirmed reading the report"),
        "the home shows it"
    );
    let (_, team) = get(&app, &boss.client, "/team?lang=en").await;
    assert!(team.contains("New: Confirmed reading the report"));
    let (_, zh) = get(&app, &boss.client, "/team?lang=zh").await;
    crate::helpers::assert_no_missing_text("/team (zh)", &zh);
    assert!(zh.contains("新动态：") && zh.contains("已阅读，尚无计划"));
    assert!(team.contains("Read, no plan yet"), "the team view's state");

    // a plan, then changed the same day: one email about it
    let criterion = app.rubric.criteria().next().expect("c").id.clone();
    let second = app.rubric.criteria().nth(1).expect("c").id.clone();
    let plan = |text: &'static str| {
        vec![
            ("goal1_criterion", criterion.clone()),
            ("goal1_text", text.to_owned()),
            ("goal1_date", "2030-03-31".to_owned()),
            ("goal2_criterion", second.clone()),
            ("goal2_text", "Propose one new service a quarter".to_owned()),
            ("goal2_date", "2030-06-30".to_owned()),
        ]
    };
    let send = |form: Vec<(&'static str, String)>| {
        let (kam, app_address) = (kam.clone(), app.address.clone());
        let url = format!("{app_address}{link}/plan");
        async move { kam.post(url).form(&form).send().await.expect("POST") }
    };
    assert_eq!(
        send(plan("Meet each key customer monthly")).await.status(),
        303
    );
    // the saved plan carries each goal's id: the KAM edits the first goal's words
    let (_, page) = get(&app, &kam, &format!("{link}?lang=en")).await;
    let id_of = |page: &str, n: usize| -> String {
        let needle = format!("name=\"goal{n}_id\" value=\"");
        let at = page.find(&needle).expect("the goal's id") + needle.len();
        page[at..at + 36].to_owned()
    };
    let (first_id, second_id) = (id_of(&page, 1), id_of(&page, 2));
    let mut edited = plan("Meet each key customer every month");
    edited.push(("goal1_id", first_id.clone()));
    edited.push(("goal2_id", second_id.clone()));
    assert_eq!(send(edited).await.status(), 303);
    dispatch_all_pending_emails(&app).await;
    assert_eq!(
        to_with(&server, "boss@t.cn", "wrote their development plan").len(),
        1,
        "one a day"
    );
    // the supervisor comments on the second goal
    let (_, report) = get(
        &app,
        &boss.client,
        &format!("/reviews/{review}/report?lang=en"),
    )
    .await;
    assert!(report.contains("Meet each key customer every month"));
    let r = post(
        &app,
        &boss.client,
        &format!("/reviews/{review}/plan"),
        &[
            ("csrf", &csrf_of(&report)),
            ("goal2", &second_id),
            ("comment2", "Start with the telecom accounts"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    // opening the report cleared the notices
    let (_, home) = get(&app, &boss.client, "/?lang=en").await;
    assert!(!home.contains("New:"), "opened: the notices go");

    // the KAM drops the first goal: the second moves up and keeps its comment and identity
    let kept = vec![
        ("goal1_id", second_id.clone()),
        ("goal1_criterion", second.clone()),
        ("goal1_text", "Propose one new service a quarter".to_owned()),
        ("goal1_date", "2030-06-30".to_owned()),
    ];
    assert_eq!(send(kept).await.status(), 303);
    let (_, page) = get(&app, &kam, &format!("{link}?lang=en")).await;
    assert_eq!(id_of(&page, 1), second_id, "the same goal");
    assert!(
        page.contains("Start with the telecom accounts"),
        "its comment kept"
    );
    assert!(!page.contains("name=\"goal2_id\""));

    // progress on it, with a note; a bad state is refused with what was typed
    let bad = post(
        &app,
        &kam,
        &format!("{link}/progress?lang=en"),
        &[
            (&format!("progress_{second_id}"), "finished"),
            (&format!("note_{second_id}"), "two meetings held"),
        ],
    )
    .await;
    assert_eq!(bad.status(), 422);
    let body = bad.text().await.expect("body");
    assert!(body.contains("Choose where this goal stands.") && body.contains("two meetings held"));
    let r = post(
        &app,
        &kam,
        &format!("{link}/progress"),
        &[
            (&format!("progress_{second_id}"), "in_progress"),
            (&format!("note_{second_id}"), "two meetings held"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    dispatch_all_pending_emails(&app).await;
    assert_eq!(to_with(&server, "boss@t.cn", "recorded progress").len(), 1);
    let (_, report) = get(
        &app,
        &boss.client,
        &format!("/reviews/{review}/report?lang=en"),
    )
    .await;
    assert!(report.contains("In progress") && report.contains("two meetings held"));

    // the next day, a changed plan is news again (a controlled clock)
    let tomorrow = db::now() + TimeDelta::days(1);
    let (s, t, id) = (app.settings.clone(), app.templates.clone(), review.clone());
    let goals = vec![kam360::domain::forms::plan::Goal {
        id: None,
        criterion_id: criterion.clone(),
        goal: "A third way".into(),
        actions: String::new(),
        target_date: NaiveDate::from_ymd_opt(2030, 1, 1).expect("date"),
    }];
    app.write(move |c| {
        kam360::actions::release::save_plan(
            Tx(c, Mailing::new(&t, &s), None, tomorrow),
            &id,
            &goals,
        )
    })
    .expect("saved");
    deliver_queued_ahead(&app).await;
    assert_eq!(
        to_with(&server, "boss@t.cn", "wrote their development plan").len(),
        2
    );

    // every step audited
    let actions: Vec<String> = app
        .read(|c| {
            use diesel::prelude::*;
            use kam360::db::schema::audit_events::dsl::*;
            audit_events
                .filter(action.like("plan.%").or(action.eq("review.acknowledged")))
                .select(action)
                .order(at.asc())
                .load(c)
                .map_err(Into::into)
        })
        .expect("audit");
    assert_eq!(
        actions,
        [
            "review.acknowledged",
            "plan.saved",
            "plan.saved",
            "plan.commented",
            "plan.saved",
            "plan.progress",
            "plan.saved"
        ]
    );
}

async fn each_goal_is_checked_in_on_its_date_in_the_cycle_zone_until_done(backend: Backend) {
    let Some((app, server, _boss, review, link)) = released(backend).await else {
        return;
    };
    let kam = new_client();
    let criterion = app.rubric.criteria().next().expect("c").id.clone();
    let date = db::now().date() + TimeDelta::days(30);
    let r = post(
        &app,
        &kam,
        &format!("{link}/plan"),
        &[
            ("goal1_criterion", &criterion),
            ("goal1_text", "Meet each key customer monthly"),
            ("goal1_date", &date.to_string()),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let id = review.clone();
    let zone = app
        .read(move |c| {
            let r = db::reviews::find(c, &id)?.expect("review");
            Ok(r.time_zone)
        })
        .expect("zone");
    // hour by hour from two days before: the first check-in comes the hour the goal's date
    // begins in the cycle's zone
    let mut at = date.and_hms_opt(0, 0, 0).expect("midnight") - TimeDelta::days(2);
    let first = loop {
        if due_work(&app, at).checkins == 1 {
            break at;
        }
        at += TimeDelta::hours(1);
        assert!(at < date.and_hms_opt(0, 0, 0).expect("t") + TimeDelta::days(2));
    };
    let local = |t: NaiveDateTime| kam360::domain::dates::Deadline::new(t, &zone).local_date(t);
    assert_eq!(local(first), date, "on the goal's date in {zone}");
    assert_eq!(
        local(first - TimeDelta::hours(1)),
        date - TimeDelta::days(1)
    );
    assert_eq!(due_work(&app, first).checkins, 0, "once");
    deliver_queued_ahead(&app).await;
    let to_kam = to_with(&server, "kam@t.cn", "How is your goal going?");
    assert_eq!(
        to_kam.len(),
        1,
        "{:?}",
        received(&server)
            .iter()
            .map(|(t, s, _)| format!("{t}: {s}"))
            .collect::<Vec<_>>()
    );
    assert!(to_kam[0].contains("Meet each key customer monthly"));
    let fresh = link_in_mail(&to_kam[0], "/k/");
    let fresh = fresh.split('#').next().expect("path").to_owned();
    let (s, page) = get(&app, &kam, &format!("{fresh}?lang=en")).await;
    assert_eq!(s, 200, "the check-in's link opens the report");
    assert!(page.contains("Progress on your goals"));
    let to_boss = to_with(&server, "boss@t.cn", "Check in with Wang Fang");
    assert_eq!(to_boss.len(), 1);
    assert!(to_boss[0].contains("Not started"), "{}", to_boss[0]);

    // a week later, a reminder; once done, no more
    assert_eq!(due_work(&app, first + TimeDelta::days(6)).checkins, 0);
    assert_eq!(due_work(&app, first + TimeDelta::days(7)).checkins, 1);
    deliver_queued_ahead(&app).await;
    assert_eq!(
        to_with(&server, "kam@t.cn", "Reminder: How is your goal going?").len(),
        1
    );
    let goal = page
        .split("name=\"progress_")
        .nth(1)
        .expect("the progress form")
        .chars()
        .take(36)
        .collect::<String>();
    let r = post(
        &app,
        &kam,
        &format!("{fresh}/progress"),
        &[(&format!("progress_{goal}"), "done")],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        due_work(&app, first + TimeDelta::days(14)).checkins,
        0,
        "done: no more"
    );
    let checkins: i64 = app
        .read(|c| {
            use diesel::prelude::*;
            use kam360::db::schema::audit_events::dsl::*;
            audit_events
                .filter(action.eq("plan.checkin"))
                .count()
                .get_result(c)
                .map_err(Into::into)
        })
        .expect("audit");
    assert_eq!(checkins, 2);
}

async fn the_team_view_shows_a_supervisor_their_own_kams_and_an_admin_anyones(backend: Backend) {
    let Some((app, _server, boss, review, link)) = released(backend).await else {
        return;
    };
    let other = app.staff("other@t.cn", Role::Supervisor).await;
    let admin = app.staff("admin@t.cn", Role::Admin).await;
    let (s, team) = get(&app, &boss.client, "/team?lang=en").await;
    assert_eq!(s, 200);
    crate::helpers::assert_no_missing_text("/team", &team);
    assert!(team.contains("Wang Fang") && team.contains("Released, not yet read"));
    // every criterion of the signed-off review at its final level, named in the header
    let criteria = app.rubric.criteria().count();
    assert_eq!(team.matches("<td class=\"lvl lvl-3\"").count(), criteria);
    let first = app.rubric.criteria().next().expect("c");
    assert!(team.contains(&format!("<span class=\"tip\">{}</span>", first.name.en)));
    // sorting by a column is a link that works without script
    let (s, sorted) = get(
        &app,
        &boss.client,
        &format!("/team?sort=c:{}&dir=desc&lang=en", first.id),
    )
    .await;
    assert_eq!(s, 200);
    assert!(sorted.contains("aria-sort=\"descending\""));
    // the CSV: the same table
    let (s, csv) = get(&app, &boss.client, "/team.csv").await;
    assert_eq!(s, 200);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(
        lines[1].starts_with("kam@t.cn,Wang Fang,released,"),
        "{}",
        lines[1]
    );

    // another supervisor: none of it, and asking for it is 404
    let (s, theirs) = get(&app, &other.client, "/team?lang=en").await;
    assert_eq!(s, 200);
    assert!(!theirs.contains("Wang Fang"));
    let boss_id = app
        .read(|c| Ok(db::people::find_by_email(c, "boss@t.cn")?.expect("boss").id))
        .expect("id");
    let cycle = {
        let id = review.clone();
        app.read(move |c| {
            Ok(db::reviews::find(c, &id)?
                .expect("r")
                .listing
                .review
                .cycle_id)
        })
        .expect("cycle")
    };
    for path in [
        format!("/team?supervisor={boss_id}"),
        format!("/team?cycle={cycle}"),
        format!("/team.csv?cycle={cycle}"),
        "/team?cycle=not-a-cycle".to_owned(),
    ] {
        assert_eq!(get(&app, &other.client, &path).await.0, 404, "{path}");
    }
    // an admin chooses whose team
    let (s, page) = get(
        &app,
        &admin.client,
        &format!("/team?cycle={cycle}&supervisor={boss_id}&lang=en"),
    )
    .await;
    assert_eq!(s, 200);
    assert!(page.contains("Wang Fang") && page.contains("id=\"pick-supervisor\""));

    // a KAM's link never reaches another review's goals: a goal id of another plan is ignored
    let kam = new_client();
    let r = post(
        &app,
        &kam,
        &format!("{link}/progress"),
        &[(
            &format!("progress_{}", kam360::domain::ids::GoalId::generate()),
            "done",
        )],
    )
    .await;
    assert_eq!(r.status(), 303);
    let changed: i64 = app
        .read(|c| {
            use diesel::prelude::*;
            use kam360::db::schema::audit_events::dsl::*;
            audit_events
                .filter(action.eq("plan.progress"))
                .count()
                .get_result(c)
                .map_err(Into::into)
        })
        .expect("audit");
    assert_eq!(changed, 0);
}

async fn an_admin_releases_every_signed_off_report_at_once(backend: Backend) {
    let server = SmtpServer::start().await;
    let Some(app) = try_spawn_app_with(backend, smtp(server.port)).await else {
        return;
    };
    let (l, review) = closed(&app).await;
    let boss = app.staff("boss@t.cn", Role::Supervisor).await;
    let admin = app.staff("admin@t.cn", Role::Admin).await;
    let path = format!("/admin/cycles/{}/release", l.cycle_id);
    let (s, page) = get(&app, &admin.client, &format!("{path}?lang=en")).await;
    assert_eq!(s, 409, "nothing signed off yet");
    assert!(page.contains("No signed-off report is waiting to be released."));
    sign_off(&app, &boss, &review).await;
    let (s, page) = get(&app, &admin.client, &format!("{path}?lang=en")).await;
    assert_eq!(s, 200);
    assert!(
        page.contains("1 KAM whose review is signed off and not yet released gets an email"),
        "says how many KAMs are emailed"
    );
    let r = post(&app, &admin.client, &path, &[("csrf", &csrf_of(&page))]).await;
    assert_eq!(r.status(), 303);
    dispatch_all_pending_emails(&app).await;
    assert_eq!(
        to_with(&server, "kam@t.cn", "Your 360° report is ready").len(),
        1
    );
    let (s, _) = get(&app, &admin.client, &path).await;
    assert_eq!(s, 409, "released: nothing left");
}

each_backend!(
    the_supervisor_hears_of_each_step_once_a_day_and_sees_it_until_opened,
    each_goal_is_checked_in_on_its_date_in_the_cycle_zone_until_done,
    the_team_view_shows_a_supervisor_their_own_kams_and_an_admin_anyones,
    an_admin_releases_every_signed_off_report_at_once,
);
