//! The KAM's released report in Chromium (SPEC §12): read at 360 px and on a desktop,
//! acknowledged, a development plan written (the next level's words appearing as a criterion
//! is chosen), progress recorded, printed on A4; then the team view sorted in place and read at
//! 360 px without sideways scrolling; axe-clean.

use kam360::actions::Tx;
use std::time::Duration;

use fantoccini::Locator;
use kam360::actions::users::Role;

use crate::chromium::{
    click, full_page_shot, pdf_pages, print_pdf, set_viewport, start_browser, wait_for,
};
use crate::helpers::dispatch_all_pending_emails;
use crate::helpers::link_in_mail;
use crate::helpers::{csrf_of, read_mail, spawn_app};
use crate::reconcile::closed;
use crate::release::sign_off;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kam_reads_acknowledges_plans_and_prints_in_chromium() {
    let Some((driver, c)) = start_browser().await else {
        return;
    };
    let app = spawn_app().await;
    let (_, review) = closed(&app).await;
    let boss = app.staff("boss@t.cn", Role::Supervisor).await;
    sign_off(&app, &boss, &review).await;
    let report = boss
        .client
        .get(format!("{}/reviews/{review}/report", app.address))
        .send()
        .await
        .expect("report")
        .text()
        .await
        .expect("body");
    let r = boss
        .client
        .post(format!("{}/reviews/{review}/release", app.address))
        .form(&[("csrf", csrf_of(&report))])
        .send()
        .await
        .expect("release");
    assert_eq!(r.status(), 303);
    dispatch_all_pending_emails(&app).await;
    let mail = app
        .mail_files()
        .into_iter()
        .map(|f| read_mail(&f))
        .find(|m| m.to == "kam@t.cn" && m.subject.starts_with("Your 360° report"))
        .expect("the KAM's email");
    let link = link_in_mail(&mail.text, "/k/");

    c.goto(&format!("{}{link}?lang=en", app.address))
        .await
        .expect("open");
    wait_for(&c, Locator::Css("svg.chart")).await;
    crate::accessibility::assert_axe_clean(&c, "the KAM's report").await;
    full_page_shot(&c, 1280, "kam-report-desktop").await;
    set_viewport(&c, 360, 740).await;
    crate::accessibility::assert_axe_clean(&c, "the KAM's report at 360 px").await;
    full_page_shot(&c, 360, "kam-report-360").await;

    click(&c, Locator::Css("form[action*='/acknowledge'] button")).await;
    wait_for(&c, Locator::Css("#ack-title + p.status")).await;
    let criterion = app.rubric.criteria().nth(1).expect("c").id.clone();
    let select = c
        .find(Locator::Id("goal1_criterion"))
        .await
        .expect("select");
    select.select_by_value(&criterion).await.expect("choose");
    // with script, the rubric's words for the next level up appear as the criterion is chosen
    wait_for(&c, Locator::Css("#better1 .better-next")).await;
    let better = c
        .find(Locator::Css("#better1"))
        .await
        .expect("better")
        .text()
        .await
        .expect("text");
    assert!(
        better.contains("What the next level looks like"),
        "{better}"
    );
    c.find(Locator::Id("goal1_text"))
        .await
        .expect("goal")
        .send_keys("Propose one new service to each key customer")
        .await
        .expect("type");
    c.execute(
        "document.getElementById('goal1_date').value = '2030-06-30'; return true;",
        vec![],
    )
    .await
    .expect("date");
    click(
        &c,
        Locator::Css("form[action*='/plan'] button[type='submit']"),
    )
    .await;
    for _ in 0..50 {
        if c.source()
            .await
            .expect("source")
            .contains("Your plan was saved.")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(c
        .source()
        .await
        .expect("source")
        .contains("Your plan was saved."));
    crate::accessibility::assert_axe_clean(&c, "the KAM's report with a plan").await;
    // progress on the goal, recorded with a note
    click(
        &c,
        Locator::Css("input[name^='progress_'][value='in_progress']"),
    )
    .await;
    c.find(Locator::Css("textarea[name^='note_']"))
        .await
        .expect("note")
        .send_keys("Two of five customers met")
        .await
        .expect("type");
    click(
        &c,
        Locator::Css("form[action*='/progress'] button[type='submit']"),
    )
    .await;
    wait_for(&c, Locator::Css("#progress-title ~ div.status.saved")).await;
    crate::accessibility::assert_axe_clean(&c, "the KAM's report with progress").await;
    set_viewport(&c, 360, 740).await;
    crate::accessibility::assert_axe_clean(&c, "the KAM's plan and progress at 360 px").await;
    full_page_shot(&c, 360, "kam-plan-360").await;
    set_viewport(&c, 1280, 900).await;

    // what the supervisor was told, and the check-in on the goal's date: every email passes axe
    let on_the_date = chrono::NaiveDate::from_ymd_opt(2030, 7, 1)
        .and_then(|d| d.and_hms_opt(12, 0, 0))
        .expect("date");
    let (s, t) = (app.settings.clone(), app.templates.clone());
    let due = app
        .write(move |conn| {
            kam360::actions::schedule::due_work(Tx(
                conn,
                kam360::actions::Mail::new(&t, &s),
                None,
                on_the_date,
            ))
        })
        .expect("due work");
    assert_eq!(due.checkins, 1);
    app.write(|conn| {
        use diesel::prelude::*;
        use kam360::db::schema::email_outbox::dsl::*;
        diesel::update(email_outbox.filter(status.eq("pending")))
            .set(next_attempt_at.eq(kam360::db::now()))
            .execute(conn)
            .map_err(Into::into)
    })
    .expect("due now");
    dispatch_all_pending_emails(&app).await;
    if let Ok(dir) = std::env::var("KAM360_SCREENSHOTS") {
        for path in app.mail_files() {
            let m = read_mail(&path);
            if m.to == "boss@t.cn" || m.subject.contains("goal") {
                let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("mail");
                std::fs::write(
                    format!("{dir}/{name}.txt"),
                    format!("{}\n\n{}", m.subject, m.text),
                )
                .expect("mail text");
            }
        }
    }
    crate::browser_admin::emails_pass_axe(&c, &app).await;
    c.goto(&format!("{}{link}?lang=en", app.address))
        .await
        .expect("open again");
    wait_for(&c, Locator::Css("svg.chart")).await;

    let pdf = print_pdf(&c, &driver).await;
    if let Ok(dir) = std::env::var("KAM360_SCREENSHOTS") {
        std::fs::write(format!("{dir}/kam-report-print.pdf"), &pdf).expect("pdf");
    }
    let pages = pdf_pages(&pdf);
    println!("the KAM's report prints on {pages} A4 pages");
    assert!((2..=8).contains(&pages), "at most 8 A4 pages: {pages}");

    // the admin's insights over this (signed-off) cycle, for the screenshots
    let password = app
        .write(|conn| {
            kam360::actions::users::add(conn, "admin@t.cn", "Admin", Role::Admin, kam360::db::now())
        })
        .expect("admin");
    set_viewport(&c, 1280, 900).await;
    crate::chromium::sign_in_with_form(&c, &app.address, "admin@t.cn", &password).await;
    // from the list of cycles to the cycle's page, then its insights
    click(&c, Locator::Css("table.overview th a")).await;
    wait_for(&c, Locator::Css("a[href$='/insights']")).await;
    click(&c, Locator::Css("a[href$='/insights']")).await;
    wait_for(&c, Locator::Css("table.heat")).await;
    let cells = c
        .find_all(Locator::Css("table.heat td.lv3"))
        .await
        .expect("cells")
        .len();
    assert_eq!(
        cells,
        app.rubric.criteria().count(),
        "every final level of the signed-off review"
    );
    full_page_shot(&c, 1280, "insights-desktop").await;

    // the team view: the admin chooses whose (one supervisor here), sorts, reads at 360 px
    c.goto(&format!("{}/team?lang=en", app.address))
        .await
        .expect("team");
    wait_for(&c, Locator::Css("table.team tbody tr")).await;
    crate::accessibility::assert_axe_clean(&c, "the team view").await;
    full_page_shot(&c, 1280, "team-1280").await;
    let first = app.rubric.criteria().next().expect("c");
    let header = "table.team thead a[data-col='c0']";
    click(&c, Locator::Css(header)).await;
    let sorted = c
        .execute(
            "return document.querySelector('th[aria-sort]').textContent + ' ' + location.search",
            vec![],
        )
        .await
        .expect("sorted");
    assert!(
        sorted
            .as_str()
            .is_some_and(|s| s.contains(&format!("sort=c:{}", first.id))),
        "sorted in place, the address kept: {sorted}"
    );
    set_viewport(&c, 360, 740).await;
    crate::accessibility::assert_axe_clean(&c, "the team view at 360 px").await;
    let wide = c
        .execute(
            "return document.documentElement.scrollWidth - window.innerWidth",
            vec![],
        )
        .await
        .expect("width")
        .as_f64()
        .unwrap_or(1.0);
    assert!(
        wide <= 0.0,
        "no sideways scrolling at 360 px: {wide} px too wide"
    );
    full_page_shot(&c, 360, "team-360").await;
    c.close().await.expect("close browser");
}
