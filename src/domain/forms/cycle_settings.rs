//! A cycle's settings as an admin types them (SPEC §11 `POST /admin/cycles`, and the CLI's
//! `cycle create`): checked field by field, so that a form can show each error next to its
//! field and keep what was typed. Pure: the caller passes the defaults and the clock.

use chrono::{NaiveDate, NaiveDateTime};
use chrono_tz::Tz;

use crate::domain::dates::{closing_instant, zone};
use crate::domain::status::NominationMode;

/// The fields of the cycle form, by their form names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Name,
    ClosesAt,
    MinGroupSize,
    TimeZone,
    Nominations,
    ReminderDays,
}

impl Field {
    /// Every field, in the form's order.
    pub const ALL: [Field; 6] = [
        Field::Name,
        Field::ClosesAt,
        Field::MinGroupSize,
        Field::TimeZone,
        Field::Nominations,
        Field::ReminderDays,
    ];

    /// The catalogue key of its label.
    pub fn label_key(self) -> &'static str {
        match self {
            Field::Name => "cycle.field.name",
            Field::ClosesAt => "cycle.field.closes_at",
            Field::MinGroupSize => "cycle.field.min_group_size",
            Field::TimeZone => "cycle.field.time_zone",
            Field::Nominations => "cycle.field.nominations",
            Field::ReminderDays => "cycle.field.reminder_days",
        }
    }

    /// The form field's name (and the id of its input).
    pub fn name(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::ClosesAt => "closes_at",
            Field::MinGroupSize => "min_group_size",
            Field::TimeZone => "time_zone",
            Field::Nominations => "nominations",
            Field::ReminderDays => "reminder_days",
        }
    }
}

/// One refused field: the field and the i18n key of the reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Problem {
    pub field: Field,
    pub key: &'static str,
}

/// What the admin typed (empty optional fields take the defaults).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct CycleInput {
    pub name: String,
    pub closes_at: String,
    pub min_group_size: String,
    pub time_zone: String,
    pub nominations: String,
    pub reminder_days: String,
}

/// The defaults an empty optional field takes.
#[derive(Debug, Clone, Copy)]
pub struct Defaults<'a> {
    pub min_group_size: usize,
    pub time_zone: &'a str,
}

/// Settings that passed every check.
#[derive(Debug, Clone, PartialEq)]
pub struct CycleSettings {
    pub name: String,
    pub closes_on: NaiveDate,
    pub zone: Tz,
    /// The first moment answers are refused.
    pub closes_at: NaiveDateTime,
    pub min_group_size: usize,
    pub nominations: NominationMode,
    /// Days before the deadline; empty: the configured ones.
    pub reminder_days: Vec<i64>,
}

impl CycleSettings {
    /// The reminder days as stored: comma-separated, largest first.
    pub fn stored_reminder_days(&self) -> String {
        stored_days(&self.reminder_days)
    }
}

/// Reminder days as stored (comma-separated, largest first).
pub fn stored_days(days: &[i64]) -> String {
    days.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// Reminder days read back from storage (what does not parse is dropped: it was checked).
pub fn parse_stored_days(s: &str) -> Vec<i64> {
    s.split(',').filter_map(|d| d.trim().parse().ok()).collect()
}

/// The smallest k a cycle may use (SPEC §7).
pub const MIN_K: usize = crate::domain::rules::confidentiality::K::FLOOR.get();
/// The largest k accepted: a typing slip beyond it (SPEC §7 sets only the floor; a group of
/// customers, peers or team members rarely has more than a dozen people).
pub const MAX_K: usize = 50;
/// Reminders further ahead than this many days are refused as a typing slip.
pub const MAX_REMINDER_DAYS: i64 = 90;

/// Checks every field, returning all problems at once.
///
/// # Errors
///
/// Every refused field with the i18n key of its reason, in form order.
pub fn check(
    input: &CycleInput,
    defaults: Defaults<'_>,
    now: NaiveDateTime,
) -> Result<CycleSettings, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut refuse = |field, key| problems.push(Problem { field, key });
    let name = input.name.trim();
    if name.is_empty() {
        refuse(Field::Name, "cycle.error.name_missing");
    } else if name.chars().count() > 200
        || name.chars().any(crate::domain::security::text::is_unsafe)
    {
        refuse(Field::Name, "cycle.error.name_invalid");
    }
    let zone_name = match input.time_zone.trim() {
        "" => defaults.time_zone,
        typed => typed,
    };
    let tz = zone(zone_name).ok();
    if tz.is_none() {
        refuse(Field::TimeZone, "cycle.error.time_zone");
    }
    let closes_on = NaiveDate::parse_from_str(input.closes_at.trim(), "%Y-%m-%d").ok();
    match (closes_on, tz) {
        (None, _) => refuse(Field::ClosesAt, "cycle.error.date"),
        (Some(d), Some(tz)) if closing_instant(d, tz) <= now => {
            refuse(Field::ClosesAt, "cycle.error.date_past");
        }
        _ => {}
    }
    let k = match input.min_group_size.trim() {
        "" => Some(defaults.min_group_size),
        typed => typed
            .parse::<usize>()
            .ok()
            .filter(|k| (MIN_K..=MAX_K).contains(k)),
    };
    if k.is_none() {
        refuse(Field::MinGroupSize, "cycle.error.k");
    }
    let mode = match input.nominations.trim() {
        "" => Some(NominationMode::Admin),
        typed => NominationMode::parse(typed),
    };
    if mode.is_none() {
        refuse(Field::Nominations, "cycle.error.nominations");
    }
    // a KAM proposes at most 12 per group: a larger k could never be met
    if let (Some(k), Some(NominationMode::Kam)) = (k, mode) {
        if k > crate::domain::forms::proposal::MAX_PER_GROUP {
            refuse(Field::MinGroupSize, "cycle.error.k_kam");
        }
    }
    let days = reminder_days(&input.reminder_days);
    if days.is_none() {
        refuse(Field::ReminderDays, "cycle.error.reminder_days");
    }
    match (closes_on, tz, k, mode, days) {
        (Some(closes_on), Some(zone), Some(min_group_size), Some(nominations), Some(days))
            if problems.is_empty() =>
        {
            Ok(CycleSettings {
                name: name.to_owned(),
                closes_on,
                zone,
                closes_at: closing_instant(closes_on, zone),
                min_group_size,
                nominations,
                reminder_days: days,
            })
        }
        _ => Err(problems),
    }
}

/// Whole days separated by commas or spaces, each 1–90; largest first, no repeats.
fn reminder_days(typed: &str) -> Option<Vec<i64>> {
    let mut days = Vec::new();
    for part in typed
        .split([',', ' ', '，', '、'])
        .filter(|p| !p.is_empty())
    {
        let d: i64 = part.parse().ok()?;
        if !(1..=MAX_REMINDER_DAYS).contains(&d) {
            return None;
        }
        days.push(d);
    }
    days.sort_unstable_by(|a, b| b.cmp(a));
    days.dedup();
    Some(days)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 12, 1)
            .and_then(|d| d.and_hms_opt(12, 0, 0))
            .expect("date")
    }

    fn defaults() -> Defaults<'static> {
        Defaults {
            min_group_size: 3,
            time_zone: "UTC",
        }
    }

    fn input(name: &str, closes_at: &str) -> CycleInput {
        CycleInput {
            name: name.into(),
            closes_at: closes_at.into(),
            ..Default::default()
        }
    }

    #[test]
    fn empty_optional_fields_take_the_defaults() {
        let s = check(&input(" 2026 H2 ", "2026-12-22"), defaults(), now()).expect("valid");
        assert_eq!(s.name, "2026 H2");
        assert_eq!(s.min_group_size, 3);
        assert_eq!(s.zone, Tz::UTC);
        assert_eq!(s.nominations, NominationMode::Admin);
        assert!(s.reminder_days.is_empty());
        assert_eq!(s.stored_reminder_days(), "");
    }

    #[test]
    fn every_field_is_checked_and_all_problems_are_reported() {
        let bad = CycleInput {
            name: "  ".into(),
            closes_at: "22/12/2026".into(),
            min_group_size: "2".into(),
            time_zone: "Mars/Olympus".into(),
            nominations: "hr".into(),
            reminder_days: "7, soon".into(),
        };
        let problems = check(&bad, defaults(), now()).expect_err("refused");
        let fields: Vec<Field> = problems.iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            [
                Field::Name,
                Field::TimeZone,
                Field::ClosesAt,
                Field::MinGroupSize,
                Field::Nominations,
                Field::ReminderDays
            ]
        );
    }

    #[test]
    fn a_past_day_is_refused_in_the_cycles_own_zone() {
        // noon UTC on 1 December is already 2 December in Auckland... and still 1 December in
        // UTC, whose day has not ended
        assert!(check(&input("x", "2026-12-01"), defaults(), now()).is_ok());
        let mut typed = input("x", "2026-12-01");
        typed.time_zone = "Pacific/Auckland".into();
        let p = check(&typed, defaults(), now()).expect_err("past there");
        assert_eq!(p[0].key, "cycle.error.date_past");
        assert_eq!(
            check(&input("x", "2026-11-30"), defaults(), now()).expect_err("past")[0].field,
            Field::ClosesAt
        );
    }

    #[test]
    fn k_reminders_and_mode_are_parsed() {
        let typed = CycleInput {
            min_group_size: "5".into(),
            nominations: "kam".into(),
            reminder_days: "2，7 7".into(),
            ..input("x", "2026-12-22")
        };
        let s = check(&typed, defaults(), now()).expect("valid");
        assert_eq!(s.min_group_size, 5);
        assert_eq!(s.nominations, NominationMode::Kam);
        assert_eq!(s.reminder_days, [7, 2]);
        assert_eq!(parse_stored_days(&s.stored_reminder_days()), [7, 2]);
        for k in ["51", "-3", "3.5", "2"] {
            let typed = CycleInput {
                min_group_size: k.into(),
                ..input("x", "2026-12-22")
            };
            assert!(check(&typed, defaults(), now()).is_err(), "{k}");
        }
        let typed = CycleInput {
            reminder_days: "0".into(),
            ..input("x", "2026-12-22")
        };
        assert!(check(&typed, defaults(), now()).is_err());
        // KAMs propose at most 12 per group: a larger k is refused in that mode only
        let big = |mode: &str| CycleInput {
            min_group_size: "13".into(),
            nominations: mode.into(),
            ..input("x", "2026-12-22")
        };
        assert_eq!(
            check(&big("kam"), defaults(), now()).expect_err("kam")[0].key,
            "cycle.error.k_kam"
        );
        assert!(check(&big("admin"), defaults(), now()).is_ok());
    }
}
