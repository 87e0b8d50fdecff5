//! Guessed rater links (issue #23): a client address that opens more than
//! [`MISSES`](crate::domain::security::throttle::LINK_MISSES) unknown `/r/{token}` links within
//! the window gets 429 for every link until the window has passed, before any lookup. With
//! 256-bit tokens guessing cannot succeed; this keeps it from costing lookups and log lines.
//! Kept in memory per instance: the rater's path stays one statement, and several instances
//! each cap the same client.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use crate::domain::security::throttle::{link_guesses_blocked, LINK_WINDOW};

/// The most client addresses remembered at once (older ones are forgotten first).
const REMEMBERED: usize = 10_000;

/// Unknown links per client address: (misses, when the first of the window was).
#[derive(Default)]
pub struct Guesses(Mutex<HashMap<String, (u32, Instant)>>);

impl Guesses {
    /// Whether the client must wait before opening any link.
    pub fn blocked(&self, client: &str, now: Instant) -> bool {
        let map = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.get(client)
            .is_some_and(|(n, since)| link_guesses_blocked(*n, now.duration_since(*since)))
    }

    /// Counts an unknown link opened by the client.
    pub fn missed(&self, client: &str, now: Instant) {
        let mut map = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() >= REMEMBERED {
            map.retain(|_, (_, since)| now.duration_since(*since) < LINK_WINDOW);
            if map.len() >= REMEMBERED {
                map.clear();
            }
        }
        let entry = map.entry(client.to_owned()).or_insert((0, now));
        if now.duration_since(entry.1) >= LINK_WINDOW {
            *entry = (0, now);
        }
        entry.0 = entry.0.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::security::throttle::LINK_MISSES;

    #[test]
    fn a_client_is_held_after_too_many_unknown_links_and_released_after_the_window() {
        let g = Guesses::default();
        let t0 = Instant::now();
        for _ in 0..LINK_MISSES {
            assert!(!g.blocked("a", t0));
            g.missed("a", t0);
        }
        assert!(g.blocked("a", t0), "held");
        assert!(!g.blocked("b", t0), "another address is not");
        assert!(!g.blocked("a", t0 + LINK_WINDOW), "released");
    }
}
