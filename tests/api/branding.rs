//! Branding from config (SPEC §13): the organisation that asks is named on the rater's pages
//! and in emails, with its logo and accent colour; the default sender names it; colours that
//! would make white button text unreadable are refused at start-up.

use kam360::config::Settings;

use crate::fixtures::{launched_cycle, standard};
use crate::helpers::dispatch_all_pending_emails;
use crate::helpers::{read_mail, root, try_spawn_app_with, Backend};

/// A 1 × 1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
    0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

fn branded(logo: std::path::PathBuf) -> impl FnOnce(&mut Settings) {
    move |s: &mut Settings| {
        s.branding.organization = "Guangdong Telecom".into();
        s.branding.accent = "#7a1f5c".into();
        s.branding.logo = logo;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_organisation_is_named_on_rater_pages_and_in_emails() {
    let files = tempfile::tempdir().expect("dir");
    let logo = files.path().join("logo.png");
    std::fs::write(&logo, PNG).expect("logo");
    let app = try_spawn_app_with(Backend::Sqlite, branded(logo))
        .await
        .expect("app");
    assert!(app.settings.validate().is_ok(), "a valid branding");
    let l = launched_cycle(&app, &standard());

    let (_, s, form) = app
        .open(&format!("{}?lang=en", l.link("c1@client.cn")))
        .await;
    assert_eq!(s, 200);
    assert!(
        form.contains("Guangdong Telecom"),
        "the header names who asks"
    );
    // its size from the file's header, so the page does not shift as it loads
    assert!(
        form.contains(
            "<img class=\"logo\" src=\"/static/logo\" alt=\"\" width=\"1\" height=\"1\">"
        ),
        "{form}"
    );
    assert!(form.contains("href=\"/static/brand.css\""));
    // a favicon of our own, so browsers do not ask for a missing /favicon.ico
    assert!(form.contains("<link rel=\"icon\" href=\"/static/favicon.svg\""));
    let icon = app.get("/static/favicon.svg").await;
    assert_eq!(icon.status(), 200);
    assert_eq!(icon.headers()["content-type"], "image/svg+xml");
    let css = app
        .get("/static/brand.css")
        .await
        .text()
        .await
        .expect("css");
    assert!(css.contains("--brand: #7a1f5c;"), "{css}");
    let r = app.get("/static/logo").await;
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.bytes().await.expect("bytes").as_ref(), PNG);
    let (s, links) = app.get_text("/links?lang=en").await;
    assert_eq!(s, 200);
    assert!(links.contains("Guangdong Telecom"));

    dispatch_all_pending_emails(&app).await;
    let file = app
        .mail_files()
        .into_iter()
        .find(|f| read_mail(f).to == "c3@client.cn")
        .expect("c3's invitation");
    let raw = std::fs::read_to_string(&file).expect("eml");
    assert!(
        raw.contains("From: \"Guangdong Telecom via kam360\" <no-reply@kam360.invalid>"),
        "{raw}"
    );
    let mail = read_mail(&file);
    assert!(
        mail.text.contains("Sent for Guangdong Telecom by kam360."),
        "{}",
        mail.text
    );
    assert!(mail.html.contains("<strong>Guangdong Telecom</strong>"));
    // minijinja escapes '/' in HTML as &#x2f;, which mail clients decode
    assert!(mail.html.replace("&#x2f;", "/").contains("/static/logo\""));
    assert!(mail.html.contains("background-color:#7a1f5c"));
}

#[test]
fn unreadable_accents_and_unknown_logo_types_are_refused_at_start_up() {
    let load =
        || Settings::load_from(&root().join("config/default.toml"), None, false).expect("defaults");
    let mut s = load();
    s.branding.accent = "#ffdd00".into();
    let e = s
        .validate()
        .expect_err("yellow under white text")
        .to_string();
    assert!(e.contains("branding.accent") && e.contains("4.5:1"), "{e}");
    let mut s = load();
    s.branding.logo = root().join("README.md");
    let e = s.validate().expect_err("not an image").to_string();
    assert!(e.contains("branding.logo"), "{e}");
    let mut s = load();
    s.email.from = "HR Team <hr@acme.cn>".into();
    s.branding.organization = "Acme".into();
    assert_eq!(s.sender(), "HR Team <hr@acme.cn>", "a named sender stands");
}
