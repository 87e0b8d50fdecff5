//! Email throughput benchmark (run by hand, never in CI):
//!
//! ```sh
//! apt-get install postfix      # for smtp-sink and smtp-source ("No configuration" is enough)
//! cargo run --release --example mailbench -- --messages 5000 --rounds 3
//! ```
//!
//! Starts Postfix's `smtp-sink` on a loopback port, then, interleaved per round: Postfix's
//! `smtp-source` sends the same number of messages of the same size to the sink (the
//! reference), and kam360's outbox worker delivers that many queued invitations to it. Prints
//! messages/s for both and their ratio.

// a benchmark run by hand: a failed setup step should stop it loudly
#![allow(clippy::unwrap_used, clippy::expect_used)]

use kam360::actions::Tx;
use std::path::Path;
use std::process::{Child, Command};
use std::time::Instant;

use kam360::actions::{cycles, nominations};
use kam360::config::{Settings, SmtpTls, Transport};
use kam360::db::{self, Db};
use kam360::email::{worker, Mailer, Templates};

fn arg(name: &str, default: usize) -> usize {
    let v: Vec<String> = std::env::args().collect();
    v.iter()
        .position(|a| a == name)
        .and_then(|i| v.get(i + 1))
        .map(|x| x.parse().expect("a number"))
        .unwrap_or(default)
}

fn sink(port: u16) -> Child {
    let mut c = Command::new("smtp-sink");
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    if root {
        c.args(["-u", "nobody"]); // smtp-sink refuses to run as root without a user to become
    }
    c.args([&format!("127.0.0.1:{port}"), "1000"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("smtp-sink (apt-get install postfix)")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// Queues `n` invitations in a fresh SQLite database; returns the database and the mean size.
fn queue(dir: &Path, n: usize, port: u16, concurrency: usize) -> (Db, Settings, usize) {
    let mut s =
        Settings::load_from(Path::new("config/default.toml"), None, false).expect("settings");
    let url = format!(
        "sqlite://{}",
        dir.join(format!("mail-{}.db", uuid::Uuid::new_v4().simple()))
            .display()
    );
    s.database.url = url.clone().into();
    s.email.transport = Transport::Smtp;
    s.email.smtp_host = "127.0.0.1".into();
    s.email.smtp_port = port;
    s.email.smtp_tls = SmtpTls::None;
    s.email.concurrency = concurrency;
    let db = Db::connect(&url, 4).expect("db");
    db.migrate().expect("migrate");
    let rubric = kam360::domain::formats::rubric::Rubric::load(&s.rubric.path).expect("rubric");
    let t = Templates::new(None).expect("templates");
    let mut csv = kam360::domain::formats::nomination::COLUMNS.join(",") + "\n";
    for i in 0..n {
        csv.push_str(&format!("kam{}@bench.test,KAM {},boss@bench.test,Boss,r{i}@client.test,Rater {i},customer,{},Client\n", i / 20, i / 20, if i % 2 == 0 { "zh" } else { "en" }));
    }
    let st = s.clone();
    db.write_blocking(|c| {
        let id = cycles::create(
            c,
            &st,
            &rubric,
            "Mail bench",
            (chrono::Utc::now() + chrono::TimeDelta::days(20)).date_naive(),
            db::now(),
        )?;
        nominations::import(
            Tx(c, kam360::actions::Mail::new(&t, &st), None, db::now()),
            &id,
            csv.as_bytes(),
        )?;
        cycles::launch(
            Tx(c, kam360::actions::Mail::new(&t, &st), None, db::now()),
            &id,
        )
    })
    .expect("launch");
    let rows = db
        .read_blocking(|c| db::outbox::list(c, None).map_err(kam360::error::AppError::from))
        .expect("rows");
    let size = db
        .read_blocking(|c| {
            rows.iter()
                .map(|r| Ok(db::outbox::body(c, &r.id)?.unwrap_or_default().len()))
                .sum::<Result<usize, kam360::error::AppError>>()
        })
        .expect("bodies")
        / rows.len().max(1);
    (db, s, size)
}

#[tokio::main]
async fn main() {
    let n = arg("--messages", 5000);
    let rounds = arg("--rounds", 3);
    let concurrency = arg("--concurrency", 8);
    let port = free_port();
    let mut sink = sink(port);
    std::thread::sleep(std::time::Duration::from_millis(500));
    let dir = tempfile::tempdir().expect("dir");
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        eprintln!("round {} …", round + 1);
        let (db, settings, size) = queue(dir.path(), n, port, concurrency);
        let t = Instant::now();
        let st = Command::new("smtp-source")
            .args([
                "-s",
                &concurrency.to_string(),
                "-m",
                &n.to_string(),
                "-l",
                &size.to_string(),
                "-f",
                "bench@kam360.test",
                "-t",
                "sink@client.test",
                &format!("127.0.0.1:{port}"),
            ])
            .status()
            .expect("smtp-source");
        assert!(st.success());
        theirs.push(n as f64 / t.elapsed().as_secs_f64());
        std::thread::sleep(std::time::Duration::from_secs(1));
        let mailer = Mailer::new(&settings.email).expect("mailer");
        let t = Instant::now();
        let r = worker::flush(&db, &mailer, &settings).await.expect("flush");
        assert_eq!(r.sent, n, "{r:?}");
        ours.push(n as f64 / t.elapsed().as_secs_f64());
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
    let _ = sink.kill();
    let _ = sink.wait();
    let med = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (v[v.len() / 2], v[0], v[v.len() - 1])
    };
    let (o, omin, omax) = med(&mut ours);
    let (p, pmin, pmax) = med(&mut theirs);
    println!("| sender ({n} messages, {concurrency} connections) | messages/s median [min–max] |");
    println!("|---|---|");
    println!("| Postfix smtp-source → smtp-sink | {p:.0} [{pmin:.0}–{pmax:.0}] |");
    println!("| kam360 outbox worker → smtp-sink | {o:.0} [{omin:.0}–{omax:.0}] |");
    println!("\nkam360 / smtp-source: **{:.0} %**", 100.0 * o / p);
}
