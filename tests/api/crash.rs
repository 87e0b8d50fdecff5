//! Crash test (SPEC §8, issue 15): `kam360 serve` — the real binary, in its own process — is
//! killed with SIGKILL again and again while raters save drafts and submit through it; every
//! answer that got its 303 must be in the database afterwards. CI runs 3 kills per backend;
//! the documented run (figures in `docs/reliability.md`) is
//!
//! ```sh
//! KAM360_CRASH_KILLS=20 cargo test --release --test api crash -- --nocapture
//! ```

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use kam360::domain::relationship::Relationship;
use rand::Rng;

use crate::fixtures::{launched_cycle, Nominations};
use crate::helpers::{path_of, root, TestApp};

const WRITERS: usize = 8;

/// What the clients know about one rater's answers.
#[derive(Debug, Default, Clone, Copy)]
struct Track {
    /// The last save or submit acknowledged with 303.
    acked: u64,
    /// Whether a submit was acknowledged (then nothing is sent any more).
    submitted: bool,
    /// Sent but not acknowledged (the connection died with the server).
    unacked: u64,
    /// Requests acknowledged in all.
    acks: u64,
    /// Requests whose answer never came (cut by a kill).
    cut: u64,
}

fn serve(app: &TestApp, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_kam360"))
        .arg("serve")
        .current_dir(app.dir.path())
        .env("KAM360__DATABASE__URL", &app.database_url)
        .env("KAM360__SERVER__BIND", format!("127.0.0.1:{port}"))
        .env(
            "KAM360__SERVER__PUBLIC_BASE_URL",
            format!("http://127.0.0.1:{port}"),
        )
        .env("KAM360__EMAIL__FILE_DIR", app.dir.path().join("crash-mail"))
        .env(
            "KAM360__RUBRIC__PATH",
            root().join("config/rubric/kam.toml"),
        )
        .env_remove("KAM360_CONFIG")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn kam360 serve")
}

async fn wait_ready(client: &reqwest::Client, base: &str) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        if let Ok(r) = client.get(format!("{base}/readyz")).send().await {
            if r.status() == 200 {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("kam360 serve did not become ready");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// A full set of answers with `seq` in the strengths field; `submit` or `save`.
fn body(criteria: &[String], seq: u64, submit: bool) -> String {
    let mut rng = rand::rng();
    let mut pairs: Vec<(String, String)> = criteria
        .iter()
        .map(|c| (c.clone(), rng.random_range(1..=4).to_string()))
        .collect();
    pairs.push(("strengths".into(), format!("m{seq}")));
    pairs.push((
        "action".into(),
        if submit { "submit" } else { "save" }.into(),
    ));
    serde_urlencoded::to_string(pairs).expect("encode")
}

/// One writer: saves (and now and then submits) for its raters until told to stop.
async fn writer(
    base: String,
    mine: Vec<(String, String)>,
    criteria: Arc<Vec<String>>,
    tracks: Arc<Mutex<HashMap<String, Track>>>,
    stop: Arc<AtomicBool>,
    submit_one_in: u32,
) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client");
    let mut seq: HashMap<String, u64> = HashMap::new();
    while !stop.load(Ordering::Relaxed) {
        let mut sent = false;
        for (assignment, path) in &mine {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            let track = tracks.lock().expect("lock")[assignment];
            if track.submitted {
                continue;
            }
            let s = seq.entry(assignment.clone()).or_insert(track.acked);
            *s = (*s).max(track.acked).max(track.unacked) + 1;
            let n = *s;
            let submit = rand::rng().random_ratio(1, submit_one_in);
            sent = true;
            let r = client
                .post(format!("{base}{path}"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body(&criteria, n, submit))
                .send()
                .await;
            let mut t = tracks.lock().expect("lock");
            let t = t.get_mut(assignment).expect("track");
            match r.map(|r| r.status().as_u16()) {
                Ok(303) => {
                    t.acks += 1;
                    t.acked = n;
                    t.submitted = submit;
                }
                // a submit that committed but whose 303 was lost: the link is now done
                Ok(409) => t.submitted = true,
                Ok(other) => panic!("unexpected {other} for a save or submit"),
                Err(_) => {
                    t.cut += 1;
                    t.unacked = n;
                }
            }
        }
        if !sent {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

async fn acknowledged_answers_survive_kill_9(app: TestApp) {
    let kills: usize = std::env::var("KAM360_CRASH_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let mut n = Nominations::new();
    for k in 0..4 {
        let (kam, boss) = (format!("kam{k}@t.cn"), format!("boss{k}@t.cn"));
        n = n.kam(&kam, &format!("KAM {k}"), &boss);
        for c in 0..8 {
            n = n.rater(
                &kam,
                &boss,
                &format!("c{k}-{c}@client.cn"),
                "customer",
                "en",
            );
        }
    }
    let l = launched_cycle(&app, &n);
    let raters: Vec<(String, String)> = l
        .links
        .iter()
        .filter(|x| x.rater_email.starts_with('c'))
        .map(|x| (x.assignment_id.to_string(), path_of(&x.link)))
        .collect();
    assert_eq!(raters.len(), 32);
    let criteria: Arc<Vec<String>> = Arc::new(
        app.rubric
            .criteria_for(Relationship::Customer)
            .map(|c| c.id.clone())
            .collect(),
    );
    let tracks: Arc<Mutex<HashMap<String, Track>>> = Arc::new(Mutex::new(
        raters
            .iter()
            .map(|(a, _)| (a.clone(), Track::default()))
            .collect(),
    ));
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let probe = reqwest::Client::new();
    let started = Instant::now();
    for _ in 0..kills {
        let mut child = serve(&app, port);
        wait_ready(&probe, &base).await;
        let stop = Arc::new(AtomicBool::new(false));
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                let mine: Vec<(String, String)> =
                    raters.iter().skip(w).step_by(WRITERS).cloned().collect();
                tokio::spawn(writer(
                    base.clone(),
                    mine,
                    criteria.clone(),
                    tracks.clone(),
                    stop.clone(),
                    // submits spread over the whole run, however many kills it has
                    u32::try_from(kills * 10).unwrap_or(u32::MAX),
                ))
            })
            .collect();
        // kill at a random point of the traffic: once the writers got a random number of
        // answers acknowledged by this server (counting, not sleeping: a slow machine still
        // has writes in flight when the kill comes)
        let acks = |t: &HashMap<String, Track>| t.values().map(|t| t.acks).sum::<u64>();
        let target = acks(&tracks.lock().expect("lock")) + rand::rng().random_range(10..60);
        let start = Instant::now();
        loop {
            let reached = {
                let t = tracks.lock().expect("lock");
                acks(&t) >= target || t.values().all(|t| t.submitted)
            };
            if reached {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "the writers got no answers through"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        child.kill().expect("SIGKILL");
        child.wait().expect("reaped");
        stop.store(true, Ordering::Relaxed);
        for w in writers {
            w.await.expect("writer");
        }
    }
    // every acknowledged answer is stored: the draft holds it or a later one, and every
    // acknowledged submit is submitted
    let stored: HashMap<String, (String, String)> = app
        .read(|c| {
            use kam360::db::schema::{assignments, responses};
            responses::table
                .inner_join(assignments::table)
                .select((
                    responses::assignment_id,
                    responses::strengths,
                    assignments::status,
                ))
                .load::<(String, String, String)>(c)
                .map(|v| v.into_iter().map(|(a, s, st)| (a, (s, st))).collect())
                .map_err(Into::into)
        })
        .expect("read back");
    let tracks = tracks.lock().expect("lock").clone();
    let (mut saves, mut submits) = (0u64, 0usize);
    let cut: u64 = tracks.values().map(|t| t.cut).sum();
    for (assignment, t) in &tracks {
        if t.acked == 0 {
            continue;
        }
        saves += t.acks;
        let (strengths, status) = stored
            .get(assignment)
            .unwrap_or_else(|| panic!("acknowledged answers of {assignment} are missing"));
        let kept: u64 = strengths.trim_start_matches('m').parse().expect("a marker");
        assert!(
            kept >= t.acked,
            "{assignment}: stored m{kept}, acknowledged m{}",
            t.acked
        );
        if t.submitted {
            submits += 1;
            assert_eq!(status, "submitted", "{assignment}");
        }
    }
    assert!(saves > 0, "the writers got answers through");
    println!(
        "crash test on {}: {kills} kill -9s in {:.1} s; {saves} acknowledged saves and submits over {} raters ({submits} submits), {cut} requests cut by a kill; 0 acknowledged answers lost",
        if app.database_url.starts_with("postgres") { "PostgreSQL" } else { "SQLite" },
        started.elapsed().as_secs_f64(),
        tracks.values().filter(|t| t.acked > 0).count(),
    );
}

crate::both_backends!(acknowledged_answers_survive_kill_9);
