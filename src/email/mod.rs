//! Email: what kinds of message exist, how they are rendered and queued (same transaction as
//! their cause), and how the worker delivers them (SMTP, or `.eml` files by default).

pub mod account_messages;
pub mod mailer;
pub mod messages;
pub mod smtp;
pub mod templates;
pub mod worker;

pub use mailer::Mailer;
pub use templates::Templates;

/// The kinds of message (SPEC §8).
pub use crate::domain::status::EmailKind as Kind;
