//! SMTP delivery over a small pool of reused connections. lettre 0.11 speaks the protocol; we
//! open the TCP stream ourselves so that TCP_NODELAY is set: without it every message on a
//! reused connection waits ~40 ms for the peer's delayed ACK (lettre does not set the flag).
//! STARTTLS upgrades that same socket. Implicit TLS (`smtp_tls = "tls"`) uses lettre's own
//! connector, where the flag cannot be set; concurrency hides most of the stall there.

use std::time::Duration;

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
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

    /// Sends one formatted message; the connection goes back to the pool if it is still good.
    pub async fn send(&self, envelope: &Envelope, bytes: &[u8]) -> Result<(), SendError> {
        let pooled = self.idle.lock().await.pop();
        let mut conn = match pooled {
            Some(c) => c,
            None => self.connect().await?,
        };
        let result = tokio::time::timeout(self.timeout, conn.send(envelope, bytes)).await;
        match result {
            Ok(Ok(_)) => {
                let mut idle = self.idle.lock().await;
                if idle.len() < self.max_idle && !conn.has_broken() {
                    idle.push(conn);
                }
                Ok(())
            }
            Ok(Err(e)) => {
                // after a refused recipient the session is still usable once reset
                if !conn.has_broken()
                    && conn
                        .command(lettre::transport::smtp::commands::Rset)
                        .await
                        .is_ok()
                {
                    let mut idle = self.idle.lock().await;
                    if idle.len() < self.max_idle {
                        idle.push(conn);
                    }
                }
                Err(classify(e))
            }
            Err(_) => Err(transient("smtp: the server did not answer in time".into())),
        }
    }
}
