//! Benchmark for issue #23's timing oracle: do `/links`, `/password/forgot` and sign-in answer
//! known and unknown addresses in the same time? Run by hand, never in CI:
//!
//! ```sh
//! cargo build --release --example timingbench
//! target/release/examples/timingbench                      # SQLite in a fresh temp dir
//! target/release/examples/timingbench --db postgres://postgres@127.0.0.1:5432/timingbench
//! ```
//!
//! Seeds a launched cycle whose raters are the known `/links` addresses and as many staff
//! accounts (the known sign-in and reset addresses), then sends `--samples` requests of each
//! kind for known and for unknown addresses, interleaved in pairs whose order alternates, so
//! that any drift of the machine falls on both alike. Every request has its own address and its own
//! client address (`X-Forwarded-For` from a trusted proxy), so no throttle answers instead of
//! the endpoint. A sign-in is a wrong password for a known account against any password for an
//! unknown address: the question is whether the account exists.
//!
//! It prints the medians, p5 and p95 of each, and how often one request tells the two apart:
//! the best accuracy of a threshold on the time (50 % is a coin; the red team measured 71 % on
//! `/links` before the fix).

// a benchmark run by hand: a failed setup step should stop it loudly
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use kam360::actions::Tx;
use std::sync::Arc;
use std::time::Instant;

use kam360::actions::{cycles, nominations, Mail};
use kam360::config::Settings;
use kam360::db::{self, Db};
use kam360::domain::status::Role;
use kam360::email::Templates;
use kam360::error::AppError;

fn percentile(sorted: &[f64], p: usize) -> f64 {
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

/// The best accuracy of one threshold on the time at telling a known from an unknown request.
fn tells_apart(known: &[f64], unknown: &[f64]) -> f64 {
    let mut all: Vec<f64> = known.iter().chain(unknown).copied().collect();
    all.sort_by(f64::total_cmp);
    let mut best: f64 = 0.5;
    for t in all {
        let k_above = known.iter().filter(|x| **x > t).count() as f64 / known.len() as f64;
        let u_above = unknown.iter().filter(|x| **x > t).count() as f64 / unknown.len() as f64;
        // either side may be the slower one
        let acc = 0.5 * (k_above + (1.0 - u_above));
        best = best.max(acc).max(1.0 - acc);
    }
    best
}

fn main() {
    use support::arg;
    let samples: usize = arg("--samples", "400").parse().expect("--samples N");
    let concurrency: usize = arg("--concurrency", "8").parse().expect("--concurrency N");
    let dir = tempfile::tempdir().expect("tempdir");
    let url = arg(
        "--db",
        &format!("sqlite://{}", dir.path().join("timing.db").display()),
    );
    if let Some(rest) = url.strip_prefix("postgres://") {
        // a fresh database of its own
        use diesel::{Connection, PgConnection, RunQueryDsl};
        let (server, name) = rest.rsplit_once('/').expect("postgres://…/NAME");
        let mut admin =
            PgConnection::establish(&format!("postgres://{server}/postgres")).expect("server");
        let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name}")).execute(&mut admin);
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .expect("create");
    }
    let mut settings =
        Settings::load_from(std::path::Path::new("config/default.toml"), None, false)
            .expect("settings");
    settings.database.url = url.clone().into();
    settings.email.file_dir = dir.path().join("mail");
    settings.server.trusted_proxies = vec!["127.0.0.1".into()];
    let db = Db::connect(&url, 8).expect("db");
    db.migrate().expect("migrate");
    let templates = Templates::new(None).expect("templates");
    let raters = seed(&db, &settings, &templates, samples);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let address = format!("http://{}", listener.local_addr().expect("addr"));
        settings.server.public_base_url = address.clone();
        let rubric =
            kam360::domain::formats::rubric::Rubric::load(&settings.rubric.path).expect("rubric");
        let state = actix_web::web::Data::new(kam360::web::AppState::new(
            db.clone(),
            Arc::new(settings),
            Arc::new(templates),
            Arc::new(rubric),
        ));
        tokio::spawn(kam360::web::build(listener, state).expect("server"));
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        println!("{samples} samples each, {concurrency} at a time, on {}", url.split(':').next().unwrap_or(""));
        println!("| endpoint | known: median (p5–p95) | unknown: median (p5–p95) | one request tells them apart |");
        println!("|---|---|---|---|");
        for (what, path) in [
            ("`POST /links`", "/links"),
            ("`POST /password/forgot`", "/password/forgot"),
            ("`POST /login` (wrong password)", "/login"),
        ] {
            let known_addr: Vec<String> = match path {
                "/links" => raters.clone(),
                _ => (0..samples).map(|i| format!("staff{i}@bench.test")).collect(),
            };
            let mut jobs = Vec::new();
            for i in 0..samples {
                let k = (true, known_addr[i % known_addr.len()].clone(), i);
                let u = (false, format!("nobody{i}-{path}@nowhere.test").replace('/', ""), i);
                // each goes first half of the time, so that what one request leaves behind
                // (a commit, a checkpoint) does not always fall on the same kind
                if i % 2 == 0 {
                    jobs.extend([k, u]);
                } else {
                    jobs.extend([u, k]);
                }
            }
            let mut known = Vec::new();
            let mut unknown = Vec::new();
            for batch in jobs.chunks(concurrency) {
                let futures = batch.iter().map(|(is_known, email, i)| {
                    let client = client.clone();
                    let url = format!("{address}{path}");
                    let (email, origin) = (email.clone(), address.clone());
                    // a client address of its own (10.k.x.y), so no throttle answers instead
                    let from = format!("10.{}.{}.{}", u8::from(*is_known), i / 250, i % 250 + 1);
                    async move {
                        let form: Vec<(&str, &str)> = if path == "/login" {
                            vec![("email", &email), ("password", "not the password")]
                        } else {
                            vec![("email", &email)]
                        };
                        let start = Instant::now();
                        let r = client
                            .post(url)
                            .header("x-forwarded-for", from)
                            .header("origin", origin)
                            .form(&form)
                            .send()
                            .await
                            .expect("request");
                        let status = r.status().as_u16();
                        let _ = r.bytes().await.expect("body");
                        (start.elapsed().as_secs_f64() * 1000.0, status)
                    }
                });
                let results = futures_util::future::join_all(futures).await;
                for ((is_known, _, _), (ms, status)) in batch.iter().zip(results) {
                    let expected = if path == "/login" { 401 } else { 200 };
                    assert_eq!(status, expected, "{path} answered {status}");
                    if *is_known {
                        known.push(ms);
                    } else {
                        unknown.push(ms);
                    }
                }
            }
            let apart = tells_apart(&known, &unknown);
            known.sort_by(f64::total_cmp);
            unknown.sort_by(f64::total_cmp);
            println!(
                "| {what} | {:.1} ms ({:.1}–{:.1}) | {:.1} ms ({:.1}–{:.1}) | {:.0} % |",
                percentile(&known, 50),
                percentile(&known, 5),
                percentile(&known, 95),
                percentile(&unknown, 50),
                percentile(&unknown, 5),
                percentile(&unknown, 95),
                apart * 100.0
            );
        }
    });
}

/// A launched cycle whose customers, peers and team members (at least `n`) are the known
/// `/links` addresses, and `n` staff accounts; returns the raters' addresses.
fn seed(db: &Db, settings: &Settings, templates: &Templates, n: usize) -> Vec<String> {
    let rubric =
        kam360::domain::formats::rubric::Rubric::load(&settings.rubric.path).expect("rubric");
    let now = db::now();
    let (s, r) = (settings.clone(), rubric.clone());
    let cycle = db
        .write_blocking(move |c| {
            cycles::create(
                c,
                &s,
                &r,
                "Timing benchmark",
                (now + chrono::TimeDelta::days(30)).date(),
                now,
            )
        })
        .expect("cycle");
    let kams = n.div_ceil(9);
    let header = kam360::domain::formats::nomination::COLUMNS.join(",");
    let mut csv = header + "\n";
    let mut raters = Vec::new();
    for k in 0..kams {
        let (kam, boss) = (format!("kam{k}@bench.test"), format!("boss{k}@bench.test"));
        let mut row = |rater: &str, name: &str, rel: &str| {
            csv.push_str(&format!(
                "{kam},KAM {k},{boss},Boss {k},{rater},{name},{rel},en,Org {k}\n"
            ));
        };
        row(&kam, &format!("KAM {k}"), "self");
        row(&boss, &format!("Boss {k}"), "supervisor");
        for i in 0..3 {
            for (prefix, rel) in [("c", "customer"), ("p", "peer"), ("t", "team")] {
                let rater = format!("{prefix}{k}-{i}@bench.test");
                row(&rater, "Rater", rel);
                raters.push(rater);
            }
        }
    }
    let (s, id) = (settings.clone(), cycle.clone());
    db.write_blocking(|c| {
        nominations::import(
            Tx(c, Mail::new(templates, &s), None, now),
            &id,
            csv.as_bytes(),
        )
    })
    .expect("import");
    let (s, id) = (settings.clone(), cycle.clone());
    db.write_blocking(|c| cycles::launch(Tx(c, Mail::new(templates, &s), None, now), &id))
        .expect("launch");
    eprintln!("seeding {n} staff accounts (production password hashes) …");
    for chunk in (0..n).collect::<Vec<_>>().chunks(50) {
        let chunk = chunk.to_vec();
        db.write_blocking(move |c| {
            for i in chunk {
                kam360::actions::users::add(
                    c,
                    &format!("staff{i}@bench.test"),
                    "Staff",
                    Role::Supervisor,
                    db::now(),
                )?;
            }
            Ok::<_, AppError>(())
        })
        .expect("staff");
    }
    raters.truncate(n.max(1));
    raters
}
