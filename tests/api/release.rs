//! Release to the KAM (SPEC §12): after sign-off the supervisor releases the report; the KAM
//! gets an email with a personal link, reads the report (final levels, reasons, the figures
//! §7 allows), acknowledges it and writes a development plan that the supervisor comments on.
//! Nobody sees it before release, and every step is audited.

use diesel::prelude::*;
use kam360::actions::users::Role;

use crate::both_backends;
use crate::helpers::dispatch_all_pending_emails;
use crate::helpers::link_in_mail;
use crate::helpers::{csrf_of, new_client, read_mail, StaffClient, TestApp};
use crate::reconcile::{all_finals, closed, with_rationale};

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
    form: &[(String, String)],
) -> reqwest::Response {
    client
        .post(format!("{}{path}", app.address))
        .form(form)
        .send()
        .await
        .expect("POST")
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

pub(crate) async fn sign_off(
    app: &TestApp,
    boss: &StaffClient,
    review: &kam360::domain::ids::ReviewId,
) {
    let (_, page) = get(app, &boss.client, &format!("/reviews/{review}")).await;
    let mut form = all_finals(app, &page, "3");
    with_rationale(&mut form, "agreed in calibration");
    form.push(("action".into(), "signoff".into()));
    assert_eq!(
        post(app, &boss.client, &format!("/reviews/{review}"), &form)
            .await
            .status(),
        303
    );
    crate::reconcile::confirm_sign_off(app, &boss.client, review).await;
}

async fn the_kam_reads_acknowledges_and_plans_and_the_supervisor_comments(app: TestApp) {
    let (_, review) = closed(&app).await;
    let boss = app.staff("boss@t.cn", Role::Supervisor).await;
    let other = app.staff("other@t.cn", Role::Supervisor).await;
    let csrf = |c: &StaffClient| pairs(&[("csrf", &c.csrf)]);
    // nothing to release before sign-off
    let (_, report) = get(
        &app,
        &boss.client,
        &format!("/reviews/{review}/report?lang=en"),
    )
    .await;
    assert!(report.contains("once the review is signed off"), "{report}");
    let r = post(
        &app,
        &boss.client,
        &format!("/reviews/{review}/release"),
        &csrf(&boss),
    )
    .await;
    assert_eq!(r.status(), 400);
    sign_off(&app, &boss, &review).await;
    // another supervisor cannot release it
    let r = post(
        &app,
        &other.client,
        &format!("/reviews/{review}/release"),
        &csrf(&other),
    )
    .await;
    assert_eq!(r.status(), 404);
    let (_, report) = get(
        &app,
        &boss.client,
        &format!("/reviews/{review}/report?lang=en"),
    )
    .await;
    let boss_csrf = csrf_of(&report);
    let r = post(
        &app,
        &boss.client,
        &format!("/reviews/{review}/release"),
        &pairs(&[("csrf", &boss_csrf)]),
    )
    .await;
    assert_eq!(r.status(), 303);
    let (_, report) = get(
        &app,
        &boss.client,
        &format!("/reviews/{review}/report?lang=en"),
    )
    .await;
    assert!(report.contains("Released to Wang Fang on"), "{report}");
    assert!(report.contains("has not confirmed reading it yet"));

    // the KAM's email and link
    dispatch_all_pending_emails(&app).await;
    let mail = app
        .mail_files()
        .into_iter()
        .map(|f| read_mail(&f))
        .find(|m| m.to == "kam@t.cn" && m.subject.starts_with("Your 360° report is ready"))
        .expect("the KAM's email");
    let link = link_in_mail(&mail.text, "/k/");
    let kam = new_client();
    let (s, page) = get(&app, &kam, &format!("{link}?lang=en")).await;
    assert_eq!(s, 200);
    assert!(
        page.contains("Your 360° report") && page.contains("agreed in calibration"),
        "final levels with the reasons"
    );
    assert!(!page.contains("Back to reconciliation") && !page.contains("name=\"csrf\""));
    // written for the person reviewed: what each figure is, and each flag in their words
    assert!(page.contains("How to read this report"));
    assert!(page.contains("The level your supervisor decided after reviewing everything."));
    assert!(page.contains("Low agreement: the people who rated you disagreed with each other here"));
    assert!(
        !page.contains("your own level"),
        "not the supervisor's words"
    );
    assert_eq!(
        get(&app, &kam, &format!("/k/{}", "A".repeat(43))).await.0,
        404
    );

    // acknowledge (same origin only)
    let r = kam
        .post(format!("{}{link}/acknowledge", app.address))
        .header("origin", "http://evil.example")
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), 403);
    assert_eq!(
        post(&app, &kam, &format!("{link}/acknowledge"), &[])
            .await
            .status(),
        303
    );
    let (_, page) = get(&app, &kam, &format!("{link}?lang=en")).await;
    assert!(page.contains("You confirmed reading this report on"));
    // dates as each language writes them
    let today = kam360::db::now().date();
    assert!(page.contains(&kam360::domain::dates::long_date(
        kam360::domain::locale::Locale::En,
        today
    )));
    let (_, zh) = get(&app, &kam, &format!("{link}?lang=zh")).await;
    assert!(
        zh.contains(&kam360::domain::dates::long_date(
            kam360::domain::locale::Locale::Zh,
            today
        )) && zh.contains("您的 360° 评估报告")
    );

    // a plan with problems is refused with everything kept; then a good one
    let criterion = app.rubric.criteria().next().expect("c").id.clone();
    let bad = pairs(&[
        ("goal1_criterion", ""),
        ("goal1_text", "Meet each key customer monthly"),
        ("goal1_date", "2020-01-01"),
    ]);
    let r = post(&app, &kam, &format!("{link}/plan?lang=en"), &bad).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.expect("body");
    assert!(
        page.contains("value=\"Meet each key customer monthly\""),
        "kept as typed"
    );
    assert!(
        page.contains("Choose the criterion this goal is about.")
            && page.contains("The target date is in the past.")
    );
    let good = pairs(&[
        ("goal1_criterion", &criterion),
        ("goal1_text", "Meet each key customer monthly"),
        ("goal1_actions", "Book the meetings in January"),
        ("goal1_date", "2030-03-31"),
    ]);
    assert_eq!(
        post(&app, &kam, &format!("{link}/plan"), &good)
            .await
            .status(),
        303
    );

    // the supervisor sees the plan and comments; the KAM sees the comment
    let (_, report) = get(
        &app,
        &boss.client,
        &format!("/reviews/{review}/report?lang=en"),
    )
    .await;
    assert!(
        report.contains("Meet each key customer monthly")
            && report.contains("confirmed reading it on")
    );
    let r = post(
        &app,
        &boss.client,
        &format!("/reviews/{review}/plan"),
        &pairs(&[
            ("csrf", &csrf_of(&report)),
            ("comment1", "Start with the three largest accounts"),
        ]),
    )
    .await;
    assert_eq!(r.status(), 303);
    let (_, page) = get(&app, &kam, &format!("{link}?lang=en")).await;
    assert!(page.contains("Start with the three largest accounts"));
    // another supervisor cannot comment
    let r = post(
        &app,
        &other.client,
        &format!("/reviews/{review}/plan"),
        &pairs(&[("csrf", &other.csrf), ("comment1", "x")]),
    )
    .await;
    assert_eq!(r.status(), 404);

    let actions: Vec<String> = app
        .read(|c| {
            use kam360::db::schema::audit_events::dsl::*;
            audit_events
                .filter(action.eq_any([
                    "review.released",
                    "review.acknowledged",
                    "plan.saved",
                    "plan.commented",
                ]))
                .select(action)
                .order(at.asc())
                .load(c)
                .map_err(Into::into)
        })
        .expect("audit");
    assert_eq!(
        actions,
        [
            "review.released",
            "review.acknowledged",
            "plan.saved",
            "plan.commented"
        ]
    );
}

both_backends!(the_kam_reads_acknowledges_and_plans_and_the_supervisor_comments);
