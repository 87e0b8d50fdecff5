//! What a KAM did with their released report, kept for their supervisor until opened (issue
//! #21): one notice per review, event and day, the same key as the email that tells them.
//! `db::reviews` reads the unopened ones with the supervisor's reviews.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::supervisor_notices;
use super::AnyConnection;
use crate::domain::ids::ReviewId;
use crate::domain::status::NoticeEvent;

/// Records the notice; whether it is new (the first of its review, event and day).
pub fn record(
    conn: &mut AnyConnection,
    review_id: &ReviewId,
    event: NoticeEvent,
    day: NaiveDate,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    super::native!(conn, |c| diesel::insert_into(supervisor_notices::table)
        .values((
            supervisor_notices::review_id.eq(review_id),
            supervisor_notices::event.eq(event),
            supervisor_notices::day.eq(day),
            supervisor_notices::created_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(c))
    .map(|n| n == 1)
}

/// Marks the review's notices opened; how many were not yet.
pub fn open(
    conn: &mut AnyConnection,
    review_id: &ReviewId,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        supervisor_notices::table
            .filter(supervisor_notices::review_id.eq(review_id))
            .filter(supervisor_notices::opened_at.is_null()),
    )
    .set(supervisor_notices::opened_at.eq(now))
    .execute(conn)
}
