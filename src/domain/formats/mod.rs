//! Files in and out: the rubric (TOML), the nominations CSV, the report as CSV, JSON and xlsx;
//! queued messages packed for the outbox.

pub mod export;
pub mod export_xlsx;
pub mod image;
pub mod nomination;
pub mod packed_mime;
pub mod quoted_printable;
pub mod rubric;
pub mod team_csv;
