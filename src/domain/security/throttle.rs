//! Sign-in throttling with growing delays, never a hard lock: each key (an account at one
//! client address; an account from anywhere) gets `free` attempts, then must wait 1 s, 2 s,
//! 4 s … (at most `max_delay`) between attempts; a key quiet for `window` starts over.
//!
//! An attempt is counted when it *starts*, in the same transaction that checks it (see
//! `db::throttle`), so concurrent attempts cannot all pass the check before any is counted,
//! and every server instance on the database shares the counts. Pure, with time passed in.

use chrono::{NaiveDateTime, TimeDelta};

/// The stored key of a throttled thing (`parts` joined by NUL, hashed: no email or address is
/// stored in the clear).
pub fn key(parts: &[&str]) -> String {
    crate::domain::security::token::hash(&parts.join("\u{0}"))
}

/// The key that throttles sign-in to one account from anywhere.
pub fn account_key(email: &str) -> String {
    key(&["account", email])
}

/// The throttle of a request that emails a link to a typed address (`kind`: a password reset,
/// a rater's links): a few per address whoever asks, more per client address; growing delays
/// after that (at most an hour), never a hard lock.
pub fn email_request_rules(kind: &str, email: &str, client: &str) -> Vec<(String, Rule)> {
    let hour = TimeDelta::hours(1);
    let rule = |free| Rule {
        free,
        max_delay: hour,
        window: hour,
    };
    vec![
        (key(&[kind, "email", email]), rule(3)),
        (key(&[kind, "client", client]), rule(10)),
    ]
}

/// Unknown rater links one client address may open within [`LINK_WINDOW`] (issue #23).
pub const LINK_MISSES: u32 = 50;
/// The window of [`LINK_MISSES`].
pub const LINK_WINDOW: std::time::Duration = std::time::Duration::from_secs(600);

/// Whether a client with `misses` unknown links, the first `since` ago, must wait.
pub fn link_guesses_blocked(misses: u32, since: std::time::Duration) -> bool {
    misses >= LINK_MISSES && since < LINK_WINDOW
}

/// How many attempts a kind of key gets before delays start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Attempts allowed without delay.
    pub free: u32,
    /// The longest delay between attempts.
    pub max_delay: TimeDelta,
    /// A key quiet this long starts over.
    pub window: TimeDelta,
}

/// A key's stored state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempts {
    /// Attempts counted so far (within the window).
    pub count: u32,
    /// When the last attempt started, or the last failure ended.
    pub last: NaiveDateTime,
}

impl Rule {
    /// The wait required after `count` attempts (zero while they are free).
    pub fn delay(&self, count: u32) -> TimeDelta {
        if count < self.free {
            return TimeDelta::zero();
        }
        let doublings = (count - self.free).min(20);
        TimeDelta::seconds(1i64 << doublings).min(self.max_delay)
    }

    /// Whether a new attempt may start at `now` given the stored state: `Ok` with the state
    /// to store (this attempt counted), or `Err` with the time left to wait.
    ///
    /// # Errors
    ///
    /// The remaining wait when the key's delay has not passed.
    pub fn admit(
        &self,
        stored: Option<Attempts>,
        now: NaiveDateTime,
    ) -> Result<Attempts, TimeDelta> {
        let current = stored.filter(|a| now - a.last < self.window);
        let count = match current {
            None => 0,
            Some(a) => {
                let delay = self.delay(a.count);
                // a free attempt waits for nothing, even when a concurrent attempt that
                // started later was stored first
                let wait = a.last + delay - now;
                if delay > TimeDelta::zero() && wait > TimeDelta::zero() {
                    return Err(wait);
                }
                a.count
            }
        };
        Ok(Attempts {
            count: count.saturating_add(1),
            last: now,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: Rule = Rule {
        free: 3,
        max_delay: TimeDelta::seconds(60),
        window: TimeDelta::seconds(900),
    };

    fn t(s: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_800_000_000 + s, 0)
            .expect("time")
            .naive_utc()
    }

    #[test]
    fn delays_grow_after_the_free_attempts_and_are_capped() {
        assert_eq!(RULE.delay(2), TimeDelta::zero());
        assert_eq!(RULE.delay(3), TimeDelta::seconds(1));
        assert_eq!(RULE.delay(4), TimeDelta::seconds(2));
        assert_eq!(RULE.delay(40), TimeDelta::seconds(60));
    }

    #[test]
    fn attempts_count_when_they_start_so_a_burst_cannot_slip_through() {
        let mut state = None;
        let mut passed = 0;
        for _ in 0..40 {
            if let Ok(next) = RULE.admit(state, t(0)) {
                state = Some(next);
                passed += 1;
            }
        }
        assert_eq!(
            passed, 3,
            "only the free attempts, however many arrive at once"
        );
        assert_eq!(RULE.admit(state, t(0)), Err(TimeDelta::seconds(1)));
        let after = RULE.admit(state, t(1)).expect("after the delay, one more");
        assert_eq!(RULE.admit(Some(after), t(1)), Err(TimeDelta::seconds(2)));
    }

    #[test]
    fn a_free_attempt_is_admitted_whatever_the_order_of_clocks() {
        // stored by an attempt whose clock read later than this one's
        let later = Attempts {
            count: 2,
            last: t(5),
        };
        assert!(RULE.admit(Some(later), t(4)).is_ok());
    }

    #[test]
    fn a_quiet_window_starts_over() {
        let busy = Attempts {
            count: 30,
            last: t(0),
        };
        assert!(RULE.admit(Some(busy), t(10)).is_err());
        assert_eq!(
            RULE.admit(Some(busy), t(900)),
            Ok(Attempts {
                count: 1,
                last: t(900)
            })
        );
    }
}
