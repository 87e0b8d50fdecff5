//! Deadlines (SPEC §3): a cycle "closes on" a date, and answers are accepted until the end of
//! that day; the stored instant is the first moment after it.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};

/// The moment a cycle that "closes on" `date` stops accepting answers: the end of that day (UTC).
pub fn closing_instant(date: NaiveDate) -> NaiveDateTime {
    date.succ_opt().unwrap_or(date).and_time(NaiveTime::MIN)
}

/// The last day on which answers are accepted.
pub fn deadline_date(closes_at: NaiveDateTime) -> NaiveDate {
    (closes_at - TimeDelta::seconds(1)).date()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deadline_is_the_closing_date_itself() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 22).expect("date");
        let closes = closing_instant(day);
        assert_eq!(closes.to_string(), "2026-12-23 00:00:00");
        assert_eq!(deadline_date(closes), day);
    }
}
