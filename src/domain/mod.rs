//! Pure rules: no I/O, no SQL, no HTTP.

pub mod answers;
pub mod brand;
pub mod confidentiality;
pub mod consolidation;
pub mod dates;
pub mod email_address;
pub mod export;
pub mod export_xlsx;
pub mod ids;
pub mod insights;
pub mod locale;
pub mod nomination;
pub mod password;
pub mod plan;
pub mod policy;
pub mod progress;
pub mod reconciliation;
pub mod relationship;
pub mod rubric;
pub mod shown;
pub mod status;
pub mod text;
pub mod throttle;
pub mod token;
pub mod urlencoded;
