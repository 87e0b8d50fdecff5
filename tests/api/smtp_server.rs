//! A real SMTP server on a loopback TCP port for the mail tests, with scripted replies: a queue
//! of codes to give after DATA (e.g. 451, 451 before the default 250), recipients to refuse
//! with 550, and an optional delay per message. It offers PIPELINING (RFC 2920) as Postfix
//! does, unless told not to, and reads pipelined commands as they come; DATA without an
//! accepted recipient is refused, as RFC 5321 asks.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One accepted message.
#[derive(Debug, Clone)]
pub struct Received {
    pub rcpt: Vec<String>,
    pub data: String,
}

impl Received {
    /// The Message-ID header.
    pub fn message_id(&self) -> String {
        mail_parser::MessageParser::default()
            .parse(self.data.as_bytes())
            .and_then(|m| m.message_id().map(str::to_owned))
            .unwrap_or_default()
    }
}

/// What the server will answer.
#[derive(Debug, Default)]
pub struct Script {
    pub data_replies: VecDeque<u16>,
    pub reject_rcpt: HashSet<String>,
    pub delay: Duration,
    /// The next this many messages are taken in and then the connection drops before the
    /// reply (the relay accepted them, the sender cannot know): a relay failing mid-send.
    pub drop_after_data: usize,
    /// Leave PIPELINING out of the EHLO reply (the client then waits for each reply).
    pub no_pipelining: bool,
    /// Take DATA even when no recipient was accepted (a relay that breaks RFC 2920's rule).
    pub data_without_recipients: bool,
    /// Refuse a session's second EHLO (503), as a few strict relays do.
    pub one_ehlo_only: bool,
}

/// The server's shared state.
#[derive(Clone, Default)]
pub struct SmtpServer {
    pub port: u16,
    pub received: Arc<Mutex<Vec<Received>>>,
    pub attempts: Arc<Mutex<Vec<Instant>>>,
    pub script: Arc<Mutex<Script>>,
    /// SMTP sessions opened so far.
    pub sessions: Arc<std::sync::atomic::AtomicUsize>,
    /// Mail transactions whose RCPT TO had arrived with their MAIL FROM, in one write.
    pub pipelined: Arc<std::sync::atomic::AtomicUsize>,
}

impl SmtpServer {
    /// Starts on a free port.
    pub async fn start() -> SmtpServer {
        Self::start_on(0).await
    }

    /// Starts on `port` (0 = any).
    pub async fn start_on(port: u16) -> SmtpServer {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind smtp");
        let server = SmtpServer {
            port: listener.local_addr().expect("addr").port(),
            ..Default::default()
        };
        let s = server.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                s.sessions.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let s = s.clone();
                tokio::spawn(async move {
                    let _ = s.session(socket).await;
                });
            }
        });
        server
    }

    /// Messages accepted so far.
    pub fn messages(&self) -> Vec<Received> {
        self.received.lock().expect("lock").clone()
    }

    async fn session(&self, socket: tokio::net::TcpStream) -> std::io::Result<()> {
        let (read, mut write) = socket.into_split();
        let mut lines = BufReader::new(read);
        write.write_all(b"220 kam360-test ESMTP\r\n").await?;
        let mut rcpt: Vec<String> = Vec::new();
        let mut line = String::new();
        let mut greeted = false;
        loop {
            line.clear();
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let upper = line.to_ascii_uppercase();
            if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                if greeted && self.script.lock().expect("lock").one_ehlo_only {
                    write.write_all(b"503 5.5.1 duplicate EHLO\r\n").await?;
                    continue;
                }
                greeted = true;
                rcpt.clear();
                let reply: &[u8] = if self.script.lock().expect("lock").no_pipelining {
                    b"250-kam360-test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
                } else {
                    b"250-kam360-test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
                };
                write.write_all(reply).await?;
            } else if upper.starts_with("MAIL FROM") {
                if lines.buffer().starts_with(b"RCPT TO") {
                    self.pipelined
                        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
                rcpt.clear();
                write.write_all(b"250 2.1.0 OK\r\n").await?;
            } else if upper.starts_with("RCPT TO") {
                let addr = line
                    .split(['<', '>'])
                    .nth(1)
                    .unwrap_or("")
                    .to_ascii_lowercase();
                let refused = self
                    .script
                    .lock()
                    .expect("lock")
                    .reject_rcpt
                    .contains(&addr);
                if refused {
                    write.write_all(b"550 5.1.1 no such mailbox\r\n").await?;
                } else {
                    rcpt.push(addr);
                    write.write_all(b"250 2.1.5 OK\r\n").await?;
                }
            } else if upper.starts_with("DATA") {
                let take =
                    !rcpt.is_empty() || self.script.lock().expect("lock").data_without_recipients;
                if !take {
                    write
                        .write_all(b"554 5.5.1 no valid recipients\r\n")
                        .await?;
                    continue;
                }
                write.write_all(b"354 go ahead\r\n").await?;
                let mut data = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    data.push_str(
                        line.strip_prefix('.')
                            .filter(|_| line.starts_with(".."))
                            .unwrap_or(&line),
                    );
                }
                self.attempts.lock().expect("lock").push(Instant::now());
                let (code, delay) = {
                    let mut s = self.script.lock().expect("lock");
                    (s.data_replies.pop_front().unwrap_or(250), s.delay)
                };
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                let drop = {
                    let mut s = self.script.lock().expect("lock");
                    let drop = s.drop_after_data > 0;
                    s.drop_after_data = s.drop_after_data.saturating_sub(1);
                    drop
                };
                if drop {
                    self.received.lock().expect("lock").push(Received {
                        rcpt: rcpt.clone(),
                        data,
                    });
                    return Ok(()); // the connection closes with no reply
                }
                if code == 250 {
                    self.received.lock().expect("lock").push(Received {
                        rcpt: rcpt.clone(),
                        data,
                    });
                    write.write_all(b"250 2.0.0 queued\r\n").await?;
                } else {
                    write
                        .write_all(format!("{code} try again later\r\n").as_bytes())
                        .await?;
                }
            } else if upper.starts_with("RSET") || upper.starts_with("NOOP") {
                rcpt.clear();
                write.write_all(b"250 OK\r\n").await?;
            } else if upper.starts_with("QUIT") {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            } else {
                write.write_all(b"502 not implemented\r\n").await?;
            }
        }
    }
}
