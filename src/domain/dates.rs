//! Deadlines (SPEC §3, §13): a cycle "closes on" a date in its time zone, and answers are
//! accepted until the end of that day there; the stored instant (UTC) is the first moment
//! after it. Pages and emails show the deadline with the zone's offset, e.g.
//! `2026-12-22 23:59 (UTC+08:00)`.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta, TimeZone};
use chrono_tz::Tz;

/// A cycle's time zone, by its IANA name (`Asia/Shanghai`, `UTC`).
///
/// # Errors
///
/// The name, when it is not a known zone.
pub fn zone(name: &str) -> Result<Tz, String> {
    name.trim().parse::<Tz>().map_err(|_| {
        format!("'{name}' is not a known time zone (use an IANA name such as Asia/Shanghai or UTC)")
    })
}

/// A stored zone name, read back: UTC if it no longer parses (it was checked when stored).
pub fn stored_zone(name: &str) -> Tz {
    zone(name).unwrap_or(Tz::UTC)
}

/// The moment (UTC) a cycle that "closes on" `date` in `tz` stops accepting answers: the
/// first moment of the next day there.
pub fn closing_instant(date: NaiveDate, tz: Tz) -> NaiveDateTime {
    let next = date.succ_opt().unwrap_or(date).and_time(NaiveTime::MIN);
    // midnight can be skipped by a daylight-saving change: then the first moment after it
    tz.from_local_datetime(&next)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(next + TimeDelta::hours(1)))
                .earliest()
        })
        .map_or(next, |t| t.naive_utc())
}

/// A cycle's deadline: the closing instant and the zone it is shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    /// The first moment (UTC) answers are refused.
    pub closes_at: NaiveDateTime,
    pub zone: Tz,
}

impl Deadline {
    /// The deadline of a cycle closing at `closes_at`, in the zone named `zone`.
    pub fn new(closes_at: NaiveDateTime, zone: &str) -> Deadline {
        Deadline {
            closes_at,
            zone: stored_zone(zone),
        }
    }

    /// The last minute answers are accepted, in the cycle's zone.
    fn last_minute(&self) -> chrono::DateTime<Tz> {
        self.zone
            .from_utc_datetime(&(self.closes_at - TimeDelta::minutes(1)))
    }

    /// The last day answers are accepted, in the cycle's zone.
    pub fn last_day(&self) -> NaiveDate {
        self.last_minute().date_naive()
    }

    /// `2026-12-22 23:59 (UTC+08:00)`: what people read.
    pub fn label(&self) -> String {
        let (day, minute, offset) = self.last_minute_parts();
        format!("{day} {minute} (UTC{offset})")
    }

    /// The last minute as its day, its time and its zone's offset then: `2026-12-22`,
    /// `23:59`, `+08:00` (written field by field: a form GET shows it twice, and a `strftime`
    /// string is parsed again on every call).
    fn last_minute_parts(&self) -> (String, String, String) {
        use chrono::{Datelike, Timelike};
        let t = self.last_minute();
        let offset = t.offset().fix().local_minus_utc();
        let sign = if offset < 0 { '-' } else { '+' };
        let (h, m) = (offset.abs() / 3600, offset.abs() % 3600 / 60);
        (
            format!("{:04}-{:02}-{:02}", t.year(), t.month(), t.day()),
            format!("{:02}:{:02}", t.hour(), t.minute()),
            format!("{sign}{h:02}:{m:02}"),
        )
    }

    /// The day an instant (UTC) falls on in the cycle's zone.
    pub fn local_date(&self, at: NaiveDateTime) -> NaiveDate {
        self.zone.from_utc_datetime(&at).date_naive()
    }

    /// An instant (UTC) as `2026-12-01 14:03` in the cycle's zone.
    pub fn local_minute(&self, at: NaiveDateTime) -> String {
        self.zone
            .from_utc_datetime(&at)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    /// The day a cycle that closed at `closed_at` shows: that day where it closed before its
    /// deadline, else `None` (it closed at the deadline: the deadline says it).
    pub fn closed_early(&self, closed_at: Option<NaiveDateTime>) -> Option<NaiveDate> {
        closed_at
            .filter(|at| *at < self.closes_at)
            .map(|at| self.local_date(at))
    }

    /// `2026-12-22T23:59+08:00`: for `<time datetime>`.
    pub fn iso(&self) -> String {
        let (day, minute, offset) = self.last_minute_parts();
        format!("{day}T{minute}{offset}")
    }
}

/// A date as people read it in `locale`: `1 December 2026`, `2026年12月1日`.
pub fn long_date(locale: super::locale::Locale, d: NaiveDate) -> String {
    use chrono::Datelike;
    match locale {
        super::locale::Locale::Zh => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
        super::locale::Locale::En => d.format("%-d %B %Y").to_string(),
    }
}

/// The last day on which answers are accepted, in UTC (where no zone is at hand).
pub fn deadline_date(closes_at: NaiveDateTime) -> NaiveDate {
    (closes_at - TimeDelta::seconds(1)).date()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Written field by field, the label and the ISO form read as chrono's `strftime`
        /// writes them, in zones east and west of UTC and off the hour.
        #[test]
        fn deadlines_read_as_strftime_writes_them(
            secs in 0_i64..4_102_444_800,
            zone in prop::sample::select(vec![
                "UTC", "Asia/Shanghai", "America/New_York", "Asia/Kolkata", "America/St_Johns",
            ]),
        ) {
            let at = chrono::DateTime::from_timestamp(secs, 0).expect("instant").naive_utc();
            let d = Deadline::new(at, zone);
            let t = d.last_minute();
            prop_assert_eq!(
                d.label(),
                format!("{} (UTC{})", t.format("%Y-%m-%d %H:%M"), t.format("%:z"))
            );
            prop_assert_eq!(d.iso(), t.format("%Y-%m-%dT%H:%M%:z").to_string());
        }
    }

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 22).expect("date")
    }

    #[test]
    fn the_deadline_is_the_closing_date_itself() {
        let closes = closing_instant(day(), Tz::UTC);
        assert_eq!(closes.to_string(), "2026-12-23 00:00:00");
        assert_eq!(deadline_date(closes), day());
        let d = Deadline::new(closes, "UTC");
        assert_eq!(d.label(), "2026-12-22 23:59 (UTC+00:00)");
        assert_eq!(d.last_day(), day());
    }

    #[test]
    fn a_zone_moves_the_instant_and_is_shown_with_its_offset() {
        let shanghai = zone("Asia/Shanghai").expect("zone");
        let closes = closing_instant(day(), shanghai);
        assert_eq!(
            closes.to_string(),
            "2026-12-22 16:00:00",
            "midnight in China, in UTC"
        );
        let d = Deadline::new(closes, "Asia/Shanghai");
        assert_eq!(d.label(), "2026-12-22 23:59 (UTC+08:00)");
        assert_eq!(d.iso(), "2026-12-22T23:59+08:00");
        assert_eq!(d.last_day(), day());
        let ny = Deadline::new(
            closing_instant(day(), Tz::America__New_York),
            "America/New_York",
        );
        assert_eq!(ny.label(), "2026-12-22 23:59 (UTC-05:00)");
    }

    #[test]
    fn a_cycle_closed_early_shows_its_own_day_in_its_zone() {
        let d = Deadline::new(closing_instant(day(), Tz::Asia__Shanghai), "Asia/Shanghai");
        let early = NaiveDate::from_ymd_opt(2026, 12, 10)
            .and_then(|d| d.and_hms_opt(17, 0, 0))
            .expect("instant");
        // 17:00 UTC is 01:00 the next day in Shanghai
        assert_eq!(
            d.closed_early(Some(early)),
            NaiveDate::from_ymd_opt(2026, 12, 11)
        );
        assert_eq!(d.local_minute(early), "2026-12-11 01:00");
        assert_eq!(d.closed_early(Some(d.closes_at)), None);
        assert_eq!(d.closed_early(None), None);
    }

    #[test]
    fn dates_read_as_each_language_writes_them() {
        use crate::domain::locale::Locale;
        assert_eq!(long_date(Locale::En, day()), "22 December 2026");
        assert_eq!(long_date(Locale::Zh, day()), "2026年12月22日");
    }

    #[test]
    fn unknown_zones_are_refused_with_the_name() {
        let e = zone("Mars/Olympus").expect_err("unknown");
        assert!(e.contains("Mars/Olympus") && e.contains("IANA"), "{e}");
        assert_eq!(stored_zone("garbage"), Tz::UTC);
    }
}
