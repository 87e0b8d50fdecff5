//! The 10,000-KAM cycle of issue #25, run by hand, never in CI:
//!
//! ```sh
//! cargo build --release --bin kam360 --example scalebench
//! target/release/examples/scalebench --kams 10000 --db sqlite:///var/tmp/kam360-scale.db
//! target/release/examples/scalebench --kams 10000 --db postgres://postgres@127.0.0.1:5432/kam360scale
//! ```
//!
//! Starts from an empty database every run. Through the release `kam360` binary (next to this
//! example), each command timed with its peak resident memory by `/usr/bin/time`: `cycle
//! create`, `cycle import` of a generated file of `kams` × 19 nominations (self, supervisor,
//! 6 customers, 6 peers, 5 team members) and `cycle launch`. Then every rater answers every
//! criterion they can observe (written straight into the database, a transaction per rater),
//! and the command line closes the cycle and writes its report as CSV and as JSON to files.
//! Last, `GET /admin` (the cycle list with its counts) from `kam360 serve`, signed in as an
//! admin: median and p95 of 20 requests over a socket.
//!
//! `--bin PATH` runs another build of `kam360` (an earlier commit's, for a before/after
//! table in one session). `--until import` or `--until launch` stops after that step (to measure
//! the launch alone, by hand).

// a benchmark run by hand: a failed setup step should stop it loudly
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use kam360::config::Settings;
use kam360::db::Db;
use kam360::domain::ids::CycleId;

fn main() {
    use support::arg;
    let kams: usize = arg("--kams", "10000").parse().expect("--kams N");
    let url = arg("--db", "sqlite:///var/tmp/kam360-scale.db");
    fresh_database(&url);
    let work = tempfile::tempdir().expect("a working directory");
    let next_to_this = std::env::current_exe()
        .expect("this example's path")
        .parent()
        .and_then(Path::parent)
        .expect("target/release")
        .join("kam360");
    let cli = Cli {
        bin: Some(arg("--bin", ""))
            .filter(|b| !b.is_empty())
            .map_or(next_to_this, PathBuf::from),
        url: url.clone(),
        work: work.path().to_owned(),
    };
    println!("| step | wall | peak RSS |\n|---|---|---|");
    let closes = (chrono::Utc::now() + chrono::TimeDelta::days(30)).date_naive();
    let created = cli.run(
        "cycle create",
        &[
            "cycle",
            "create",
            "--name",
            "Scale",
            "--closes-at",
            &closes.to_string(),
        ],
    );
    let id = created.lines().last().expect("the cycle's id").to_owned();
    // a file holds at most 10,000 rows (SPEC §10): 526 KAMs × 19 nominations a file
    let (mut secs, mut peak, mut files) = (0.0, 0.0_f64, 0);
    for first in (0..kams).step_by(526) {
        let file = work.path().join(format!("nominations-{first}.csv"));
        std::fs::write(
            &file,
            support::nominations(first..kams.min(first + 526), support::NINETEEN),
        )
        .expect("a file");
        let (_, s, mb) = cli.measure(&["cycle", "import", &id, file.to_str().expect("path")]);
        (secs, peak, files) = (secs + s, peak.max(mb), files + 1);
    }
    println!("| `cycle import` ({files} files) | {secs:.2} s | {peak:.0} MB |");
    if arg("--until", "") == "import" {
        println!("cycle {id}");
        return;
    }
    cli.run("cycle launch", &["cycle", "launch", &id]);
    if arg("--until", "") == "launch" {
        return;
    }

    let mut settings =
        Settings::load_from(Path::new("config/default.toml"), None, false).expect("settings");
    settings.database.url = url.clone().into();
    let db = Db::connect(&url, 2).expect("db");
    let cycle = CycleId::parse(&id).expect("a cycle id");
    let rubric =
        kam360::domain::formats::rubric::Rubric::load(&settings.rubric.path).expect("rubric");
    let start = Instant::now();
    let kams = support::answer_everything(&db, &rubric, &cycle);
    eprintln!(
        "every rater answered ({kams} KAMs, {:.0} s, written straight into the database)",
        start.elapsed().as_secs_f64()
    );
    cli.run("cycle close", &["cycle", "close", &id]);
    let out = |name: &str| work.path().join(name).to_string_lossy().into_owned();
    cli.run(
        "report --format csv",
        &["report", &id, "--format", "csv", "--out", &out("r.csv")],
    );
    cli.run(
        "report --format json",
        &["report", &id, "--format", "json", "--out", &out("r.json")],
    );
    admin_home(&cli);
}

/// The release binary, run against one database with mail into files.
struct Cli {
    bin: PathBuf,
    url: String,
    work: PathBuf,
}

impl Cli {
    /// Runs `kam360 args…` under `/usr/bin/time`, prints a table row, returns its stdout.
    fn run(&self, what: &str, args: &[&str]) -> String {
        let (out, secs, mb) = self.measure(args);
        println!("| `{what}` | {secs:.2} s | {mb:.0} MB |");
        out
    }

    /// Runs `kam360 args…` under `/usr/bin/time`: its stdout, wall seconds and peak RSS (MB).
    fn measure(&self, args: &[&str]) -> (String, f64, f64) {
        let what = args.join(" ");
        let times = self.work.join("time");
        let o = Command::new("/usr/bin/time")
            .args(["-f", "%e %M", "-o", times.to_str().expect("path")])
            .arg(&self.bin)
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("KAM360__DATABASE__URL", &self.url)
            .env("KAM360__EMAIL__FILE_DIR", self.work.join("mail"))
            .env_remove("KAM360_CONFIG")
            .output()
            .expect("run kam360 (and /usr/bin/time: apt-get install time)");
        assert!(
            o.status.success(),
            "{what}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let measured = std::fs::read_to_string(&times).expect("time's figures");
        let (secs, kb) = measured
            .trim()
            .rsplit_once(' ')
            .expect("seconds and kilobytes");
        let mb = kb.parse::<f64>().expect("kilobytes") / 1024.0;
        let secs = secs.parse::<f64>().expect("seconds");
        (String::from_utf8_lossy(&o.stdout).into_owned(), secs, mb)
    }
}

/// Empties the benchmark's database: removes the SQLite file, or drops and creates the
/// PostgreSQL database.
fn fresh_database(url: &str) {
    if let Some(path) = url.strip_prefix("sqlite://") {
        for suffix in ["", "-wal", "-shm", ".lock"] {
            let _ = std::fs::remove_file(format!("{path}{suffix}"));
        }
    } else if let Some(rest) = url.strip_prefix("postgres://") {
        use diesel::{Connection, PgConnection, RunQueryDsl};
        let (server, name) = rest.rsplit_once('/').expect("postgres://…/NAME");
        let mut admin =
            PgConnection::establish(&format!("postgres://{server}/postgres")).expect("server");
        let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name}")).execute(&mut admin);
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .expect("create the database");
    }
}

/// `GET /admin` from `kam360 serve`, signed in as an admin: median and p95 of 20.
fn admin_home(cli: &Cli) {
    let created = cli.run(
        "user add --admin",
        &[
            "user",
            "add",
            "--email",
            "scale.admin@bench.test",
            "--name",
            "Scale",
            "--admin",
        ],
    );
    let password = created
        .lines()
        .find_map(|l| l.strip_prefix("password: "))
        .expect("a password")
        .to_owned();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let address = format!("http://127.0.0.1:{port}");
    let mut server = Command::new(&cli.bin)
        .arg("serve")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("KAM360__DATABASE__URL", &cli.url)
        .env("KAM360__EMAIL__FILE_DIR", cli.work.join("mail"))
        .env("KAM360__SERVER__BIND", format!("127.0.0.1:{port}"))
        .env("KAM360__SERVER__PUBLIC_BASE_URL", &address)
        .env_remove("KAM360_CONFIG")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("kam360 serve");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let times = rt.block_on(async {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        for _ in 0..100 {
            if client
                .get(format!("{address}/healthz"))
                .send()
                .await
                .is_ok()
            {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let r = client
            .post(format!("{address}/login"))
            .header("Origin", &address)
            .form(&[
                ("email", "scale.admin@bench.test"),
                ("password", password.as_str()),
            ])
            .send()
            .await
            .expect("sign in");
        assert_eq!(r.status(), 303, "signed in");
        let mut times = Vec::new();
        for _ in 0..21 {
            let start = Instant::now();
            let r = client
                .get(format!("{address}/admin"))
                .send()
                .await
                .expect("GET /admin");
            assert_eq!(r.status(), 200);
            let page = r.text().await.expect("the page");
            assert!(page.contains("Scale"), "the cycle is listed");
            times.push(start.elapsed().as_secs_f64() * 1000.0);
        }
        // the first request warms the server's connections
        times.remove(0);
        times
    });
    let _ = server.kill();
    let _ = server.wait();
    let mut times = times;
    times.sort_by(f64::total_cmp);
    println!(
        "| `GET /admin` over HTTP, 20 requests | median {:.1} ms, p95 {:.1} ms | |",
        times[times.len() / 2],
        times[times.len() * 95 / 100]
    );
}
