// TODO(lettre > 0.11.23): lettre sets TCP_NODELAY itself from its next release; then this
// module's own `connect` can go.
//! SMTP delivery over a small pool of reused connections. lettre 0.11 speaks the protocol; we
//! open the TCP stream ourselves so that TCP_NODELAY is set: without it every message on a
//! reused connection waits ~40 ms for the peer's delayed ACK (lettre does not set the flag).
//! STARTTLS upgrades that same socket. Implicit TLS (`smtp_tls = "tls"`) uses lettre's own
//! connector, where the flag cannot be set; concurrency hides most of the stall there.
//!
//! Where the relay offers PIPELINING (RFC 2920; Postfix, Exchange and most relays do), a
//! message's MAIL FROM, RCPT TO and DATA go in one write and their replies are read after it:
//! two round trips a message instead of four. lettre 0.11 does not pipeline, nor keep the
//! keyword, so a new connection asks EHLO once more to learn it.

use std::time::Duration;

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Ehlo, Mail, Rcpt, Rset};
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
    idle: Mutex<Vec<Session>>,
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

    async fn connect(&self) -> Result<Session, SendError> {
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
        // before AUTH: a later EHLO resets the session as RSET does; a relay that refuses a
        // second EHLO keeps the session as it was, and gets one command at a time
        let pipelining = match conn.command(Ehlo::new(hello.clone())).await {
            Ok(reply) => reply
                .message()
                .any(|keyword| keyword.trim().eq_ignore_ascii_case("PIPELINING")),
            Err(e) if e.status().is_some() => false,
            Err(e) => return Err(classify(e)),
        };
        if let Some(c) = &self.credentials {
            conn.auth(&[Mechanism::Plain, Mechanism::Login], c)
                .await
                .map_err(classify)?;
        }
        Ok(Session { conn, pipelining })
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
        let mut session = match pooled {
            Some(c) => c,
            None => self.connect().await?,
        };
        match tokio::time::timeout(self.timeout, start(&mut session, envelope, bytes)).await {
            Ok(Ok(())) => Ok(OpenMessage {
                pool: self,
                session,
            }),
            Ok(Err(Refused::InSync(e))) => {
                self.reset(session).await;
                Err(e)
            }
            // the relay took DATA after refusing the envelope: nothing but closing ends that
            Ok(Err(Refused::Stuck(e))) => Err(e),
            Err(_) => Err(transient("smtp: the server did not answer in time".into())),
        }
    }

    /// A connection after a refused command: still usable once reset, unless it broke.
    async fn reset(&self, mut session: Session) {
        if !session.conn.has_broken() && session.conn.command(Rset).await.is_ok() {
            self.keep(session).await;
        }
    }

    /// Puts a connection back among the idle ones, if there is room.
    async fn keep(&self, session: Session) {
        let mut idle = self.idle.lock().await;
        if idle.len() < self.max_idle && !session.conn.has_broken() {
            idle.push(session);
        }
    }
}

/// A pooled SMTP connection and whether its relay takes pipelined commands.
struct Session {
    conn: AsyncSmtpConnection,
    pipelining: bool,
}

/// Why a mail transaction did not begin.
enum Refused {
    /// A refusal read in order (or a check before anything was sent): RSET makes the
    /// connection usable again.
    InSync(SendError),
    /// The relay refused the envelope yet took DATA: the connection is closed.
    Stuck(SendError),
}

/// MAIL FROM, each RCPT TO and DATA, written as one (RFC 2920).
struct Pipelined<'a> {
    mail: &'a Mail,
    rcpts: &'a [Rcpt],
}

impl std::fmt::Display for Pipelined<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.mail)?;
        for rcpt in self.rcpts {
            write!(f, "{rcpt}")?;
        }
        write!(f, "{Data}")
    }
}

/// The mail transaction's first half, as lettre's `send` does it (SMTPUTF8 and 8BITMIME when
/// the envelope or the content need them, which the server must then offer), pipelined where
/// the relay allows it.
async fn start(session: &mut Session, envelope: &Envelope, bytes: &[u8]) -> Result<(), Refused> {
    let conn = &mut session.conn;
    let mut options = Vec::new();
    let non_ascii = envelope
        .from()
        .into_iter()
        .chain(envelope.to())
        .any(|a| !AsRef::<str>::as_ref(a).is_ascii());
    let refuse = |message: &str| {
        Refused::InSync(SendError {
            transient: false,
            message: message.into(),
        })
    };
    if non_ascii {
        if !conn.server_info().supports_feature(Extension::SmtpUtfEight) {
            return Err(refuse(
                "smtp: a non-ASCII address, and the server does not offer SMTPUTF8",
            ));
        }
        options.push(MailParameter::SmtpUtfEight);
    }
    if !bytes.is_ascii() {
        if !conn.server_info().supports_feature(Extension::EightBitMime) {
            return Err(refuse(
                "smtp: non-ASCII content, and the server does not offer 8BITMIME",
            ));
        }
        options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
    }
    let mail = Mail::new(envelope.from().cloned(), options);
    let rcpts: Vec<Rcpt> = envelope
        .to()
        .iter()
        .map(|to| Rcpt::new(to.clone(), vec![]))
        .collect();
    let in_sync = |e| Refused::InSync(classify(e));
    if !session.pipelining {
        conn.command(mail).await.map_err(in_sync)?;
        for rcpt in rcpts {
            conn.command(rcpt).await.map_err(in_sync)?;
        }
        conn.command(Data).await.map_err(in_sync)?;
        return Ok(());
    }
    // one reply per command, in order; a refused one is remembered and the rest still read,
    // so that the next command meets the reply meant for it
    let mut refused = None;
    let mut note = |reply: Result<_, lettre::transport::smtp::Error>| match reply {
        Ok(_) => Ok(true),
        // a reply with a code: the conversation is still in step
        Err(e) if e.status().is_some() => {
            refused.get_or_insert_with(|| classify(e));
            Ok(false)
        }
        Err(e) => Err(Refused::InSync(classify(e))),
    };
    note(
        conn.command(Pipelined {
            mail: &mail,
            rcpts: &rcpts,
        })
        .await,
    )?;
    for _ in &rcpts {
        note(conn.read_response().await)?;
    }
    let data_taken = note(conn.read_response().await)?;
    match refused {
        None => Ok(()),
        Some(e) if data_taken => Err(Refused::Stuck(e)),
        Some(e) => Err(Refused::InSync(e)),
    }
}

/// A mail transaction the server has been told about (its envelope accepted, DATA begun) but
/// that delivers nothing until [`OpenMessage::send`]. Dropped instead, the connection closes
/// without the final dot and the server discards the message.
pub struct OpenMessage<'a> {
    pool: &'a SmtpPool,
    session: Session,
}

impl OpenMessage<'_> {
    /// Writes the content and the final dot: the server accepts the message when it answers.
    pub async fn send(mut self, bytes: &[u8]) -> Result<(), SendError> {
        match tokio::time::timeout(self.pool.timeout, self.session.conn.message(bytes)).await {
            Ok(Ok(_)) => {
                self.pool.keep(self.session).await;
                Ok(())
            }
            Ok(Err(e)) => {
                self.pool.reset(self.session).await;
                Err(classify(e))
            }
            Err(_) => Err(transient("smtp: the server did not answer in time".into())),
        }
    }
}
