//! A rater's answers: one rating per criterion shown (a level, or not able to judge), comments,
//! and the overall strengths and improvements.

use crate::domain::ids::{AssignmentId, CycleId, ReviewId};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{assignments, ratings, responses, reviews};
use super::AnyConnection;
use crate::domain::relationship::Relationship;
use crate::domain::status::AssignmentStatus;

/// One stored rating.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = ratings, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
// NULL rather than DEFAULT for None: lets SQLite take all rows in one INSERT
#[diesel(treat_none_as_default_value = false)]
pub struct RatingRow {
    pub assignment_id: AssignmentId,
    pub criterion_id: String,
    pub level: Option<i32>,
    pub not_observed: bool,
    pub comment: String,
}

/// An assignment's stored ratings as one JSON array of `[criterion, level, not_observed,
/// comment]`, for the rater context's own statement (a correlated subquery on
/// `assignments.id`): the form GET reads the link, its state and the draft in one statement,
/// one round trip on PostgreSQL. The SQL is fixed per backend and the type has a static query
/// id, so the whole query stays in diesel's prepared-statement cache.
#[derive(Debug, Clone, Copy, diesel::query_builder::QueryId)]
pub struct DraftRatings;

impl diesel::expression::Expression for DraftRatings {
    type SqlType = diesel::sql_types::Text;
}

impl<QS> diesel::expression::AppearsOnTable<QS> for DraftRatings {}

impl<QS> diesel::expression::SelectableExpression<QS> for DraftRatings {}

impl<GB> diesel::expression::ValidGrouping<GB> for DraftRatings {
    type IsAggregate = diesel::expression::is_aggregate::Never;
}

impl diesel::query_builder::QueryFragment<diesel::sqlite::Sqlite> for DraftRatings {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::sqlite::Sqlite>,
    ) -> QueryResult<()> {
        out.push_sql(
            "(SELECT json_group_array(json_array(r.criterion_id, r.level, r.not_observed, \
             r.comment)) FROM ratings r WHERE r.assignment_id = assignments.id)",
        );
        Ok(())
    }
}

impl diesel::query_builder::QueryFragment<diesel::pg::Pg> for DraftRatings {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> QueryResult<()> {
        out.push_sql(
            "(SELECT COALESCE(json_agg(json_build_array(r.criterion_id, r.level, \
             r.not_observed, r.comment))::text, '[]') FROM ratings r \
             WHERE r.assignment_id = assignments.id)",
        );
        Ok(())
    }
}

/// The ratings in a [`DraftRatings`] value, as rows of `assignment_id`.
pub fn parse_draft(assignment_id: &AssignmentId, json: &str) -> QueryResult<Vec<RatingRow>> {
    /// SQLite gives a boolean column as 0 or 1, PostgreSQL as false or true.
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        Int(i64),
    }
    let items: Vec<(String, Option<i32>, Flag, String)> = serde_json::from_str(json)
        .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))?;
    Ok(items
        .into_iter()
        .map(|(criterion_id, level, flag, comment)| RatingRow {
            assignment_id: assignment_id.to_owned(),
            criterion_id,
            level,
            not_observed: match flag {
                Flag::Bool(b) => b,
                Flag::Int(i) => i != 0,
            },
            comment,
        })
        .collect())
}

/// Replaces an assignment's answers with `rows` and the overall comments. `had_draft` says
/// whether answers may already be stored; when not, the delete and the update are skipped
/// (fewer statements on the common first submit).
pub fn replace(
    conn: &mut AnyConnection,
    assignment_id: &AssignmentId,
    rows: &[RatingRow],
    strengths: &str,
    improvements: &str,
    had_draft: bool,
    now: NaiveDateTime,
) -> QueryResult<()> {
    if had_draft {
        diesel::delete(ratings::table.filter(ratings::assignment_id.eq(assignment_id)))
            .execute(conn)?;
    }
    if !rows.is_empty() {
        // batch inserts need the concrete backend
        super::native!(conn, |c| diesel::insert_into(ratings::table)
            .values(rows)
            .execute(c))?;
    }
    let levels = levels_of(rows);
    let updated = if !had_draft {
        0
    } else {
        diesel::update(responses::table.find(assignment_id))
            .set((
                responses::strengths.eq(strengths),
                responses::improvements.eq(improvements),
                responses::levels.eq(&levels),
                responses::updated_at.eq(now),
            ))
            .execute(conn)?
    };
    if updated == 0 {
        diesel::insert_into(responses::table)
            .values((
                responses::assignment_id.eq(assignment_id),
                responses::strengths.eq(strengths),
                responses::improvements.eq(improvements),
                responses::levels.eq(&levels),
                responses::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The levels of `rows` as `responses.levels` keeps them beside the ratings: `criterion=level`,
/// or `criterion=-` for no level (not able to judge), separated by spaces. A report reads
/// these, one row per rater, instead of a row per rating (SPEC §7 counts levels only). A
/// criterion id is lowercase letters, digits and underscores (the rubric's rule), so neither
/// separator can occur in one.
fn levels_of(rows: &[RatingRow]) -> String {
    use std::fmt::Write;
    let mut levels = String::with_capacity(rows.len() * 24);
    for r in rows {
        if !levels.is_empty() {
            levels.push(' ');
        }
        levels.push_str(&r.criterion_id);
        match r.level {
            Some(l) => write!(levels, "={l}").unwrap_or(()),
            None => levels.push_str("=-"),
        }
    }
    levels
}

/// Feeds each (criterion, level or `None`) kept in a `responses.levels` value to `f`.
///
/// # Errors
///
/// A value [`levels_of`] cannot have written, as a deserialisation error.
fn each_level(levels: &str, mut f: impl FnMut(&str, Option<i32>)) -> QueryResult<()> {
    let bad = || {
        diesel::result::Error::DeserializationError(
            format!("not a rater's levels: {levels:?}").into(),
        )
    };
    for answer in levels.split(' ').filter(|a| !a.is_empty()) {
        let (criterion, level) = answer.split_once('=').ok_or_else(bad)?;
        let level = match level {
            "-" => None,
            l => Some(l.parse::<i32>().map_err(|_| bad())?),
        };
        f(criterion, level);
    }
    Ok(())
}

/// A submitted form as a report reads it: (review, group, its levels as [`levels_of`] keeps
/// them).
type Answers = (ReviewId, Relationship, String);

/// The columns of an [`Answers`], from responses joined to their assignments.
#[diesel::dsl::auto_type]
fn answers() -> _ {
    (
        assignments::review_id,
        assignments::relationship,
        responses::levels,
    )
}

/// Feeds one [`Answers`] row's answers to `f`.
fn each_answer_of(
    row: QueryResult<Answers>,
    f: &mut impl FnMut(&ReviewId, Relationship, &str, Option<i32>),
) -> QueryResult<()> {
    let (review, group, levels) = row?;
    each_level(&levels, |criterion, level| {
        f(&review, group, criterion, level)
    })
}

/// Feeds every answer of a submitted assignment of these reviews to `f` as (review id, group,
/// criterion id, level or `None` for "not able to judge"), row by row, 500 reviews a query:
/// a report never holds its ratings (nor any comment) in memory. A submitted form holds one
/// answer per criterion it asks, so these rows are also its respondents (SPEC §7).
pub fn each_submitted_answer_in(
    conn: &mut AnyConnection,
    review_ids: &[ReviewId],
    mut f: impl FnMut(&ReviewId, Relationship, &str, Option<i32>),
) -> QueryResult<()> {
    for chunk in review_ids.chunks(500) {
        responses::table
            .inner_join(assignments::table)
            .filter(assignments::review_id.eq_any(chunk))
            .filter(assignments::status.eq(AssignmentStatus::Submitted))
            .select(answers())
            .load_iter::<Answers, diesel::connection::DefaultLoadingMode>(conn)?
            .try_for_each(|row| each_answer_of(row, &mut f))?;
    }
    Ok(())
}

/// [`each_submitted_answer_in`] for every review of a cycle, in one statement and in no
/// particular order. Each submitted form is one row holding its levels (about 190,000 rows at
/// 10,000 KAMs, where its ratings are 1.97 million). PostgreSQL sends the rows one at a time
/// instead of the whole result at once.
pub fn each_submitted_answer_of_cycle(
    conn: &mut AnyConnection,
    cycle_id: &CycleId,
    mut f: impl FnMut(&ReviewId, Relationship, &str, Option<i32>),
) -> QueryResult<()> {
    let query = responses::table
        .inner_join(assignments::table.inner_join(reviews::table))
        .filter(reviews::cycle_id.eq(cycle_id))
        .filter(assignments::status.eq(AssignmentStatus::Submitted))
        .select(answers());
    let mut each = |row| each_answer_of(row, &mut f);
    match conn {
        AnyConnection::Sqlite(c) => query
            .load_iter::<Answers, diesel::connection::DefaultLoadingMode>(c)?
            .try_for_each(&mut each),
        AnyConnection::Postgresql(c) => query
            .load_iter::<Answers, diesel::pg::PgRowByRowLoadingMode>(c)?
            .try_for_each(&mut each),
    }
}

/// A submitted answer of one review with its group (no rater identity), for reconciliation.
#[derive(Debug, Clone, Queryable)]
pub struct ReviewAnswer {
    pub relationship: Relationship,
    pub criterion_id: String,
    pub level: Option<i32>,
    pub comment: String,
}

/// Every rating of every submitted assignment of one review.
pub fn submitted_for_review(
    conn: &mut AnyConnection,
    review_id: &ReviewId,
) -> QueryResult<Vec<ReviewAnswer>> {
    ratings::table
        .inner_join(assignments::table)
        .filter(assignments::review_id.eq(review_id))
        .filter(assignments::status.eq(AssignmentStatus::Submitted))
        .select((
            assignments::relationship,
            ratings::criterion_id,
            ratings::level,
            ratings::comment,
        ))
        .load(conn)
}

/// Deletes every rating and overall answer of a cycle's assignments, and their decline
/// reasons and browser sessions; returns (ratings, responses) deleted.
pub fn purge_for_cycle(
    conn: &mut AnyConnection,
    cycle_id: &CycleId,
) -> QueryResult<(usize, usize)> {
    use super::schema::rater_sessions;
    let ids = || {
        assignments::table
            .inner_join(reviews::table)
            .filter(reviews::cycle_id.eq(cycle_id))
            .select(assignments::id)
    };
    let ratings = diesel::delete(ratings::table.filter(ratings::assignment_id.eq_any(ids())))
        .execute(conn)?;
    let responses = diesel::delete(responses::table.filter(responses::assignment_id.eq_any(ids())))
        .execute(conn)?;
    diesel::delete(rater_sessions::table.filter(rater_sessions::assignment_id.eq_any(ids())))
        .execute(conn)?;
    let reviews_of_cycle = reviews::table
        .filter(reviews::cycle_id.eq(cycle_id))
        .select(reviews::id);
    diesel::update(assignments::table.filter(assignments::review_id.eq_any(reviews_of_cycle)))
        .set(assignments::decline_reason.eq(None::<String>))
        .execute(conn)?;
    Ok((ratings, responses))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drafts_parse_from_either_backends_json() {
        let sqlite = r#"[["a",3,0,"say \"hi\"\n好"],["b",null,1,""]]"#;
        let pg = r#"[["a", 3, false, "say \"hi\"\n好"], ["b", null, true, ""]]"#;
        for json in [sqlite, pg] {
            let rows = parse_draft(&AssignmentId::stored("x"), json).expect("parsed");
            assert_eq!(
                rows,
                vec![
                    RatingRow {
                        assignment_id: AssignmentId::stored("x"),
                        criterion_id: "a".into(),
                        level: Some(3),
                        not_observed: false,
                        comment: "say \"hi\"\n好".into(),
                    },
                    RatingRow {
                        assignment_id: AssignmentId::stored("x"),
                        criterion_id: "b".into(),
                        level: None,
                        not_observed: true,
                        comment: String::new(),
                    },
                ]
            );
        }
        assert!(parse_draft(&AssignmentId::stored("x"), "[]")
            .expect("empty")
            .is_empty());
        assert!(parse_draft(&AssignmentId::stored("x"), "not json").is_err());
    }

    fn rating(criterion: &str, level: Option<i32>) -> RatingRow {
        RatingRow {
            assignment_id: AssignmentId::stored("x"),
            criterion_id: criterion.into(),
            level,
            not_observed: level.is_none(),
            comment: "a comment is no level".into(),
        }
    }

    fn levels_in(levels: &str) -> QueryResult<Vec<(String, Option<i32>)>> {
        let mut found = Vec::new();
        each_level(levels, |c, l| found.push((c.to_owned(), l)))?;
        Ok(found)
    }

    #[test]
    fn a_raters_levels_read_back_as_they_were_written() {
        let rows = [
            rating("needs_insight", Some(4)),
            rating("plan_2", None),
            rating("a", Some(1)),
        ];
        let kept = levels_of(&rows);
        assert_eq!(kept, "needs_insight=4 plan_2=- a=1");
        let expected: Vec<_> = rows
            .iter()
            .map(|r| (r.criterion_id.clone(), r.level))
            .collect();
        assert_eq!(levels_in(&kept).expect("read"), expected);
        assert_eq!(levels_of(&[]), "");
        assert!(levels_in("").expect("no answers").is_empty());
    }

    #[test]
    fn levels_it_cannot_have_written_are_an_error() {
        for bad in ["a", "a=", "a=x", "a=3 b", "a=-1x", "a=99999999999"] {
            assert!(levels_in(bad).is_err(), "{bad}");
        }
    }
}
