//! Progress bars for long commands (issue #25): on stderr, with the rate and the time left,
//! while stderr is a terminal; nothing at all otherwise, so that a script reads only the
//! command's result (stdout) and its errors.

use std::time::Duration;

use indicatif::{HumanCount, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use crate::telemetry::Progress;

const STEPS: &str = "{msg} [{wide_bar}] {human_pos}/{human_len} · {rate} · {eta} left";
const BYTES: &str = "{msg} [{wide_bar}] {bytes}/{total_bytes} · {bytes_per_sec} · {eta} left";
const WORKING: &str = "{spinner} {msg} {elapsed}";

/// A bar not drawn until its size is known (see [`Progress::total`] below).
fn unsized_bar() -> ProgressBar {
    ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden())
}

/// One long step of a command, drawn while it runs and cleared when it ends.
pub struct Bar(ProgressBar);

impl Bar {
    /// Counted steps of `what` (invitations, rows, messages): how many of how many, at what
    /// rate, and the time left.
    pub fn steps(what: &str) -> Bar {
        Bar::styled(unsized_bar(), what, STEPS)
    }

    /// Bytes of `what` (a backup, a restore) written, at what rate, and the time left.
    pub fn bytes(what: &str) -> Bar {
        Bar::styled(unsized_bar(), what, BYTES)
    }

    /// A step whose size cannot be known before it ends: how long it has run.
    pub fn working(what: &str) -> Bar {
        let bar = Bar::styled(ProgressBar::new_spinner(), what, WORKING);
        bar.0.enable_steady_tick(Duration::from_millis(120));
        bar
    }

    fn styled(bar: ProgressBar, what: &str, template: &str) -> Bar {
        // the templates are constants, checked by the tests: were one refused, the bar would
        // keep indicatif's default look rather than stop the command
        if let Ok(style) = ProgressStyle::with_template(template) {
            // whole steps a second: "3,894/s", not indicatif's four decimals
            let rate = |s: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{}/s", HumanCount(s.per_sec().round() as u64));
            };
            bar.set_style(style.with_key("rate", rate).progress_chars("=> "));
        }
        bar.set_message(what.to_owned());
        Bar(bar)
    }
}

impl Progress for Bar {
    fn total(&self, total: u64) {
        // drawn from its size on (not before), and at once, so that even work shorter than
        // the first redraw shows what it is
        self.0.set_length(total);
        let shown = self.0.clone();
        shown.set_draw_target(ProgressDrawTarget::stderr());
        shown.tick();
    }

    fn advance(&self, n: u64) {
        self.0.inc(n);
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_style_is_valid_and_counts() {
        for template in [STEPS, BYTES, WORKING] {
            assert!(ProgressStyle::with_template(template).is_ok(), "{template}");
        }
        for bar in [Bar::steps("a"), Bar::bytes("b"), Bar::working("c")] {
            bar.total(10);
            bar.advance(4);
            assert_eq!(bar.0.position(), 4);
        }
    }
}
