//! How many criteria carry a flag (SPEC §6), on the demo and on a seeded cycle of realistic
//! answers, under the `low_agreement` rule of 2026-12-06 (population standard deviation ≥ 0.8)
//! and the earlier one (max − min ≥ 2). Run by hand:
//!
//! ```sh
//! cargo run --release --example flagshare
//! ```
//!
//! The demo is seeded into a temporary SQLite file and closed, and its flags read from the
//! report rows (`kam360 report`). The realistic cycle has 200 KAMs × 19 criteria: each KAM has
//! a true level per criterion (2, 3 or 4); each of 3 customers, 3 peers and 3 team members
//! answers it with probability 0.6, one level off with 0.35 (clamped to 1–4), two levels off
//! with 0.05, and "not able to judge" one time in ten; the supervisor answers the same way
//! (never "not able to judge"). A fixed seed makes the figures repeatable.

// a measurement run by hand: a failed setup step should stop it loudly
#![allow(clippy::unwrap_used, clippy::expect_used)]

use kam360::actions::Tx;
use kam360::actions::{cycles, demo, report};
use kam360::config::Settings;
use kam360::db::{self, Db};
use kam360::domain::formats::rubric::Rubric;
use kam360::domain::rules::consolidation::{propose, Evidence, Level, Policy};
use kam360::email::Templates;
use kam360::error::AppError;

/// Counts of criteria: (all, any flag, low_agreement, low_agreement by the old rule).
#[derive(Default, Debug)]
struct Share {
    criteria: usize,
    flagged: usize,
    low_agreement: usize,
    old_low_agreement: usize,
    old_flagged: usize,
    divergent: usize,
    thin_evidence: usize,
}

impl Share {
    fn add(&mut self, e: &Evidence, k: usize) {
        let p = propose(e, &Policy::default(), k);
        let pool: Vec<Level> = e.multi_rater().collect();
        let old = pool.len() >= k
            && pool
                .iter()
                .max()
                .zip(pool.iter().min())
                .is_some_and(|(a, b)| a - b >= 2);
        self.criteria += 1;
        self.flagged += usize::from(!p.flags.names().is_empty());
        self.low_agreement += usize::from(p.flags.low_agreement);
        self.divergent += usize::from(p.flags.divergent);
        self.thin_evidence += usize::from(p.flags.thin_evidence);
        self.old_low_agreement += usize::from(old);
        self.old_flagged += usize::from(p.flags.divergent || p.flags.thin_evidence || old);
    }

    fn print(&self, what: &str) {
        let pct = |n: usize| 100.0 * n as f64 / self.criteria.max(1) as f64;
        println!(
            "{what}: {} criteria; flagged {} ({:.0} %): low_agreement {} ({:.0} %), divergent {} \
             ({:.0} %), thin_evidence {} ({:.0} %); by the old low_agreement rule flagged {} \
             ({:.0} %), low_agreement {} ({:.0} %)",
            self.criteria,
            self.flagged,
            pct(self.flagged),
            self.low_agreement,
            pct(self.low_agreement),
            self.divergent,
            pct(self.divergent),
            self.thin_evidence,
            pct(self.thin_evidence),
            self.old_flagged,
            pct(self.old_flagged),
            self.old_low_agreement,
            pct(self.old_low_agreement),
        );
    }
}

/// A small deterministic generator (64-bit LCG), enough for a repeatable sample.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    fn answer(&mut self, truth: i32) -> Option<Level> {
        if self.next() < 0.1 {
            return None;
        }
        let r = self.next();
        let sign = if self.next() < 0.5 { -1 } else { 1 };
        let off = if r < 0.6 {
            0
        } else if r < 0.95 {
            sign
        } else {
            2 * sign
        };
        Some((truth + off).clamp(1, 4) as Level)
    }
}

fn demo_share() -> (Share, Share) {
    let dir = tempfile_dir();
    let url = format!("sqlite://{}/demo.db", dir.display());
    let mut settings =
        Settings::load_from(std::path::Path::new("config/default.toml"), None, false)
            .expect("settings");
    settings.database.url = url.clone().into();
    settings.email.file_dir = dir.join("mail");
    let db = Db::connect(&url, 2).expect("db");
    db.migrate().expect("migrate");
    let templates = Templates::new(None).expect("templates");
    let rubric =
        kam360::domain::formats::rubric::Rubric::load(&settings.rubric.path).expect("rubric");
    let (first, all) = db
        .write_blocking(|c| {
            let now = db::now();
            demo::seed(
                Tx(
                    c,
                    kam360::actions::Mail::new(&templates, &settings),
                    None,
                    now,
                ),
                &rubric,
            )?;
            let cycle = db::cycles::list(c)?.remove(0).id;
            cycles::close(
                Tx(
                    c,
                    kam360::actions::Mail::new(&templates, &settings),
                    None,
                    now,
                ),
                &cycle,
            )?;
            let k = kam360::domain::rules::confidentiality::K::FLOOR.get();
            // the evidence as the report builds it, with the answers' groups
            let reviews = db::reviews::list_for_cycle(c, &cycle)?;
            let mut first = Share::default();
            let mut all = Share::default();
            let mut evidence: std::collections::HashMap<
                (kam360::domain::ids::ReviewId, String),
                Evidence,
            > = Default::default();
            let ids: Vec<_> = reviews.iter().map(|r| r.review.id.clone()).collect();
            db::responses::each_submitted_answer_in(c, &ids, |review, group, criterion, level| {
                evidence
                    .entry((review.clone(), criterion.to_owned()))
                    .or_default()
                    .answer(group, level);
            })?;
            let rows = report::build(c, &cycle)?;
            for row in &rows {
                let review = reviews
                    .iter()
                    .find(|r| r.subject_email == row.subject_email)
                    .expect("review");
                let e = evidence
                    .get(&(review.review.id.clone(), row.criterion_id.clone()))
                    .cloned()
                    .unwrap_or_default();
                // the report's flags are the policy's: check they agree
                assert_eq!(
                    row.figures.flags,
                    propose(&e, &Policy::default(), k).flags.joined()
                );
                all.add(&e, k);
                // the demo's strong KAM, whom every rater sees alike
                if review.subject_email == "wang.fang@demo.kam360" {
                    first.add(&e, k);
                }
            }
            Ok::<_, AppError>((first, all))
        })
        .expect("demo");
    let _ = std::fs::remove_dir_all(&dir);
    (first, all)
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("kam360-flagshare-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn realistic_share(rubric: &Rubric, kams: usize) -> Share {
    let mut rng = Lcg(20_261_206);
    let mut share = Share::default();
    for _ in 0..kams {
        for c in rubric.criteria() {
            let truth = 2 + (rng.next() * 3.0) as i32;
            let mut e = Evidence {
                supervisor: Some(
                    (truth + if rng.next() < 0.3 { 1 } else { 0 }).clamp(1, 4) as Level
                ),
                ..Evidence::default()
            };
            for (group, observes) in [
                (
                    kam360::domain::relationship::Relationship::Customer,
                    c.observable_by(kam360::domain::relationship::Relationship::Customer),
                ),
                (
                    kam360::domain::relationship::Relationship::Peer,
                    c.observable_by(kam360::domain::relationship::Relationship::Peer),
                ),
                (
                    kam360::domain::relationship::Relationship::Team,
                    c.observable_by(kam360::domain::relationship::Relationship::Team),
                ),
            ] {
                if !observes {
                    continue;
                }
                for _ in 0..3 {
                    match rng.answer(truth) {
                        Some(l) => e.add(group, l),
                        None => e.add_not_able(group),
                    }
                }
            }
            share.add(&e, 3);
        }
    }
    share
}

fn main() {
    let (first, all) = demo_share();
    first.print("demo, the strong KAM's review (every rater answered)");
    all.print("demo, whole cycle (closed)");
    let settings = Settings::load_from(std::path::Path::new("config/default.toml"), None, false)
        .expect("settings");
    let rubric =
        kam360::domain::formats::rubric::Rubric::load(&settings.rubric.path).expect("rubric");
    realistic_share(&rubric, 200).print("realistic cycle, 200 KAMs");
}
