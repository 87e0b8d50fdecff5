//! When a development goal's check-in is due (issue #21): on its target date, in the cycle's
//! time zone, the KAM and the supervisor are asked how it went; while it is not done, a
//! reminder follows every [`EVERY_DAYS`] days, [`MOST`] messages in all. Marking the goal done
//! stops them. Pure.

use chrono::{Days, NaiveDate};

/// Days between a goal's check-ins.
pub const EVERY_DAYS: u64 = 7;
/// The most check-ins a goal gets (the first, then reminders).
pub const MOST: i32 = 3;

/// Whether a goal not done, with `sent` check-ins so far, is due one on `today` (the cycle's
/// local date).
pub fn due(target: NaiveDate, today: NaiveDate, sent: i32) -> bool {
    let Ok(after) = u64::try_from(sent) else {
        return false;
    };
    sent < MOST
        && target
            .checked_add_days(Days::new(EVERY_DAYS * after))
            .is_some_and(|d| today >= d)
}

/// Whether a goal not done is past its target date on `today`: the team view's "check-ins
/// due".
pub fn overdue(target: NaiveDate, today: NaiveDate) -> bool {
    today >= target
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, 3, day).expect("date")
    }

    #[test]
    fn the_first_check_in_falls_on_the_target_date_and_reminders_follow_weekly() {
        assert!(!due(d(10), d(9), 0));
        assert!(due(d(10), d(10), 0));
        assert!(!due(d(10), d(16), 1));
        assert!(due(d(10), d(17), 1));
        assert!(due(d(10), d(24), 2));
        assert!(!due(d(10), d(31), MOST), "three messages at most");
        assert!(overdue(d(10), d(10)) && !overdue(d(10), d(9)));
    }
}
