//! What the hand-run benchmarks share (`mod support;` in each).

use kam360::db::{self, Db};
use kam360::domain::formats::rubric::Rubric;
use kam360::domain::ids::CycleId;
use kam360::domain::status::AssignmentStatus;
use kam360::error::{AppError, AppResult};

/// Every rater of `cycle` answers every criterion they observe (a comment on the first),
/// written straight into the database, 100 KAMs a transaction; returns how many KAMs.
pub fn answer_everything(db: &Db, rubric: &Rubric, cycle: &CycleId) -> usize {
    let id = cycle.clone();
    let reviews = db
        .read_blocking(move |c| Ok::<_, AppError>(db::reviews::list_for_cycle(c, &id)?))
        .expect("reviews");
    for (n, batch) in reviews.chunks(100).enumerate() {
        let batch: Vec<_> = batch.iter().map(|r| r.review.id.clone()).collect();
        let rubric = rubric.clone();
        db.write_blocking(move |c| -> AppResult<()> {
            let now = db::now();
            for review in &batch {
                for a in db::assignments::list_for_review(c, review)? {
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
                    db::responses::replace(
                        c,
                        &a.assignment.id,
                        &rows,
                        "Strengths",
                        "",
                        false,
                        now,
                    )?;
                    db::assignments::transition(
                        c,
                        &a.assignment.id,
                        &[AssignmentStatus::Pending, AssignmentStatus::Invited],
                        AssignmentStatus::Submitted,
                        now,
                    )?;
                }
            }
            Ok(())
        })
        .expect("answers");
        eprintln!(
            "  {} of {} KAMs answered",
            ((n + 1) * 100).min(reviews.len()),
            reviews.len()
        );
    }
    reviews.len()
}
