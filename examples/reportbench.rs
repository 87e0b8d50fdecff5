//! Benchmark of the cycle report and the review report page (run by hand, never in CI):
//!
//! ```sh
//! cargo build --release --bin kam360 --example reportbench
//! target/release/examples/reportbench --kams 2000 --db /var/tmp/kam360-reportbench.db
//! ```
//!
//! Seeds (once; an existing file is reused) a closed cycle of `kams` KAMs, each with self,
//! supervisor, 3 customers, 3 peers and 3 team members who all answered (2,000 KAMs: 38,000
//! report rows, ~330,000 ratings), then measures in this process the review report page's
//! server time (load + render, median of 200), and prints the command that times
//! `kam360 report` with its peak RSS (`/usr/bin/time -v`).

// a benchmark run by hand: a failed setup step should stop it loudly
#![allow(clippy::unwrap_used, clippy::expect_used)]

use kam360::actions::Tx;
mod support;

use std::time::Instant;

use kam360::actions::{cycles, nominations, reconcile};
use kam360::config::Settings;
use kam360::db::{self, Db};
use kam360::domain::ids::{CycleId, PersonId};
use kam360::domain::locale::Locale;
use kam360::domain::status::CycleStatus;
use kam360::email::Templates;
use kam360::error::{AppError, AppResult};

fn main() {
    use support::arg;
    let kams: usize = arg("--kams", "2000").parse().expect("--kams N");
    let path = arg("--db", "/var/tmp/kam360-reportbench.db");
    let url = format!("sqlite://{path}");
    let fresh = !std::path::Path::new(&path).exists();
    let mut settings =
        Settings::load_from(std::path::Path::new("config/default.toml"), None, false)
            .expect("settings");
    settings.database.url = url.clone().into();
    let db = Db::connect(&url, 2).expect("db");
    db.migrate().expect("migrate");
    let templates = Templates::new(None).expect("templates");
    let cycle = if fresh {
        seed(&db, &settings, &templates, kams)
    } else {
        db.read_blocking(|c| Ok::<_, AppError>(db::cycles::list(c)?.remove(0).id))
            .expect("the cycle")
    };
    // the review report page: load (as an admin) and render, median of 200
    let review = db
        .read_blocking(|c| {
            Ok::<_, AppError>(db::reviews::list_for_cycle(c, &cycle)?.remove(0).review.id)
        })
        .expect("a review");
    let mut times = Vec::new();
    for _ in 0..200 {
        let start = Instant::now();
        let id = review.clone();
        let html = db
            .read_blocking(move |c| -> AppResult<String> {
                let r = reconcile::load(c, &id, &PersonId::stored(String::new()), true)?
                    .expect("review");
                let model = kam360::web::reconcile::page_model(&r);
                let frame = kam360::web::views::review_report::Frame {
                    title: "Report".into(),
                    back: None,
                    switch: None,
                    top: maud::html! {},
                    bottom: maud::html! {},
                };
                Ok(
                    kam360::web::views::review_report::report(Locale::En, &model, &frame)
                        .into_string(),
                )
            })
            .expect("report page");
        assert!(html.contains("<svg"));
        times.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "review report page (load + render, {kams} KAMs in the database): median {:.2} ms, p90 {:.2} ms",
        times[times.len() / 2],
        times[times.len() * 9 / 10]
    );
    println!("time the cycle report with:");
    for format in ["csv", "json"] {
        println!(
            "  KAM360__DATABASE__URL={url} /usr/bin/time -v target/release/kam360 report {cycle} --format {format} --out /dev/null"
        );
    }
}

fn seed(db: &Db, settings: &Settings, templates: &Templates, kams: usize) -> CycleId {
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
                "Report benchmark",
                (now + chrono::TimeDelta::days(30)).date(),
                now,
            )
        })
        .expect("cycle");
    eprintln!("seeding {kams} KAMs …");
    for first in (0..kams).step_by(500) {
        let csv = support::nominations(first..kams.min(first + 500), [3, 3, 3]);
        let (s, id) = (settings.clone(), cycle.clone());
        db.write_blocking(|c| {
            nominations::import(
                Tx(c, kam360::actions::Mail::new(templates, &s), None, now),
                &id,
                csv.as_bytes(),
            )
        })
        .expect("import");
    }
    let id = cycle.clone();
    db.write_blocking(move |c| {
        db::cycles::transition(c, &id, CycleStatus::Draft, CycleStatus::Open, now)
            .map_err(AppError::from)
    })
    .expect("open");
    // every rater answers every criterion they can observe
    support::answer_everything(db, &rubric, &cycle);
    let (s, id) = (settings.clone(), cycle.clone());
    db.write_blocking(|c| {
        cycles::close(
            Tx(c, kam360::actions::Mail::new(templates, &s), None, now),
            &id,
        )
    })
    .expect("close");
    cycle
}
