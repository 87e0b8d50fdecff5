//! Email templates (`templates/email/<kind>/<locale>.{subject,txt,html}.j2`), embedded in the
//! binary and overridable file by file from `email.template_dir`. Rendered with minijinja:
//! HTML parts auto-escaped, text parts not.

use std::path::PathBuf;

use minijinja::{AutoEscape, Environment};
use serde::Serialize;

use super::Kind;
use crate::domain::locale::Locale;

macro_rules! embedded {
    ($($name:literal),+ $(,)?) => {
        &[$(($name, include_str!(concat!("../../templates/email/", $name)))),+]
    };
}

/// Every built-in template, by name.
const BUILT_IN: &[(&str, &str)] = embedded!(
    "base.html.j2",
    "invitation/en.subject.j2",
    "invitation/en.txt.j2",
    "invitation/en.html.j2",
    "invitation/zh.subject.j2",
    "invitation/zh.txt.j2",
    "invitation/zh.html.j2",
    "reminder/en.subject.j2",
    "reminder/en.txt.j2",
    "reminder/en.html.j2",
    "reminder/zh.subject.j2",
    "reminder/zh.txt.j2",
    "reminder/zh.html.j2",
    "resend/en.subject.j2",
    "resend/en.txt.j2",
    "resend/en.html.j2",
    "resend/zh.subject.j2",
    "resend/zh.txt.j2",
    "resend/zh.html.j2",
    "supervisor_ready/en.subject.j2",
    "supervisor_ready/en.txt.j2",
    "supervisor_ready/en.html.j2",
    "supervisor_ready/zh.subject.j2",
    "supervisor_ready/zh.txt.j2",
    "supervisor_ready/zh.html.j2",
    "password_reset/en.subject.j2",
    "password_reset/en.txt.j2",
    "password_reset/en.html.j2",
    "password_reset/zh.subject.j2",
    "password_reset/zh.txt.j2",
    "password_reset/zh.html.j2",
    "links/en.subject.j2",
    "links/en.txt.j2",
    "links/en.html.j2",
    "links/zh.subject.j2",
    "links/zh.txt.j2",
    "links/zh.html.j2",
    "report_released/en.subject.j2",
    "report_released/en.txt.j2",
    "report_released/en.html.j2",
    "report_released/zh.subject.j2",
    "report_released/zh.txt.j2",
    "report_released/zh.html.j2",
    "staff_invite/en.subject.j2",
    "staff_invite/en.txt.j2",
    "staff_invite/en.html.j2",
    "staff_invite/zh.subject.j2",
    "staff_invite/zh.txt.j2",
    "staff_invite/zh.html.j2",
    "nomination_request/en.subject.j2",
    "nomination_request/en.txt.j2",
    "nomination_request/en.html.j2",
    "nomination_request/zh.subject.j2",
    "nomination_request/zh.txt.j2",
    "nomination_request/zh.html.j2",
);

/// A rendered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The template set.
pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    /// The built-in templates, with files in `override_dir` (same layout) taking precedence.
    pub fn new(override_dir: Option<PathBuf>) -> anyhow::Result<Templates> {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html.j2") {
                AutoEscape::Html
            } else {
                AutoEscape::None
            }
        });
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        env.set_keep_trailing_newline(true);
        env.set_loader(move |name| {
            if let Some(dir) = &override_dir {
                let path = dir.join(name);
                if !name.contains("..") && path.is_file() {
                    return std::fs::read_to_string(&path).map(Some).map_err(|e| {
                        minijinja::Error::new(
                            minijinja::ErrorKind::InvalidOperation,
                            format!("cannot read {}: {e}", path.display()),
                        )
                    });
                }
            }
            Ok(BUILT_IN
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, t)| (*t).to_owned()))
        });
        Ok(Templates { env })
    }

    /// Renders the three parts of `kind` in `locale`.
    pub fn render<C: Serialize>(
        &self,
        kind: Kind,
        locale: Locale,
        ctx: &C,
    ) -> Result<Rendered, minijinja::Error> {
        let part = |ext: &str| -> Result<String, minijinja::Error> {
            let name = format!("{}/{}.{ext}.j2", kind.as_str(), locale.as_str());
            self.env.get_template(&name)?.render(ctx)
        };
        let subject = part("subject")?
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        Ok(Rendered {
            subject,
            text: part("txt")?,
            html: part("html")?,
        })
    }
}
