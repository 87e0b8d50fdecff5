//! What the hand-run benchmarks share (`mod support;` in each).

// each benchmark uses part of it
#![allow(dead_code)]

use kam360::db::{self, Db};
use kam360::domain::formats::rubric::Rubric;
use kam360::domain::ids::CycleId;
use kam360::domain::status::AssignmentStatus;
use kam360::error::{AppError, AppResult};

/// Every rater of `cycle` answers every criterion they observe (a comment on the first),
/// written straight into the database, each rater's answers in a transaction of their own (as
/// a submitted form is: the counts each review keeps are then updated one rater at a time, as
/// in production); returns how many KAMs.
pub fn answer_everything(db: &Db, rubric: &Rubric, cycle: &CycleId) -> usize {
    let id = cycle.clone();
    let reviews = db
        .read_blocking(move |c| Ok::<_, AppError>(db::reviews::list_for_cycle(c, &id)?))
        .expect("reviews");
    for (n, batch) in reviews.chunks(100).enumerate() {
        let batch: Vec<_> = batch.iter().map(|r| r.review.id.clone()).collect();
        let raters = db
            .read_blocking(move |c| -> AppResult<Vec<_>> {
                let mut raters = Vec::new();
                for review in &batch {
                    raters.extend(db::assignments::list_for_review(c, review)?);
                }
                Ok(raters)
            })
            .expect("raters");
        for a in raters {
            let rows: Vec<db::responses::RatingRow> = rubric
                .criteria_for(a.assignment.relationship)
                .enumerate()
                .map(|(i, cr)| db::responses::RatingRow {
                    assignment_id: a.assignment.id.clone(),
                    criterion_id: cr.id.clone(),
                    level: Some(1 + ((i + a.rater_email.len()) % 4) as i32),
                    not_observed: false,
                    comment: if i == 0 {
                        "A concrete example of the behaviour".into()
                    } else {
                        String::new()
                    },
                })
                .collect();
            db.write_blocking(move |c| -> AppResult<()> {
                let now = db::now();
                db::responses::replace(c, &a.assignment.id, &rows, "Strengths", "", false, now)?;
                db::assignments::transition(
                    c,
                    &a.assignment.id,
                    &[AssignmentStatus::Pending, AssignmentStatus::Invited],
                    AssignmentStatus::Submitted,
                    now,
                )?;
                Ok(())
            })
            .expect("answers");
        }
        eprintln!(
            "  {} of {} KAMs answered",
            ((n + 1) * 100).min(reviews.len()),
            reviews.len()
        );
    }
    reviews.len()
}

/// The value after `name` on the command line, else `default`.
pub fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
        .unwrap_or_else(|| default.to_owned())
}

/// A nominations file of the KAMs numbered `kams`, under 50 supervisors: each with self,
/// supervisor and `[customers, peers, team members]`.
pub fn nominations(kams: std::ops::Range<usize>, groups: [usize; 3]) -> String {
    let mut csv = kam360::domain::formats::nomination::COLUMNS.join(",") + "\n";
    for k in kams {
        let (kam, boss) = (
            format!("kam{k}@bench.test"),
            format!("boss{}@bench.test", k % 50),
        );
        let mut row = |rater: &str, name: &str, rel: &str| {
            csv.push_str(&format!(
                "{kam},KAM {k},{boss},Boss {},{rater},{name},{rel},en,Org {k}\n",
                k % 50
            ));
        };
        row(&kam, &format!("KAM {k}"), "self");
        row(&boss, &format!("Boss {}", k % 50), "supervisor");
        let [customers, peers, team] = groups;
        for i in 0..customers.max(peers).max(team) {
            if i < customers {
                row(&format!("c{k}-{i}@client.test"), "Customer", "customer");
            }
            if i < peers {
                row(&format!("p{k}-{i}@bench.test"), "Peer", "peer");
            }
            if i < team {
                row(&format!("t{k}-{i}@bench.test"), "Team", "team");
            }
        }
    }
    csv
}

/// The 10,000-KAM cycle's shape: 6 customers, 6 peers and 5 team members (19 nominations).
pub const NINETEEN: [usize; 3] = [6, 6, 5];
