//! Benchmark of the team view (issue #21: 50 KAMs × 19 criteria render in under 50 ms server
//! time on both backends, in a fixed number of queries). Run by hand, never in CI:
//!
//! ```sh
//! cargo build --release --example teambench
//! target/release/examples/teambench --db sqlite:///var/tmp/kam360-teambench.db
//! target/release/examples/teambench --db postgres://postgres@127.0.0.1:5432/teambench
//! ```
//!
//! Seeds (once; an existing database is reused) a closed cycle of `--kams` KAMs under one
//! supervisor, each with self, supervisor, 3 customers, 3 peers and 3 team members who all
//! answered every criterion, half of the reviews signed off, and a previous finalized cycle
//! for every KAM. Then it measures, median and p95 of 50 runs:
//! - the server's work in this process: the team's queries (counted) and the page's rendering;
//! - the whole request through a real server on a socket, signed in as the supervisor (the
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
use kam360::domain::ids::{CycleId, PersonId};
use kam360::domain::locale::Locale;
use kam360::domain::rules::team::SortBy;
use kam360::domain::status::{AssignmentStatus, OutboxStatus, ReviewStatus, Role};
use kam360::email::Templates;
use kam360::error::AppError;
use kam360::web::views::staff::Viewer;
use kam360::web::views::team::{self as view, TeamPage};

const BOSS: &str = "boss@bench.test";

fn stats(mut ms: Vec<f64>) -> (f64, f64) {
    ms.sort_by(f64::total_cmp);
    (ms[ms.len() / 2], ms[ms.len() * 95 / 100])
}

fn main() {
    use support::arg;
    let kams: usize = arg("--kams", "50").parse().expect("--kams N");
    let url = arg("--db", "sqlite:///var/tmp/kam360-teambench.db");
    if let Some(rest) = url.strip_prefix("postgres://") {
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
    let counter = db::StatementCounter::default();
    let db = Db::connect_counting(&url, 4, Some(counter.clone())).expect("db");
    db.migrate().expect("migrate");
    let templates = Templates::new(None).expect("templates");
    let existing = db
        .read_blocking(|c| Ok::<_, AppError>(db::cycles::list(c)?.first().map(|c| c.id.clone())))
        .expect("cycles");
    let cycle = match existing {
        Some(id) => id,
        None => {
            // the earlier cycle first, so that every KAM has a previous finalized review
            seed(
                &db,
                &settings,
                &templates,
                kams,
                "Team benchmark 2025",
                true,
            );
            seed(
                &db,
                &settings,
                &templates,
                kams,
                "Team benchmark 2026",
                false,
            )
        }
    };
    let boss = db
        .read_blocking(|c| Ok::<_, AppError>(db::people::find_by_email(c, BOSS)?.expect("boss").id))
        .expect("boss");
    let viewer = Viewer {
        name: "Bench",
        csrf: "csrf",
        role: Role::Supervisor,
        switch: "/team?lang=zh".into(),
        here: "/team".into(),
    };
    let mut times = Vec::new();
    let mut loads = Vec::new();
    let (mut bytes, mut queries) = (0, 0);
    for _ in 0..50 {
        counter.start();
        let start = Instant::now();
        let (id, b) = (cycle.clone(), boss.clone());
        let team = db
            .read_blocking(move |c| kam360::actions::team::load(c, &id, &b, db::now()))
            .expect("team");
        loads.push(start.elapsed().as_secs_f64() * 1000.0);
        let page = TeamPage {
            cycles: &[],
            supervisors: &[],
            cycle: Some((&cycle, "Team benchmark 2026")),
            supervisor: None,
            rubric: Some(&team.rubric),
            rows: &team.rows,
            sort: &SortBy::State,
            ascending: true,
        };
        let html = view::team(Locale::En, &viewer, &page).into_string();
        times.push(start.elapsed().as_secs_f64() * 1000.0);
        queries = counter.stop();
        bytes = html.len();
        assert_eq!(team.rows.len(), kams);
    }
    let (median, p95) = stats(times);
    let (load_median, load_p95) = stats(loads);
    println!(
        "in process, {kams} KAMs: median {median:.1} ms, p95 {p95:.1} ms ({queries} statements, {bytes} bytes); of which the queries: median {load_median:.1} ms, p95 {load_p95:.1} ms"
    );
    over_http(&db, settings, templates, &boss);
}

/// The page through a real server, signed in as the supervisor.
fn over_http(db: &Db, settings: Settings, templates: Templates, _boss: &PersonId) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let password = db
        .write_blocking(|c| {
            if db::accounts::find_by_email(c, BOSS)?.is_none() {
                kam360::actions::users::add(c, BOSS, "Boss", Role::Supervisor, db::now())?;
            }
            let p = kam360::domain::security::password::generate();
            let h = kam360::domain::security::password::hash(&p)
                .map_err(|e| AppError::Unexpected(e.into()))?;
            db::accounts::set_password(c, BOSS, &h, db::now())?;
            Ok::<_, AppError>(p)
        })
        .expect("supervisor");
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
            .form(&[("email", BOSS), ("password", password.as_str())])
            .send()
            .await
            .expect("login");
        assert_eq!(r.status(), 303);
        for (what, path) in [
            ("/team", "/team?lang=en"),
            (
                "/team sorted by a criterion",
                "/team?sort=mean&dir=desc&lang=en",
            ),
            ("/team.csv", "/team.csv"),
        ] {
            let mut times = Vec::new();
            for _ in 0..50 {
                let start = Instant::now();
                let r = client
                    .get(format!("{address}{path}"))
                    .send()
                    .await
                    .expect("GET");
                assert_eq!(r.status(), 200);
                let _ = r.bytes().await.expect("body");
                times.push(start.elapsed().as_secs_f64() * 1000.0);
            }
            let (median, p95) = stats(times);
            println!("over HTTP, {what}: median {median:.1} ms, p95 {p95:.1} ms");
        }
    });
}

/// A cycle of `kams` KAMs under one supervisor, every rater answered, closed; half of the
/// reviews (all, for the `earlier` cycle) signed off.
fn seed(
    db: &Db,
    settings: &Settings,
    templates: &Templates,
    kams: usize,
    name: &str,
    earlier: bool,
) -> CycleId {
    let rubric =
        kam360::domain::formats::rubric::Rubric::load(&settings.rubric.path).expect("rubric");
    let criteria: Vec<String> = rubric.criteria().map(|c| c.id.clone()).collect();
    let now = db::now();
    let (s, r, n) = (settings.clone(), rubric.clone(), name.to_owned());
    let cycle = db
        .write_blocking(move |c| {
            cycles::create(
                c,
                &s,
                &r,
                &n,
                (now + chrono::TimeDelta::days(30)).date(),
                now,
            )
        })
        .expect("cycle");
    eprintln!("seeding {name}: {kams} KAMs × 11 raters …");
    let header = kam360::domain::formats::nomination::COLUMNS.join(",");
    let mut csv = header + "\n";
    for k in 0..kams {
        let kam = format!("kam{k}@bench.test");
        let mut row = |rater: &str, rname: &str, rel: &str| {
            csv.push_str(&format!(
                "{kam},KAM {k:02},{BOSS},Boss,{rater},{rname},{rel},en,Org {k}\n"
            ));
        };
        row(&kam, &format!("KAM {k:02}"), "self");
        row(BOSS, "Boss", "supervisor");
        for i in 0..3 {
            row(&format!("c{k}-{i}@client.test"), "Customer", "customer");
            row(&format!("p{k}-{i}@bench.test"), "Peer", "peer");
            row(&format!("t{k}-{i}@bench.test"), "Team", "team");
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
    let id = cycle.clone();
    db.write_blocking(move |c| {
        use diesel::prelude::*;
        use kam360::db::schema::{assignments, decisions, email_outbox, reviews};
        diesel::update(email_outbox::table)
            .set((
                email_outbox::status.eq(OutboxStatus::Sent),
                email_outbox::sent_at.eq(Some(now)),
            ))
            .execute(c)?;
        let ids: Vec<String> = assignments::table
            .inner_join(reviews::table)
            .filter(reviews::cycle_id.eq(&id))
            .select(assignments::id)
            .load(c)?;
        for (n, a) in ids.iter().enumerate() {
            diesel::update(assignments::table.find(a))
                .set(assignments::status.eq(AssignmentStatus::Submitted))
                .execute(c)?;
            let a = kam360::domain::ids::AssignmentId::stored(a);
            let rows: Vec<_> = criteria
                .iter()
                .enumerate()
                .map(|(i, criterion)| kam360::db::responses::RatingRow {
                    assignment_id: a.clone(),
                    criterion_id: criterion.clone(),
                    level: Some(i32::try_from(2 + (n + i) % 3).unwrap_or(3)),
                    not_observed: false,
                    comment: String::new(),
                })
                .collect();
            kam360::db::responses::replace(c, &a, &rows, "", "", false, now)?;
        }
        let review_ids: Vec<(String, String)> = reviews::table
            .filter(reviews::cycle_id.eq(&id))
            .select((reviews::id, reviews::supervisor_id))
            .load(c)?;
        for (n, (review, boss)) in review_ids.iter().enumerate() {
            if !earlier && n % 2 == 1 {
                continue;
            }
            for (i, criterion) in criteria.iter().enumerate() {
                let level = i32::try_from(2 + (n + i + usize::from(earlier)) % 3).unwrap_or(3);
                diesel::insert_into(decisions::table)
                    .values((
                        decisions::review_id.eq(review),
                        decisions::criterion_id.eq(criterion),
                        decisions::proposed_level.eq(Some(level)),
                        decisions::final_level.eq(Some(level)),
                        decisions::rationale.eq(""),
                        decisions::decided_by.eq(boss),
                        decisions::decided_at.eq(now),
                    ))
                    .execute(c)?;
            }
            diesel::update(reviews::table.find(review))
                .set((
                    reviews::status.eq(ReviewStatus::Finalized),
                    reviews::finalized_at.eq(Some(now)),
                ))
                .execute(c)?;
        }
        Ok::<_, AppError>(())
    })
    .expect("answered and signed off");
    let (s, id) = (settings.clone(), cycle.clone());
    db.write_blocking(|c| cycles::close(Tx(c, Mail::new(templates, &s), None, now), &id))
        .expect("close");
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
