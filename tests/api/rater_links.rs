//! Link security (SPEC §4; reliability rows TOK-2, TOK-5, TOK-8): tokens are stored only as
//! hashes, never logged, and stop working at the deadline.

use std::process::{Command, Stdio};
use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::Text;
use kam360::db;

use crate::both_backends;
use crate::fixtures::{launched_cycle, standard};
use crate::helpers::dispatch_all_pending_emails;
use crate::helpers::{form_action, TestApp};

#[derive(QueryableByName)]
struct Cell {
    #[diesel(sql_type = Text)]
    v: String,
}

/// Every text cell of every table, as strings.
fn all_text(app: &TestApp) -> Vec<String> {
    let tables = [
        ("people", vec!["id", "email", "name"]),
        ("assignments", vec!["id", "status"]),
        ("rater_links", vec!["token_hash", "assignment_id"]),
        ("rater_sessions", vec!["session_hash"]),
        (
            "email_outbox",
            vec!["idempotency_key", "subject", "message_id"],
        ),
        ("email_bodies", vec!["mime", "packed"]),
        ("email_specimens", vec!["mime"]),
        ("audit_events", vec!["action"]),
        ("cycles", vec!["name", "rubric_snapshot"]),
    ];
    let mut out = Vec::new();
    for (table, cols) in tables {
        for col in cols {
            let sql =
                format!("SELECT CAST({col} AS TEXT) AS v FROM {table} WHERE {col} IS NOT NULL");
            let cells = app
                .read(move |c| Ok(diesel::sql_query(sql).load::<Cell>(c)?))
                .expect("scan");
            out.extend(cells.into_iter().map(|c| c.v));
        }
    }
    out
}

async fn tokens_are_stored_only_as_hashes_once_mail_is_sent(app: TestApp) {
    let l = launched_cycle(&app, &standard());
    dispatch_all_pending_emails(&app).await;
    let (_, s, _) = app.open(&l.link("c1@client.cn")).await;
    assert_eq!(s, 200);
    let cells = all_text(&app);
    for link in &l.links {
        let token = link.link.rsplit('/').next().expect("token");
        assert!(!cells.iter().any(|c| c.contains(token)), "raw token stored");
        assert!(
            cells
                .iter()
                .any(|c| c == &kam360::domain::security::token::hash(token)),
            "hash stored"
        );
    }
}

async fn links_stop_at_the_deadline_even_before_the_cycle_is_closed(app: TestApp) {
    let l = launched_cycle(&app, &standard());
    let (page, s, body) = app.open(&l.link("c2@client.cn")).await;
    assert_eq!(s, 200);
    let action = form_action(&body);
    assert_eq!(action, page);
    let id = l.cycle_id.clone();
    app.write(move |c| {
        use kam360::db::schema::cycles;
        diesel::update(cycles::table.find(id))
            .set(cycles::closes_at.eq(db::now() - chrono::TimeDelta::seconds(1)))
            .execute(c)?;
        Ok(())
    })
    .expect("move the deadline");
    assert_eq!(app.get(&action).await.status(), 410);
    assert_eq!(
        app.post_form(&action, &[("action", "save")]).await.status(),
        410
    );
    assert_eq!(app.get(&l.link("c3@client.cn")).await.status(), 410);
    let n: i64 = app
        .read(|c| Ok(db::schema::ratings::table.count().get_result(c)?))
        .expect("count");
    assert_eq!(n, 0);
}

async fn one_browser_can_hold_forms_for_two_kams(app: TestApp) {
    let n = standard()
        .rater("kam2@t.cn", "boss@t.cn", "p1@t.cn", "peer", "en")
        .kam("kam2@t.cn", "Li Na", "boss@t.cn");
    let l = launched_cycle(&app, &n);
    let links: Vec<String> = l
        .links
        .iter()
        .filter(|x| x.rater_email == "p1@t.cn")
        .map(|x| crate::helpers::path_of(&x.link))
        .collect();
    assert_eq!(links.len(), 2);
    let (a, _, body_a) = app.open(&links[0]).await;
    let (b, _, body_b) = app.open(&links[1]).await;
    assert_ne!(a, b);
    // the first form still works after the second link was opened in the same browser
    let r = app
        .post_form(
            &form_action(&body_a),
            &[("strengths", "first"), ("action", "save")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = app
        .post_form(
            &form_action(&body_b),
            &[("strengths", "second"), ("action", "save")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, _, again_a) = app.open(&a).await;
    assert!(again_a.contains(">first</textarea>"));
}

/// SPEC §13: the thank-you page lists the other requests this browser opened and can still
/// answer — and only those (another browser's, or an answered one, never appear).
async fn the_thank_you_page_lists_the_other_open_requests_in_this_browser(app: TestApp) {
    let n = standard()
        .rater("kam2@t.cn", "boss@t.cn", "p1@t.cn", "peer", "en")
        .kam("kam2@t.cn", "Li Na", "boss@t.cn")
        .rater("kam3@t.cn", "boss@t.cn", "p1@t.cn", "peer", "en")
        .kam("kam3@t.cn", "Zhou Jie", "boss@t.cn");
    let l = launched_cycle(&app, &n);
    let links: Vec<String> = l
        .links
        .iter()
        .filter(|x| x.rater_email == "p1@t.cn")
        .map(|x| crate::helpers::path_of(&x.link))
        .collect();
    assert_eq!(links.len(), 3, "p1 rates Wang Fang, Li Na and Zhou Jie");
    // this browser opens two of the three
    let (_, _, first) = app.open(&links[0]).await;
    let (second, _, _) = app.open(&links[1]).await;
    let criteria = |page: &str| -> Vec<(String, String)> {
        app.rubric
            .criteria_for(kam360::domain::relationship::Relationship::Peer)
            .filter(|c| page.contains(&format!("name=\"{}\"", c.id)))
            .map(|c| (c.id.clone(), "3".to_owned()))
            .collect()
    };
    let mut pairs = criteria(&first);
    pairs.push(("action".into(), "submit".into()));
    let r = app
        .post_raw(
            &form_action(&first),
            serde_urlencoded::to_string(&pairs).expect("encode"),
        )
        .await;
    assert_eq!(r.status(), 303);
    let done = r.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let (s, thanks) = app.get_text(&format!("{done}?lang=en")).await;
    assert_eq!(s, 200);
    assert!(
        thanks.contains("Still waiting for your answer in this browser (1)"),
        "{thanks}"
    );
    assert!(
        thanks.contains(&format!("href=\"{second}?lang=en\"")),
        "{thanks}"
    );
    assert!(
        !thanks.contains("Zhou Jie"),
        "a request this browser never opened"
    );
    // another browser that submitted its only request sees no list
    let other = crate::helpers::new_client();
    let r = other
        .get(format!("{}{}", app.address, links[2]))
        .send()
        .await
        .expect("open");
    assert!(r.status().is_redirection() || r.status() == 200);
    let (s, again) = app.get_text(&format!("{done}?lang=en")).await;
    assert_eq!(s, 200);
    assert!(
        again.contains("(1)"),
        "still only the one this browser opened"
    );
}

both_backends!(
    tokens_are_stored_only_as_hashes_once_mail_is_sent,
    links_stop_at_the_deadline_even_before_the_cycle_is_closed,
    one_browser_can_hold_forms_for_two_kams,
    the_thank_you_page_lists_the_other_open_requests_in_this_browser,
);

#[test]
fn tokens_never_reach_the_logs() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("logs.db").display());
    let bin = env!("CARGO_BIN_EXE_kam360");
    let env = |c: &mut Command| {
        c.current_dir(dir.path())
            .env("KAM360__DATABASE__URL", &url)
            .env("KAM360__EMAIL__FILE_DIR", dir.path().join("mail"))
            .env(
                "KAM360__RUBRIC__PATH",
                crate::helpers::root().join("config/rubric/kam.toml"),
            );
    };
    let mut demo = Command::new(bin);
    env(&mut demo);
    let out = demo.args(["demo", "--no-serve"]).output().expect("demo");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let links: Vec<String> = text
        .split_whitespace()
        .filter(|w| w.contains("/r/"))
        .map(|w| w[w.find("/r/").expect("link")..].to_owned())
        .collect();
    assert!(!links.is_empty(), "{text}");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let mut serve = Command::new(bin);
    env(&mut serve);
    let mut child = serve
        .arg("serve")
        .env("KAM360__SERVER__BIND", format!("127.0.0.1:{port}"))
        .env("KAM360_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve");
    let mut lines = crate::helpers::ChildLines::of(child.stderr.take().expect("stderr"));
    let answered = raw_http::get_all(port, &links);
    // the server logs a request before it answers; wait for a rater link's line, not a while
    lines.wait_for("route=/r/{token}", Duration::from_secs(10));
    let _ = child.kill();
    let _ = child.wait();
    let logs = lines.all();
    assert!(answered >= 2, "requests answered: {answered}");
    assert!(
        logs.contains("route=/r/{token}"),
        "the route pattern is logged: {logs}"
    );
    for link in &links {
        let token = &link[3..];
        assert!(!logs.contains(token), "a token reached the logs");
        assert!(
            !logs.contains(&kam360::domain::security::token::hash(token)),
            "a token hash reached the logs"
        );
    }
}

/// Minimal HTTP client over std, so the test needs no async runtime: returns how many of the
/// requests got an answer.
mod raw_http {
    use std::io::{Read, Write};
    use std::net::TcpStream;

    pub fn get_all(port: u16, paths: &[String]) -> usize {
        let mut answered = 0;
        for _ in 0..50 {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(super::Duration::from_millis(100));
        }
        for path in paths.iter().take(3) {
            for p in [
                path.clone(),
                format!("{path}/done"),
                format!("{path}?lang=en"),
            ] {
                let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
                    continue;
                };
                let _ = write!(
                    s,
                    "GET {p} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                );
                let mut buf = String::new();
                if s.read_to_string(&mut buf).is_ok() && buf.starts_with("HTTP/1.1") {
                    answered += 1;
                }
            }
        }
        answered
    }
}
