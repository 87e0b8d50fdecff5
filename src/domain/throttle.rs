//! Sign-in throttling with growing delays, never a hard lock: each key (an account at one
//! client address; an account from anywhere) gets `free` attempts, then must wait 1 s, 2 s,
//! 4 s … (at most `max_delay`) between attempts; a key quiet for `window` starts over.
//!
//! An attempt is counted when it *starts* ([`Throttle::begin`]), under the caller's lock, so
//! that concurrent attempts cannot all pass the check before any of them is counted; a
//! success forgets the keys ([`Throttle::succeeded`]). Pure, with time passed in.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How many attempts a kind of key gets before delays start.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Attempts allowed without delay.
    pub free: u32,
    /// The longest delay between attempts.
    pub max_delay: Duration,
    /// A key quiet this long starts over.
    pub window: Duration,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    attempts: u32,
    last: Instant,
}

/// Attempts per key.
#[derive(Debug, Default)]
pub struct Throttle {
    entries: HashMap<String, Entry>,
}

impl Rule {
    /// The wait required after `attempts` attempts (zero while they are free).
    pub fn delay(&self, attempts: u32) -> Duration {
        if attempts < self.free {
            return Duration::ZERO;
        }
        let doublings = (attempts - self.free).min(20);
        Duration::from_secs(1u64 << doublings).min(self.max_delay)
    }
}

impl Throttle {
    /// An empty throttle.
    pub fn new() -> Throttle {
        Throttle::default()
    }

    fn current(&mut self, key: &str, rule: &Rule, now: Instant) -> Option<Entry> {
        let e = *self.entries.get(key)?;
        if now.saturating_duration_since(e.last) >= rule.window {
            self.entries.remove(key);
            return None;
        }
        Some(e)
    }

    /// Starts an attempt on every `(key, rule)`: counted at once if all keys allow it now;
    /// otherwise nothing is counted and `Err` says how long to wait.
    ///
    /// # Errors
    ///
    /// The longest remaining wait among the keys that are not yet allowed.
    pub fn begin(&mut self, keys: &[(&str, Rule)], now: Instant) -> Result<(), Duration> {
        let mut wait = Duration::ZERO;
        for (key, rule) in keys {
            if let Some(e) = self.current(key, rule, now) {
                let ready = e.last + rule.delay(e.attempts);
                wait = wait.max(ready.saturating_duration_since(now));
            }
        }
        if !wait.is_zero() {
            return Err(wait);
        }
        for (key, _) in keys {
            let e = self.entries.entry((*key).to_owned()).or_insert(Entry {
                attempts: 0,
                last: now,
            });
            e.attempts = e.attempts.saturating_add(1);
            e.last = now;
        }
        // bound memory under a flood of distinct keys
        if self.entries.len() > 100_000 {
            let window = keys.iter().map(|(_, r)| r.window).max().unwrap_or_default();
            self.entries
                .retain(|_, e| now.saturating_duration_since(e.last) < window);
        }
        Ok(())
    }

    /// Dates the wait from the end of a failed attempt (a slow password check does not eat
    /// into the delay).
    pub fn failed(&mut self, keys: &[&str], now: Instant) {
        for key in keys {
            if let Some(e) = self.entries.get_mut(*key) {
                e.last = e.last.max(now);
            }
        }
    }

    /// Forgets `keys` after a successful sign-in.
    pub fn succeeded(&mut self, keys: &[&str]) {
        for key in keys {
            self.entries.remove(*key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: Rule = Rule {
        free: 3,
        max_delay: Duration::from_secs(60),
        window: Duration::from_secs(900),
    };

    #[test]
    fn delays_grow_after_the_free_attempts_and_are_capped() {
        assert_eq!(RULE.delay(2), Duration::ZERO);
        assert_eq!(RULE.delay(3), Duration::from_secs(1));
        assert_eq!(RULE.delay(4), Duration::from_secs(2));
        assert_eq!(RULE.delay(40), Duration::from_secs(60));
    }

    #[test]
    fn attempts_count_when_they_start_so_a_burst_cannot_slip_through() {
        let mut t = Throttle::new();
        let t0 = Instant::now();
        let passed = (0..40)
            .filter(|_| t.begin(&[("a", RULE)], t0).is_ok())
            .count();
        assert_eq!(
            passed, 3,
            "only the free attempts, however many arrive at once"
        );
        assert_eq!(t.begin(&[("a", RULE)], t0), Err(Duration::from_secs(1)));
        let t1 = t0 + Duration::from_secs(1);
        assert!(
            t.begin(&[("a", RULE)], t1).is_ok(),
            "after the delay, one more"
        );
        assert_eq!(t.begin(&[("a", RULE)], t1), Err(Duration::from_secs(2)));
    }

    #[test]
    fn keys_are_separate_and_a_success_or_quiet_window_forgets() {
        let mut t = Throttle::new();
        let t0 = Instant::now();
        for _ in 0..3 {
            t.begin(&[("a", RULE)], t0).expect("free");
        }
        assert!(t.begin(&[("a", RULE)], t0).is_err());
        assert!(
            t.begin(&[("b", RULE)], t0).is_ok(),
            "another key is untouched"
        );
        assert!(
            t.begin(&[("b", RULE), ("a", RULE)], t0).is_err(),
            "all keys must allow"
        );
        t.succeeded(&["a"]);
        assert!(t.begin(&[("a", RULE)], t0).is_ok());
        for _ in 0..5 {
            let _ = t.begin(&[("c", RULE)], t0);
        }
        assert!(t
            .begin(&[("c", RULE)], t0 + Duration::from_secs(900))
            .is_ok());
    }
}
