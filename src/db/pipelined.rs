//! PostgreSQL: a connection each HTTP worker keeps for itself, for the lookup on a rater's hot
//! path (diesel-async on tokio-postgres).
//!
//! Through the pool, a rater's lookup held a pooled connection across a hop to a blocking
//! thread, a round trip and a hop back, and eight connections bounded the whole server (issue
//! #25). Here the request awaits its rows on the worker that serves it: the connection's task
//! runs on that worker's runtime, and the worker's requests share its connection by
//! pipelining, so none waits for a connection to be free. One per worker: on the benchmark's
//! two cores, two per worker (more server processes to schedule) tripled the GET's p99.
//!
//! This is a second client library beside libpq, so it is used only where it connects exactly
//! as libpq would: [`plan`] refuses any URL whose TLS or sign-in settings it cannot honour the
//! same way (then libpq serves, as before), and a worker that cannot connect, or whose
//! connection fails, goes back to libpq for that request.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel_async::pg::AsyncPgConnection;
use diesel_async::AsyncConnection;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use tokio::sync::OnceCell;
use tokio_postgres::config::SslMode;

use super::statements::StatementCounter;

/// How these connections name themselves to the server, unless the URL names them.
pub const APPLICATION_NAME: &str = "kam360 rater lookups";

/// How long a worker that could not connect uses libpq before it tries again.
const REST: Duration = Duration::from_secs(30);

/// How long opening a connection, or one lookup on it, may take before the worker gives up
/// on that connection and the pool serves (a point lookup takes under a millisecond: longer
/// means a connection that no longer answers, e.g. a peer lost without a reset).
pub const PATIENCE: Duration = Duration::from_secs(5);

/// How a [`Db`](super::Db) reaches PostgreSQL from its HTTP workers.
pub struct Pipelined {
    /// Tells one `Db`'s connections from another's on the same thread (the tests run many).
    id: u64,
    config: tokio_postgres::Config,
    /// rustls, configured to check what libpq would check; `None` for `sslmode=disable`.
    tls: Option<Arc<rustls::ClientConfig>>,
    counter: Option<StatementCounter>,
}

/// What libpq's defaults are read from besides the URL.
#[derive(Debug, Default, Clone)]
pub struct Surroundings {
    /// `PGSSLMODE`, `PGSSLROOTCERT`, `PGREQUIRESSL`.
    pub sslmode: Option<String>,
    pub sslrootcert: Option<String>,
    pub requiressl: Option<String>,
    /// `~/.postgresql/root.crt` when it exists (libpq's default root certificate).
    pub default_root: Option<String>,
    /// Whether libpq could find a password outside the URL (`PGPASSWORD`, `PGPASSFILE`,
    /// `~/.pgpass`).
    pub password_elsewhere: bool,
}

impl Surroundings {
    /// Read from the process's environment and home directory.
    pub fn of_process() -> Surroundings {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
        let in_home = |f: &str| home.as_ref().map(|h| h.join(f)).filter(|p| p.exists());
        Surroundings {
            sslmode: var("PGSSLMODE"),
            sslrootcert: var("PGSSLROOTCERT"),
            requiressl: var("PGREQUIRESSL"),
            default_root: in_home(".postgresql/root.crt").map(|p| p.display().to_string()),
            password_elsewhere: var("PGPASSWORD").is_some()
                || var("PGPASSFILE").is_some()
                || in_home(".pgpass").is_some(),
        }
    }
}

/// How the URL's TLS settings map, decided without touching the network or the files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsPlan {
    Off,
    /// `prefer` (TLS when the server offers it) or `require`.
    Unverified {
        required: bool,
    },
    /// `verify-full` against these roots: a PEM file, or `system`.
    Verified {
        roots: String,
    },
}

/// Splits the URL into what tokio-postgres reads (the TLS parameters taken out) and the TLS
/// plan; `Err` says why libpq must serve instead.
pub fn tls_plan(url: &str, around: &Surroundings) -> Result<(String, TlsPlan), String> {
    let mut parsed = url::Url::parse(url).map_err(|_| "the URL does not parse".to_owned())?;
    let mut sslmode = None;
    let mut sslrootcert = None;
    // the other parameters are kept as written (re-encoding would turn `%20` into `+`, which
    // tokio-postgres reads as a plus sign)
    let mut rest = Vec::new();
    for raw in parsed
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let Some((k, v)) = url::form_urlencoded::parse(raw.as_bytes()).next() else {
            continue;
        };
        match &*k {
            "sslmode" => sslmode = Some(v.into_owned()),
            "sslrootcert" => sslrootcert = Some(v.into_owned()),
            _ => rest.push(raw.to_owned()),
        }
    }
    let rest = rest.join("&");
    parsed.set_query((!rest.is_empty()).then_some(rest.as_str()));
    let required_by_env = around.requiressl.as_deref() == Some("1");
    let mode = sslmode
        .or_else(|| around.sslmode.clone())
        .unwrap_or_else(|| if required_by_env { "require" } else { "prefer" }.to_owned());
    let root = sslrootcert.or_else(|| around.sslrootcert.clone());
    let has_root = root.is_some() || around.default_root.is_some();
    let plan = match mode.as_str() {
        "disable" => TlsPlan::Off,
        // with a root certificate at hand libpq checks the chain in these modes too
        "prefer" | "require" if has_root => {
            return Err(format!(
                "sslmode={mode} with a root certificate checks the chain as verify-ca does"
            ))
        }
        "prefer" => TlsPlan::Unverified { required: false },
        "require" => TlsPlan::Unverified { required: true },
        "verify-full" => match root.or_else(|| around.default_root.clone()) {
            Some(roots) => TlsPlan::Verified { roots },
            None => return Err("sslmode=verify-full without a root certificate".to_owned()),
        },
        other => return Err(format!("sslmode={other}")),
    };
    Ok((parsed.into(), plan))
}

/// The worker connections for `url`, or why libpq serves instead (the reason names no secret).
pub fn plan(url: &str, counter: Option<StatementCounter>) -> Result<Pipelined, String> {
    static IDS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let around = Surroundings::of_process();
    let (url, tls) = tls_plan(url, &around)?;
    let mut config: tokio_postgres::Config = url
        .parse()
        .map_err(|e: tokio_postgres::Error| e.to_string())?;
    if config.get_application_name().is_none() {
        // tells these connections from the pool's in `pg_stat_activity`
        config.application_name(APPLICATION_NAME);
    }
    if config.get_password().is_none() && around.password_elsewhere {
        // only a password in the URL is used
        return Err("the password is not in the URL".to_owned());
    }
    let (mode, tls) = match tls {
        TlsPlan::Off => (SslMode::Disable, None),
        TlsPlan::Unverified { required } => {
            let mode = if required {
                SslMode::Require
            } else {
                SslMode::Prefer
            };
            (mode, Some(unverified_config()?))
        }
        TlsPlan::Verified { roots } => (SslMode::Require, Some(verified_config(&roots)?)),
    };
    config.ssl_mode(mode);
    Ok(Pipelined {
        id: IDS.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        config,
        tls: tls.map(Arc::new),
        counter,
    })
}

/// rustls with ring (as lettre's) and its default protocol versions.
fn builder(
    provider: Arc<rustls::crypto::CryptoProvider>,
) -> Result<rustls::ConfigBuilder<rustls::ClientConfig, rustls::WantsVerifier>, String> {
    rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())
}

fn unverified_config() -> Result<rustls::ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(builder(provider.clone())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(Unverified(provider)))
        .with_no_client_auth())
}

fn verified_config(roots: &str) -> Result<rustls::ClientConfig, String> {
    use rustls::pki_types::pem::PemObject;
    let mut store = rustls::RootCertStore::empty();
    if roots == "system" {
        let found = rustls_native_certs::load_native_certs();
        store.add_parsable_certificates(found.certs);
    } else {
        let certs = CertificateDer::pem_file_iter(roots)
            .map_err(|e| format!("sslrootcert: {e}"))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("sslrootcert: {e}"))?;
        store.add_parsable_certificates(certs);
    }
    if store.is_empty() {
        return Err("sslrootcert holds no certificate".to_owned());
    }
    Ok(builder(Arc::new(rustls::crypto::ring::default_provider()))?
        .with_root_certificates(store)
        .with_no_client_auth())
}

/// libpq's `prefer` and `require` without a root certificate: any certificate is accepted,
/// the handshake's signatures are still checked.
#[derive(Debug)]
struct Unverified(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for Unverified {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// tokio-postgres's TLS hooks over tokio-rustls.
#[derive(Clone)]
struct Rustls(Arc<rustls::ClientConfig>);

struct RustlsConnect {
    config: Arc<rustls::ClientConfig>,
    name: ServerName<'static>,
}

struct RustlsStream(tokio_rustls::client::TlsStream<tokio_postgres::Socket>);

impl tokio_postgres::tls::MakeTlsConnect<tokio_postgres::Socket> for Rustls {
    type Stream = RustlsStream;
    type TlsConnect = RustlsConnect;
    type Error = rustls::pki_types::InvalidDnsNameError;

    fn make_tls_connect(&mut self, domain: &str) -> Result<RustlsConnect, Self::Error> {
        Ok(RustlsConnect {
            config: self.0.clone(),
            name: ServerName::try_from(domain.to_owned())?,
        })
    }
}

impl tokio_postgres::tls::TlsConnect<tokio_postgres::Socket> for RustlsConnect {
    type Stream = RustlsStream;
    type Error = std::io::Error;
    type Future =
        std::pin::Pin<Box<dyn std::future::Future<Output = std::io::Result<RustlsStream>> + Send>>;

    fn connect(self, socket: tokio_postgres::Socket) -> Self::Future {
        let connector = tokio_rustls::TlsConnector::from(self.config);
        Box::pin(async move { Ok(RustlsStream(connector.connect(self.name, socket).await?)) })
    }
}

impl tokio_postgres::tls::TlsStream for RustlsStream {
    fn channel_binding(&self) -> tokio_postgres::tls::ChannelBinding {
        tokio_postgres::tls::ChannelBinding::none()
    }
}

impl tokio::io::AsyncRead for RustlsStream {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for RustlsStream {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

/// One worker's connection for one `Db`.
struct Local {
    /// Opened on first use; replaced by an empty cell when a statement on it fails.
    cell: RefCell<Rc<OnceCell<Rc<AsyncPgConnection>>>>,
    /// Until when this worker uses libpq, after it could not connect.
    resting_until: Cell<Option<Instant>>,
}

thread_local! {
    /// The connection of the worker running on this thread, by `Pipelined::id`.
    static WORKER: RefCell<Vec<(u64, Rc<Local>)>> = const { RefCell::new(Vec::new()) };
}

impl Pipelined {
    fn local(&self) -> Rc<Local> {
        WORKER.with(|w| {
            let mut w = w.borrow_mut();
            if let Some((_, l)) = w.iter().find(|(id, _)| *id == self.id) {
                return l.clone();
            }
            let l = Rc::new(Local {
                cell: RefCell::new(Rc::new(OnceCell::new())),
                resting_until: Cell::new(None),
            });
            w.push((self.id, l.clone()));
            l
        })
    }

    /// This worker's connection (opened on first use), or `None` when the worker cannot
    /// connect: the caller uses libpq.
    pub async fn connection(&self) -> Option<Rc<AsyncPgConnection>> {
        let local = self.local();
        if let Some(until) = local.resting_until.get() {
            if Instant::now() < until {
                return None;
            }
            local.resting_until.set(None);
        }
        let cell = local.cell.borrow().clone();
        let open = || async {
            tokio::time::timeout(PATIENCE, self.open())
                .await
                .unwrap_or_else(|_| Err("no answer in time".to_owned()))
        };
        match cell.get_or_try_init(open).await {
            Ok(conn) => Some(conn.clone()),
            Err(e) => {
                tracing::warn!(error = %e, "PostgreSQL: a worker could not open its own connection; rater lookups use the pool for 30 s");
                local.resting_until.set(Some(Instant::now() + REST));
                None
            }
        }
    }

    /// Drops a connection a statement failed on; the next request opens a new one.
    pub fn discard(&self, conn: &Rc<AsyncPgConnection>) {
        let local = self.local();
        let mut cell = local.cell.borrow_mut();
        if cell.get().is_some_and(|c| Rc::ptr_eq(c, conn)) {
            *cell = Rc::new(OnceCell::new());
        }
    }

    async fn open(&self) -> Result<Rc<AsyncPgConnection>, String> {
        async fn wrap<T>(
            connected: Result<
                (
                    tokio_postgres::Client,
                    tokio_postgres::Connection<tokio_postgres::Socket, T>,
                ),
                tokio_postgres::Error,
            >,
        ) -> Result<AsyncPgConnection, String>
        where
            T: tokio_postgres::tls::TlsStream + Unpin + Send + 'static,
        {
            let (client, connection) = connected.map_err(|e| e.to_string())?;
            AsyncPgConnection::try_from_client_and_connection(client, connection)
                .await
                .map_err(|e| e.to_string())
        }
        let mut conn = match &self.tls {
            None => wrap(self.config.connect(tokio_postgres::NoTls).await).await?,
            Some(c) => wrap(self.config.connect(Rustls(c.clone())).await).await?,
        };
        if let Some(counter) = self.counter.clone() {
            conn.set_instrumentation(move |event: diesel::connection::InstrumentationEvent<'_>| {
                counter.record(event)
            });
        }
        Ok(Rc::new(conn))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_of(url: &str, around: &Surroundings) -> Result<(String, TlsPlan), String> {
        tls_plan(url, around)
    }

    #[test]
    fn libpq_modes_map_or_are_refused() {
        let none = Surroundings::default();
        let (url, p) = plan_of("postgres://u:pw@db/k?sslmode=disable", &none).unwrap();
        assert_eq!((url.as_str(), p), ("postgres://u:pw@db/k", TlsPlan::Off));
        let (_, p) = plan_of("postgres://u@db/k", &none).unwrap();
        assert_eq!(p, TlsPlan::Unverified { required: false });
        let (_, p) = plan_of("postgres://u@db/k?sslmode=require", &none).unwrap();
        assert_eq!(p, TlsPlan::Unverified { required: true });
        let (url, p) = plan_of(
            "postgres://u@db/k?application_name=x&sslmode=verify-full&sslrootcert=/etc/ca.pem",
            &none,
        )
        .unwrap();
        assert_eq!(url, "postgres://u@db/k?application_name=x");
        let (url, _) = plan_of(
            "postgres://u@db/k?options=-c%20a%3Db&sslmode=require",
            &none,
        )
        .unwrap();
        assert_eq!(
            url, "postgres://u@db/k?options=-c%20a%3Db",
            "kept as written"
        );
        assert_eq!(
            p,
            TlsPlan::Verified {
                roots: "/etc/ca.pem".into()
            }
        );
        for refused in ["verify-ca", "allow", "bogus"] {
            let e = plan_of(&format!("postgres://u@db/k?sslmode={refused}"), &none).unwrap_err();
            assert!(e.contains(refused), "{e}");
        }
        assert!(plan_of("postgres://u@db/k?sslmode=verify-full", &none).is_err());
    }

    /// libpq reads `PGSSLMODE` and friends, and `~/.postgresql/root.crt`, where the URL is
    /// silent: a connection made here must be no weaker than libpq's.
    #[test]
    fn the_environment_is_read_as_libpq_reads_it() {
        let env = |mode: &str| Surroundings {
            sslmode: Some(mode.into()),
            ..Surroundings::default()
        };
        assert_eq!(
            plan_of("postgres://u@db/k", &env("disable")).unwrap().1,
            TlsPlan::Off
        );
        // the URL wins over the environment
        assert_eq!(
            plan_of("postgres://u@db/k?sslmode=require", &env("disable"))
                .unwrap()
                .1,
            TlsPlan::Unverified { required: true }
        );
        assert!(plan_of("postgres://u@db/k", &env("verify-ca")).is_err());
        let required = Surroundings {
            requiressl: Some("1".into()),
            ..Surroundings::default()
        };
        assert_eq!(
            plan_of("postgres://u@db/k", &required).unwrap().1,
            TlsPlan::Unverified { required: true }
        );
        let rooted = Surroundings {
            default_root: Some("/home/k/.postgresql/root.crt".into()),
            ..Surroundings::default()
        };
        // libpq checks the chain in prefer/require when a root certificate exists
        assert!(plan_of("postgres://u@db/k", &rooted).is_err());
        assert!(plan_of("postgres://u@db/k?sslmode=require", &rooted).is_err());
        assert!(matches!(
            plan_of("postgres://u@db/k?sslmode=verify-full", &rooted)
                .unwrap()
                .1,
            TlsPlan::Verified { .. }
        ));
        let env_root = Surroundings {
            sslrootcert: Some("/etc/ca.pem".into()),
            ..env("verify-full")
        };
        assert_eq!(
            plan_of("postgres://u@db/k", &env_root).unwrap().1,
            TlsPlan::Verified {
                roots: "/etc/ca.pem".into()
            }
        );
    }

    #[test]
    fn settings_tokio_postgres_does_not_know_are_refused() {
        // libpq's client certificates: tokio-postgres cannot present them
        assert!(plan("postgres://u@db/k?sslcert=/c.pem&sslkey=/k.pem", None).is_err());
        assert!(plan("postgres://u:pw@db/k?sslmode=disable", None).is_ok());
    }

    #[test]
    fn a_root_file_without_certificates_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("ca.pem");
        std::fs::write(&empty, "").unwrap();
        let url = format!(
            "postgres://u:pw@db/k?sslmode=verify-full&sslrootcert={}",
            empty.display()
        );
        assert!(plan(&url, None).is_err());
    }

    /// `prefer` and `require` encrypt, through rustls, wherever the server offers TLS; `require`
    /// refuses a server that does not. Against the test server (this process makes no libpq
    /// connection, whose OpenSSL exit cleanup the API tests keep out of their process).
    #[tokio::test]
    async fn prefer_and_require_encrypt_where_the_server_offers_tls() {
        use diesel_async::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Ssl {
            #[diesel(sql_type = diesel::sql_types::Bool)]
            offered: bool,
            #[diesel(sql_type = diesel::sql_types::Bool)]
            used: bool,
        }
        async fn ssl(conn: &AsyncPgConnection) -> Ssl {
            diesel::sql_query(
                "SELECT current_setting('ssl') = 'on' AS offered, \
                 (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()) AS used",
            )
            .get_result(&mut &*conn)
            .await
            .expect("pg_stat_ssl")
        }
        let base = std::env::var("KAM360_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let sep = if base.contains('?') { '&' } else { '?' };
        let with = |mode: &str| {
            plan(&format!("{base}{sep}sslmode={mode}"), None).expect("a URL the plan admits")
        };
        let plain = match with("disable").open().await {
            Ok(c) => c,
            Err(e) if std::env::var("CI").is_err() => {
                eprintln!("PostgreSQL unreachable ({e}); skipped");
                return;
            }
            Err(e) => panic!("CI is set but PostgreSQL is unreachable: {e}"),
        };
        let offered = ssl(&plain).await;
        assert!(!offered.used);
        for mode in ["prefer", "require"] {
            match with(mode).open().await {
                Ok(conn) => assert_eq!(ssl(&conn).await.used, offered.offered, "{mode}"),
                Err(e) => assert!(mode == "require" && !offered.offered, "{mode}: {e}"),
            }
        }
    }
}
