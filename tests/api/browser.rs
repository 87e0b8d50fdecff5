//! The rater form in a real browser: Chromium driven through WebDriver (Debian's `chromium` and
//! `chromium-driver`). Outside CI the test is skipped, with a notice, when they are missing; in
//! CI it fails. Set `KAM360_SCREENSHOTS=DIR` to also save screenshots of what it sees.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use kam360::domain::relationship::Relationship;

use crate::fixtures::{launched_cycle, standard};
use crate::helpers::{spawn_app, TestApp};

struct Driver {
    child: Child,
    port: u16,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn which(name: &str) -> Option<String> {
    ["/usr/bin/", "/usr/local/bin/"]
        .iter()
        .map(|d| format!("{d}{name}"))
        .find(|p| std::path::Path::new(p).exists())
}

async fn start_browser() -> Option<(Driver, Client)> {
    // the WebDriver client links rustls; choose its crypto provider once
    let _ = rustls::crypto::ring::default_provider().install_default();
    let (Some(driver), Some(chromium)) = (which("chromedriver"), which("chromium")) else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("CI=true but chromium/chromedriver are not installed (apt-get install chromium chromium-driver)");
        }
        eprintln!("chromium or chromedriver missing: skipping the browser test");
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let profile = tempfile::tempdir().expect("profile dir");
    let d = Driver {
        child,
        port,
        _profile: profile,
    };
    let caps: serde_json::Map<String, serde_json::Value> = serde_json::from_value(serde_json::json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                     "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--window-size=1280,900", format!("--user-data-dir={}", d._profile.path().display())]
        }
    }))
    .expect("caps");
    for _ in 0..50 {
        if let Ok(c) = ClientBuilder::rustls()
            .expect("tls")
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{}", d.port))
            .await
        {
            return Some((d, c));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("chromedriver did not answer");
}

/// Clicks the element `at` points to.
async fn click(c: &Client, at: Locator<'_>) {
    c.find(at)
        .await
        .expect("element to click")
        .click()
        .await
        .expect("click");
}

/// Waits until the element `at` points to is on the page.
async fn wait_for(c: &Client, at: Locator<'_>) {
    c.wait().for_element(at).await.expect("element to appear");
}

async fn shot(c: &Client, name: &str) {
    if let Ok(dir) = std::env::var("KAM360_SCREENSHOTS") {
        let png = c.screenshot().await.expect("screenshot");
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(format!("{dir}/{name}.png"), png).expect("write png");
    }
}

async fn full_page_shot(c: &Client, width: u32, name: &str) {
    if std::env::var("KAM360_SCREENSHOTS").is_err() {
        return;
    }
    c.set_window_size(width, 900).await.expect("resize");
    let h = c
        .execute("return document.documentElement.scrollHeight", vec![])
        .await
        .expect("height")
        .as_u64()
        .unwrap_or(900);
    c.set_window_size(width, (h as u32).min(4000))
        .await
        .expect("resize");
    shot(c, name).await;
    c.set_window_size(1280, 900).await.expect("resize");
}

async fn answer_by_clicking_labels(c: &Client, app: &TestApp) {
    for (i, crit) in app.rubric.criteria_for(Relationship::Customer).enumerate() {
        let value = if i == 1 {
            "na".to_owned()
        } else {
            ((i % 4) + 1).to_string()
        };
        let label = c
            .find(Locator::Css(&format!("label[for='{}-{value}']", crit.id)))
            .await
            .expect("label");
        c.execute(
            "arguments[0].scrollIntoView({block: 'center'})",
            vec![serde_json::to_value(&label).expect("el")],
        )
        .await
        .expect("scroll");
        label.click().await.expect("click label");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rater_answers_saves_reloads_and_submits_in_chromium() {
    let Some((_driver, c)) = start_browser().await else {
        return;
    };
    let app = spawn_app().await;
    let l = launched_cycle(&app, &standard());
    let url = format!("{}{}", app.address, l.link("c2@client.cn"));

    c.goto(&format!("{url}?lang=en")).await.expect("open link");
    let h1 = c
        .find(Locator::Css("h1"))
        .await
        .expect("h1")
        .text()
        .await
        .expect("text");
    assert_eq!(h1, "Feedback on Wang Fang");
    full_page_shot(&c, 1280, "rater-form-en-desktop").await;
    answer_by_clicking_labels(&c, &app).await;
    let progress = c
        .find(Locator::Id("progress"))
        .await
        .expect("progress")
        .text()
        .await
        .expect("text");
    let total = app.rubric.criteria_for(Relationship::Customer).count();
    assert_eq!(
        progress,
        format!("{total} of {total} answered"),
        "the counter follows the clicks"
    );
    let first = app
        .rubric
        .criteria_for(Relationship::Customer)
        .next()
        .expect("criterion")
        .id
        .clone();
    c.find(Locator::Id(&format!("{first}__comment")))
        .await
        .expect("comment")
        .send_keys("Prepares every meeting well")
        .await
        .expect("type");
    click(&c, Locator::Css("button[value='save']")).await;
    wait_for(&c, Locator::Css(".saved")).await;

    // reload: the draft is there, as a fresh visit from another device would see it
    c.goto(&format!("{url}?lang=en")).await.expect("reload");
    let checked = c
        .find(Locator::Css(&format!("input[name='{first}'][value='1']")))
        .await
        .expect("radio")
        .prop("checked")
        .await
        .expect("prop");
    assert_eq!(checked.as_deref(), Some("true"));
    let comment = c
        .find(Locator::Id(&format!("{first}__comment")))
        .await
        .expect("comment")
        .prop("value")
        .await
        .expect("value");
    assert_eq!(comment.as_deref(), Some("Prepares every meeting well"));

    click(&c, Locator::Css("button[value='submit']")).await;
    for _ in 0..50 {
        if c.current_url()
            .await
            .expect("url")
            .path()
            .ends_with("/done")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(c
        .current_url()
        .await
        .expect("url")
        .path()
        .ends_with("/done"));
    let h1 = c
        .find(Locator::Css("h1"))
        .await
        .expect("h1")
        .text()
        .await
        .expect("text");
    assert_eq!(h1, "Thank you");
    shot(&c, "rater-thanks-en").await;

    if std::env::var("KAM360_SCREENSHOTS").is_ok() {
        // the other pages people see, for docs/screenshots
        c.goto(&format!("{}{}", app.address, l.link("c1@client.cn")))
            .await
            .expect("zh");
        full_page_shot(&c, 1280, "rater-form-zh-desktop").await;
        full_page_shot(&c, 360, "rater-form-zh-360").await;
        c.goto(&format!(
            "{}{}?lang=en",
            app.address,
            l.link("c3@client.cn")
        ))
        .await
        .expect("en");
        full_page_shot(&c, 360, "rater-form-en-360").await;
        click(&c, Locator::Css("button[value='submit']")).await;
        wait_for(&c, Locator::Id("error-summary")).await;
        full_page_shot(&c, 1280, "rater-form-en-missing").await;
    }
    c.close().await.expect("close browser");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_reconciles_in_chromium() {
    let Some((_driver, c)) = start_browser().await else {
        return;
    };
    let app = spawn_app().await;
    let l = launched_cycle(&app, &standard());
    // everyone answers, through the real form
    for x in &l.links {
        let mut pairs: Vec<(String, String)> = app
            .rubric
            .criteria_for(x.relationship)
            .enumerate()
            .map(|(i, cr)| {
                (
                    cr.id.clone(),
                    (1 + (i + x.rater_email.len()) % 4).to_string(),
                )
            })
            .collect();
        pairs.push(("action".into(), "submit".into()));
        let r = app
            .post_raw(
                &crate::helpers::path_of(&x.link),
                serde_urlencoded::to_string(&pairs).expect("enc"),
            )
            .await;
        assert_eq!(r.status(), 303);
    }
    let password = app
        .write(|conn| {
            kam360::actions::users::add(
                conn,
                "boss@t.cn",
                "Li Ming",
                kam360::actions::users::Role::Supervisor,
                kam360::db::now(),
            )
        })
        .expect("account");
    c.goto(&format!("{}/login?lang=en", app.address))
        .await
        .expect("login page");
    shot(&c, "staff-login-en").await;
    c.find(Locator::Id("email"))
        .await
        .expect("email")
        .send_keys("boss@t.cn")
        .await
        .expect("type");
    c.find(Locator::Id("password"))
        .await
        .expect("password")
        .send_keys(&password)
        .await
        .expect("type");
    click(&c, Locator::Css("button[type='submit']")).await;
    wait_for(&c, Locator::Css(".staff-bar")).await;
    full_page_shot(&c, 1280, "supervisor-home").await;
    click(&c, Locator::Css("a.button[href^='/reviews/']")).await;
    wait_for(&c, Locator::Css("select[name^='final__']")).await;
    full_page_shot(&c, 1280, "reconcile-desktop").await;
    // depart from the first proposal with a reason, then save
    let first = app.rubric.criteria().next().expect("criterion").id.clone();
    let select = c
        .find(Locator::Id(&format!("final__{first}")))
        .await
        .expect("select");
    let current = select
        .prop("value")
        .await
        .expect("value")
        .unwrap_or_default();
    let other = if current == "1" { "2" } else { "1" };
    select.select_by_value(other).await.expect("choose");
    c.find(Locator::Id(&format!("rationale__{first}")))
        .await
        .expect("rationale")
        .send_keys("Seen directly in the March negotiation")
        .await
        .expect("type");
    click(&c, Locator::Css("button[value='save']")).await;
    wait_for(&c, Locator::Css(".saved")).await;
    let page = c.source().await.expect("source");
    assert!(
        page.contains("Seen directly in the March negotiation"),
        "kept and in the audit trail"
    );
    c.close().await.expect("close browser");
}
