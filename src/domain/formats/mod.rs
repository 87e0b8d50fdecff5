//! Files in and out: the rubric (TOML), the nominations CSV, the report as CSV, JSON and xlsx.

pub mod export;
pub mod export_xlsx;
pub mod image;
pub mod nomination;
pub mod rubric;
pub mod team_csv;
