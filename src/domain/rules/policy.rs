//! The consolidation policy (config section `[consolidation]`, SPEC §6), validated and held as
//! exact numbers, frozen per cycle.

use num_rational::Ratio;

use crate::domain::rules::consolidation::Rational;

/// Largest group weight `Policy::new` accepts (weights are relative; the bound keeps every
/// exact intermediate value far inside `i64`).
pub const MAX_WEIGHT: u32 = 1000;

/// The consolidation policy (config section `[consolidation]`), frozen per cycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Supervisor share `alpha`, 0 ..= 1 (default 1/2).
    pub supervisor_share: Rational,
    /// Weight of the customer group in `M` (default 2).
    pub weight_customer: u32,
    /// Weight of the peer group in `M` (default 1).
    pub weight_peer: u32,
    /// Weight of the team group in `M` (default 1).
    pub weight_team: u32,
}

/// Why a configured policy is refused; each names its configuration key.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PolicyError {
    /// The share is NaN, infinite or outside [0, 1].
    #[error("consolidation.supervisor_share must be a number from 0 to 1 (got {0})")]
    ShareOutOfRange(f64),
    /// The share has more decimal places than an exact conversion allows.
    #[error("consolidation.supervisor_share has too many decimal places (got {0})")]
    ShareTooPrecise(f64),
    /// A weight outside 1..=[`MAX_WEIGHT`].
    #[error("{key} must be a whole number from 1 to {MAX_WEIGHT} (got {got})")]
    WeightOutOfRange {
        /// The configuration key.
        key: &'static str,
        /// The configured value.
        got: u32,
    },
}

impl Policy {
    /// Validates and builds a policy from configuration values.
    ///
    /// The share must be a finite number with 0 ≤ share ≤ 1; it is converted exactly from
    /// its shortest decimal representation (0.5 → 1/2, 0.3 → 3/10). Each weight must be an
    /// integer from 1 to [`MAX_WEIGHT`]. The error is an English sentence naming the key
    /// (`consolidation.supervisor_share`, `consolidation.weight_customer`,
    /// `consolidation.weight_peer`, `consolidation.weight_team`).
    ///
    /// # Errors
    ///
    /// A share that is NaN, infinite, outside [0, 1] or has more than 18 decimal places, or
    /// a weight outside 1..=[`MAX_WEIGHT`].
    pub fn new(
        supervisor_share: f64,
        weight_customer: u32,
        weight_peer: u32,
        weight_team: u32,
    ) -> Result<Policy, PolicyError> {
        let share = share_to_rational(supervisor_share)?;
        for (key, w) in [
            ("consolidation.weight_customer", weight_customer),
            ("consolidation.weight_peer", weight_peer),
            ("consolidation.weight_team", weight_team),
        ] {
            if !(1..=MAX_WEIGHT).contains(&w) {
                return Err(PolicyError::WeightOutOfRange { key, got: w });
            }
        }
        Ok(Policy {
            supervisor_share: share,
            weight_customer,
            weight_peer,
            weight_team,
        })
    }
}

impl Default for Policy {
    /// SPEC defaults: share 0.5, weights customer 2, peer 1, team 1.
    fn default() -> Self {
        Policy {
            supervisor_share: Ratio::new(1, 2),
            weight_customer: 2,
            weight_peer: 1,
            weight_team: 1,
        }
    }
}

/// Converts a configured share to an exact rational via its shortest decimal form.
fn share_to_rational(x: f64) -> Result<Rational, PolicyError> {
    if !x.is_finite() || !(0.0..=1.0).contains(&x) {
        return Err(PolicyError::ShareOutOfRange(x));
    }
    // `Display` for f64 never uses exponent notation and gives the shortest round-trip digits.
    let text = format!("{x}");
    let unsigned = text.trim_start_matches('-');
    let (int_part, frac_part) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let too_precise = || PolicyError::ShareTooPrecise(x);
    let places = u32::try_from(frac_part.len()).map_err(|_| too_precise())?;
    let den = 10_i64.checked_pow(places).ok_or_else(too_precise)?;
    let int: i64 = int_part.parse().map_err(|_| too_precise())?;
    let frac: i64 = if frac_part.is_empty() {
        0
    } else {
        frac_part.parse().map_err(|_| too_precise())?
    };
    let num = int
        .checked_mul(den)
        .and_then(|v| v.checked_add(frac))
        .ok_or_else(too_precise)?;
    Ok(Ratio::new(num, den))
}
