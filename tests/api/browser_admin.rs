//! The admin console in Chromium (SPEC §11): a new admin creates a cycle, uploads a bad file
//! and then a good one, launches, reminds, revokes (behind its confirmation), closes and downloads the report, then
//! looks at staff, email problems and the audit trail; the KAM proposes raters and the
//! supervisor approves them. Every page is checked with axe, must not scroll sideways at
//! 360 px, and is photographed at 1280 and 360 px (`KAM360_SCREENSHOTS`).

use fantoccini::{Client, Locator};
use kam360::actions::users::Role;
use kam360::actions::Tx;

use crate::accessibility::assert_axe_clean;
use crate::chromium::{
    click, full_page_shot, set_viewport, sign_in_with_form, start_browser, wait_for,
};
use crate::fixtures::{future, standard, HEADER};
use crate::helpers::dispatch_all_pending_emails;
use crate::helpers::link_in_mail;
use crate::helpers::{spawn_app, TestApp};

/// Checks the page as it is: axe-clean at 1280 and 360 px, no sideways scrolling at 360 px,
/// and a screenshot at each width.
async fn look(c: &Client, name: &str) {
    assert_axe_clean(c, name).await;
    full_page_shot(c, 1280, &format!("admin-{name}-1280")).await;
    set_viewport(c, 360, 740).await;
    let sideways = c
        .execute(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
            vec![],
        )
        .await
        .expect("widths")
        .as_i64()
        .unwrap_or(0);
    assert!(
        sideways <= 0,
        "{name} scrolls sideways at 360 px by {sideways} px"
    );
    assert_axe_clean(c, &format!("{name} at 360 px")).await;
    full_page_shot(c, 360, &format!("admin-{name}-360")).await;
    set_viewport(c, 1280, 900).await;
}

async fn text_of(c: &Client) -> String {
    c.find(Locator::Css("main"))
        .await
        .expect("main")
        .text()
        .await
        .expect("text")
}

async fn type_into(c: &Client, id: &str, text: &str) {
    let el = c.find(Locator::Id(id)).await.expect("field");
    el.clear().await.expect("clear");
    el.send_keys(text).await.expect("type");
}

/// Opens each path in Chinese at 360 px and checks it with axe and for sideways scrolling
/// (the English pages went through [`look`] on the way).
async fn in_chinese(c: &Client, base: &str, paths: &[String]) {
    set_viewport(c, 360, 740).await;
    for path in paths {
        let sep = if path.contains('?') { '&' } else { '?' };
        c.goto(&format!("{base}{path}{sep}lang=zh"))
            .await
            .expect("open");
        let sideways = c
            .execute(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
                vec![],
            )
            .await
            .expect("widths")
            .as_i64()
            .unwrap_or(0);
        assert!(
            sideways <= 0,
            "{path} (zh) scrolls sideways at 360 px by {sideways} px"
        );
        assert_axe_clean(c, &format!("{path} (zh, 360 px)")).await;
    }
    set_viewport(c, 1280, 900).await;
}

/// Opens the HTML part of every distinct message sent so far (by subject) in the browser and
/// checks it with axe, as a mail client would show it.
pub(crate) async fn emails_pass_axe(c: &Client, app: &TestApp) {
    let dir = tempfile::tempdir().expect("dir");
    let mut seen = std::collections::HashSet::new();
    for (i, path) in app.mail_files().iter().enumerate() {
        let mail = crate::helpers::read_mail(path);
        // one of each kind of message is enough; subjects differ by kind and language
        let kind: String = mail
            .subject
            .chars()
            .filter(|c| !c.is_ascii_digit())
            .take(24)
            .collect();
        if !seen.insert(kind) {
            continue;
        }
        let file = dir.path().join(format!("mail-{i}.html"));
        std::fs::write(&file, &mail.html).expect("html");
        c.goto(&format!("file://{}", file.display()))
            .await
            .expect("open the email");
        assert_axe_clean(c, &format!("the email \"{}\"", mail.subject)).await;
    }
    assert!(seen.len() >= 2, "emails were checked: {seen:?}");
}

/// Submits the form of the button `css` (scrolled into view first).
async fn press(c: &Client, css: &str) {
    let el = c.find(Locator::Css(css)).await.expect("button");
    c.execute(
        "arguments[0].scrollIntoView({block: 'center'})",
        vec![serde_json::to_value(&el).expect("el")],
    )
    .await
    .expect("scroll");
    el.click().await.expect("press");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_admin_runs_a_cycle_in_chromium() {
    let app = spawn_app().await;
    let Some((_driver, c)) = start_browser().await else {
        return;
    };
    let password = app
        .write(|conn| {
            kam360::actions::users::add(
                conn,
                "hr@t.cn",
                "Chen Jing",
                Role::Admin,
                kam360::db::now(),
            )
        })
        .expect("admin");
    set_viewport(&c, 1280, 900).await;
    sign_in_with_form(&c, &app.address, "hr@t.cn", &password).await;
    c.goto(&format!("{}/admin?lang=en", app.address))
        .await
        .expect("admin");
    look(&c, "cycles-empty").await;

    // create: a refused form first, then the real one
    click(&c, Locator::Css("a[href='/admin/cycles/new']")).await;
    wait_for(&c, Locator::Id("name")).await;
    look(&c, "cycle-new").await;
    type_into(&c, "time_zone", "Asia/Atlantis").await;
    press(&c, "form.cycle-form button[type='submit']").await;
    wait_for(&c, Locator::Css(".error-summary")).await;
    let page = text_of(&c).await;
    assert!(page.contains("Give the cycle a name.") && page.contains("not a known time zone"));
    look(&c, "cycle-new-refused").await;
    type_into(&c, "name", "2026 H2 Key Accounts").await;
    type_into(&c, "time_zone", "Asia/Shanghai").await;
    let closes = future(21).to_string();
    c.execute(
        "document.getElementById('closes_at').value = arguments[0];",
        vec![serde_json::Value::String(closes)],
    )
    .await
    .expect("date");
    type_into(&c, "reminder_days", "7, 2").await;
    press(&c, "form.cycle-form button[type='submit']").await;
    wait_for(&c, Locator::Css("section.upload")).await;
    assert!(text_of(&c)
        .await
        .contains("The cycle was created as a draft."));

    // a bad file: every bad row, nothing imported
    let dir = tempfile::tempdir().expect("dir");
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        format!(
            "{HEADER}\nkam@t.cn,Wang Fang,boss@t.cn,Boss,kam@t.cn,Wang Fang,self,en,\nkam@t.cn,Wang Fang,boss@t.cn,Boss,c1@client,Li,customer,en,ACME\nkam@t.cn,Wang Fang,boss@t.cn,Boss,c2@client.cn,Xu,buyer,en,ACME\n"
        ),
    )
    .expect("bad file");
    c.find(Locator::Id("file"))
        .await
        .expect("file input")
        .send_keys(bad.to_str().expect("path"))
        .await
        .expect("choose file");
    press(&c, "section.upload button[type='submit']").await;
    wait_for(&c, Locator::Css("ul.import-errors")).await;
    let errors = text_of(&c).await;
    assert!(
        errors.contains("line 3:") && errors.contains("line 4:"),
        "{errors}"
    );
    look(&c, "cycle-upload-refused").await;
    let good = dir.path().join("good.csv");
    std::fs::write(&good, standard().csv()).expect("good file");
    c.find(Locator::Id("file"))
        .await
        .expect("file input")
        .send_keys(good.to_str().expect("path"))
        .await
        .expect("choose file");
    press(&c, "section.upload button[type='submit']").await;
    wait_for(&c, Locator::Css("section.kam")).await;
    assert!(text_of(&c).await.contains("11 nominations imported"));
    look(&c, "cycle-draft").await;

    // the email texts, previewed in both languages before anything is sent
    click(&c, Locator::Css("a[href$='/texts']")).await;
    wait_for(&c, Locator::Css("form.texts")).await;
    type_into(
        &c,
        "invitation-en-opening",
        "{rater_name}, please tell us how {kam_name} works with you.",
    )
    .await;
    press(&c, "form.texts button[value='preview']").await;
    wait_for(&c, Locator::Css("section.previews")).await;
    assert!(text_of(&c)
        .await
        .contains("please tell us how Wang Fang works with you."));
    look(&c, "texts-preview").await;
    click(&c, Locator::Css("p.breadcrumb a")).await;
    wait_for(&c, Locator::Css("section.kam")).await;

    // launch behind its confirmation
    click(&c, Locator::Css("a[href$='/launch']")).await;
    wait_for(&c, Locator::Css("ul.effects")).await;
    assert!(text_of(&c).await.contains("This queues 11 invitations"));
    look(&c, "confirm-launch").await;
    press(&c, "section.confirm button[type='submit']").await;
    wait_for(&c, Locator::Css(".cycle-steps")).await;
    dispatch_all_pending_emails(&app).await;
    c.refresh().await.expect("reload");
    wait_for(&c, Locator::Css("section.kam")).await;
    // remind the first customer now, revoke the third
    press(&c, "button[aria-label='Remind now: Rater c1@client.cn']").await;
    wait_for(&c, Locator::Css(".notice")).await;
    assert!(text_of(&c).await.contains("Reminders on their way: 1."));
    // a revoke asks first, naming whom it cuts off (SPEC §16)
    click(
        &c,
        Locator::Css("a[aria-label='Revoke: Rater c3@client.cn']"),
    )
    .await;
    wait_for(&c, Locator::Css("ul.effects")).await;
    assert!(text_of(&c).await.contains("cannot be undone"));
    look(&c, "confirm-revoke").await;
    press(&c, "section.confirm button[type='submit']").await;
    wait_for(&c, Locator::Css(".notice")).await;
    assert!(text_of(&c).await.contains("The link was revoked."));
    dispatch_all_pending_emails(&app).await;
    c.goto(&format!(
        "{}{}",
        app.address,
        c.current_url().await.expect("url").path()
    ))
    .await
    .expect("cycle page");
    wait_for(&c, Locator::Css("section.kam")).await;
    // correcting an address opens in the row, without script
    click(&c, Locator::Css("details.correct summary")).await;
    look(&c, "cycle-open").await;

    // close behind its confirmation, then download the report
    click(&c, Locator::Css("a[href$='/close']")).await;
    wait_for(&c, Locator::Css("ul.effects")).await;
    look(&c, "confirm-close").await;
    press(&c, "section.confirm button[type='submit']").await;
    wait_for(&c, Locator::Css("p.downloads")).await;
    let cycle = c
        .current_url()
        .await
        .expect("url")
        .path()
        .trim_start_matches("/admin/cycles/")
        .to_owned();
    let csv = c
        .execute_async(
            "var done = arguments[arguments.length - 1];
             fetch(arguments[0]).then(function (r) { return r.text(); }).then(done);",
            vec![serde_json::Value::String(format!(
                "/admin/cycles/{cycle}/report.csv"
            ))],
        )
        .await
        .expect("download")
        .as_str()
        .expect("text")
        .to_owned();
    let id = kam360::domain::ids::CycleId::parse(&cycle).expect("a cycle id");
    let rows = app
        .read(move |conn| kam360::actions::report::build(conn, &id))
        .expect("rows");
    assert_eq!(
        csv,
        kam360::domain::formats::export::to_csv(&rows).expect("csv"),
        "the CLI's bytes"
    );

    // the rest of the console
    c.goto(&format!("{}/admin?lang=en", app.address))
        .await
        .expect("list");
    look(&c, "cycles").await;
    c.goto(&format!("{}/admin/users?lang=en", app.address))
        .await
        .expect("users");
    type_into(&c, "invite-email", "li.ming@t.cn").await;
    type_into(&c, "invite-name", "Li Ming").await;
    press(&c, "section.invite button[type='submit']").await;
    wait_for(&c, Locator::Css(".notice")).await;
    look(&c, "users").await;
    c.goto(&format!("{}/admin/outbox?lang=en", app.address))
        .await
        .expect("outbox");
    look(&c, "outbox").await;
    c.goto(&format!(
        "{}/admin/audit?cycle={cycle}&lang=en",
        app.address
    ))
    .await
    .expect("audit");
    let audit = text_of(&c).await;
    // each event in words, not as its stored code
    for a in [
        "Cycle created",
        "Cycle launched",
        "Rater reminded",
        "Rater’s link revoked",
        "Cycle closed",
    ] {
        assert!(audit.contains(a), "{a} in the audit trail");
    }
    assert!(!audit.contains("cycle.launch"), "{audit}");
    look(&c, "audit").await;
    // the same console in Chinese, remembered from here on
    c.goto(&format!("{}/admin?lang=zh", app.address))
        .await
        .expect("zh");
    c.goto(&format!("{}/admin/cycles/{cycle}", app.address))
        .await
        .expect("zh cycle");
    assert!(text_of(&c).await.contains("提名"));
    look(&c, "cycle-closed-zh").await;
    // every console page in Chinese too
    let pages = [
        "/admin".to_owned(),
        "/admin/cycles/new".to_owned(),
        format!("/admin/cycles/{cycle}/archive"),
        format!("/admin/cycles/{cycle}/texts"),
        format!("/admin/cycles/{cycle}/remind"),
        "/admin/users".to_owned(),
        "/admin/outbox".to_owned(),
        format!("/admin/audit?cycle={cycle}"),
    ];
    in_chinese(&c, &app.address, &pages).await;
    // the invitations, reminders, new links and the staff invitation sent on the way
    dispatch_all_pending_emails(&app).await;
    emails_pass_axe(&c, &app).await;
    c.close().await.expect("close browser");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kam_proposes_and_the_supervisor_approves_in_chromium() {
    let app = spawn_app().await;
    let Some((_driver, c)) = start_browser().await else {
        return;
    };
    let (s, t, r) = (
        app.settings.clone(),
        app.templates.clone(),
        app.rubric.clone(),
    );
    let csv = format!("{HEADER}\nkam@t.cn,Wang Fang,boss@t.cn,Boss,kam@t.cn,Wang Fang,self,en,\n");
    let cycle = app
        .write(move |conn| {
            let now = kam360::db::now();
            let input = kam360::domain::forms::cycle_settings::CycleInput {
                name: "By the KAMs".into(),
                closes_at: future(14).to_string(),
                nominations: "kam".into(),
                ..Default::default()
            };
            let checked = kam360::domain::forms::cycle_settings::check(
                &input,
                kam360::actions::cycles::defaults(&s),
                now,
            )
            .expect("settings");
            let id = kam360::actions::cycles::create_with(conn, &s, &r, &checked, None, now)?;
            kam360::actions::nominations::import(
                Tx(conn, kam360::actions::Mail::new(&t, &s), None, now),
                &id,
                csv.as_bytes(),
            )?;
            kam360::actions::cycles::launch(
                Tx(conn, kam360::actions::Mail::new(&t, &s), None, now),
                &id,
            )?;
            Ok(id)
        })
        .expect("cycle");
    dispatch_all_pending_emails(&app).await;
    let mail = app
        .mail_files()
        .iter()
        .map(|p| crate::helpers::read_mail(p))
        .find(|m| m.text.contains("/n/"))
        .expect("the KAM's link");
    let link = link_in_mail(&mail.text, "/n/");
    set_viewport(&c, 1280, 900).await;
    c.goto(&format!("{}{link}?lang=en", app.address))
        .await
        .expect("KAM page");
    wait_for(&c, Locator::Css("form.proposal")).await;
    look(&c, "proposal-kam").await;
    for g in ["customer", "peer", "team"] {
        for i in 0..3 {
            type_into(&c, &format!("{g}-{i}-name"), &format!("{g} {i}")).await;
            type_into(&c, &format!("{g}-{i}-email"), &format!("{g}{i}@example.cn")).await;
            // only a customer is asked for their company
            if g == "customer" {
                type_into(&c, &format!("{g}-{i}-organization"), "ACME").await;
            }
        }
    }
    // one row too many typed wrong: the list comes back with the error beside it
    type_into(&c, "team-2-email", "team2@").await;
    press(&c, ".form-end button[name='action'][value='save']").await;
    wait_for(&c, Locator::Css(".error-summary")).await;
    look(&c, "proposal-kam-refused").await;
    // Enter in a field saves the list (it does not add a row)
    type_into(&c, "team-2-email", "team2@example.cn\u{E007}").await;
    wait_for(&c, Locator::Css(".notice")).await;
    assert!(text_of(&c).await.contains("can now review it"));

    let password = app
        .write(|conn| {
            kam360::actions::users::add(
                conn,
                "boss@t.cn",
                "Boss",
                Role::Supervisor,
                kam360::db::now(),
            )
        })
        .expect("boss");
    sign_in_with_form(&c, &app.address, "boss@t.cn", &password).await;
    look(&c, "supervisor-home").await;
    click(&c, Locator::Css("a[href$='/nominations']")).await;
    wait_for(&c, Locator::Css("form.proposal")).await;
    look(&c, "proposal-supervisor").await;
    // the KAM's list, the supervisor's home and review in Chinese too
    let review_page = c.current_url().await.expect("url").path().to_owned();
    in_chinese(
        &c,
        &app.address,
        &[link.clone(), "/".to_owned(), review_page.clone()],
    )
    .await;
    c.goto(&format!("{}{review_page}?lang=en", app.address))
        .await
        .expect("back in English");
    wait_for(&c, Locator::Css("form.proposal")).await;
    type_into(&c, "customer-0-email", "customer0.right@example.cn").await;
    press(&c, "button[name='action'][value='approve']").await;
    wait_for(&c, Locator::Css(".notice")).await;
    assert!(text_of(&c).await.contains("9 raters were invited"));
    let id = cycle.clone();
    let invited = app
        .read(move |conn| {
            let review = kam360::db::reviews::list_for_cycle(conn, &id)?
                .remove(0)
                .review
                .id;
            Ok(kam360::db::assignments::list_for_review(conn, &review)?.len())
        })
        .expect("rows");
    assert_eq!(invited, 11);
    // the KAM's nomination request among the messages
    dispatch_all_pending_emails(&app).await;
    emails_pass_axe(&c, &app).await;
    c.close().await.expect("close browser");
}
