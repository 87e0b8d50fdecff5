//! Load benchmark of the rater form (run by hand, never in CI):
//!
//! ```sh
//! apt-get install wrk
//! cargo run --release --example loadbench -- --backend sqlite   --seconds 10 --rounds 3
//! cargo run --release --example loadbench -- --backend postgres --seconds 10 --rounds 3
//! ```
//!
//! It seeds a fresh database with many distinct links, serves kam360 in this process on
//! 127.0.0.1, and drives it with `wrk` (64 connections, bounded time). Each round measures,
//! interleaved: the framework ceiling (a bench-only actix endpoint returning a static copy of
//! the real form page, same size), `GET` of the form over many links, `POST` of a full
//! submission over distinct links, and the raw single-writer rate of the same transaction
//! without HTTP; on PostgreSQL also `pgbench -S` at the same clients, PostgreSQL's own ceiling
//! for the GET's reads. It prints a Markdown table with medians [min–max] for
//! `docs/benchmarks.md`.

// a benchmark run by hand: a failed setup step should stop it loudly
#![allow(clippy::unwrap_used, clippy::expect_used)]

use kam360::actions::Tx;
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpResponse, HttpServer};
use kam360::actions::{cycles, nominations};
use kam360::config::Settings;
use kam360::db::{self, Db};
use kam360::domain::ids::AssignmentId;
use kam360::domain::relationship::Relationship;
use kam360::domain::security::token;
use kam360::email::Templates;
use kam360::error::{AppError, AppResult};
use kam360::web::AppState;

struct Args {
    backend: String,
    seconds: u64,
    rounds: usize,
    connections: usize,
    links: usize,
    /// Which measurements to run (all by default); e.g. `get` alone while profiling.
    phases: Vec<String>,
    /// The database pool's size (`database.pool_size`, 8 by default).
    pool: Option<u32>,
}

fn args() -> Args {
    let mut a = Args {
        backend: "sqlite".into(),
        seconds: 10,
        rounds: 3,
        connections: 64,
        links: 0,
        pool: None,
        phases: [
            "ceiling", "render", "get", "save", "submit", "raw", "pgbench",
        ]
        .map(String::from)
        .to_vec(),
    };
    let v: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i + 1 < v.len() {
        let val = v[i + 1].clone();
        match v[i].as_str() {
            "--backend" => a.backend = val,
            "--seconds" => a.seconds = val.parse().expect("--seconds N"),
            "--rounds" => a.rounds = val.parse().expect("--rounds N"),
            "--connections" => a.connections = val.parse().expect("--connections N"),
            "--links" => a.links = val.parse().expect("--links N"),
            "--phases" => a.phases = val.split(',').map(String::from).collect(),
            "--pool" => a.pool = Some(val.parse().expect("--pool N")),
            other => panic!("unknown argument {other}"),
        }
        i += 2;
    }
    if a.links == 0 {
        // enough distinct links that no submit in a round hits an already-submitted one
        let per_second = if a.backend == "sqlite" { 16_000 } else { 4_000 };
        a.links = per_second * a.seconds as usize;
    }
    a
}

/// A fresh database URL (a temp SQLite file, or a new PostgreSQL database).
fn database(backend: &str, dir: &Path) -> String {
    match backend {
        "sqlite" => format!("sqlite://{}", dir.join("bench.db").display()),
        "postgres" => {
            use diesel::{Connection, PgConnection, RunQueryDsl};
            let admin = std::env::var("KAM360_TEST_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
            let mut c = PgConnection::establish(&admin).expect("PostgreSQL");
            let name = format!("kam360_bench_{}", uuid::Uuid::new_v4().simple());
            diesel::sql_query(format!("CREATE DATABASE {name}"))
                .execute(&mut c)
                .expect("create database");
            format!("{}/{name}", admin.rsplit_once('/').expect("url").0)
        }
        other => panic!("--backend sqlite|postgres, not {other}"),
    }
}

/// Seeds one open cycle with `n` customer links per batch; returns the batches' link paths.
fn seed(
    db: &Db,
    settings: &Settings,
    batches: usize,
    n: usize,
) -> Vec<Vec<(AssignmentId, String)>> {
    let rubric =
        kam360::domain::formats::rubric::Rubric::load(&settings.rubric.path).expect("rubric");
    let s = settings.clone();
    let cycle = db
        .write_blocking(move |c| {
            cycles::create(
                c,
                &s,
                &rubric,
                "Benchmark",
                (chrono::Utc::now() + chrono::TimeDelta::days(30)).date_naive(),
                db::now(),
            )
        })
        .expect("cycle");
    let templates = Templates::new(None).expect("templates");
    let mut out = Vec::new();
    for b in 0..batches {
        let mut links = Vec::with_capacity(n);
        let mut row = 0;
        while row < n {
            let take = (n - row).min(9_000);
            let mut csv = kam360::domain::formats::nomination::COLUMNS.join(",") + "\n";
            for i in row..row + take {
                let kam = i / 10;
                csv.push_str(&format!("kam{b}-{kam}@bench.test,KAM {kam},boss{b}-{kam}@bench.test,Boss,c{b}-{i}@client.test,Customer {i},customer,en,Client {kam}\n"));
            }
            let (s, t, id) = (settings.clone(), &templates, cycle.clone());
            db.write_blocking(|c| {
                nominations::import(
                    Tx(c, kam360::actions::Mail::new(t, &s), None, db::now()),
                    &id,
                    csv.as_bytes(),
                )
            })
            .expect("import");
            row += take;
        }
        // issue links directly (no invitation mail: the benchmark is about the form)
        let id = cycle.clone();
        let batch: Vec<(AssignmentId, String)> = db
            .write_blocking(move |c| -> AppResult<Vec<(AssignmentId, String)>> {
                let mut v = Vec::new();
                for r in db::reviews::list_for_cycle(c, &id)? {
                    for a in db::assignments::list_for_review(c, &r.review.id)? {
                        if a.assignment.status == kam360::domain::status::AssignmentStatus::Pending
                            && a.rater_email.starts_with(&format!("c{b}-"))
                        {
                            let t = token::issue();
                            db::assignments::add_links(
                                c,
                                &[(a.assignment.id.clone(), t.hash.clone())],
                                db::now(),
                            )?;
                            db::assignments::transition(
                                c,
                                &a.assignment.id,
                                &[kam360::domain::status::AssignmentStatus::Pending],
                                kam360::domain::status::AssignmentStatus::Invited,
                                db::now(),
                            )?;
                            v.push((a.assignment.id.clone(), t.token));
                        }
                    }
                }
                Ok(v)
            })
            .expect("links");
        links.extend(batch);
        out.push(links);
    }
    let id = cycle.clone();
    db.write_blocking(move |c| {
        db::cycles::transition(
            c,
            &id,
            kam360::domain::status::CycleStatus::Draft,
            kam360::domain::status::CycleStatus::Open,
            db::now(),
        )
        .map_err(AppError::from)
    })
    .expect("open");
    out
}

/// The body of a full customer submission.
fn submission(settings: &Settings) -> String {
    let rubric =
        kam360::domain::formats::rubric::Rubric::load(&settings.rubric.path).expect("rubric");
    let mut pairs: Vec<(String, String)> = rubric
        .criteria_for(Relationship::Customer)
        .enumerate()
        .map(|(i, c)| (c.id.clone(), ((i % 4) + 1).to_string()))
        .collect();
    pairs.push((
        format!(
            "{}__comment",
            rubric
                .criteria_for(Relationship::Customer)
                .next()
                .expect("c")
                .id
        ),
        "Well prepared, follows up".into(),
    ));
    pairs.push(("strengths".into(), "Knows our business".into()));
    pairs.push(("action".into(), "submit".into()));
    serde_urlencoded::to_string(pairs).expect("encode")
}

/// A wrk script rotating over `requests` (method, path, cookie), each thread on its own share.
fn script(
    dir: &Path,
    name: &str,
    method: &str,
    body: &str,
    requests: &[(String, String)],
) -> String {
    let mut lua = String::from("local reqs = {\n");
    for (path, cookie) in requests {
        lua.push_str(&format!("  {{\"{path}\", \"{cookie}\"}},\n"));
    }
    lua.push_str(&format!(
        r#"}}
local counter = 0
local threads = {{}}
function setup(thread) thread:set("id", counter); counter = counter + 1; table.insert(threads, thread) end
function init(args) n = 0; stride = 2 end
wrk.method = "{method}"
wrk.body = "{body}"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
function request()
  local k = (n * stride + id) % #reqs + 1
  n = n + 1
  local r = reqs[k]
  if r[2] ~= "" then wrk.headers["Cookie"] = r[2] end
  return wrk.format(nil, r[1])
end
function done(summary, latency, requests)
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %.1f %.3f %.3f %d\n", summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000, bad))
end
"#
    ));
    let path = dir.join(format!("{name}.lua"));
    std::fs::write(&path, lua).expect("lua");
    path.display().to_string()
}

#[derive(Clone, Copy, Default)]
struct Sample {
    rate: f64,
    p50: f64,
    p99: f64,
    errors: u64,
}

fn wrk(url: &str, script: &str, seconds: u64, connections: usize) -> Sample {
    let out = Command::new("wrk")
        .args([
            "-t2",
            &format!("-c{connections}"),
            &format!("-d{seconds}s"),
            "--latency",
            "-s",
            script,
            url,
        ])
        .output()
        .expect("wrk (apt-get install wrk)");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("RESULT "))
        .unwrap_or_else(|| panic!("wrk said: {text}"));
    let f: Vec<&str> = line.split_whitespace().collect();
    Sample {
        rate: f[1].parse().unwrap_or(0.0),
        p50: f[2].parse().unwrap_or(0.0),
        p99: f[3].parse().unwrap_or(0.0),
        errors: f[4].parse().unwrap_or(0),
    }
}

/// The same transaction as a submit, in a closed loop on one connection, without HTTP.
fn raw_writer(db: &Db, links: &[(AssignmentId, String)], body_rows: usize, seconds: u64) -> Sample {
    let start = Instant::now();
    let mut lat = Vec::new();
    for (id, _) in links {
        if start.elapsed() >= Duration::from_secs(seconds) {
            break;
        }
        let t = Instant::now();
        let id = id.clone();
        db.write_blocking(move |c| -> AppResult<()> {
            let now = db::now();
            let rows: Vec<db::responses::RatingRow> = (0..body_rows)
                .map(|i| db::responses::RatingRow {
                    assignment_id: id.clone(),
                    criterion_id: format!("criterion_{i}"),
                    level: Some(3),
                    not_observed: false,
                    comment: if i == 0 {
                        "Well prepared, follows up".into()
                    } else {
                        String::new()
                    },
                })
                .collect();
            db::assignments::transition(
                c,
                &id,
                &[kam360::domain::status::AssignmentStatus::Invited],
                kam360::domain::status::AssignmentStatus::Submitted,
                now,
            )?;
            db::responses::replace(c, &id, &rows, "Knows our business", "", false, now)?;
            Ok(())
        })
        .expect("raw transaction");
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let secs = start.elapsed().as_secs_f64();
    let n = lat.len();
    lat.sort_by(f64::total_cmp);
    Sample {
        rate: n as f64 / secs,
        p50: lat[n / 2],
        p99: lat[(n * 99 / 100).min(n - 1)],
        errors: 0,
    }
}

fn median(v: &[Sample]) -> String {
    let mut r: Vec<f64> = v.iter().map(|s| s.rate).collect();
    r.sort_by(f64::total_cmp);
    let mut p50: Vec<f64> = v.iter().map(|s| s.p50).collect();
    p50.sort_by(f64::total_cmp);
    let mut p99: Vec<f64> = v.iter().map(|s| s.p99).collect();
    p99.sort_by(f64::total_cmp);
    let errors: u64 = v.iter().map(|s| s.errors).sum();
    format!(
        "{:.0} [{:.0}–{:.0}] | {:.2} | {:.2} [{:.2}–{:.2}] | {errors}",
        r[r.len() / 2],
        r[0],
        r[r.len() - 1],
        p50[p50.len() / 2],
        p99[p99.len() / 2],
        p99[0],
        p99[p99.len() - 1]
    )
}

fn med(v: &[Sample]) -> f64 {
    let mut r: Vec<f64> = v.iter().map(|s| s.rate).collect();
    r.sort_by(f64::total_cmp);
    r[r.len() / 2]
}

#[actix_web::main]
async fn main() {
    let a = args();
    let dir = tempfile::tempdir().expect("tempdir");
    let url = database(&a.backend, dir.path());
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let mut settings =
        Settings::load_from(Path::new("config/default.toml"), None, false).expect("settings");
    settings.database.url = url.clone().into();
    settings.server.public_base_url = format!("http://127.0.0.1:{port}");
    settings.email.file_dir = dir.path().join("mail");
    if let Some(n) = a.pool {
        settings.database.pool_size = n;
    }
    let counter = db::StatementCounter::default();
    let db = Db::connect_counting(&url, settings.database.pool_size, Some(counter.clone()))
        .expect("connect");
    db.migrate().expect("migrate");
    eprintln!(
        "seeding {} rounds × {} links on {} …",
        a.rounds, a.links, a.backend
    );
    // per round: one batch for HTTP submits, one for the raw writer; plus one for GETs
    let batches = seed(&db, &settings, a.rounds * 2 + 1, a.links);
    let settings = Arc::new(settings);
    let state = web::Data::new(AppState::new(
        db.clone(),
        settings.clone(),
        Arc::new(Templates::new(None).expect("templates")),
        Arc::new(
            kam360::domain::formats::rubric::Rubric::load(&settings.rubric.path).expect("rubric"),
        ),
    ));
    let server = kam360::web::build(listener, state).expect("server");
    let handle = server.handle();
    tokio::spawn(server);
    let base = format!("http://127.0.0.1:{port}");

    // sessions for the GET runs: open 2,000 links like a browser does
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let mut gets = Vec::new();
    for (_, t) in batches[0].iter().take(2000) {
        let r = client
            .get(format!("{base}/r/{t}"))
            .send()
            .await
            .expect("open");
        let path = r.headers()["location"]
            .to_str()
            .expect("location")
            .to_owned();
        let cookie = r.headers()["set-cookie"]
            .to_str()
            .expect("cookie")
            .split(';')
            .next()
            .expect("pair")
            .to_owned();
        gets.push((path, cookie));
    }
    let page = client
        .get(format!("{base}{}", gets[0].0))
        .header("cookie", &gets[0].1)
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    // count one GET and one submit, then measure with counting off (it renders each SQL)
    counter.start();
    let _ = client
        .get(format!("{base}{}", gets[1].0))
        .header("cookie", &gets[1].1)
        .send()
        .await
        .expect("page");
    let get_statements = counter.stop();
    counter.start();
    let body = submission(&settings);
    let r = client
        .post(format!("{base}/r/{}", batches[1][0].1))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.clone())
        .send()
        .await
        .expect("submit");
    assert_eq!(r.status(), 303);
    let submit_statements = counter.stop();

    // ceiling 1: a bench-only endpoint serving a static copy of the same page
    let ceiling = TcpListener::bind("127.0.0.1:0").expect("bind");
    let cport = ceiling.local_addr().expect("addr").port();
    let static_page = web::Bytes::from(page.clone());
    // ceiling 2 (perf-anchors' "static maud page"): the same form rendered by maud on every
    // request from memory — no session, no database
    let cycle_id = db
        .read_blocking(|c| Ok::<_, AppError>(db::cycles::list(c)?[0].id.clone()))
        .expect("cycle");
    let form_text = state_rubric(&db, &cycle_id).await;
    let cserver = HttpServer::new(move || {
        let p = static_page.clone();
        let f = form_text.clone();
        App::new()
            .route(
                "/page",
                web::get().to(move || {
                    let p = p.clone();
                    async move {
                        HttpResponse::Ok()
                            .content_type("text/html; charset=utf-8")
                            .insert_header(("Cache-Control", "no-store"))
                            .body(p)
                    }
                }),
            )
            .route(
                "/render",
                web::get().to(move || {
                    let f = f.clone();
                    async move {
                        HttpResponse::Ok()
                            .content_type("text/html; charset=utf-8")
                            .insert_header(("Cache-Control", "no-store"))
                            .body(render(&f).into_string())
                    }
                }),
            )
    })
    .listen(ceiling)
    .expect("listen")
    .run();
    let chandle = cserver.handle();
    tokio::spawn(cserver);

    let scripts = tempfile::tempdir().expect("scripts");
    let get_script = script(scripts.path(), "get", "GET", "", &gets);
    let static_script = script(
        scripts.path(),
        "static",
        "GET",
        "",
        &[("/page".to_owned(), String::new())],
    );
    let render_script = script(
        scripts.path(),
        "render",
        "GET",
        "",
        &[("/render".to_owned(), String::new())],
    );
    let (mut ceil, mut rendered, mut form, mut save, mut submit, mut raw) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    // an autosave (SPEC §13) is the same POST with action=save, again and again on a draft
    let save_body = body.replace("action=submit", "action=save");
    let rows = body.matches("=").count() - 3;
    let run = |phase: &str| a.phases.iter().any(|p| p == phase);
    // PostgreSQL's own ceiling for the GET's kind of work: pgbench's read-only transactions
    // (-S) at the same 64 clients, on a scratch database of its own
    let pgbench_db = (a.backend == "postgres" && run("pgbench")).then(pgbench_init);
    let mut pgb: Vec<Sample> = Vec::new();
    for round in 0..a.rounds {
        eprintln!("round {} …", round + 1);
        let s = a.seconds;
        let c = a.connections;
        for (phase, url, sc, out) in [
            (
                "ceiling",
                format!("http://127.0.0.1:{cport}"),
                &static_script,
                &mut ceil,
            ),
            (
                "render",
                format!("http://127.0.0.1:{cport}"),
                &render_script,
                &mut rendered,
            ),
            ("get", base.clone(), &get_script, &mut form),
        ] {
            if !run(phase) {
                continue;
            }
            let sc = sc.clone();
            out.push(measure(move || wrk(&url, &sc, s, c)).await);
        }
        if run("save") {
            // before this round's submits, on the same links (their drafts)
            let saves: Vec<(String, String)> = batches[1 + round * 2]
                .iter()
                .skip(usize::from(round == 0))
                .take(2_000)
                .map(|(_, t)| (format!("/r/{t}"), String::new()))
                .collect();
            let save_script = script(
                scripts.path(),
                &format!("save{round}"),
                "POST",
                &save_body,
                &saves,
            );
            let u = base.clone();
            save.push(measure(move || wrk(&u, &save_script, s, c)).await);
        }
        if run("submit") {
            let posts: Vec<(String, String)> = batches[1 + round * 2]
                .iter()
                .skip(usize::from(round == 0))
                .map(|(_, t)| (format!("/r/{t}"), String::new()))
                .collect();
            let post_script = script(
                scripts.path(),
                &format!("post{round}"),
                "POST",
                &body,
                &posts,
            );
            let u = base.clone();
            submit.push(measure(move || wrk(&u, &post_script, s, c)).await);
        }
        if let Some(name) = &pgbench_db {
            let (name, c) = (name.clone(), a.connections);
            pgb.push(measure(move || pgbench(&name, s, c)).await);
        }
        if run("raw") {
            let raw_links = batches[2 + round * 2].clone();
            let rdb = db.clone();
            raw.push(measure(move || raw_writer(&rdb, &raw_links, rows, s)).await);
        }
    }
    handle.stop(true).await;
    chandle.stop(true).await;
    drop(db);
    if a.backend == "postgres" {
        use diesel::{Connection, PgConnection, RunQueryDsl};
        let admin = std::env::var("KAM360_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        if let (Ok(mut c), Some((_, name))) =
            (PgConnection::establish(&admin), url.rsplit_once('/'))
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut c);
        }
    }

    println!(
        "### {} — {} rounds × {} s, wrk -t2 -c{}, page {} bytes\n",
        a.backend,
        a.rounds,
        a.seconds,
        a.connections,
        page.len()
    );
    println!(
        "| what | req/s or tx/s median [min–max] | p50 ms | p99 ms median [min–max] | errors |"
    );
    println!("|---|---|---|---|---|");
    let rows = [
        (
            "ceiling 1: static copy of the form page (bench-only actix endpoint)",
            &ceil,
        ),
        (
            "ceiling 2: the same form rendered by maud per request, no session or database",
            &rendered,
        ),
        ("GET form over 2,000 links (session cookie)", &form),
        ("POST action=save (an autosave) over 2,000 drafts", &save),
        ("POST full submission over distinct links", &submit),
        ("raw single writer, same transaction, no HTTP", &raw),
        ("pgbench -S (read-only transactions), same clients", &pgb),
    ];
    for (what, v) in rows {
        if !v.is_empty() {
            println!("| {what} | {} |", median(v));
        }
    }
    println!();
    if !form.is_empty() {
        for (name, c) in [
            ("ceiling 1 (static bytes)", &ceil),
            ("ceiling 2 (maud render)", &rendered),
        ] {
            if !c.is_empty() {
                println!(
                    "- GET form / {name}: **{:.0} %**",
                    100.0 * med(&form) / med(c)
                );
            }
        }
        if !pgb.is_empty() && !rendered.is_empty() {
            // a GET needs a render and the database's reads: the two ceilings, combined
            let combined = 1.0 / (1.0 / med(&rendered) + 1.0 / med(&pgb));
            println!(
                "- GET form / combined ceiling (render and pgbench -S, {combined:.0}/s): **{:.0} %**",
                100.0 * med(&form) / combined
            );
        }
        println!("- statements per GET: **{get_statements}**");
    }
    if !save.is_empty() && !raw.is_empty() {
        println!(
            "- save (autosave) / raw single writer: **{:.0} %**",
            100.0 * med(&save) / med(&raw)
        );
    }
    if !submit.is_empty() && !raw.is_empty() {
        println!(
            "- submit / raw single writer: **{:.0} %**; statements per submit: **{submit_statements}**",
            100.0 * med(&submit) / med(&raw)
        );
    }
}

/// Runs one timed measurement off the runtime (the server keeps its workers), then pauses so
/// that the next one starts on a quiet machine.
/// Creates and fills pgbench's scratch database (scale 10); returns its URL.
fn pgbench_init() -> String {
    let server = std::env::var("KAM360_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let (base, _) = server.rsplit_once('/').expect("postgres://…/NAME");
    let url = format!("{base}/kam360_pgbench");
    {
        use diesel::{Connection, PgConnection, RunQueryDsl};
        let mut c = PgConnection::establish(&server).expect("server");
        let _ = diesel::sql_query("CREATE DATABASE kam360_pgbench").execute(&mut c);
    }
    let o = Command::new("pgbench")
        .args(["-i", "-q", "-s", "10", &url])
        .output()
        .expect("pgbench (PostgreSQL's client tools)");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    url
}

/// `pgbench -S` for `seconds` with `clients` clients: transactions a second, and the p50 and
/// p99 of their latencies from its per-transaction log.
fn pgbench(url: &str, seconds: u64, clients: usize) -> Sample {
    let logs = tempfile::tempdir().expect("tempdir");
    let prefix = logs.path().join("pg");
    let o = Command::new("pgbench")
        .args([
            "-S",
            "-n",
            "-j",
            "2",
            &format!("-c{clients}"),
            &format!("-T{seconds}"),
            "--log",
            &format!("--log-prefix={}", prefix.display()),
            url,
        ])
        .output()
        .expect("pgbench");
    let text = String::from_utf8_lossy(&o.stdout);
    let rate = text
        .lines()
        .find_map(|l| l.strip_prefix("tps = "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("pgbench's tps");
    // each log line: client, transaction, latency (µs), …
    let mut latencies: Vec<f64> = std::fs::read_dir(logs.path())
        .expect("logs")
        .flatten()
        .flat_map(|f| {
            std::fs::read_to_string(f.path())
                .unwrap_or_default()
                .lines()
                .filter_map(|l| l.split_whitespace().nth(2)?.parse::<f64>().ok())
                .collect::<Vec<_>>()
        })
        .map(|us| us / 1000.0)
        .collect();
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    Sample {
        rate,
        p50: at(0.5),
        p99: at(0.99),
        errors: 0,
    }
}

async fn measure(f: impl FnOnce() -> Sample + Send + 'static) -> Sample {
    let sample = tokio::task::spawn_blocking(f).await.expect("measurement");
    tokio::time::sleep(Duration::from_secs(2)).await;
    sample
}

/// The cycle's rubric with its escaped texts, as the server caches it.
async fn state_rubric(
    db: &Db,
    cycle_id: &kam360::domain::ids::CycleId,
) -> Arc<kam360::web::views::fragments::CycleForm> {
    kam360::web::RubricCache::default()
        .get(db, cycle_id)
        .await
        .expect("rubric")
}

/// The customer form, empty, as a first visit renders it.
fn render(form: &kam360::web::views::fragments::CycleForm) -> maud::Markup {
    use kam360::domain::locale::Locale;
    use kam360::web::views::rater::{form as page, FormHeader, Notice};
    let brand = kam360::web::views::layout::Brand::default();
    let h = FormHeader {
        brand: &brand,
        locale: Locale::En,
        subject_name: "KAM 0",
        cycle_name: "Benchmark",
        relationship: Relationship::Customer,
        deadline: kam360::domain::dates::Deadline::new(
            chrono::NaiveDate::from_ymd_opt(2026, 12, 28)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .expect("date"),
            "UTC",
        ),
        min_group_size: 3,
        contact: "hr@kam360.test",
        action: "/f/01a2bc3d-0000-7000-8000-000000000000".into(),
        decline_href: "/f/01a2bc3d-0000-7000-8000-000000000000/decline".into(),
        switch_href: "/f/01a2bc3d-0000-7000-8000-000000000000?lang=zh".into(),
    };
    page(&h, form, &Default::default(), &[], Notice::None)
}
