//! Benchmark of the admin's cycle page (SPEC §11, issue 12: under 200 ms server time for a
//! cycle of 2,000 KAMs and 38,000 nominations). Run by hand, never in CI:
//!
//! ```sh
//! cargo build --release --example consolebench
//! target/release/examples/consolebench --db sqlite:///var/tmp/kam360-consolebench.db
//! target/release/examples/consolebench --db postgres://postgres@127.0.0.1:5432/consolebench
//! ```
//!
//! Seeds (once; an existing database is reused) an open cycle of `--kams` KAMs, each with 19
//! nominations (self, supervisor, 6 customers, 6 peers, 5 team members), every invitation
//! sent and a third of the raters answered. Then it measures two things, median and p95 of
//! 50 runs each, for several pages (the first, one deep in the list, a search, the "not
//! answered" filter):
//! - the server's work in this process: the page's queries and its rendering;
//! - the whole request through a real server on a socket, signed in as an admin (the
//!   stricter reading of "server time": it adds routing, the session check and HTTP).

// a benchmark run by hand: a failed setup step should stop it loudly
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use kam360::actions::Tx;
use std::sync::Arc;
use std::time::Instant;

use kam360::actions::Mail;
use kam360::actions::{cycles, nominations};
use kam360::config::Settings;
use kam360::db::{self, Db};
use kam360::domain::locale::Locale;
use kam360::domain::status::{AssignmentStatus, OutboxStatus, Role};
use kam360::email::Templates;
use kam360::error::AppError;
use kam360::web::admin::cycle as admin_cycle;
use kam360::web::views::admin::cycle::{self as view, PageQuery, Refusal};
use kam360::web::views::staff::Viewer;

fn stats(mut ms: Vec<f64>) -> (f64, f64) {
    ms.sort_by(f64::total_cmp);
    (ms[ms.len() / 2], ms[ms.len() * 95 / 100])
}

fn main() {
    use support::arg;
    let kams: usize = arg("--kams", "2000").parse().expect("--kams N");
    let url = arg("--db", "sqlite:///var/tmp/kam360-consolebench.db");
    if let Some(rest) = url.strip_prefix("postgres://") {
        // a database of its own, made on first use
        use diesel::{Connection, PgConnection, RunQueryDsl};
        let (server, name) = rest.rsplit_once('/').expect("postgres://…/NAME");
        let mut admin =
            PgConnection::establish(&format!("postgres://{server}/postgres")).expect("server");
        let _ = diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin);
    }
    let mut settings =
        Settings::load_from(std::path::Path::new("config/default.toml"), None, false)
            .expect("settings");
    settings.database.url = url.clone().into();
    let db = Db::connect(&url, 4).expect("db");
    db.migrate().expect("migrate");
    let templates = Templates::new(None).expect("templates");
    let existing = db
        .read_blocking(|c| Ok::<_, AppError>(db::cycles::list(c)?.first().map(|c| c.id.clone())))
        .expect("cycles");
    let cycle = match existing {
        Some(id) => id,
        None => seed(&db, &settings, &templates, kams),
    };
    let n = db
        .read_blocking({
            let id = cycle.clone();
            move |c| Ok::<_, AppError>(db::cycle_page::status_counts(c, &id)?)
        })
        .expect("counts");
    let total: i64 = n.iter().map(|(_, n)| n).sum();
    println!("cycle {cycle}: {total} nominations");
    let pages = [
        ("first page", PageQuery::default()),
        (
            "page 40",
            PageQuery {
                page: Some(40),
                ..Default::default()
            },
        ),
        (
            "search \"kam 1234\"",
            PageQuery {
                q: "kam 1234".into(),
                ..Default::default()
            },
        ),
        (
            "not answered",
            PageQuery {
                show: "unanswered".into(),
                ..Default::default()
            },
        ),
    ];
    let viewer = Viewer {
        name: "Bench",
        csrf: "csrf",
        role: Role::Admin,
        switch: "/admin/cycles?lang=zh".into(),
        here: "/admin/cycles".into(),
    };
    for (what, q) in &pages {
        let mut times = Vec::new();
        let mut bytes = 0;
        for _ in 0..50 {
            let start = Instant::now();
            let (id, q2) = (cycle.clone(), q.clone());
            let loaded = db
                .read_blocking(move |c| admin_cycle::load(c, &id, &q2))
                .expect("load");
            let page = view::CyclePage {
                cycle: &kam360::web::admin::cycle::cycle_view(&loaded.cycle),
                counts: &loaded.counts,
                kams_total: loaded.kams_total,
                kams: &loaded.kams,
                query: q,
                page: loaded.page,
                pages: loaded.pages,
                default_reminders: "7,2",
                refusal: Refusal::default(),
            };
            let html = view::cycle_page(Locale::En, &viewer, &page).into_string();
            bytes = html.len();
            times.push(start.elapsed().as_secs_f64() * 1000.0);
        }
        let (median, p95) = stats(times);
        println!("in process, {what}: median {median:.1} ms, p95 {p95:.1} ms ({bytes} bytes)");
    }
    over_http(&db, settings, templates, &cycle, &pages);
}

/// The same pages through a real server, signed in as an admin.
fn over_http(
    db: &Db,
    settings: Settings,
    templates: Templates,
    cycle: &kam360::domain::ids::CycleId,
    pages: &[(&str, PageQuery)],
) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let password = db
        .write_blocking(|c| {
            if let Some(a) = db::accounts::find_by_email(c, "bench.admin@bench.test")? {
                db::accounts::set_disabled(c, &a.email, false, db::now())?;
            } else {
                kam360::actions::users::add(
                    c,
                    "bench.admin@bench.test",
                    "Bench",
                    Role::Admin,
                    db::now(),
                )?;
            }
            let p = kam360::domain::security::password::generate();
            let h = kam360::domain::security::password::hash(&p)
                .map_err(|e| AppError::Unexpected(e.into()))?;
            db::accounts::set_password(c, "bench.admin@bench.test", &h, db::now())?;
            Ok::<_, AppError>(p)
        })
        .expect("admin");
    rt.block_on(async move {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let address = format!("http://{}", listener.local_addr().expect("addr"));
        let mut settings = settings;
        settings.server.public_base_url = address.clone();
        let rubric =
            kam360::domain::formats::rubric::Rubric::load(&settings.rubric.path).expect("rubric");
        let state = actix_web::web::Data::new(kam360::web::AppState::new(
            db.clone(),
            Arc::new(settings),
            Arc::new(templates),
            Arc::new(rubric),
        ));
        let server = kam360::web::build(listener, state).expect("server");
        tokio::spawn(server);
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let r = client
            .post(format!("{address}/login"))
            .form(&[
                ("email", "bench.admin@bench.test"),
                ("password", password.as_str()),
            ])
            .send()
            .await
            .expect("login");
        assert_eq!(r.status(), 303);
        for (what, q) in pages {
            let query = serde_urlencoded::to_string([
                ("q", q.q.as_str()),
                ("show", q.show.as_str()),
                ("page", &q.page.unwrap_or(1).to_string()),
                ("lang", "en"),
            ])
            .expect("query");
            let url = format!("{address}/admin/cycles/{cycle}?{query}");
            let mut times = Vec::new();
            for _ in 0..50 {
                let start = Instant::now();
                let r = client.get(&url).send().await.expect("GET");
                assert_eq!(r.status(), 200);
                let _ = r.bytes().await.expect("body");
                times.push(start.elapsed().as_secs_f64() * 1000.0);
            }
            let (median, p95) = stats(times);
            println!("over HTTP, {what}: median {median:.1} ms, p95 {p95:.1} ms");
        }
    });
}

fn seed(
    db: &Db,
    settings: &Settings,
    templates: &Templates,
    kams: usize,
) -> kam360::domain::ids::CycleId {
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
                "Console benchmark",
                (now + chrono::TimeDelta::days(30)).date(),
                now,
            )
        })
        .expect("cycle");
    eprintln!("seeding {kams} KAMs × 19 nominations …");
    for first in (0..kams).step_by(250) {
        let csv = support::nominations(first..kams.min(first + 250), support::NINETEEN);
        let (s, id) = (settings.clone(), cycle.clone());
        db.write_blocking(|c| {
            nominations::import(
                Tx(c, Mail::new(templates, &s), None, now),
                &id,
                csv.as_bytes(),
            )
        })
        .expect("import");
    }
    eprintln!("launching (38,000 invitations) …");
    let (s, id) = (settings.clone(), cycle.clone());
    db.write_blocking(|c| cycles::launch(Tx(c, Mail::new(templates, &s), None, now), &id))
        .expect("launch");
    // every invitation went out; a third of the raters answered
    db.write_blocking(|c| {
        use diesel::prelude::*;
        use kam360::db::schema::{assignments, email_outbox};
        diesel::update(email_outbox::table)
            .set((
                email_outbox::status.eq(OutboxStatus::Sent),
                email_outbox::sent_at.eq(Some(now)),
            ))
            .execute(c)?;
        diesel::update(assignments::table)
            .set((
                assignments::status.eq(AssignmentStatus::Invited),
                assignments::invited_at.eq(Some(now)),
            ))
            .execute(c)?;
        let ids: Vec<String> = assignments::table.select(assignments::id).load(c)?;
        let answered: Vec<&String> = ids.iter().step_by(3).collect();
        for chunk in answered.chunks(500) {
            diesel::update(assignments::table.filter(assignments::id.eq_any(chunk)))
                .set(assignments::status.eq(AssignmentStatus::Submitted))
                .execute(c)?;
        }
        Ok::<_, AppError>(())
    })
    .expect("sent and answered");
    // what autovacuum would do soon after such a load: PostgreSQL plans with fresh statistics
    if secrecy::ExposeSecret::expose_secret(&settings.database.url).starts_with("postgres://") {
        db.write_blocking(|c| {
            use diesel::RunQueryDsl;
            diesel::sql_query("ANALYZE").execute(c)?;
            Ok::<_, AppError>(())
        })
        .expect("analyze");
    }
    cycle
}
