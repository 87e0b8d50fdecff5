//! Delivery of one outbox message: SMTP (pooled, timeouts, TLS none/STARTTLS/implicit, optional
//! auth) or `.eml` files. Errors say whether a retry may help.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use crate::config::{EmailSettings, SmtpTls, Transport};
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
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
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
            Transport::Smtp => {
                let tls = || TlsParameters::new(s.smtp_host.clone());
                let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.smtp_host)
                    .port(s.smtp_port)
                    .timeout(Some(Duration::from_secs(s.smtp_timeout_seconds)));
                b = match s.smtp_tls {
                    SmtpTls::None => b.tls(Tls::None),
                    SmtpTls::Starttls => b.tls(Tls::Required(tls()?)),
                    SmtpTls::Tls => b.tls(Tls::Wrapper(tls()?)),
                };
                if !s.smtp_username.is_empty() {
                    b = b.credentials(Credentials::new(
                        s.smtp_username.clone(),
                        s.smtp_password.expose_secret().to_owned(),
                    ));
                }
                Inner::Smtp(b.build())
            }
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
            Inner::Smtp(t) => t.send(message).await.map(|_| ()).map_err(|e| SendError {
                transient: !e.is_permanent(),
                message: format!("smtp: {e}"),
            }),
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
