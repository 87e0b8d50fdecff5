//! Pure rules: no I/O, no SQL, no HTTP. Grouped by kind: `rules`, `forms`, `formats`,
//! `security`; the values every part shares (ids, statuses, locales, dates) stand at the top.

pub mod audit;
pub mod brand;
pub mod dates;
pub mod formats;
pub mod forms;
pub mod ids;
pub mod locale;
pub mod relationship;
pub mod rules;
pub mod security;
pub mod status;
#[cfg(test)]
pub mod test_support;
