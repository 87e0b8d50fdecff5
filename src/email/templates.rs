//! Email templates (`templates/email/<kind>/<locale>.{subject,txt,html}.j2`), embedded in the
//! binary and overridable file by file from `email.template_dir`. Rendered with minijinja:
//! HTML parts auto-escaped, text parts not.

use std::path::PathBuf;

use minijinja::{AutoEscape, Environment};
use serde::Serialize;

use super::Kind;
use crate::domain::locale::Locale;

macro_rules! embedded {
    (shared: $($name:literal),+; kinds: $($kind:literal),+ $(,)?) => {
        &[
            $(($name, include_str!(concat!("../../templates/email/", $name))),)+
            $(
                embedded!(@part $kind, "en.subject.j2"),
                embedded!(@part $kind, "en.txt.j2"),
                embedded!(@part $kind, "en.html.j2"),
                embedded!(@part $kind, "zh.subject.j2"),
                embedded!(@part $kind, "zh.txt.j2"),
                embedded!(@part $kind, "zh.html.j2"),
            )+
        ]
    };
    (@part $kind:literal, $file:literal) => {
        (
            concat!($kind, "/", $file),
            include_str!(concat!("../../templates/email/", $kind, "/", $file)),
        )
    };
}

/// Every built-in template, by name: the bases and the button, then each kind's folder (named
/// as `Kind::as_str`; a test checks that every kind has one).
const BUILT_IN: &[(&str, &str)] = embedded!(
    shared: "base.html.j2", "base.txt.j2", "macros.html.j2";
    kinds: "invitation",
    "reminder",
    "resend",
    "supervisor_ready",
    "password_reset",
    "links",
    "report_released",
    "staff_invite",
    "nomination_request",
    "plan_checkin",
    "kam_follow_up",
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
            let text = self.env.get_template(&name)?.render(ctx)?;
            // Chinese typesetting: a space between Chinese and a Latin name or a number
            Ok(match locale {
                Locale::Zh => crate::i18n::spaced(&text),
                Locale::En => text,
            })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_six_templates_and_they_extend_the_bases() {
        for kind in Kind::ALL {
            for locale in [Locale::En, Locale::Zh] {
                for (part, base) in [
                    ("subject", None),
                    ("txt", Some("{% extends \"base.txt.j2\" %}")),
                    ("html", Some("{% extends \"base.html.j2\" %}")),
                ] {
                    let name = format!("{}/{}.{part}.j2", kind.as_str(), locale.as_str());
                    let source = BUILT_IN
                        .iter()
                        .find(|(n, _)| *n == name)
                        .map(|(_, t)| *t)
                        .unwrap_or_else(|| panic!("{name} is not built in"));
                    if let Some(base) = base {
                        assert!(source.starts_with(base), "{name} does not extend {base}");
                    }
                }
            }
        }
        let templates = Templates::new(None).expect("templates");
        for name in ["base.html.j2", "base.txt.j2", "macros.html.j2"] {
            assert!(templates.env.get_template(name).is_ok(), "{name}");
        }
    }
}
