//! Email: what kinds of message exist, how they are rendered and queued (same transaction as
//! their cause), and how the worker delivers them (SMTP, or `.eml` files by default).

pub mod mailer;
pub mod messages;
pub mod smtp;
pub mod templates;
pub mod worker;

pub use mailer::Mailer;
pub use templates::Templates;

/// The kinds of message (SPEC §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Invitation,
    Reminder,
    Resend,
    SupervisorReady,
}

impl Kind {
    /// The template folder and stored identifier.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Invitation => "invitation",
            Kind::Reminder => "reminder",
            Kind::Resend => "resend",
            Kind::SupervisorReady => "supervisor_ready",
        }
    }

    /// Parses a stored identifier.
    pub fn parse(s: &str) -> Option<Kind> {
        [
            Kind::Invitation,
            Kind::Reminder,
            Kind::Resend,
            Kind::SupervisorReady,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}
