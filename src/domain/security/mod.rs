//! Secrets and outside text: passwords, link tokens, sign-in throttling, email addresses, safe echoing.

pub mod email_address;
pub mod password;
pub mod sso;
pub mod text;
pub mod throttle;
pub mod token;
