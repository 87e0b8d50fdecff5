// TODO(lettre > 0.11.23): lettre sets TCP_NODELAY itself from its next release; then this
// module's own `connect` can go.
//! SMTP delivery over a small pool of reused connections. lettre 0.11 speaks the protocol; we
//! open the TCP stream ourselves so that TCP_NODELAY is set: without it every message on a
//! reused connection waits ~40 ms for the peer's delayed ACK (lettre does not set the flag).
//! STARTTLS upgrades that same socket. Implicit TLS (`smtp_tls = "tls"`) uses lettre's own
//! connector, where the flag cannot be set; concurrency hides most of the stall there.

use std::time::Duration;

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt, Rset};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use secrecy::ExposeSecret;
use tokio::sync::Mutex;

use super::mailer::SendError;
use crate::config::{EmailSettings, SmtpTls};

/// Connection settings and the idle connections.
pub struct SmtpPool {
    host: String,
    port: u16,
    tls: SmtpTls,
    timeout: Duration,
    credentials: Option<Credentials>,
    idle: Mutex<Vec<AsyncSmtpConnection>>,
    max_idle: usize,
}

fn transient(message: String) -> SendError {
    SendError {
        transient: true,
        message,
    }
}

fn classify(e: lettre::transport::smtp::Error) -> SendError {
    SendError {
        transient: !e.is_permanent(),
        message: format!("smtp: {e}"),
    }
}

impl SmtpPool {
    /// A pool for the configured relay.
    pub fn new(s: &EmailSettings) -> SmtpPool {
        let credentials = (!s.smtp_username.is_empty()).then(|| {
            Credentials::new(
                s.smtp_username.clone(),
                s.smtp_password.expose_secret().to_owned(),
            )
        });
        SmtpPool {
            host: s.smtp_host.clone(),
            port: s.smtp_port,
            tls: s.smtp_tls,
            timeout: Duration::from_secs(s.smtp_timeout_seconds.max(1)),
            credentials,
            idle: Mutex::new(Vec::new()),
            max_idle: 16,
        }
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, SendError> {
        let hello = ClientId::default();
        let tls = || {
            TlsParameters::new(self.host.clone()).map_err(|e| SendError {
                transient: false,
                message: format!("smtp tls: {e}"),
            })
        };
        let mut conn = match self.tls {
            SmtpTls::Tls => AsyncSmtpConnection::connect_tokio1(
                (self.host.as_str(), self.port),
                Some(self.timeout),
                &hello,
                Some(tls()?),
                None,
            )
            .await
            .map_err(classify)?,
            SmtpTls::None | SmtpTls::Starttls => {
                let stream = tokio::time::timeout(
                    self.timeout,
                    tokio::net::TcpStream::connect((self.host.as_str(), self.port)),
                )
                .await
                .map_err(|_| {
                    transient(format!(
                        "smtp: connecting to {}:{} timed out",
                        self.host, self.port
                    ))
                })?
                .map_err(|e| {
                    transient(format!(
                        "smtp: cannot connect to {}:{}: {e}",
                        self.host, self.port
                    ))
                })?;
                stream
                    .set_nodelay(true)
                    .map_err(|e| transient(format!("smtp: {e}")))?;
                let mut conn = tokio::time::timeout(
                    self.timeout,
                    AsyncSmtpConnection::connect_with_transport(Box::new(stream), &hello),
                )
                .await
                .map_err(|_| transient("smtp: greeting timed out".into()))?
                .map_err(classify)?;
                if self.tls == SmtpTls::Starttls {
                    if !conn.can_starttls() {
                        return Err(SendError {
                            transient: false,
                            message: "smtp: the server does not offer STARTTLS".into(),
                        });
                    }
                    conn.starttls(tls()?, &hello).await.map_err(classify)?;
                }
                conn
            }
        };
        if let Some(c) = &self.credentials {
            conn.auth(&[Mechanism::Plain, Mechanism::Login], c)
                .await
                .map_err(classify)?;
        }
        Ok(conn)
    }

    /// Opens the mail transaction for `envelope` on a pooled connection: MAIL FROM, RCPT TO and
    /// DATA, the same commands and options as lettre's `send`. The server has accepted nothing
    /// until [`OpenMessage::send`] writes the content and its final dot.
    pub async fn open(
        &self,
        envelope: &Envelope,
        bytes: &[u8],
    ) -> Result<OpenMessage<'_>, SendError> {
        let pooled = self.idle.lock().await.pop();
        let mut conn = match pooled {
            Some(c) => c,
            None => self.connect().await?,
        };
        match tokio::time::timeout(self.timeout, start(&mut conn, envelope, bytes)).await {
            Ok(Ok(())) => Ok(OpenMessage { pool: self, conn }),
            Ok(Err(e)) => {
                self.reset(conn).await;
                Err(e)
            }
            Err(_) => Err(transient("smtp: the server did not answer in time".into())),
        }
    }

    /// A connection after a refused command: still usable once reset, unless it broke.
    async fn reset(&self, mut conn: AsyncSmtpConnection) {
        if !conn.has_broken() && conn.command(Rset).await.is_ok() {
            self.keep(conn).await;
        }
    }

    /// Puts a connection back among the idle ones, if there is room.
    async fn keep(&self, conn: AsyncSmtpConnection) {
        let mut idle = self.idle.lock().await;
        if idle.len() < self.max_idle && !conn.has_broken() {
            idle.push(conn);
        }
    }
}

/// The mail transaction's first half, as lettre's `send` does it (SMTPUTF8 and 8BITMIME when
/// the envelope or the content need them, which the server must then offer).
async fn start(
    conn: &mut AsyncSmtpConnection,
    envelope: &Envelope,
    bytes: &[u8],
) -> Result<(), SendError> {
    let mut options = Vec::new();
    let non_ascii = envelope
        .from()
        .into_iter()
        .chain(envelope.to())
        .any(|a| !AsRef::<str>::as_ref(a).is_ascii());
    if non_ascii {
        if !conn.server_info().supports_feature(Extension::SmtpUtfEight) {
            return Err(SendError {
                transient: false,
                message: "smtp: a non-ASCII address, and the server does not offer SMTPUTF8".into(),
            });
        }
        options.push(MailParameter::SmtpUtfEight);
    }
    if !bytes.is_ascii() {
        if !conn.server_info().supports_feature(Extension::EightBitMime) {
            return Err(SendError {
                transient: false,
                message: "smtp: non-ASCII content, and the server does not offer 8BITMIME".into(),
            });
        }
        options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
    }
    conn.command(Mail::new(envelope.from().cloned(), options))
        .await
        .map_err(classify)?;
    for to in envelope.to() {
        conn.command(Rcpt::new(to.clone(), vec![]))
            .await
            .map_err(classify)?;
    }
    conn.command(Data).await.map_err(classify)?;
    Ok(())
}

/// A mail transaction the server has been told about (its envelope accepted, DATA begun) but
/// that delivers nothing until [`OpenMessage::send`]. Dropped instead, the connection closes
/// without the final dot and the server discards the message.
pub struct OpenMessage<'a> {
    pool: &'a SmtpPool,
    conn: AsyncSmtpConnection,
}

impl OpenMessage<'_> {
    /// Writes the content and the final dot: the server accepts the message when it answers.
    pub async fn send(mut self, bytes: &[u8]) -> Result<(), SendError> {
        match tokio::time::timeout(self.pool.timeout, self.conn.message(bytes)).await {
            Ok(Ok(_)) => {
                self.pool.keep(self.conn).await;
                Ok(())
            }
            Ok(Err(e)) => {
                self.pool.reset(self.conn).await;
                Err(classify(e))
            }
            Err(_) => Err(transient("smtp: the server did not answer in time".into())),
        }
    }
}
