//! Settings: `config/default.toml` (embedded, then the on-disk copy if present), then the file
//! named by `KAM360_CONFIG`, then `KAM360__SECTION__KEY` environment variables. Unknown keys are
//! refused; secrets are `SecretString` and never printed.

use std::path::{Path, PathBuf};

use secrecy::SecretString;
use serde::Deserialize;

use crate::domain::rules::consolidation::Policy;

/// The defaults shipped in the binary, so that it runs from any working directory.
pub const DEFAULT_TOML: &str = include_str!("../config/default.toml");

/// All settings, one struct per `[section]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub database: DatabaseSettings,
    pub server: ServerSettings,
    pub email: EmailSettings,
    pub confidentiality: ConfidentialitySettings,
    pub consolidation: ConsolidationSettings,
    pub rubric: RubricSettings,
    pub log: LogSettings,
    pub cycle: CycleSettings,
    pub branding: BrandingSettings,
    pub auth: AuthSettings,
    pub oidc: OidcSettings,
}

/// How staff sign in (SPEC §15).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    /// `false`: no password sign-in or reset; single sign-on is the only way in.
    pub local_passwords: bool,
}

/// Single sign-on through an OpenID Connect provider (SPEC §15); off while `issuer` is empty.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcSettings {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: SecretString,
    pub scopes: Vec<String>,
    pub role_claim: String,
    pub provision: bool,
    pub name: String,
}

impl OidcSettings {
    /// Whether single sign-on is configured.
    pub fn enabled(&self) -> bool {
        !self.issuer.trim().is_empty()
    }

    /// The provider's name for people: the configured one, else the issuer's host.
    pub fn display_name(&self) -> String {
        if !self.name.trim().is_empty() {
            return self.name.trim().to_owned();
        }
        let rest = self
            .issuer
            .split_once("://")
            .map_or(self.issuer.as_str(), |(_, r)| r);
        rest.split(['/', '?', '#'])
            .next()
            .unwrap_or(rest)
            .to_owned()
    }

    fn validate(&self, local_passwords: bool) -> anyhow::Result<()> {
        if !self.enabled() {
            if !local_passwords {
                anyhow::bail!("configuration: auth.local_passwords = false needs single sign-on: set oidc.issuer, oidc.client_id and oidc.client_secret");
            }
            return Ok(());
        }
        let issuer = self.issuer.trim();
        let loopback = issuer.strip_prefix("http://").is_some_and(|rest| {
            let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
            let host = match authority.strip_prefix("[::1]") {
                Some(port) => return port.is_empty() || port.starts_with(':'),
                None => authority.split(':').next().unwrap_or(authority),
            };
            host == "127.0.0.1" || host == "localhost"
        });
        if !(issuer.starts_with("https://") || loopback) {
            anyhow::bail!("configuration: oidc.issuer must start with https:// (http:// only on this machine's loopback address)");
        }
        if self.client_id.trim().is_empty() {
            anyhow::bail!("configuration: oidc.client_id must be set when oidc.issuer is");
        }
        if self
            .scopes
            .iter()
            .any(|s| s.is_empty() || s.chars().any(|c| c.is_whitespace() || c.is_control()))
        {
            anyhow::bail!("configuration: oidc.scopes must be single words");
        }
        if self
            .name
            .chars()
            .any(crate::domain::security::text::is_unsafe)
            || self.name.chars().count() > 60
        {
            anyhow::bail!("configuration: oidc.name must be at most 60 characters on one line");
        }
        Ok(())
    }
}

/// `[branding]` (SPEC §13): who asks for the feedback, on rater pages and in emails.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrandingSettings {
    /// The organisation's name; empty: pages and emails name only kam360.
    pub organization: String,
    /// A PNG, JPEG, SVG or WebP file shown beside the name; empty: none.
    pub logo: PathBuf,
    /// The accent colour (`#rrggbb`) of buttons and links.
    pub accent: String,
}

/// The largest logo file served.
pub const MAX_LOGO_BYTES: u64 = 512 * 1024;

/// `[cycle]`: defaults for new cycles.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CycleSettings {
    /// The IANA time zone a new cycle's deadline is in (SPEC §13).
    pub time_zone: String,
}

/// `[log]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    /// `text` for people, `json` (one object per line) for log collectors.
    pub format: LogFormat,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// `[database]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://PATH` or `postgres://…`
    pub url: SecretString,
    /// Connections in the read pool.
    pub pool_size: u32,
}

/// `[server]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    pub bind: String,
    pub public_base_url: String,
    pub session_idle_minutes: i64,
    pub session_absolute_hours: i64,
    /// The longest a request may take, its body included (a slow sender gets 408).
    pub request_timeout_seconds: u64,
    /// Reverse proxies whose `X-Forwarded-For` names the client (IP addresses).
    pub trusted_proxies: Vec<String>,
    /// HTTP worker threads (0: one per CPU core).
    #[serde(default)]
    pub workers: usize,
}

/// How mail leaves the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    File,
    Smtp,
}

/// TLS mode of the SMTP relay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    None,
    Starttls,
    Tls,
}

/// `[email]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailSettings {
    pub transport: Transport,
    pub file_dir: PathBuf,
    pub from: String,
    pub contact: String,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_tls: SmtpTls,
    pub smtp_username: String,
    pub smtp_password: SecretString,
    pub smtp_timeout_seconds: u64,
    pub reminder_days: Vec<i64>,
    pub retry_base_seconds: i64,
    pub max_age_hours: i64,
    pub lease_seconds: i64,
    pub concurrency: usize,
    pub template_dir: String,
}

/// `[confidentiality]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfidentialitySettings {
    pub min_group_size: i64,
}

/// `[consolidation]` (SPEC §6)
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsolidationSettings {
    pub supervisor_share: f64,
    pub weight_customer: u32,
    pub weight_peer: u32,
    pub weight_team: u32,
}

/// `[rubric]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RubricSettings {
    /// The rubric's file. The default, `config/rubric/kam.toml`, is also built into the binary:
    /// where no such file is found (the binary runs outside its checkout), the built-in copy
    /// is used. Any other path must exist.
    pub path: PathBuf,
}

/// The rubric's default path, relative to where kam360 runs.
pub const DEFAULT_RUBRIC: &str = "config/rubric/kam.toml";

/// The default rubric, built in (the same text as [`DEFAULT_RUBRIC`] in the repository).
const BUILT_IN_RUBRIC: &str = include_str!("../config/rubric/kam.toml");

// Reading the rubric's file is configuration I/O, so it lives here rather than in the pure
// `domain::formats::rubric`, which parses and validates the text.
impl crate::domain::formats::rubric::Rubric {
    /// Reads and validates the rubric file at `path`.
    ///
    /// # Errors
    ///
    /// The file cannot be read, or its content is not a valid rubric (the message names the
    /// file).
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        if path == Path::new(DEFAULT_RUBRIC) && !path.exists() {
            return Self::from_toml("the built-in rubric", BUILT_IN_RUBRIC)
                .map_err(|e| anyhow::anyhow!("{e}"));
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("{}: cannot read the rubric: {e}", path.display()))?;
        Self::from_toml(&path.display().to_string(), &text).map_err(|e| anyhow::anyhow!("{e}"))
    }
}

impl Settings {
    /// Loads the layered configuration from the process environment.
    pub fn load() -> anyhow::Result<Settings> {
        let extra = std::env::var_os("KAM360_CONFIG").map(PathBuf::from);
        Self::load_from(Path::new("config/default.toml"), extra.as_deref(), true)
    }

    /// Loads defaults, an optional on-disk default file, an optional override file and (when
    /// `with_env`) the `KAM360__…` environment variables, then validates the values.
    pub fn load_from(
        default_file: &Path,
        extra: Option<&Path>,
        with_env: bool,
    ) -> anyhow::Result<Settings> {
        use config::{Config, Environment, File, FileFormat};
        let mut builder =
            Config::builder().add_source(File::from_str(DEFAULT_TOML, FileFormat::Toml));
        if default_file.exists() {
            builder = builder.add_source(File::from(default_file).format(FileFormat::Toml));
        }
        if let Some(path) = extra {
            if !path.exists() {
                anyhow::bail!(
                    "KAM360_CONFIG names {}, which does not exist",
                    path.display()
                );
            }
            builder = builder.add_source(File::from(path).format(FileFormat::Toml));
        }
        if with_env {
            builder = builder.add_source(
                Environment::with_prefix("KAM360")
                    .prefix_separator("__")
                    .separator("__")
                    .list_separator(",")
                    .with_list_parse_key("email.reminder_days")
                    .with_list_parse_key("oidc.scopes")
                    .try_parsing(true),
            );
        }
        let settings: Settings = builder
            .build()
            .and_then(|c| c.try_deserialize())
            .map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
        settings.validate()?;
        Ok(settings)
    }

    /// Range checks that serde cannot express.
    pub fn validate(&self) -> anyhow::Result<()> {
        crate::domain::rules::confidentiality::K::new(self.confidentiality.min_group_size)
            .map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
        self.policy()
            .map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
        crate::db::Backend::of_url(secrecy::ExposeSecret::expose_secret(&self.database.url))
            .map_err(|e| anyhow::anyhow!("configuration: database.url: {e}"))?;
        let base = self.server.public_base_url.trim_end_matches('/');
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            anyhow::bail!(
                "configuration: server.public_base_url must start with http:// or https://"
            );
        }
        if self.email.from.parse::<lettre::message::Mailbox>().is_err() {
            anyhow::bail!(
                "configuration: email.from is not a valid address: {}",
                self.email.from
            );
        }
        if let Some(bad) = self
            .server
            .trusted_proxies
            .iter()
            .find(|p| p.parse::<std::net::IpAddr>().is_err())
        {
            anyhow::bail!("configuration: server.trusted_proxies: '{bad}' is not an IP address");
        }
        if !(1..=600).contains(&self.server.request_timeout_seconds) {
            anyhow::bail!("configuration: server.request_timeout_seconds must be 1–600");
        }
        crate::domain::brand::accent(&self.branding.accent)
            .map_err(|e| anyhow::anyhow!("configuration: branding.accent: {e}"))?;
        if self
            .branding
            .organization
            .chars()
            .any(crate::domain::security::text::is_unsafe)
            || self.branding.organization.chars().count() > 100
        {
            anyhow::bail!("configuration: branding.organization must be at most 100 characters on one line, without control or text-direction characters");
        }
        if !self.branding.logo.as_os_str().is_empty() {
            self.logo_type()?;
            let size = std::fs::metadata(&self.branding.logo)
                .map_err(|e| {
                    anyhow::anyhow!(
                        "configuration: branding.logo {}: {e}",
                        self.branding.logo.display()
                    )
                })?
                .len();
            if size > MAX_LOGO_BYTES {
                anyhow::bail!(
                    "configuration: branding.logo is {size} bytes; at most {MAX_LOGO_BYTES}"
                );
            }
        }
        self.oidc.validate(self.auth.local_passwords)?;
        crate::domain::dates::zone(&self.cycle.time_zone)
            .map_err(|e| anyhow::anyhow!("configuration: cycle.time_zone: {e}"))?;
        if self.database.pool_size == 0 {
            anyhow::bail!("configuration: database.pool_size must be at least 1");
        }
        if self.email.reminder_days.iter().any(|d| *d < 1) {
            anyhow::bail!("configuration: email.reminder_days must be whole days >= 1");
        }
        if self.email.lease_seconds < 1 || self.email.concurrency < 1 || self.email.concurrency > 64
        {
            anyhow::bail!(
                "configuration: email.lease_seconds must be >= 1 and email.concurrency 1–64"
            );
        }
        if self.email.retry_base_seconds < 1 || self.email.max_age_hours < 1 {
            anyhow::bail!(
                "configuration: email.retry_base_seconds and email.max_age_hours must be >= 1"
            );
        }
        Ok(())
    }

    /// The consolidation policy of SPEC §6 as exact numbers.
    pub fn policy(&self) -> Result<Policy, crate::domain::rules::consolidation::PolicyError> {
        let c = &self.consolidation;
        Policy::new(
            c.supervisor_share,
            c.weight_customer,
            c.weight_peer,
            c.weight_team,
        )
    }

    /// k of SPEC §7, already validated.
    pub fn min_group_size(&self) -> usize {
        use crate::domain::rules::confidentiality::K;
        K::new(self.confidentiality.min_group_size)
            .unwrap_or(K::FLOOR)
            .get()
    }

    /// The From of every email: `email.from`, naming the organisation when it is configured
    /// and the sender names nobody else (SPEC §13).
    pub fn sender(&self) -> String {
        crate::domain::brand::sender(&self.email.from, &self.branding.organization)
    }

    /// The logo's media type, from its extension.
    ///
    /// # Errors
    ///
    /// A file type browsers do not show as an image.
    pub fn logo_type(&self) -> anyhow::Result<&'static str> {
        let ext = self
            .branding
            .logo
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        Ok(match ext.as_deref() {
            Some("png") => "image/png",
            Some("jpg" | "jpeg") => "image/jpeg",
            Some("svg") => "image/svg+xml",
            Some("webp") => "image/webp",
            _ => anyhow::bail!(
                "configuration: branding.logo must be a .png, .jpg, .svg or .webp file"
            ),
        })
    }

    /// The public base URL without a trailing slash.
    pub fn base_url(&self) -> &str {
        self.server.public_base_url.trim_end_matches('/')
    }

    /// Whether the public URL is https: cookies are then `Secure` (and the staff one `__Host-`).
    pub fn serves_https(&self) -> bool {
        self.base_url().starts_with("https://")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oidc(issuer: &str, name: &str) -> OidcSettings {
        OidcSettings {
            issuer: issuer.into(),
            client_id: "kam360".into(),
            client_secret: String::new().into(),
            scopes: vec!["openid".into()],
            role_claim: String::new(),
            provision: false,
            name: name.into(),
        }
    }

    #[test]
    fn the_provider_is_named_by_its_host_unless_named() {
        let o = oidc("https://login.example.cn/realms/staff", "");
        assert_eq!(o.display_name(), "login.example.cn");
        assert_eq!(
            oidc("https://x.cn", " Example SSO ").display_name(),
            "Example SSO"
        );
        assert!(!oidc(" ", "").enabled());
    }

    #[test]
    fn single_sign_on_settings_are_checked() {
        assert!(oidc("", "").validate(true).is_ok(), "off");
        assert!(oidc("", "").validate(false).is_err(), "no way in");
        assert!(oidc("https://sso.example.cn", "").validate(false).is_ok());
        assert!(
            oidc("http://127.0.0.1:8081", "").validate(true).is_ok(),
            "loopback"
        );
        assert!(oidc("http://sso.example.cn", "").validate(true).is_err());
        assert!(oidc("http://[::1]:9000/x", "").validate(true).is_ok());
        assert!(
            oidc("http://127.0.0.1.evil.example", "")
                .validate(true)
                .is_err(),
            "a host that only begins like the loopback address"
        );
        let mut no_client = oidc("https://sso.example.cn", "");
        no_client.client_id = " ".into();
        assert!(no_client.validate(true).is_err());
        let mut bad_scope = oidc("https://sso.example.cn", "");
        bad_scope.scopes = vec!["openid email".into()];
        assert!(bad_scope.validate(true).is_err());
        assert!(oidc("https://sso.example.cn", "A\u{202e}B")
            .validate(true)
            .is_err());
    }
}
