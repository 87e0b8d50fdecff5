//! Delivery of one outbox message: SMTP (pooled, timeouts, TLS none/STARTTLS/implicit, optional
//! auth) or `.eml` files. Errors say whether a retry may help.

use lettre::address::{Address, Envelope};
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Body, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncFileTransport, AsyncTransport, Message, Tokio1Executor};

use super::smtp::{OpenMessage, SmtpPool};
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
                // owner-only: the messages it holds carry personal links
                crate::db::owner_only_dir(&s.file_dir).map_err(|e| {
                    anyhow::anyhow!("cannot create email.file_dir {}: {e}", s.file_dir.display())
                })?;
                Inner::File(AsyncFileTransport::new(&s.file_dir))
            }
            Transport::Smtp => Inner::Smtp(SmtpPool::new(s)),
        };
        Ok(Mailer { inner, from })
    }

    /// Prepares the delivery of one queued message (as composed: `mime`) as far as it can go
    /// without the message being delivered: over SMTP, the envelope is sent and accepted and DATA begun. The outbox
    /// worker stores the previous message's outcome meanwhile.
    pub async fn stage<'a>(
        &'a self,
        row: &OutboxRow,
        mime: &'a str,
    ) -> Result<Staged<'a>, SendError> {
        let permanent = |message: String| SendError {
            transient: false,
            message,
        };
        let to: Address = row
            .recipient_email
            .parse()
            .map_err(|e| permanent(format!("bad recipient: {e}")))?;
        let envelope = Envelope::new(self.from.email.clone().into(), vec![to])
            .map_err(|e| permanent(format!("bad envelope: {e}")))?;
        if mime.is_empty() {
            return Err(permanent(
                "the message was cleared (already delivered or cancelled)".into(),
            ));
        }
        let step = match &self.inner {
            Inner::File(t) => Step::File(t, envelope),
            Inner::Smtp(pool) => Step::Smtp(Box::new(pool.open(&envelope, mime.as_bytes()).await?)),
        };
        Ok(Staged { step, mime })
    }
}

/// A message ready to go: [`Staged::deliver`] delivers it; dropped, it is not delivered.
pub struct Staged<'a> {
    step: Step<'a>,
    mime: &'a str,
}

enum Step<'a> {
    File(&'a AsyncFileTransport<Tokio1Executor>, Envelope),
    /// Boxed: an open SMTP connection is large beside a file path.
    Smtp(Box<OpenMessage<'a>>),
}

impl Staged<'_> {
    /// Delivers the message: the `.eml` file is written, or the SMTP server takes the content.
    pub async fn deliver(self) -> Result<(), SendError> {
        match self.step {
            Step::File(t, envelope) => t
                .send_raw(&envelope, self.mime.as_bytes())
                .await
                .map(|_| ())
                .map_err(|e| SendError {
                    transient: true,
                    message: format!("file transport: {e}"),
                }),
            Step::Smtp(open) => open.send(self.mime.as_bytes()).await,
        }
    }
}

/// Why a message could not be composed.
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    /// `email.from` is not a mailbox.
    #[error("bad sender: {0}")]
    Sender(String),
    /// The recipient's address is not a mailbox.
    #[error("bad recipient: {0}")]
    Recipient(String),
    /// lettre refused to build the message.
    #[error("cannot build the message: {0}")]
    Build(String),
}

/// `Content-Language`: the language the message is written in (RFC 3282), so that mail
/// clients choose fonts, hyphenation and read-aloud voices for it.
#[derive(Debug, Clone)]
struct ContentLanguage(&'static str);

impl Header for ContentLanguage {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Content-Language")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        match s {
            "zh-CN" => Ok(ContentLanguage("zh-CN")),
            "en" => Ok(ContentLanguage("en")),
            _ => Err(format!("unknown language {s}").into()),
        }
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.to_owned())
    }
}

/// Composes a whole message (text and HTML alternatives, a stable Message-ID, its language);
/// what the outbox stores, so that retries send the very same bytes and the worker does no
/// encoding.
pub fn compose(
    from: &str,
    to: super::messages::Recipient<'_>,
    subject: &str,
    text: String,
    html: String,
    message_id: &str,
) -> Result<String, ComposeError> {
    let super::messages::Recipient {
        email,
        name,
        locale,
    } = to;
    let from: Mailbox = from
        .parse()
        .map_err(|e: lettre::address::AddressError| ComposeError::Sender(e.to_string()))?;
    let to: Mailbox = format!("{} <{}>", quote_name(name), email)
        .parse()
        .or_else(|_| email.parse().map(|a| Mailbox::new(None, a)))
        .map_err(|e: lettre::address::AddressError| ComposeError::Recipient(e.to_string()))?;
    let subject: String = subject.chars().filter(|c| !c.is_control()).collect();
    let message = Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .message_id(Some(message_id.to_owned()))
        .header(ContentLanguage(locale.html_lang()))
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(encoded(text)),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(encoded(html)),
                ),
        )
        .map_err(|e| ComposeError::Build(e.to_string()))?;
    String::from_utf8(message.formatted()).map_err(|e| ComposeError::Build(e.to_string()))
}

/// A part's body, its lines ending in CRLF, in the transfer encoding lettre would choose for
/// it (7bit, else quoted-printable or base64, whichever is smaller) and encoded here, once:
/// lettre's own path scans the text for bare line feeds again and builds quoted-printable a
/// character at a time (together 9 % of a launch's machine time). The bytes are lettre's.
fn encoded(text: String) -> Body {
    use email_encoding::body::Encoding;
    use lettre::message::header::ContentTransferEncoding as Cte;
    let text = crlf(text);
    match Encoding::choose(text.as_str(), false) {
        Encoding::SevenBit => Body::dangerous_pre_encoded(text.into_bytes(), Cte::SevenBit),
        Encoding::QuotedPrintable => Body::dangerous_pre_encoded(
            crate::domain::formats::quoted_printable::encode(text.as_bytes()),
            Cte::QuotedPrintable,
        ),
        // base64, and 8bit, which a message for any server may not use (lettre's own choice)
        Encoding::Base64 | Encoding::EightBit => {
            let mut out =
                String::with_capacity(email_encoding::body::base64::encoded_len(text.len()));
            match email_encoding::body::base64::encode(text.as_bytes(), &mut out) {
                Ok(()) => Body::dangerous_pre_encoded(out.into_bytes(), Cte::Base64),
                // writing to a String cannot fail; lettre's own encoding if it ever did
                Err(_) => Body::new(text),
            }
        }
    }
}

/// `s` with every line ending in CRLF, made in one pass. lettre would otherwise insert each
/// CR in place, moving the rest of the part every time: quadratic in a part's lines, and most
/// of a launch's time when it composed 190,000 messages.
fn crlf(s: String) -> String {
    let lines = s.bytes().filter(|b| *b == b'\n').count();
    if lines == 0 {
        return s;
    }
    let mut out = String::with_capacity(s.len() + lines);
    let mut rest = s.as_str();
    while let Some(i) = rest.find('\n') {
        let line = &rest[..i];
        out.push_str(line);
        if !line.ends_with('\r') {
            out.push('\r');
        }
        out.push('\n');
        rest = &rest[i + 1..];
    }
    out.push_str(rest);
    out
}

/// A display name safe inside a header: control characters dropped, quoted.
fn quote_name(name: &str) -> String {
    let clean: String = name
        .chars()
        .filter(|c| !crate::domain::security::text::is_unsafe(*c) && *c != '"' && *c != '\\')
        .collect();
    format!("\"{clean}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A part encoded here is what lettre would have made of it: the same transfer encoding
    /// and the same bytes, for English, Chinese, long lines, blanks at line ends and `=`.
    #[test]
    fn parts_are_encoded_as_lettre_would() {
        let long = format!("{}\n", "Please answer by Friday. ".repeat(8));
        for text in [
            "Hello\nThank you.\n".to_owned(),
            long.clone(),
            format!("{long}a = b \n\tend\t\n"),
            "您好，请在周五之前回答。\n谢谢！\n".repeat(5),
            format!(
                "<p>{}</p>\n<a href=\"https://x.test/r/abc=def\">链接</a>\n",
                "é".repeat(90)
            ),
            String::new(),
        ] {
            let ours = encoded(text.clone());
            let lettres = Body::new(text.replace('\n', "\r\n"));
            assert_eq!(ours.encoding(), lettres.encoding(), "{text:?}");
            assert_eq!(ours.as_ref(), lettres.as_ref(), "{text:?}");
        }
    }

    #[test]
    fn the_mail_folder_is_made_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("dir");
        let mut settings = crate::config::Settings::load_from(
            std::path::Path::new("config/default.toml"),
            None,
            false,
        )
        .expect("settings")
        .email;
        settings.transport = crate::config::Transport::File;
        settings.file_dir = dir.path().join("var").join("mail");
        Mailer::new(&settings).expect("mailer");
        for d in [dir.path().join("var"), dir.path().join("var/mail")] {
            let mode = std::fs::metadata(&d).expect("dir").permissions().mode() & 0o777;
            assert_eq!(mode, 0o700, "{}", d.display());
        }
    }

    #[test]
    fn line_endings_become_crlf_once() {
        assert_eq!(crlf("a\nb\r\nc\n\n".into()), "a\r\nb\r\nc\r\n\r\n");
        assert_eq!(crlf("\n王\n".into()), "\r\n王\r\n");
        assert_eq!(crlf("none".into()), "none");
    }

    #[test]
    fn display_names_lose_controls_and_direction_overrides() {
        assert_eq!(quote_name("Ann\u{202E}a \"x\"\n"), "\"Anna x\"");
    }

    fn headers(raw: &str) -> &str {
        &raw[..raw.find("\r\n\r\n").expect("end of headers")]
    }

    #[test]
    fn names_and_subjects_cannot_inject_headers() {
        let raw = compose(
            "kam360 <no-reply@kam360.test>",
            crate::email::messages::Recipient {
                name: "Evil\r\nBcc: victim@example.com",
                email: "rater@example.cn",
                locale: crate::domain::locale::Locale::En,
            },
            "Hi\r\nBcc: victim2@example.com",
            "text".into(),
            "<p>html</p>".into(),
            "<abc@kam360>",
        )
        .expect("composed");
        let h = headers(&raw);
        assert!(
            !h.lines()
                .any(|l| l.to_ascii_lowercase().starts_with("bcc:")),
            "{h}"
        );
    }

    #[test]
    fn chinese_names_are_encoded_and_the_message_id_is_kept() {
        let raw = compose(
            "kam360 <no-reply@kam360.test>",
            crate::email::messages::Recipient {
                name: "王芳",
                email: "rater@example.cn",
                locale: crate::domain::locale::Locale::Zh,
            },
            "请为王芳提供反馈",
            "正文".into(),
            "<p>正文</p>".into(),
            "<abc@kam360>",
        )
        .expect("composed");
        let h = headers(&raw);
        assert!(h.is_ascii(), "headers are encoded: {h}");
        assert!(h.contains("Content-Language: zh-CN"), "{h}");
        assert!(h.contains("Message-ID: <abc@kam360>"));
        assert!(raw.contains("multipart/alternative"));
    }
}
