//! Findings of issue 15 closed here, each replayed against a running server: rater session
//! fixation, invalid UTF-8 in stored text, slow request bodies, HEAD and readiness for health
//! checkers, failed sign-ins that left no trace.

use std::time::{Duration, Instant};

use diesel::prelude::*;
use kam360::actions::users::Role;
use kam360::db;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::both_backends;
use crate::fixtures::{launched_cycle, standard};
use crate::helpers::{cookie_pair, new_client, try_spawn_app_with, Backend, TestApp};

/// A planted `kam360_rater` cookie is never adopted: opening a link issues a value of the
/// server's own, and the planted one reaches nothing.
async fn a_planted_rater_cookie_is_not_adopted(app: TestApp) {
    let l = launched_cycle(&app, &standard());
    let planted = "A".repeat(43);
    let victim = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let r = victim
        .get(format!("{}{}", app.address, l.link("c1@client.cn")))
        .header("cookie", format!("kam360_rater={planted}"))
        .send()
        .await
        .expect("open");
    assert_eq!(r.status(), 303);
    let issued = cookie_pair(&r);
    assert_ne!(
        issued,
        format!("kam360_rater={planted}"),
        "the server chose the value"
    );
    let form = r.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let attacker = victim
        .get(format!("{}{form}", app.address))
        .header("cookie", format!("kam360_rater={planted}"))
        .send()
        .await
        .expect("attacker");
    assert_ne!(attacker.status(), 200, "the planted value reaches no form");
    let owner = victim
        .get(format!("{}{form}", app.address))
        .header("cookie", issued.clone())
        .send()
        .await
        .expect("owner");
    assert_eq!(owner.status(), 200);
    // a value the server issued is kept when the same browser opens its next link
    let again = victim
        .get(format!("{}{}", app.address, l.link("c1@client.cn")))
        .header("cookie", issued.clone())
        .send()
        .await
        .expect("again");
    assert_eq!(cookie_pair(&again), issued);
}

/// Bytes that are not UTF-8 are refused with 400, not stored as U+FFFD.
async fn invalid_utf8_is_refused_and_nothing_is_stored(app: TestApp) {
    let l = launched_cycle(&app, &standard());
    let link = l.link("c2@client.cn");
    let (form_url, status, _) = app.open(&link).await;
    assert_eq!(status, 200);
    let r = app
        .client
        .post(format!("{}{form_url}", app.address))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(b"action=save&strengths=caf%C3%28\xff".to_vec())
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 400);
    let id = l
        .links
        .iter()
        .find(|x| x.rater_email == "c2@client.cn")
        .expect("link")
        .assignment_id
        .clone();
    let stored: i64 = app
        .read(move |c| {
            Ok(db::schema::responses::table
                .filter(db::schema::responses::assignment_id.eq(&id))
                .count()
                .get_result(c)?)
        })
        .expect("count");
    assert_eq!(stored, 0, "nothing was written");
}

/// Health checkers that use HEAD see the app; `/readyz` answers for the database.
async fn head_and_readiness_answer(app: TestApp) {
    for path in ["/healthz", "/readyz", "/login", "/static/app.css"] {
        let r = app
            .client
            .head(format!("{}{path}", app.address))
            .send()
            .await
            .expect("head");
        assert_eq!(r.status(), 200, "HEAD {path}");
        assert!(
            r.bytes().await.expect("body").is_empty(),
            "HEAD {path} has no body"
        );
    }
    assert_eq!(app.get_text("/readyz").await, (200, "ready".into()));
    assert_eq!(app.get_text("/healthz").await, (200, "ok".into()));
}

/// A failed sign-in leaves an audit row and a log line naming the account by its hash and the
/// client address; the address in the clear is never stored.
async fn a_failed_sign_in_is_audited_without_the_address_in_clear(app: TestApp) {
    app.sign_in("boss@t.cn", Role::Supervisor).await;
    let r = new_client()
        .post(format!("{}/login", app.address))
        .form(&[("email", "Boss@t.cn"), ("password", "wrong")])
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), 401);
    let rows: Vec<(String, Option<String>, Option<String>)> = app
        .read(|c| {
            use db::schema::audit_events as a;
            Ok(a::table
                .filter(a::action.eq("staff.login_failed"))
                .select((a::action, a::target, a::new_value))
                .load(c)?)
        })
        .expect("audit");
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0].1.as_deref(),
        Some(kam360::domain::security::token::hash("boss@t.cn").as_str())
    );
    assert_eq!(rows[0].2.as_deref(), Some("127.0.0.1"));
    assert!(!rows[0].1.as_deref().unwrap_or("").contains("boss"));
}

/// Issue #23: guesses at `/r/{token}` are capped per client address: after 50 unknown links
/// every link from that address answers 429 (with Retry-After) before any lookup, until the
/// window has passed; a rater's own session (`/f/…`) is not held.
async fn guessed_rater_links_are_capped_per_address(app: TestApp) {
    let l = launched_cycle(&app, &standard());
    let rater = new_client();
    let own = rater
        .get(format!("{}{}", app.address, l.link("c2@client.cn")))
        .send()
        .await
        .expect("open");
    assert_eq!(own.status(), 303, "a rater opens their form first");
    let form = own
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("the form")
        .to_owned();
    let guesser = new_client();
    for i in 0..kam360::domain::security::throttle::LINK_MISSES {
        let token = kam360::domain::security::token::issue().token;
        let r = guesser
            .get(format!("{}/r/{token}", app.address))
            .send()
            .await
            .expect("guess");
        assert_eq!(r.status(), 404, "guess {i}");
    }
    let r = guesser
        .get(format!("{}{}", app.address, l.link("c1@client.cn")))
        .send()
        .await
        .expect("a real link");
    assert_eq!(r.status(), 429, "held before any lookup");
    assert_eq!(
        r.headers().get("retry-after").and_then(|v| v.to_str().ok()),
        Some("600")
    );
    let page = r.text().await.expect("body");
    assert!(page.contains("Too many unknown links") || page.contains("无效链接过多"));
    let r = rater
        .get(format!("{}{form}", app.address))
        .send()
        .await
        .expect("the form");
    assert_eq!(r.status(), 200, "a rater's session is not held");
}

both_backends!(
    guessed_rater_links_are_capped_per_address,
    a_planted_rater_cookie_is_not_adopted,
    invalid_utf8_is_refused_and_nothing_is_stored,
    head_and_readiness_answer,
    a_failed_sign_in_is_audited_without_the_address_in_clear,
);

/// A body trickled slower than `server.request_timeout_seconds` gets 408 and frees the worker.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_body_times_out() {
    let app = try_spawn_app_with(Backend::Sqlite, |s| s.server.request_timeout_seconds = 2)
        .await
        .expect("app");
    let addr = app.address.trim_start_matches("http://").to_owned();
    let mut conn = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    let head = format!(
        "POST /login HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nemail="
    );
    conn.write_all(head.as_bytes()).await.expect("send");
    let start = Instant::now();
    let mut buf = vec![0u8; 512];
    let n = tokio::time::timeout(Duration::from_secs(10), conn.read(&mut buf))
        .await
        .expect("an answer before 10 s")
        .expect("read");
    let answer = String::from_utf8_lossy(&buf[..n]).into_owned();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}
