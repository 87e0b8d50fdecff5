//! Delivery of one outbox message: SMTP (pooled, timeouts, TLS none/STARTTLS/implicit, optional
//! auth) or `.eml` files. Errors say whether a retry may help.

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::{AsyncFileTransport, AsyncTransport, Message, Tokio1Executor};

use super::smtp::SmtpPool;
use crate::config::{EmailSettings, Transport};
use crate::db::outbox::OutboxRow;

/// Why a message was not delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    /// A later attempt may succeed (4xx, refused, timeout).
    pub transient: bool,
    pub message: String,
}

enum Inner {
    File(AsyncFileTransport<Tokio1Executor>),
    Smtp(SmtpPool),
}

/// The configured transport and sender.
pub struct Mailer {
    inner: Inner,
    from: Mailbox,
}

impl Mailer {
    /// Builds the transport named in the settings.
    pub fn new(s: &EmailSettings) -> anyhow::Result<Mailer> {
        let from: Mailbox = s.from.parse().map_err(|e| {
            anyhow::anyhow!("configuration: email.from is not a valid address: {e}")
        })?;
        let inner = match s.transport {
            Transport::File => {
                std::fs::create_dir_all(&s.file_dir).map_err(|e| {
                    anyhow::anyhow!("cannot create email.file_dir {}: {e}", s.file_dir.display())
                })?;
                Inner::File(AsyncFileTransport::new(&s.file_dir))
            }
            Transport::Smtp => Inner::Smtp(SmtpPool::new(s)),
        };
        Ok(Mailer { inner, from })
    }

    /// Builds the MIME message of an outbox row (stable Message-ID, text + HTML).
    pub fn build(&self, row: &OutboxRow) -> Result<Message, SendError> {
        let permanent = |message: String| SendError {
            transient: false,
            message,
        };
        let to: Mailbox = format!(
            "{} <{}>",
            quote_name(&row.recipient_name),
            row.recipient_email
        )
        .parse()
        .or_else(|_| row.recipient_email.parse().map(|a| Mailbox::new(None, a)))
        .map_err(|e| permanent(format!("bad recipient: {e}")))?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&row.subject)
            .message_id(Some(row.message_id.clone()))
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(row.body_text.clone()),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(row.body_html.clone()),
                    ),
            )
            .map_err(|e| permanent(format!("cannot build message: {e}")))
    }

    /// Sends one message.
    pub async fn send(&self, row: &OutboxRow) -> Result<(), SendError> {
        let message = self.build(row)?;
        match &self.inner {
            Inner::File(t) => t.send(message).await.map(|_| ()).map_err(|e| SendError {
                transient: true,
                message: format!("file transport: {e}"),
            }),
            Inner::Smtp(pool) => pool.send(message.envelope(), &message.formatted()).await,
        }
    }
}

/// A display name safe inside a header: control characters dropped, quoted.
fn quote_name(name: &str) -> String {
    let clean: String = name
        .chars()
        .filter(|c| !c.is_control() && *c != '"' && *c != '\\')
        .collect();
    format!("\"{clean}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, subject: &str) -> OutboxRow {
        let now = crate::db::now();
        OutboxRow {
            id: "1".into(),
            idempotency_key: "k".into(),
            kind: "invitation".into(),
            assignment_id: None,
            review_id: None,
            recipient_email: "rater@example.cn".into(),
            recipient_name: name.into(),
            locale: "zh".into(),
            subject: subject.into(),
            body_text: "正文 text".into(),
            body_html: "<p>正文</p>".into(),
            message_id: "<abc@kam360>".into(),
            status: "sending".into(),
            attempts: 1,
            next_attempt_at: now,
            lease_until: None,
            last_error: None,
            created_at: now,
            sent_at: None,
        }
    }

    fn mailer() -> Mailer {
        let settings =
            crate::config::Settings::load_from(std::path::Path::new("/nonexistent"), None, false)
                .expect("defaults");
        let mut email = settings.email;
        email.transport = crate::config::Transport::Smtp;
        Mailer::new(&email).expect("mailer")
    }

    #[test]
    fn names_and_subjects_cannot_inject_headers() {
        let m = mailer()
            .build(&row(
                "Evil\r\nBcc: victim@example.com",
                "Hi\r\nBcc: victim2@example.com",
            ))
            .expect("built");
        let raw = String::from_utf8(m.formatted()).expect("utf8");
        let headers = &raw[..raw.find("\r\n\r\n").expect("end of headers")];
        assert!(
            !headers
                .lines()
                .any(|l| l.to_ascii_lowercase().starts_with("bcc:")),
            "{headers}"
        );
    }

    #[test]
    fn chinese_names_are_encoded_and_the_message_id_is_stable() {
        let m = mailer()
            .build(&row("王芳", "请为王芳提供反馈"))
            .expect("built");
        let raw = String::from_utf8(m.formatted()).expect("utf8");
        let headers = &raw[..raw.find("\r\n\r\n").expect("end of headers")];
        assert!(headers.is_ascii(), "headers are encoded: {headers}");
        assert!(headers.contains("Message-ID: <abc@kam360>"));
        assert!(raw.contains("multipart/alternative"));
    }
}
