//! `spawn_app()`: a real server on a random port over a fresh database (an SQLite file in a
//! temporary folder, or a new PostgreSQL database dropped afterwards), with helpers to drive it.

use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;

use actix_web::web;
use kam360::config::Settings;
use kam360::db::Db;
use kam360::domain::formats::rubric::Rubric;
use kam360::email::Templates;
use kam360::web::AppState;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where the PostgreSQL tests create their databases.
pub fn postgres_admin_url() -> String {
    without_tls(
        std::env::var("KAM360_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into()),
    )
}

/// `url` with `sslmode=disable` unless it says otherwise. libpq's TLS is OpenSSL, whose exit
/// cleanup (on the main thread, after `OPENSSL_atexit`) raced the threads of the servers the
/// tests leave running and crashed the test binary at exit, after every test had passed (one
/// run in five, "double free or corruption"). The test server is local; the workers' own
/// connections' TLS is tested by `db::pipelined`'s unit tests, in a process without libpq TLS.
pub fn without_tls(url: String) -> String {
    if url.contains("sslmode=") {
        return url;
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}sslmode=disable")
}

pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// A fresh PostgreSQL database URL, or `None` (with a notice) when the server is unreachable
/// outside CI. In CI an unreachable server fails the test.
pub fn fresh_postgres_url() -> Option<(String, PgGuard)> {
    use diesel::{Connection, PgConnection, RunQueryDsl};
    let admin = postgres_admin_url();
    let mut conn = match PgConnection::establish(&admin) {
        Ok(c) => c,
        Err(e) if !in_ci() => {
            eprintln!("PostgreSQL unreachable ({e}); skipping the PostgreSQL variant. Set KAM360_TEST_POSTGRES_URL to run it.");
            return None;
        }
        Err(e) => panic!("CI=true but PostgreSQL is unreachable at {admin}: {e}"),
    };
    tidy_test_databases(&mut conn);
    let name = format!("kam360_t_{}", uuid::Uuid::new_v4().simple());
    // a copy of one migrated template: migrating ~70 databases from scratch was a tenth of
    // the suite
    let template = migrated_template(&admin);
    diesel::sql_query(format!("CREATE DATABASE {name} TEMPLATE {template}"))
        .execute(&mut conn)
        .expect("create test database");
    let base = admin
        .rsplit_once('/')
        .map(|(b, _)| b.to_owned())
        .expect("url with a database");
    live().push(name.clone());
    Some((without_tls(format!("{base}/{name}")), PgGuard { name }))
}

/// The name of a database migrated to this build's migrations, made once (per set of
/// migrations, shared by the test processes that run at the same time): test databases are
/// copied from it.
fn migrated_template(admin: &str) -> String {
    use diesel::{Connection, PgConnection, RunQueryDsl};
    static NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NAME.get_or_init(|| {
        // named after the migrations' content, so a changed migration makes a new template
        let mut files = Vec::new();
        let dir = root().join("migrations/postgres");
        for entry in std::fs::read_dir(&dir).expect("migrations").flatten() {
            for f in std::fs::read_dir(entry.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                files.push((f.path(), std::fs::read(f.path()).unwrap_or_default()));
            }
        }
        files.sort();
        let mut hash = <sha2::Sha256 as sha2::Digest>::new();
        for (path, bytes) in &files {
            sha2::Digest::update(&mut hash, path.to_string_lossy().as_bytes());
            sha2::Digest::update(&mut hash, bytes);
        }
        let digest = sha2::Digest::finalize(hash);
        let name = format!(
            "kam360_tpl_{}",
            digest
                .iter()
                .take(8)
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        let mut conn = PgConnection::establish(admin).expect("admin connection");
        // one process makes it; the others wait on the lock, then find it made
        diesel::sql_query("SELECT pg_advisory_lock(360361)")
            .execute(&mut conn)
            .expect("lock");
        #[derive(diesel::QueryableByName)]
        struct Found {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let found: Vec<Found> = diesel::sql_query(format!(
            "SELECT count(*) AS n FROM pg_database WHERE datname = '{name}'"
        ))
        .load(&mut conn)
        .expect("look up the template");
        if found.first().map_or(0, |f| f.n) == 0 {
            let building = format!("{name}_building");
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
                .execute(&mut conn);
            diesel::sql_query(format!("CREATE DATABASE {building}"))
                .execute(&mut conn)
                .expect("create the template");
            let base = admin.rsplit_once('/').map(|(b, _)| b).expect("url");
            let mut template = PgConnection::establish(&without_tls(format!("{base}/{building}")))
                .expect("connect");
            diesel_migrations::MigrationHarness::run_pending_migrations(
                &mut template,
                kam360::db::POSTGRES_MIGRATIONS,
            )
            .expect("migrate the template");
            drop(template);
            diesel::sql_query(format!("ALTER DATABASE {building} RENAME TO {name}"))
                .execute(&mut conn)
                .expect("name the template");
        }
        diesel::sql_query("SELECT pg_advisory_unlock(360361)")
            .execute(&mut conn)
            .expect("unlock");
        name
    })
    .clone()
}

/// Marks its test database as in use while the test runs; the database is dropped later,
/// never by force. Forcing the drop while the test's server still held its pool broke the
/// pool's connections, and r2d2's threads then reconnected in the background; one of them
/// still inside libpq when the process exited crashed the test binary with SIGSEGV after every
/// test had passed.
pub struct PgGuard {
    name: String,
}

/// This process's test databases still in use.
static LIVE: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

fn live() -> std::sync::MutexGuard<'static, Vec<String>> {
    LIVE.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Drops the test databases nobody is connected to (this run's finished tests', and what
/// earlier runs left), except this process's live ones.
fn tidy_test_databases(conn: &mut diesel::PgConnection) {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        datname: String,
    }
    let unused: Vec<Name> = diesel::sql_query(
        "SELECT datname FROM pg_database d WHERE datname LIKE 'kam360\\_t\\_%' \
         AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname)",
    )
    .load(conn)
    .unwrap_or_default();
    let keep = live().clone();
    for n in unused.into_iter().filter(|n| !keep.contains(&n.datname)) {
        // someone connecting meanwhile makes it fail: it is left for a later pass
        let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {}", n.datname)).execute(conn);
    }
}

impl Drop for PgGuard {
    fn drop(&mut self) {
        live().retain(|n| *n != self.name);
    }
}

/// A running server and everything a test needs to poke at it.
pub struct TestApp {
    pub address: String,
    pub db: Db,
    pub settings: Arc<Settings>,
    pub templates: Arc<Templates>,
    pub rubric: Rubric,
    pub client: reqwest::Client,
    pub dir: tempfile::TempDir,
    pub database_url: String,
    /// Statements run by the server's pools so far.
    pub statements: kam360::db::StatementCounter,
    _pg: Option<PgGuard>,
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Test settings over `database_url`, writing mail into `dir`.
pub fn settings_for(database_url: &str, dir: &std::path::Path, port: u16) -> Settings {
    let mut s = Settings::load_from(&root().join("config/default.toml"), None, false)
        .expect("default settings");
    s.database.url = database_url.to_owned().into();
    s.database.pool_size = 4;
    s.server.bind = format!("127.0.0.1:{port}");
    s.server.public_base_url = format!("http://127.0.0.1:{port}");
    // one worker per test server: each worker builds the whole route table, and a test's
    // requests come one at a time (the load tests set their own)
    s.server.workers = 1;
    s.email.file_dir = dir.join("mail");
    s.rubric.path = root().join("config/rubric/kam.toml");
    s
}

/// Spawns the app on `backend`; `None` when PostgreSQL is unavailable outside CI.
pub async fn try_spawn_app(backend: Backend) -> Option<TestApp> {
    try_spawn_app_with(backend, |_| {}).await
}

/// [`try_spawn_app`] with settings adjusted by `adjust` (e.g. an SMTP relay).
pub async fn try_spawn_app_with(
    backend: Backend,
    adjust: impl FnOnce(&mut Settings),
) -> Option<TestApp> {
    let dir = tempfile::tempdir().expect("tempdir");
    let (database_url, pg) = match backend {
        Backend::Sqlite => (
            format!("sqlite://{}", dir.path().join("test.db").display()),
            None,
        ),
        Backend::Postgres => {
            let (url, guard) = fresh_postgres_url()?;
            (url, Some(guard))
        }
    };
    Some(launch(database_url, dir, pg, adjust))
}

/// A second server on the same database as `app` (another instance behind the same balancer).
pub fn spawn_beside(app: &TestApp) -> TestApp {
    spawn_at(app.database_url.clone())
}

/// A server on the database at `database_url` (e.g. through a proxy to another app's).
pub fn spawn_at(database_url: String) -> TestApp {
    let dir = tempfile::tempdir().expect("tempdir");
    launch(database_url, dir, None, |_| {})
}

fn launch(
    database_url: String,
    dir: tempfile::TempDir,
    pg: Option<PgGuard>,
    adjust: impl FnOnce(&mut Settings),
) -> TestApp {
    // cheap password hashes in this process (the parameters are checked by the unit tests)
    kam360::domain::security::password::lower_cost_for_tests();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let mut settings = settings_for(&database_url, dir.path(), port);
    adjust(&mut settings);
    let statements = kam360::db::StatementCounter::default();
    statements.start();
    let db = Db::connect_counting(&database_url, 4, Some(statements.clone())).expect("connect");
    db.migrate().expect("migrate");
    let rubric =
        kam360::domain::formats::rubric::Rubric::load(&settings.rubric.path).expect("rubric");
    let templates = Arc::new(Templates::new(None).expect("templates"));
    let settings = Arc::new(settings);
    let state = web::Data::new(AppState::new(
        db.clone(),
        settings.clone(),
        templates.clone(),
        Arc::new(rubric.clone()),
    ));
    let server = kam360::web::build(listener, state).expect("server");
    tokio::spawn(server);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("client");
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        db,
        settings,
        templates,
        rubric,
        client,
        dir,
        database_url,
        statements,
        _pg: pg,
    }
}

/// Spawns the app on SQLite.
pub async fn spawn_app() -> TestApp {
    try_spawn_app(Backend::Sqlite).await.expect("sqlite app")
}

/// Runs one test body, given the backend, on SQLite and on PostgreSQL (for bodies that spawn
/// their app themselves, e.g. with an SMTP relay).
#[macro_export]
macro_rules! each_backend {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                use $crate::helpers::Backend;
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name(Backend::Sqlite).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name(Backend::Postgres).await;
                }
            }
        )+
    };
}

/// Runs one test body on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let app = $crate::helpers::try_spawn_app($crate::helpers::Backend::Sqlite).await.expect("sqlite");
                    super::$name(app).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(app) = $crate::helpers::try_spawn_app($crate::helpers::Backend::Postgres).await {
                        super::$name(app).await;
                    }
                }
            }
        )+
    };
}

impl TestApp {
    /// Statements run since the last call.
    pub fn take_statements(&self) -> u64 {
        let n = self.statements.stop();
        self.statements.start();
        n
    }

    /// GET a path.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("GET")
    }

    /// GET a path, returning status and body.
    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let r = self.get(path).await;
        let (status, body) = (r.status().as_u16(), r.text().await.expect("body"));
        assert_no_missing_text(path, &body);
        (status, body)
    }

    /// GET a path and follow up to three redirects (keeping cookies): (final path, status, body).
    pub async fn open(&self, path: &str) -> (String, u16, String) {
        let mut at = path.to_owned();
        for _ in 0..4 {
            let r = self.get(&at).await;
            if r.status().is_redirection() {
                at = r.headers()["location"]
                    .to_str()
                    .expect("location")
                    .to_owned();
                continue;
            }
            let status = r.status().as_u16();
            let body = r.text().await.expect("body");
            assert_no_missing_text(&at, &body);
            return (at, status, body);
        }
        panic!("too many redirects from {path}");
    }

    /// POST an urlencoded body.
    pub async fn post_form(&self, path: &str, pairs: &[(&str, &str)]) -> reqwest::Response {
        let body = serde_urlencoded::to_string(pairs).expect("encode");
        self.post_raw(path, body).await
    }

    /// POST a raw urlencoded body.
    pub async fn post_raw(&self, path: &str, body: String) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.address))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("POST")
    }

    /// Runs `f` in one write transaction.
    pub fn write<T>(
        &self,
        f: impl FnOnce(&mut kam360::db::AnyConnection) -> kam360::error::AppResult<T>,
    ) -> kam360::error::AppResult<T> {
        self.db.write_blocking(f)
    }

    /// Runs `f` on a read connection.
    pub fn read<T>(
        &self,
        f: impl FnOnce(&mut kam360::db::AnyConnection) -> kam360::error::AppResult<T>,
    ) -> kam360::error::AppResult<T> {
        self.db.read_blocking(f)
    }

    /// Creates a staff account and signs a client of its own in as it (crates.io's
    /// `with_user`): the client keeps its cookies, and the home page's CSRF token comes along.
    pub async fn staff(&self, email: &str, role: kam360::actions::users::Role) -> StaffClient {
        let e = email.to_owned();
        let password = self
            .write(move |c| kam360::actions::users::add(c, &e, "Staff", role, kam360::db::now()))
            .expect("account");
        let client = new_client();
        let r = client
            .post(format!("{}/login", self.address))
            .form(&[("email", email), ("password", password.as_str())])
            .send()
            .await
            .expect("login");
        assert_eq!(r.status(), 303, "sign-in of {email}");
        let home = client
            .get(format!("{}/", self.address))
            .send()
            .await
            .expect("home")
            .text()
            .await
            .expect("body");
        StaffClient {
            csrf: csrf_of(&home),
            client,
        }
    }

    /// Creates a staff account and signs this app's client in as it.
    pub async fn sign_in(&self, email: &str, role: kam360::actions::users::Role) {
        let e = email.to_owned();
        let password = self
            .write(move |c| kam360::actions::users::add(c, &e, "Staff", role, kam360::db::now()))
            .expect("account");
        let r = self
            .post_form("/login", &[("email", email), ("password", &password)])
            .await;
        assert_eq!(r.status(), 303, "sign-in of {email}");
    }

    /// The SQLite database file and its WAL and shared-memory files, as they are on disk now
    /// (empty on PostgreSQL).
    pub fn database_bytes(&self) -> Vec<u8> {
        let Some(path) = self.database_url.strip_prefix("sqlite://") else {
            return Vec::new();
        };
        ["", "-wal", "-shm"]
            .iter()
            .flat_map(|suffix| std::fs::read(format!("{path}{suffix}")).unwrap_or_default())
            .collect()
    }

    /// The `.eml` files written so far.
    pub fn mail_files(&self) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(self.dir.path().join("mail"))
            .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        v.sort();
        v
    }
}

/// Every page a test reads has all its words: none falls back to the catalogue's marker.
pub fn assert_no_missing_text(path: &str, body: &str) {
    assert!(
        !body.contains("(missing text)"),
        "{path} shows an interface text missing from the catalogue"
    );
    // Chinese punctuation on Chinese pages: a full-width colon after a Chinese character
    let han = |c: char| ('\u{4E00}'..='\u{9FFF}').contains(&c);
    let chars: Vec<char> = body.chars().collect();
    if let Some(at) = chars.windows(2).position(|w| han(w[0]) && w[1] == ':') {
        let around: String = chars[at.saturating_sub(20)..(at + 20).min(chars.len())]
            .iter()
            .collect();
        panic!("{path}: an ASCII colon after a Chinese character: …{around}…");
    }
}

/// The path of a link URL (`/r/TOKEN`).
pub fn path_of(link: &str) -> String {
    let at = link.find("/r/").expect("a rater link");
    link[at..].to_owned()
}

/// Sends every message the outbox holds now, as one pass of the background worker does (a
/// fresh mailer over the app's email settings: the mail folder or a test SMTP relay).
pub async fn dispatch_all_pending_emails(app: &TestApp) -> kam360::email::worker::FlushReport {
    let mailer = kam360::email::Mailer::new(&app.settings.email).expect("mailer");
    kam360::email::worker::flush(&app.db, &mailer, &app.settings)
        .await
        .expect("flush")
}

/// The first link in a mail's text whose path starts with `prefix` (`/r/`, `/k/`, `/n/`,
/// `/password/reset/`): from there to the next whitespace.
pub fn link_in_mail(text: &str, prefix: &str) -> String {
    let at = text
        .find(prefix)
        .unwrap_or_else(|| panic!("a {prefix} link in: {text}"));
    text[at..]
        .split_whitespace()
        .next()
        .expect("the link")
        .to_owned()
}

/// A captured email, decoded.
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub message_id: String,
    pub text: String,
    pub html: String,
}

/// Parses an `.eml` file.
pub fn read_mail(path: &std::path::Path) -> Mail {
    let bytes = std::fs::read(path).expect("eml");
    let m = mail_parser::MessageParser::default()
        .parse(&bytes)
        .expect("a MIME message");
    Mail {
        to: m
            .to()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .unwrap_or_default()
            .to_owned(),
        subject: m.subject().unwrap_or_default().to_owned(),
        message_id: m.message_id().unwrap_or_default().to_owned(),
        text: m.body_text(0).map(|t| t.into_owned()).unwrap_or_default(),
        html: m.body_html(0).map(|t| t.into_owned()).unwrap_or_default(),
    }
}

/// A signed-in staff member's own client and their session's CSRF token.
pub struct StaffClient {
    pub client: reqwest::Client,
    pub csrf: String,
}

/// A client that keeps cookies and does not follow redirects.
pub fn new_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The `name=value` pair of the response's `Set-Cookie`.
pub fn cookie_pair(r: &reqwest::Response) -> String {
    r.headers()["set-cookie"]
        .to_str()
        .expect("an ASCII cookie")
        .split(';')
        .next()
        .expect("a name=value pair")
        .to_owned()
}

/// The value of the page's `csrf` field.
pub fn csrf_of(page: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let at = page.find(marker).expect("a csrf field") + marker.len();
    page[at..at + page[at..].find('"').expect("end of csrf")].to_owned()
}

/// The `action` of the page's rater form.
pub fn form_action(html: &str) -> String {
    let at = html
        .find("<form class=\"rater-form\" method=\"post\" action=\"")
        .expect("a rater form");
    let rest = &html[at + "<form class=\"rater-form\" method=\"post\" action=\"".len()..];
    rest[..rest.find('"').expect("end of action")].replace("&amp;", "&")
}

/// A child process's output, read line by line on a thread of its own, so that a test waits
/// for a line (a readiness line, a log line) with a deadline instead of sleeping. The thread
/// reads to the end even when nobody listens any more, so the child never blocks on a full
/// pipe.
pub struct ChildLines {
    rx: std::sync::mpsc::Receiver<String>,
    seen: String,
}

impl ChildLines {
    pub fn of(output: impl std::io::Read + Send + 'static) -> Self {
        use std::io::BufRead;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(output)
                .lines()
                .map_while(Result::ok)
            {
                let _ = tx.send(line);
            }
        });
        Self {
            rx,
            seen: String::new(),
        }
    }

    /// Waits until a line containing `needle` has come (true), the output ended or `within`
    /// has passed (false).
    pub fn wait_for(&mut self, needle: &str, within: std::time::Duration) -> bool {
        let deadline = std::time::Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(line) => {
                    let found = line.contains(needle);
                    self.seen.push_str(&line);
                    self.seen.push('\n');
                    if found {
                        return true;
                    }
                }
                Err(_) => return false,
            }
        }
    }

    /// The lines read so far.
    pub fn seen(&self) -> &str {
        &self.seen
    }

    /// All the output, once the child has ended (its output closes).
    pub fn all(mut self) -> String {
        while let Ok(line) = self.rx.recv() {
            self.seen.push_str(&line);
            self.seen.push('\n');
        }
        self.seen
    }
}
