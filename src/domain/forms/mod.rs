//! Strict decoding and checking of what people type: the rater form, cycle settings, nominations, plans, proposals, staff invitations.

pub mod answers;
pub mod cycle_settings;
pub mod cycle_texts;
pub mod nomination_form;
pub mod plan;
pub mod proposal;
pub mod staff_invite;
pub mod urlencoded;

/// A checked form's value, or every problem found in it: accepted only with none.
pub fn accepted<T, P>(value: T, problems: Vec<P>) -> Result<T, Vec<P>> {
    if problems.is_empty() {
        Ok(value)
    } else {
        Err(problems)
    }
}
