//! The words an admin gave a cycle's invitation and reminder (SPEC §16).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::cycle_texts;
use super::AnyConnection;
use crate::domain::forms::cycle_texts::{TextKind, Texts, Words};
use crate::domain::ids::CycleId;
use crate::domain::locale::Locale;

/// The cycle's texts (none: kam360's own words everywhere).
pub fn get(conn: &mut AnyConnection, cycle_id: &CycleId) -> QueryResult<Texts> {
    let rows: Vec<(String, Locale, String, String)> = cycle_texts::table
        .filter(cycle_texts::cycle_id.eq(cycle_id))
        .select((
            cycle_texts::kind,
            cycle_texts::locale,
            cycle_texts::subject,
            cycle_texts::opening,
        ))
        .load(conn)?;
    Ok(Texts(
        rows.into_iter()
            .filter_map(|(kind, locale, subject, opening)| {
                Some((TextKind::parse(&kind)?, locale, Words { subject, opening }))
            })
            .collect(),
    ))
}

/// Replaces the cycle's texts with `texts` (an empty one is not stored).
pub fn replace(
    conn: &mut AnyConnection,
    cycle_id: &CycleId,
    texts: &Texts,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(cycle_texts::table.filter(cycle_texts::cycle_id.eq(cycle_id))).execute(conn)?;
    for (kind, locale, words) in texts.0.iter().filter(|(_, _, w)| !w.is_empty()) {
        diesel::insert_into(cycle_texts::table)
            .values((
                cycle_texts::cycle_id.eq(cycle_id),
                cycle_texts::kind.eq(kind.as_str()),
                cycle_texts::locale.eq(locale),
                cycle_texts::subject.eq(&words.subject),
                cycle_texts::opening.eq(&words.opening),
                cycle_texts::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}
