//! What the product decides: consolidation (§6), what a page may show (§7), visibility, lifecycle steps, progress.

pub mod checkins;
pub mod confidentiality;
pub mod consolidation;
pub mod insights;
pub mod lifecycle;
pub mod policy;
pub mod progress;
pub mod reconciliation;
pub mod reminders;
pub mod shown;
pub mod team;
