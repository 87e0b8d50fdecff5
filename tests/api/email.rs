//! Mail over real SMTP (SPEC §8; reliability rows MAIL-*): a server on a loopback TCP port with
//! scripted failures; every message delivered exactly once per cause.

use kam360::actions::Tx;
use std::time::{Duration, Instant};

use kam360::config::{Settings, SmtpTls, Transport};
use kam360::db;
use kam360::email::{worker, Mailer};

use crate::fixtures::{launched_cycle, standard, Nominations};
use crate::helpers::{dispatch_all_pending_emails, try_spawn_app_with, Backend, TestApp};
use crate::smtp_server::SmtpServer;

pub(crate) fn smtp(port: u16) -> impl FnOnce(&mut Settings) {
    move |s: &mut Settings| {
        s.email.transport = Transport::Smtp;
        s.email.smtp_host = "127.0.0.1".into();
        s.email.smtp_port = port;
        s.email.smtp_tls = SmtpTls::None;
        s.email.smtp_timeout_seconds = 5;
        s.email.retry_base_seconds = 1;
    }
}

async fn app_with_smtp(backend: Backend, port: u16) -> Option<TestApp> {
    try_spawn_app_with(backend, smtp(port)).await
}

/// Flushes until `done` or 15 s.
async fn flush_until(app: &TestApp, done: impl Fn() -> bool) {
    let start = Instant::now();
    while !done() && start.elapsed() < Duration::from_secs(15) {
        dispatch_all_pending_emails(app).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn one_rater() -> Nominations {
    Nominations::new()
        .raw("kam@t.cn,Wang Fang,boss@t.cn,Li Ming,c1@client.cn,Zhao Lei,customer,zh,Client Co")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invitations_arrive_over_smtp_in_each_language_and_their_links_work() {
    let server = SmtpServer::start().await;
    let app = app_with_smtp(Backend::Sqlite, server.port)
        .await
        .expect("app");
    let l = launched_cycle(&app, &standard());
    assert_eq!(dispatch_all_pending_emails(&app).await.sent, 11);
    let got = server.messages();
    assert_eq!(got.len(), 11);
    let parse = |to: &str| {
        let r = got
            .iter()
            .find(|m| m.rcpt == vec![to.to_owned()])
            .unwrap_or_else(|| panic!("mail to {to}"));
        let m = mail_parser::MessageParser::default()
            .parse(r.data.as_bytes())
            .expect("mime");
        (
            m.subject().unwrap_or_default().to_owned(),
            m.body_text(0).unwrap_or_default().into_owned(),
            m.body_html(0).unwrap_or_default().into_owned(),
        )
    };
    let (zh_subject, zh_text, zh_html) = parse("c1@client.cn");
    assert!(
        zh_subject.contains("Wang Fang") && zh_text.contains("客户"),
        "{zh_subject}"
    );
    assert!(zh_html.contains("lang=\"zh-CN\""));
    let (en_subject, en_text, _) = parse("c2@client.cn");
    assert!(
        en_subject.starts_with("Your feedback on Wang Fang"),
        "{en_subject}"
    );
    let link = l
        .links
        .iter()
        .find(|x| x.rater_email == "c2@client.cn")
        .expect("link")
        .link
        .clone();
    assert!(en_text.contains(&link) && link.starts_with(&app.settings.server.public_base_url));
    assert_eq!(
        app.open(&crate::helpers::path_of(&link)).await.1,
        200,
        "the mailed link opens the form"
    );
    assert_eq!(
        dispatch_all_pending_emails(&app).await.sent,
        0,
        "nothing sent twice"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtp_down_at_launch_then_up_delivers_every_message_once() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let app = app_with_smtp(Backend::Sqlite, port).await.expect("app");
    launched_cycle(&app, &standard());
    let r = dispatch_all_pending_emails(&app).await;
    assert_eq!(
        (r.sent, r.retried, r.failed),
        (0, 11, 0),
        "refused connections are transient"
    );
    let server = SmtpServer::start_on(port).await;
    flush_until(&app, || server.messages().len() >= 11).await;
    // every flush has returned, so every outcome is stored: one more sends nothing
    dispatch_all_pending_emails(&app).await;
    let ids: std::collections::HashSet<String> =
        server.messages().iter().map(|m| m.message_id()).collect();
    assert_eq!(server.messages().len(), 11);
    assert_eq!(ids.len(), 11);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_451s_then_250_delivers_on_the_third_attempt_with_growing_intervals() {
    let server = SmtpServer::start().await;
    server
        .script
        .lock()
        .expect("lock")
        .data_replies
        .extend([451, 451]);
    let app = app_with_smtp(Backend::Sqlite, server.port)
        .await
        .expect("app");
    launched_cycle(&app, &one_rater());
    flush_until(&app, || !server.messages().is_empty()).await;
    let at = server.attempts.lock().expect("lock").clone();
    assert_eq!(at.len(), 3, "three attempts");
    let (g1, g2) = (at[1] - at[0], at[2] - at[1]);
    assert!(
        g1 >= Duration::from_millis(700) && g2 > g1,
        "back-off grows: {g1:?} then {g2:?}"
    );
    let ids: Vec<String> = server.messages().iter().map(|m| m.message_id()).collect();
    assert_eq!(ids.len(), 1);
    let row = app
        .read(|c| Ok(db::outbox::list(c, None)?))
        .expect("outbox")
        .remove(0);
    assert_eq!((row.status.as_str(), row.attempts), ("sent", 3));
    assert_eq!(
        format!("<{}>", ids[0]),
        row.message_id,
        "the same Message-ID on every attempt"
    );
}

/// A test relay that refuses `rcpt` with 550, and an SQLite app sending to it over
/// `concurrency` connections.
pub(crate) async fn refusing(rcpt: &str, concurrency: usize) -> (SmtpServer, TestApp) {
    let server = SmtpServer::start().await;
    server
        .script
        .lock()
        .expect("lock")
        .reject_rcpt
        .insert(rcpt.to_owned());
    let port = server.port;
    let app = try_spawn_app_with(Backend::Sqlite, move |s: &mut Settings| {
        smtp(port)(s);
        s.email.concurrency = concurrency;
    })
    .await
    .expect("app");
    (server, app)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_550_fails_that_recipient_only_and_can_be_retried() {
    a_550_fails_that_recipient_only(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_550_from_a_relay_without_pipelining_fails_that_recipient_only() {
    a_550_fails_that_recipient_only(false).await;
}

async fn a_550_fails_that_recipient_only(pipelining: bool) {
    let (server, app) = refusing("c1@client.cn", 1).await;
    server.script.lock().expect("lock").no_pipelining = !pipelining;
    launched_cycle(&app, &standard());
    let r = dispatch_all_pending_emails(&app).await;
    assert_eq!((r.sent, r.failed, r.retried), (10, 1, 0));
    // the refused transaction was reset and its one connection kept for the others
    assert_eq!(server.sessions.load(std::sync::atomic::Ordering::SeqCst), 1);
    // each message's envelope went in one write exactly when the relay offered PIPELINING
    let pipelined = server.pipelined.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!(pipelined, if pipelining { 11 } else { 0 });
    let failed = app
        .read(|c| {
            Ok(db::outbox::list(
                c,
                Some(kam360::domain::status::OutboxStatus::Failed),
            )?)
        })
        .expect("failed");
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].recipient_email, "c1@client.cn");
    assert!(failed[0]
        .last_error
        .as_deref()
        .unwrap_or("")
        .contains("550"));
    server.script.lock().expect("lock").reject_rcpt.clear();
    // the failed invitation kept no body (it held a live link): the retry sends a fresh link
    let (s, t) = (app.settings.clone(), app.templates.clone());
    let r = app
        .write(move |c| {
            kam360::actions::outbox::retry(
                Tx(c, kam360::actions::Mail::new(&t, &s), None, db::now()),
                None,
            )
        })
        .expect("retry");
    assert_eq!((r.queued(), r.relinked), (1, 1));
    assert_eq!(dispatch_all_pending_emails(&app).await.sent, 1);
    let got = server.messages();
    assert_eq!(got.len(), 11);
    assert!(got[10].rcpt == ["c1@client.cn"]);
}

/// A relay that refuses the EHLO kam360 repeats to learn of PIPELINING still gets every
/// message, one command at a time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_refusing_a_second_ehlo_gets_every_message_unpipelined() {
    let (server, app) = refusing("nobody@client.cn", 2).await;
    server.script.lock().expect("lock").one_ehlo_only = true;
    launched_cycle(&app, &standard());
    let r = dispatch_all_pending_emails(&app).await;
    assert_eq!((r.sent, r.failed, r.retried), (11, 0, 0));
    assert_eq!(server.messages().len(), 11);
    assert_eq!(
        server.pipelined.load(std::sync::atomic::Ordering::SeqCst),
        0
    );
}

/// A pipelining relay that refuses the recipient and then takes DATA all the same (RFC 2920
/// says it must not): the message fails, nothing is sent as its content, and the connection,
/// stuck in DATA, is closed rather than reused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_taking_data_after_a_refused_recipient_gets_no_content_and_a_new_connection() {
    let (server, app) = refusing("c1@client.cn", 1).await;
    server.script.lock().expect("lock").data_without_recipients = true;
    launched_cycle(&app, &standard());
    let r = dispatch_all_pending_emails(&app).await;
    assert_eq!((r.sent, r.failed, r.retried), (10, 1, 0));
    let got = server.messages();
    assert_eq!(got.len(), 10);
    assert!(got.iter().all(|m| m.rcpt != ["c1@client.cn"]), "{got:?}");
    assert_eq!(
        server.sessions.load(std::sync::atomic::Ordering::SeqCst),
        2,
        "the stuck connection was closed and one new one opened"
    );
}

async fn two_workers_racing_never_send_a_message_twice(backend: Backend) {
    let server = SmtpServer::start().await;
    server.script.lock().expect("lock").delay = Duration::from_millis(5);
    let Some(app) = app_with_smtp(backend, server.port).await else {
        return;
    };
    let mut n = standard();
    for i in 0..30 {
        n = n.rater(
            "kam@t.cn",
            "boss@t.cn",
            &format!("extra{i}@client.cn"),
            "customer",
            "en",
        );
    }
    launched_cycle(&app, &n);
    let other = db::Db::connect(&app.database_url, 2).expect("second instance");
    let (m1, m2) = (
        Mailer::new(&app.settings.email).expect("m"),
        Mailer::new(&app.settings.email).expect("m"),
    );
    let (a, b) = tokio::join!(
        worker::flush(&app.db, &m1, &app.settings),
        worker::flush(&other, &m2, &app.settings)
    );
    let (a, b) = (a.expect("a"), b.expect("b"));
    assert_eq!(a.sent + b.sent, 41);
    let got = server.messages();
    let ids: std::collections::HashSet<String> = got.iter().map(|m| m.message_id()).collect();
    assert_eq!((got.len(), ids.len()), (41, 41));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_racing_on_sqlite() {
    two_workers_racing_never_send_a_message_twice(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_racing_on_postgres() {
    two_workers_racing_never_send_a_message_twice(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_queue_loses_nothing_and_duplicates_at_most_one() {
    killed_mid_queue(1).await;
}

/// With several lanes, each lane has at most one message between DATA and its stored outcome.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_queue_with_four_lanes_duplicates_at_most_four() {
    killed_mid_queue(4).await;
}

/// Outbox messages whose lease has not run out yet.
fn leased_now(db: &kam360::db::Db) -> i64 {
    use diesel::prelude::*;
    use kam360::db::schema::email_outbox as outbox;
    db.read_blocking(|c| {
        outbox::table
            .filter(outbox::lease_until.gt(kam360::db::now()))
            .count()
            .get_result::<i64>(c)
            .map_err(kam360::error::AppError::from)
    })
    .expect("leases")
}

/// Kills `kam360 outbox flush` mid-queue, flushes again, and checks that every rater got their
/// invitation, and that at most `lanes` were sent twice (with the same Message-ID).
async fn killed_mid_queue(lanes: usize) {
    let raters = 20 * lanes;
    let server = SmtpServer::start().await;
    // a slow relay, so that the kill (once every lane is delivering) lands mid-queue
    server.script.lock().expect("lock").delay = Duration::from_millis(50);
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("kill.db").display());
    let run = |args: &[&str]| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_kam360"));
        c.args(args)
            .current_dir(dir.path())
            .env("KAM360__DATABASE__URL", &url)
            .env(
                "KAM360__RUBRIC__PATH",
                crate::helpers::root().join("config/rubric/kam.toml"),
            )
            .env("KAM360__EMAIL__TRANSPORT", "smtp")
            .env("KAM360__EMAIL__SMTP_HOST", "127.0.0.1")
            .env("KAM360__EMAIL__SMTP_PORT", server.port.to_string())
            .env("KAM360__EMAIL__CONCURRENCY", lanes.to_string())
            .env("KAM360__EMAIL__LEASE_SECONDS", "1")
            .env("KAM360_LOG", "info");
        c
    };
    let o = run(&[
        "cycle",
        "create",
        "--name",
        "Kill",
        "--closes-at",
        &crate::fixtures::future(10).to_string(),
    ])
    .output()
    .expect("create");
    let id = String::from_utf8_lossy(&o.stdout)
        .lines()
        .last()
        .expect("id")
        .to_owned();
    let mut n = Nominations::new();
    for i in 0..raters {
        n = n.rater(
            "kam@t.cn",
            "boss@t.cn",
            &format!("r{i}@client.cn"),
            "customer",
            "en",
        );
    }
    std::fs::write(dir.path().join("n.csv"), n.csv()).expect("csv");
    assert!(run(&["cycle", "import", &id, "n.csv"])
        .status()
        .expect("import")
        .success());
    assert!(run(&["cycle", "launch", &id])
        .status()
        .expect("launch")
        .success());
    let mut child = run(&["outbox", "flush"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("flush");
    // kill once every lane is delivering
    let start = Instant::now();
    while server.messages().len() < lanes {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the worker delivered nothing"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    child.kill().expect("kill -9");
    let _ = child.wait();
    let before = server.messages().len();
    assert!(
        before > 0 && before < raters,
        "killed mid-queue after {before}"
    );
    // the dead worker's leases (1 s) run out: then its claimed messages are due again
    let db = kam360::db::Db::connect(&url, 1).expect("db");
    let start = Instant::now();
    while leased_now(&db) > 0 {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "leases never end"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(run(&["outbox", "flush"]).status().expect("flush").success());
    let got = server.messages();
    let mut per_rcpt = std::collections::HashMap::<String, Vec<String>>::new();
    for m in &got {
        per_rcpt
            .entry(m.rcpt[0].clone())
            .or_default()
            .push(m.message_id());
    }
    assert_eq!(per_rcpt.len(), raters, "nothing lost");
    let dupes: Vec<_> = per_rcpt.values().filter(|v| v.len() > 1).collect();
    assert!(
        dupes.len() <= lanes,
        "at most one duplicate per lane: {dupes:?}"
    );
    for d in dupes {
        assert!(
            d.iter().all(|x| x == &d[0]),
            "a duplicate keeps its Message-ID"
        );
    }
}

/// SMTP chaos (issue 15): the relay drops the connection right after taking a message in,
/// three times, and keeps serving. Nothing is lost, and the only duplicates are the messages
/// that were in flight when a connection dropped (at most `email.concurrency`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_dropping_mid_send_loses_nothing_and_duplicates_only_in_flight() {
    let server = SmtpServer::start().await;
    server.script.lock().expect("lock").drop_after_data = 3;
    let port = server.port;
    let app = try_spawn_app_with(Backend::Sqlite, move |s: &mut Settings| {
        smtp(port)(s);
        s.email.concurrency = 4;
    })
    .await
    .expect("app");
    let l = launched_cycle(&app, &standard());
    flush_until(&app, || {
        server.messages().len() >= l.links.len() + 3
            || app
                .read(|c| {
                    Ok(db::outbox::list(
                        c,
                        Some(kam360::domain::status::OutboxStatus::Sent),
                    )?)
                })
                .is_ok_and(|v| v.len() == l.links.len())
    })
    .await;
    let sent = app
        .read(|c| {
            Ok(db::outbox::list(
                c,
                Some(kam360::domain::status::OutboxStatus::Sent),
            )?)
        })
        .expect("outbox");
    assert_eq!(sent.len(), l.links.len(), "every message ends up sent");
    let got = server.messages();
    for link in &l.links {
        let copies = got
            .iter()
            .filter(|m| m.rcpt == vec![link.rater_email.clone()])
            .count();
        assert!(copies >= 1, "{} lost its invitation", link.rater_email);
    }
    let duplicates = got.len() - l.links.len();
    assert!(
        duplicates <= 3,
        "only the dropped messages repeat: {duplicates}"
    );
    // a repeat carries the same Message-ID, so mail clients show it once
    let mut ids: Vec<String> = got.iter().map(|m| m.message_id()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), l.links.len());
    println!(
        "SMTP chaos: {} messages, 3 connections dropped after DATA, 0 lost, {duplicates} duplicates (same Message-ID)",
        l.links.len()
    );
}
