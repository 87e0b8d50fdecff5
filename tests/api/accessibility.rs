//! axe-core in Chromium (WCAG 2.x A and AA rules) on every page a rater or a staff member can
//! reach without signing in, in zh and en, at 360 px. axe comes from the npm registry:
//! `KAM360_AXE` names `axe.min.js` (`.ci/run` installs it); outside CI the test is skipped
//! without it, in CI it fails.

use fantoccini::{Client, Locator};
use kam360::actions::Tx;

use crate::chromium::{click, set_viewport, start_browser, until};
use crate::fixtures::{answer_all, launched_cycle, standard};
use crate::helpers::spawn_app;
use crate::helpers::{dispatch_all_pending_emails, read_mail};

fn axe_source() -> Option<String> {
    match std::env::var("KAM360_AXE") {
        Ok(path) => Some(std::fs::read_to_string(&path).expect("read KAM360_AXE")),
        Err(_) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but KAM360_AXE is not set (npm install axe-core; see .ci/run)")
        }
        Err(_) => {
            eprintln!("KAM360_AXE not set: skipping the accessibility test");
            None
        }
    }
}

/// Fails with axe's violations on the page as it is now, if axe is at hand (see
/// [`axe_source`]: mandatory under CI), and with the Nu Html Checker's errors.
pub(crate) async fn assert_axe_clean(c: &Client, what: &str) {
    let Some(axe) = axe_source() else {
        return;
    };
    let found = violations(c, &axe, WCAG).await;
    assert!(
        found.is_empty(),
        "axe violations on {what}:\n{}",
        found.join("\n")
    );
    // and the same page through the Nu Html Checker
    crate::nu::assert_nu_clean(c, what).await;
}

/// The WCAG 2.x A and AA rules.
const WCAG: &str = "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']";

/// axe's violations on the page as it is now, one line each (rule: elements), for the rule
/// tags `tags` (a JavaScript array).
async fn violations(c: &Client, axe: &str, tags: &str) -> Vec<String> {
    c.execute(&format!("{axe}\n;return typeof axe;"), vec![])
        .await
        .expect("inject axe");
    let found = c
        .execute_async(
            &("var done = arguments[arguments.length - 1];
             axe.run(document, {runOnly: {type: 'tag', values: ".to_owned() + tags + "}})
               .then(function (r) {
                 done(r.violations.map(function (v) {
                   return v.id + ': ' + v.nodes.map(function (n) { return n.target.join(' '); }).join(', ');
                 }));
               }, function (e) { done(['axe failed: ' + e]); });"),
            vec![],
        )
        .await
        .expect("run axe");
    serde_json::from_value(found).expect("a list of strings")
}

/// Every kind of rater and supervisor email, opened as a page, passes axe, its best practices
/// included (every part of the page in a landmark).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_email_passes_axe_as_a_page() {
    let Some(axe) = axe_source() else {
        return;
    };
    let Some((_driver, c)) = start_browser().await else {
        return;
    };
    let app = crate::helpers::try_spawn_app_with(crate::helpers::Backend::Sqlite, |s| {
        s.branding.organization = "Guangdong Telecom".into();
    })
    .await
    .expect("app");
    let l = launched_cycle(&app, &standard());
    let (s, t, id) = (
        app.settings.clone(),
        app.templates.clone(),
        l.cycle_id.clone(),
    );
    app.write(move |conn| {
        let mail = kam360::actions::Mail::new(&t, &s);
        kam360::actions::follow_up::remind_all(Tx(conn, mail, None, kam360::db::now()), &id)
    })
    .expect("reminders");
    crate::fixtures::close_cycle(&app, &l.cycle_id);
    dispatch_all_pending_emails(&app).await;
    let pages = tempfile::tempdir().expect("dir");
    let mut seen = std::collections::BTreeMap::<String, usize>::new();
    for path in app.mail_files() {
        let m = read_mail(&path);
        // a few of each kind and language: the subject up to the KAM's name
        let kind: String = m.subject.chars().take(8).collect();
        let n = seen.entry(kind).or_default();
        *n += 1;
        if *n > 2 {
            continue;
        }
        let page = pages
            .path()
            .join(format!("{}.html", seen.values().sum::<usize>()));
        std::fs::write(&page, &m.html).expect("page");
        c.goto(&format!("file://{}", page.display()))
            .await
            .expect("open");
        let found = violations(
            &c,
            &axe,
            "['wcag2a', 'wcag2aa', 'wcag21aa', 'best-practice']",
        )
        .await;
        // on a phone, the button is on the first screen (SPEC §16: within 600 px at 360 px)
        set_viewport(&c, 360, 740).await;
        let bottom = c
            .execute(
                "var b = document.querySelector('a.button'); return b ? b.getBoundingClientRect().bottom : 0;",
                vec![],
            )
            .await
            .expect("button")
            .as_f64()
            .unwrap_or(0.0);
        set_viewport(&c, 1280, 900).await;
        assert!(
            bottom <= 600.0,
            "the button of {:?} ends at {bottom} px",
            m.subject
        );
        assert!(
            found.is_empty(),
            "axe on the email {:?}:\n{}",
            m.subject,
            found.join("\n")
        );
    }
    assert!(
        seen.len() >= 4,
        "invitations, reminders and the supervisor's, in zh and en: {seen:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_public_page_passes_axe_in_both_languages_at_360_px() {
    let Some(axe) = axe_source() else {
        return;
    };
    let Some((_driver, c)) = start_browser().await else {
        return;
    };
    let app = spawn_app().await;
    let l = launched_cycle(&app, &standard());
    answer_all(&app, &l, "c3@client.cn", "2").await;
    let reset = kam360::domain::security::token::issue();
    let hash = reset.hash.clone();
    app.write(move |conn| {
        // an account, so that the reset request below sends its email too
        kam360::actions::users::add(
            conn,
            "boss@t.cn",
            "Li Ming",
            kam360::actions::users::Role::Supervisor,
            kam360::db::now(),
        )?;
        let person = kam360::db::people::ensure(conn, "boss@t.cn", "Li Ming", kam360::db::now())?;
        kam360::db::password_resets::replace(
            conn,
            &hash,
            &person,
            kam360::db::now(),
            kam360::db::now() + chrono::TimeDelta::hours(1),
        )?;
        Ok(())
    })
    .expect("a reset link");
    // the first run's setup page (no admin exists in this app)
    let setup = app
        .write(|conn| kam360::actions::setup::fresh_link(conn, kam360::db::now()))
        .expect("setup link")
        .expect("no admin yet");
    let base = app.address.clone();
    let form = l.link("c2@client.cn");
    let mut pages: Vec<String> = vec![
        form.clone(),
        format!("{form}/decline"),
        l.link("c3@client.cn"),
        "/links".into(),
        "/login".into(),
        "/login?reset=done".into(),
        "/login?setup=done".into(),
        format!("/setup/{setup}"),
        "/password/forgot".into(),
        format!("/password/reset/{}", reset.token),
        format!("/password/reset/{}", "A".repeat(43)),
        "/no/such/page".into(),
    ];
    pages.sort();
    let mut failures = Vec::new();
    c.goto(&format!("{base}/login")).await.expect("open");
    set_viewport(&c, 360, 740).await;
    for lang in ["en", "zh"] {
        for page in &pages {
            let sep = if page.contains('?') { '&' } else { '?' };
            c.goto(&format!("{base}{page}{sep}lang={lang}"))
                .await
                .expect("open");
            for v in violations(&c, &axe, WCAG).await {
                failures.push(format!("{page} ({lang}): {v}"));
            }
            crate::nu::assert_nu_clean(&c, &format!("{page} ({lang})")).await;
        }
        // the review before submit, open
        c.goto(&format!("{base}{form}?lang={lang}"))
            .await
            .expect("open");
        click(&c, Locator::Id("submit")).await;
        until(
            &c,
            "return document.getElementById('review').open",
            "the review",
        )
        .await;
        for v in violations(&c, &axe, WCAG).await {
            failures.push(format!("review dialog ({lang}): {v}"));
        }
        crate::nu::assert_nu_clean(&c, &format!("review dialog ({lang})")).await;
        // the answers to the two address forms, and a typo
        for (path, typed) in [
            ("/links", "c1@client.cn"),
            ("/password/forgot", "boss@t.cn"),
            ("/links", "not an address"),
        ] {
            c.goto(&format!("{base}{path}?lang={lang}"))
                .await
                .expect("open");
            let field = c.find(Locator::Id("email")).await.expect("email");
            field.send_keys(typed).await.expect("type");
            click(&c, Locator::Css("form button[type='submit']")).await;
            until(
                &c,
                "return document.readyState === 'complete' && !document.getElementById('email') || document.querySelector('[aria-invalid]') !== null",
                "the answer",
            )
            .await;
            for v in violations(&c, &axe, WCAG).await {
                failures.push(format!("POST {path} {typed} ({lang}): {v}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "axe violations:\n{}",
        failures.join("\n")
    );
    // the admin's insights page, signed in through the form
    let password = app
        .write(|conn| {
            kam360::actions::users::add(
                conn,
                "admin@t.cn",
                "Admin",
                kam360::actions::users::Role::Admin,
                kam360::db::now(),
            )
        })
        .expect("admin");
    crate::chromium::sign_in_with_form(&c, &base, "admin@t.cn", &password).await;
    for lang in ["en", "zh"] {
        c.goto(&format!(
            "{base}/admin/cycles/{}/insights?lang={lang}",
            l.cycle_id
        ))
        .await
        .expect("insights");
        for v in violations(&c, &axe, WCAG).await {
            failures.push(format!("insights ({lang}): {v}"));
        }
    }
    assert!(
        failures.is_empty(),
        "axe violations:\n{}",
        failures.join("\n")
    );
    // the check itself works: an image without a text alternative is caught
    c.execute(
        "var i = document.createElement('img'); i.src = '/static/none.png'; document.querySelector('main').appendChild(i); return true;",
        vec![],
    )
    .await
    .expect("add an image");
    let caught = violations(&c, &axe, WCAG).await;
    assert!(
        caught.iter().any(|v| v.starts_with("image-alt")),
        "axe ran and saw the missing alt: {caught:?}"
    );
    c.close().await.expect("close browser");
}
