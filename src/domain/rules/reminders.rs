//! How often a rater may be reminded (SPEC §16): at most once in 24 hours, whatever sends the
//! reminder — the schedule, *remind now* or *remind everyone*.

use chrono::{NaiveDateTime, TimeDelta};

/// The least time between two reminders to one rater.
pub fn gap() -> TimeDelta {
    TimeDelta::hours(24)
}

/// Until when a rater last reminded at `last` must wait for the next reminder; `None` when one
/// may go at `now`.
pub fn held_until(last: Option<NaiveDateTime>, now: NaiveDateTime) -> Option<NaiveDateTime> {
    last.map(|at| at + gap()).filter(|next| *next > now)
}

/// Whole hours left until `next` (at least 1: "in 0 hours" is no answer).
pub fn hours_left(next: NaiveDateTime, now: NaiveDateTime) -> i64 {
    let minutes = (next - now).num_minutes().max(1);
    (minutes + 59) / 60
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: u32, m: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 7)
            .and_then(|d| d.and_hms_opt(h, m, 0))
            .expect("a time")
    }

    #[test]
    fn never_reminded_may_be_reminded() {
        assert_eq!(held_until(None, at(9, 0)), None);
    }

    #[test]
    fn a_reminder_holds_the_next_for_24_hours() {
        let last = at(9, 0);
        assert_eq!(held_until(Some(last), at(9, 0)), Some(last + gap()));
        assert_eq!(held_until(Some(last), at(23, 59)), Some(last + gap()));
        let next_day = last + gap();
        assert_eq!(
            held_until(Some(last), next_day),
            None,
            "24 hours later it may go"
        );
        assert_eq!(
            held_until(Some(last), next_day - TimeDelta::seconds(1)),
            Some(next_day)
        );
    }

    #[test]
    fn hours_left_rounds_up() {
        let now = at(9, 0);
        assert_eq!(hours_left(now + TimeDelta::minutes(1), now), 1);
        assert_eq!(hours_left(now + TimeDelta::minutes(60), now), 1);
        assert_eq!(hours_left(now + TimeDelta::minutes(61), now), 2);
        assert_eq!(hours_left(now + gap(), now), 24);
        assert_eq!(hours_left(now, now), 1);
    }
}
