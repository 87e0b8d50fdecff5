//! Failed-login throttling: at most `max` failures per key (an account, an address) within a
//! sliding `window`; pure, with time passed in, so that it is tested without sleeping.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// Failures per key within the window.
#[derive(Debug)]
pub struct Throttle {
    max: usize,
    window: Duration,
    failures: HashMap<String, VecDeque<Instant>>,
}

impl Throttle {
    /// A limiter allowing `max` failures per `window`.
    pub fn new(max: usize, window: Duration) -> Throttle {
        Throttle {
            max,
            window,
            failures: HashMap::new(),
        }
    }

    fn prune(&mut self, key: &str, now: Instant) {
        if let Some(q) = self.failures.get_mut(key) {
            while q
                .front()
                .is_some_and(|t| now.duration_since(*t) >= self.window)
            {
                q.pop_front();
            }
            if q.is_empty() {
                self.failures.remove(key);
            }
        }
    }

    /// Whether `key` may try now.
    pub fn allowed(&mut self, key: &str, now: Instant) -> bool {
        self.prune(key, now);
        self.failures.get(key).is_none_or(|q| q.len() < self.max)
    }

    /// Records a failure for `key`.
    pub fn fail(&mut self, key: &str, now: Instant) {
        self.prune(key, now);
        self.failures
            .entry(key.to_owned())
            .or_default()
            .push_back(now);
        // bound memory under a flood of distinct keys
        if self.failures.len() > 100_000 {
            let window = self.window;
            self.failures
                .retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < window));
        }
    }

    /// Forgets `key` (after a successful login).
    pub fn reset(&mut self, key: &str) {
        self.failures.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_max_failures_until_the_window_passes() {
        let mut t = Throttle::new(3, Duration::from_secs(60));
        let t0 = Instant::now();
        for i in 0..3 {
            assert!(t.allowed("a", t0 + Duration::from_secs(i)));
            t.fail("a", t0 + Duration::from_secs(i));
        }
        assert!(!t.allowed("a", t0 + Duration::from_secs(10)));
        assert!(
            t.allowed("b", t0 + Duration::from_secs(10)),
            "keys are separate"
        );
        assert!(
            t.allowed("a", t0 + Duration::from_secs(61)),
            "the oldest failure left the window"
        );
        t.reset("a");
        assert!(t.allowed("a", t0 + Duration::from_secs(11)));
    }
}
