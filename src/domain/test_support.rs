//! What the domain's unit tests share: the shipped rubric, and form fields as typed.

use crate::domain::formats::rubric::Rubric;

/// The rubric kam360 ships (`config/rubric/kam.toml`).
pub fn rubric() -> Rubric {
    Rubric::from_toml("kam.toml", include_str!("../../config/rubric/kam.toml"))
        .expect("the shipped rubric")
}

/// Form fields as the decoder hands them over.
pub fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}
