//! The command line of SPEC §10, run as a real process.

use std::path::Path;
use std::process::{Command, Output};

use crate::fixtures::{future, standard};
use crate::helpers::{fresh_postgres_url, root};

/// `command` run in `dir` with the database at `url` and mail into `dir/mail`.
fn configured(mut command: Command, dir: &Path, url: &str) -> Command {
    command
        .current_dir(dir)
        .env("KAM360__DATABASE__URL", url)
        .env("KAM360__EMAIL__FILE_DIR", dir.join("mail"))
        .env(
            "KAM360__RUBRIC__PATH",
            root().join("config/rubric/kam.toml"),
        )
        .env_remove("KAM360_CONFIG");
    command
}

/// Runs `kam360 args…` in `dir` with the database at `url` and mail into `dir/mail`.
fn kam360(dir: &Path, url: &str, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kam360"));
    command.args(args);
    configured(command, dir, url).output().expect("run kam360")
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs `cycle create --name NAME`, closing in 20 days, and returns the new cycle's id.
fn created_cycle(dir: &Path, url: &str, name: &str) -> String {
    let o = kam360(
        dir,
        url,
        &[
            "cycle",
            "create",
            "--name",
            name,
            "--closes-at",
            &future(20).to_string(),
        ],
    );
    assert!(o.status.success(), "{}", err(&o));
    out(&o).lines().last().expect("id line").to_owned()
}

fn sqlite(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("cli.db").display())
}

#[test]
fn every_subcommand_has_help() {
    let dir = tempfile::tempdir().expect("dir");
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["demo", "--help"],
        vec!["user", "add", "--help"],
        vec!["user", "disable", "--help"],
        vec!["cycle", "create", "--help"],
        vec!["cycle", "import", "--help"],
        vec!["cycle", "launch", "--help"],
        vec!["cycle", "close", "--help"],
        vec!["cycle", "revoke", "--help"],
        vec!["cycle", "reissue", "--help"],
        vec!["report", "--help"],
        vec!["cycle", "archive", "--help"],
        vec!["cycle", "purge", "--help"],
        vec!["backup", "--help"],
        vec!["restore", "--help"],
        vec!["outbox", "flush", "--help"],
        vec!["outbox", "list", "--help"],
        vec!["outbox", "retry", "--help"],
    ] {
        let o = kam360(dir.path(), &sqlite(dir.path()), &args);
        assert!(o.status.success(), "{args:?}: {}", err(&o));
        // the usage line names the command itself, so a miswired subcommand shows up here
        let path = args[..args.len() - 1].join(" ");
        let usage = format!("Usage: kam360 {path}").trim_end().to_owned();
        assert!(out(&o).contains(&usage), "{args:?}: {}", out(&o));
    }
}

/// create → import → launch → flush → close → report, on one database URL.
fn full_cycle(dir: &Path, url: &str) {
    let o = kam360(
        dir,
        url,
        &[
            "user",
            "add",
            "--email",
            "Admin@Example.cn",
            "--name",
            "Admin",
            "--admin",
        ],
    );
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o)
        .lines()
        .any(|l| l.starts_with("password: ") && l.len() == "password: ".len() + 20));
    let o = kam360(
        dir,
        url,
        &[
            "user",
            "add",
            "--email",
            "admin@example.cn",
            "--name",
            "Admin",
            "--supervisor",
        ],
    );
    assert!(!o.status.success() && err(&o).contains("already has an account"));
    let o = kam360(
        dir,
        url,
        &["user", "disable", "--email", "admin@example.cn"],
    );
    assert!(
        o.status.success() && out(&o).contains("disabled"),
        "{}",
        err(&o)
    );
    let o = kam360(
        dir,
        url,
        &["user", "disable", "--email", "nobody@example.cn"],
    );
    assert!(
        !o.status.success() && err(&o).contains("has no account"),
        "{}",
        err(&o)
    );

    let id = created_cycle(dir, url, "2026 annual");
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");

    let bad = dir.join("bad.csv");
    std::fs::write(
        &bad,
        standard()
            .raw("kam@t.cn,K,boss@t.cn,B,nope,R,customer,zh,O")
            .raw("kam@t.cn,K,boss@t.cn,B,x@y.cn,R,customer,fr,O")
            .csv(),
    )
    .expect("write");
    let o = kam360(
        dir,
        url,
        &["cycle", "import", &id, bad.to_str().expect("path")],
    );
    assert_eq!(o.status.code(), Some(2), "a refused input exits 2");
    let lines: Vec<String> = err(&o).lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].starts_with("line 13: ") && lines[1].starts_with("line 14: "),
        "{lines:?}"
    );

    let good = dir.join("good.csv");
    std::fs::write(&good, format!("\u{feff}{}", standard().csv())).expect("write");
    let o = kam360(
        dir,
        url,
        &["cycle", "import", &id, good.to_str().expect("path")],
    );
    // not on a terminal, long work draws no progress: stderr holds errors only
    assert!(o.status.success() && err(&o).is_empty(), "{}", err(&o));
    let o = kam360(dir, url, &["cycle", "launch", &id]);
    assert!(
        o.status.success() && out(&o).contains("11 invitations") && err(&o).is_empty(),
        "{}",
        err(&o)
    );
    let o = kam360(dir, url, &["cycle", "launch", &id]);
    assert!(
        !o.status.success() && err(&o).lines().count() == 1,
        "{}",
        err(&o)
    );
    let o = kam360(
        dir,
        url,
        &[
            "cycle",
            "reissue",
            &id,
            "--subject",
            "kam@t.cn",
            "--rater",
            "C1@client.cn",
        ],
    );
    assert!(
        o.status.success() && out(&o).contains("new link queued"),
        "{}",
        err(&o)
    );
    let o = kam360(
        dir,
        url,
        &[
            "cycle",
            "revoke",
            &id,
            "--subject",
            "kam@t.cn",
            "--rater",
            "c2@client.cn",
        ],
    );
    assert!(o.status.success(), "{}", err(&o));
    let o = kam360(
        dir,
        url,
        &[
            "cycle",
            "revoke",
            &id,
            "--subject",
            "kam@t.cn",
            "--rater",
            "nobody@client.cn",
        ],
    );
    assert!(
        !o.status.success() && err(&o).contains("not nominated"),
        "{}",
        err(&o)
    );
    let o = kam360(dir, url, &["outbox", "flush"]);
    assert!(
        o.status.success() && out(&o).contains("10 sent") && err(&o).is_empty(),
        "{:?} {} {}",
        o.status,
        out(&o),
        err(&o)
    );
    // 11 invitations − c1's (replaced) − c2's (revoked) + c1's re-issued link
    assert_eq!(
        std::fs::read_dir(dir.join("mail")).expect("mail").count(),
        10
    );
    let o = kam360(dir, url, &["outbox", "list", "--status", "cancelled"]);
    assert_eq!(out(&o).lines().count(), 2, "{}", out(&o));
    let o = kam360(dir, url, &["cycle", "close", &id]);
    assert!(o.status.success(), "{}", err(&o));

    let o = kam360(dir, url, &["report", &id, "--format", "csv"]);
    assert!(o.status.success() && err(&o).is_empty(), "{}", err(&o));
    let csv = out(&o);
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("subject_email,subject_name,area_id,criterion_id,self_level,supervisor_level,customer_mean,customer_n,peer_mean,peer_n,team_mean,team_n,others_mean,others_n,proposed_level,final_level,flags"));
    assert_eq!(lines.count(), 19);
    let json_file = dir.join("r.json");
    let o = kam360(
        dir,
        url,
        &[
            "report",
            &id,
            "--format",
            "json",
            "--out",
            json_file.to_str().expect("path"),
        ],
    );
    assert!(o.status.success() && out(&o).is_empty(), "{}", err(&o));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_file).expect("json")).expect("valid");
    assert_eq!(v.as_array().map(Vec::len), Some(19));
    // a report to a device is written there, not renamed over it; a file is written whole
    let o = kam360(
        dir,
        url,
        &["report", &id, "--format", "csv", "--out", "/dev/null"],
    );
    assert!(o.status.success(), "{}", err(&o));
    let null = std::fs::metadata("/dev/null").expect("/dev/null");
    assert!(!null.is_file(), "/dev/null is still a device");
    let before = std::fs::read_to_string(&json_file).expect("json");
    let o = kam360(
        dir,
        url,
        &[
            "report",
            "01a2324d-b6b0-7469-b907-3a7a051f7d64",
            "--format",
            "csv",
            "--out",
            json_file.to_str().expect("path"),
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(out(&o).is_empty(), "nothing on stdout");
    assert_eq!(
        std::fs::read_to_string(&json_file).expect("json"),
        before,
        "the earlier file stands"
    );
    assert!(
        !dir.join("r.json.partial").exists(),
        "no half-written file left"
    );
    // the spreadsheet: a file only, a summary sheet and one per area
    let o = kam360(dir, url, &["report", &id, "--format", "xlsx"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("add --out FILE"), "{}", err(&o));
    let xlsx = dir.join("r.xlsx");
    let o = kam360(
        dir,
        url,
        &[
            "report",
            &id,
            "--format",
            "xlsx",
            "--out",
            xlsx.to_str().expect("path"),
        ],
    );
    assert!(o.status.success() && out(&o).is_empty(), "{}", err(&o));
    let bytes = std::fs::read(&xlsx).expect("xlsx");
    assert!(bytes.starts_with(b"PK"), "a zip container");
    let names = String::from_utf8_lossy(&bytes);
    assert!(
        names.contains("xl/worksheets/sheet6.xml") && !names.contains("xl/worksheets/sheet7.xml"),
        "summary + 5 areas"
    );
}

#[test]
fn the_whole_cycle_from_the_command_line_on_sqlite() {
    let dir = tempfile::tempdir().expect("dir");
    full_cycle(dir.path(), &sqlite(dir.path()));
}

#[test]
fn the_whole_cycle_from_the_command_line_on_postgres() {
    let Some((url, _guard)) = fresh_postgres_url() else {
        return;
    };
    let dir = tempfile::tempdir().expect("dir");
    full_cycle(dir.path(), &url);
    assert!(!dir.path().join("cli.db").exists());
}

/// Runs `kam360 args…` as [`kam360`] does, but on a terminal (a pseudo-terminal from
/// util-linux's `script`): what a person at a console sees, stdout and stderr together.
fn kam360_on_a_terminal(dir: &Path, url: &str, args: &[&str]) -> Output {
    let line = std::iter::once(env!("CARGO_BIN_EXE_kam360"))
        .chain(args.iter().copied())
        .collect::<Vec<_>>()
        .join(" ");
    let mut command = Command::new("script");
    command.args(["--quiet", "--return", "--command", &line, "/dev/null"]);
    configured(command, dir, url)
        .output()
        .expect("run kam360 under script")
}

#[test]
fn long_commands_draw_their_progress_on_a_terminal() {
    let dir = tempfile::tempdir().expect("dir");
    let (dir, url) = (dir.path(), sqlite(dir.path()));
    let id = created_cycle(dir, &url, "Bars");
    let csv = dir.join("n.csv");
    std::fs::write(&csv, standard().csv()).expect("write");
    let path = csv.to_str().expect("path");
    for (args, drawn, result) in [
        (
            vec!["cycle", "import", &id, path],
            "importing nominations",
            "imported 11",
        ),
        (
            vec!["cycle", "launch", &id],
            "queueing invitations",
            "11 invitations queued",
        ),
        (vec!["outbox", "flush"], "sending email", "11 sent"),
        (vec!["backup", "b.db"], "backing up", "backup written"),
    ] {
        let o = kam360_on_a_terminal(dir, &url, &args);
        let seen = out(&o);
        assert!(o.status.success(), "{args:?}: {seen}");
        assert!(
            seen.contains(drawn) && seen.contains(result),
            "{args:?}: {seen}"
        );
    }
}

#[test]
fn bad_configuration_is_refused_in_one_line() {
    let dir = tempfile::tempdir().expect("dir");
    let o = kam360(dir.path(), "mysql://root:hunter2@db/x", &["migrate"]);
    assert!(!o.status.success());
    let e = err(&o);
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(
        e.contains("unsupported database URL scheme 'mysql'") && !e.contains("hunter2"),
        "{e}"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("dir").count(),
        0,
        "no file created"
    );

    let cfg = dir.path().join("extra.toml");
    std::fs::write(&cfg, "[server]\ncolour = \"red\"\n").expect("write");
    let o = Command::new(env!("CARGO_BIN_EXE_kam360"))
        .arg("migrate")
        .current_dir(dir.path())
        .env("KAM360_CONFIG", &cfg)
        .env("KAM360__DATABASE__URL", sqlite(dir.path()))
        .output()
        .expect("run");
    assert!(
        !o.status.success() && err(&o).contains("colour"),
        "{}",
        err(&o)
    );

    let o = kam360(
        dir.path(),
        &sqlite(dir.path()),
        &[
            "cycle",
            "create",
            "--name",
            "x",
            "--closes-at",
            "2026-13-40",
        ],
    );
    assert!(!o.status.success());
    let o = kam360(
        dir.path(),
        &sqlite(dir.path()),
        &["cycle", "launch", "nope"],
    );
    assert!(
        !o.status.success() && err(&o).trim() == "error: 'nope' is not a cycle id (a UUID)",
        "{}",
        err(&o)
    );
    let o = Command::new(env!("CARGO_BIN_EXE_kam360"))
        .arg("migrate")
        .current_dir(dir.path())
        .env("KAM360__DATABASE__URL", sqlite(dir.path()))
        .env("KAM360__CONFIDENTIALITY__MIN_GROUP_SIZE", "2")
        .output()
        .expect("run");
    assert!(
        !o.status.success() && err(&o).contains("min_group_size"),
        "{}",
        err(&o)
    );
    // single sign-on: no way in without passwords or a provider, a provider over plain http,
    // and the scopes as a list from the environment (SPEC §15)
    let run = |vars: &[(&str, &str)]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_kam360"));
        c.arg("migrate")
            .current_dir(dir.path())
            .env("KAM360__DATABASE__URL", sqlite(dir.path()));
        for (k, v) in vars {
            c.env(k, v);
        }
        c.output().expect("run")
    };
    let o = run(&[("KAM360__AUTH__LOCAL_PASSWORDS", "false")]);
    assert!(
        !o.status.success()
            && err(&o).contains("auth.local_passwords = false needs single sign-on"),
        "{}",
        err(&o)
    );
    let o = run(&[
        ("KAM360__OIDC__ISSUER", "http://sso.example.cn"),
        ("KAM360__OIDC__CLIENT_ID", "kam360"),
    ]);
    assert!(
        !o.status.success() && err(&o).contains("oidc.issuer must start with https://"),
        "{}",
        err(&o)
    );
    let o = run(&[
        ("KAM360__OIDC__ISSUER", "https://sso.example.cn"),
        ("KAM360__OIDC__CLIENT_ID", "kam360"),
        ("KAM360__OIDC__SCOPES", "openid,email,groups"),
        ("KAM360__AUTH__LOCAL_PASSWORDS", "false"),
    ]);
    assert!(o.status.success(), "{}", err(&o));
}

#[test]
fn demo_seeds_an_open_cycle_and_prints_logins_and_links() {
    let dir = tempfile::tempdir().expect("dir");
    let o = kam360(dir.path(), &sqlite(dir.path()), &["demo", "--no-serve"]);
    assert!(o.status.success(), "{}", err(&o));
    let text = out(&o);
    assert!(
        text.contains("admin@demo.kam360") && text.contains("zhang.wei@demo.kam360"),
        "{text}"
    );
    assert!(text.matches("/r/").count() >= 5, "{text}");
    assert!(text.contains("answers already in"));
}

/// SPEC §13: a cycle's deadline is the end of its closing day in the cycle's time zone, and
/// the invitation says so with the offset; an unknown zone is refused by name.
#[test]
fn a_cycle_in_a_time_zone_closes_at_the_end_of_its_day_there() {
    let dir = tempfile::tempdir().expect("dir");
    let url = sqlite(dir.path());
    let day = future(20).to_string();
    let o = kam360(
        dir.path(),
        &url,
        &[
            "cycle",
            "create",
            "--name",
            "Q4",
            "--closes-at",
            &day,
            "--time-zone",
            "Mars/Base",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("'Mars/Base' is not a known time zone"),
        "{}",
        err(&o)
    );
    let o = kam360(
        dir.path(),
        &url,
        &[
            "cycle",
            "create",
            "--name",
            "Q4",
            "--closes-at",
            &day,
            "--time-zone",
            "Asia/Shanghai",
        ],
    );
    assert!(o.status.success(), "{}", err(&o));
    assert!(
        out(&o).contains(&format!("closing {day} 23:59 (UTC+08:00)")),
        "{}",
        out(&o)
    );
    let id = out(&o).lines().last().expect("id").to_owned();
    let file = dir.path().join("n.csv");
    std::fs::write(
        &file,
        crate::fixtures::Nominations::new()
            .raw("kam@t.cn,Wang Fang,boss@t.cn,Li Ming,c1@client.cn,Zhao Lei,customer,en,Client Co")
            .csv(),
    )
    .expect("write");
    for args in [
        vec!["cycle", "import", &id, file.to_str().expect("path")],
        vec!["cycle", "launch", &id],
        vec!["outbox", "flush"],
    ] {
        let o = kam360(dir.path(), &url, &args);
        assert!(o.status.success(), "{args:?}: {}", err(&o));
    }
    let mails: Vec<String> = std::fs::read_dir(dir.path().join("mail"))
        .expect("mail dir")
        .map(|e| crate::helpers::read_mail(&e.expect("entry").path()).text)
        .collect();
    assert_eq!(mails.len(), 1);
    assert!(
        mails[0].contains(&format!("{day} 23:59 (UTC+08:00)")),
        "{}",
        mails[0]
    );
}

/// The README's first command on a fresh checkout: the default database `var/kam360.db`,
/// whose directory does not exist yet.
#[test]
fn demo_on_a_fresh_checkout_creates_its_database_directory() {
    let dir = tempfile::tempdir().expect("dir");
    let o = Command::new(env!("CARGO_BIN_EXE_kam360"))
        .args(["demo", "--no-serve"])
        .current_dir(dir.path())
        .env(
            "KAM360__RUBRIC__PATH",
            root().join("config/rubric/kam.toml"),
        )
        .env_remove("KAM360__DATABASE__URL")
        .env_remove("KAM360__EMAIL__FILE_DIR")
        .env_remove("KAM360_CONFIG")
        .output()
        .expect("run kam360");
    assert!(o.status.success(), "{}", err(&o));
    assert!(dir.path().join("var/kam360.db").is_file());
}

/// SPEC §14: an online backup while answers are being written, a restore refused while a
/// server holds the database, and a restored database whose report is the source's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_under_load_then_restore() {
    use crate::fixtures::{answer_all, launched_cycle};
    let app = crate::helpers::spawn_app().await;
    let l = launched_cycle(&app, &standard());
    let dir = app.dir.path().to_owned();
    let source = app.database_url.clone();
    // Act: the backup runs while every rater answers through the web form
    let raters: Vec<String> = l.links.iter().map(|x| x.rater_email.clone()).collect();
    let (d, u) = (dir.clone(), source.clone());
    let during = tokio::task::spawn_blocking(move || {
        let file = d.join("during.db");
        let o = kam360(&d, &u, &["backup", file.to_str().expect("path")]);
        (o, file)
    });
    for r in &raters {
        answer_all(&app, &l, r, "3").await;
    }
    let (o, during_file) = during.await.expect("backup task");
    assert!(o.status.success(), "{}", err(&o));
    // Assert: the copy taken under load restores and reports
    let target = sqlite(&dir.join("r1"));
    std::fs::create_dir_all(dir.join("r1")).expect("dir");
    let o = kam360(
        &dir,
        &target,
        &["restore", during_file.to_str().expect("path")],
    );
    assert!(o.status.success(), "{}", err(&o));
    let o = kam360(
        &dir,
        &target,
        &["report", l.cycle_id.as_str(), "--format", "csv"],
    );
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&o).lines().count(), 20, "a header and 19 rows");
    // a backup after the load restores to the same report as the source
    let after = dir.join("after.db");
    let o = kam360(&dir, &source, &["backup", after.to_str().expect("path")]);
    assert!(o.status.success(), "{}", err(&o));
    let o = kam360(&dir, &source, &["backup", after.to_str().expect("path")]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "an existing file is never overwritten"
    );
    let target2 = sqlite(&dir.join("r2"));
    std::fs::create_dir_all(dir.join("r2")).expect("dir");
    let o = kam360(&dir, &target2, &["restore", after.to_str().expect("path")]);
    assert!(o.status.success(), "{}", err(&o));
    let report = |url: &str| {
        out(&kam360(
            &dir,
            url,
            &["report", l.cycle_id.as_str(), "--format", "csv"],
        ))
    };
    assert_eq!(report(&target2), report(&source));
    // a server holding the database refuses the restore; stopped, it is allowed
    let mut serve = std::process::Command::new(env!("CARGO_BIN_EXE_kam360"))
        .arg("serve")
        .current_dir(&dir)
        .env("KAM360__DATABASE__URL", &target2)
        .env("KAM360__SERVER__BIND", "127.0.0.1:0")
        .env("KAM360__EMAIL__FILE_DIR", dir.join("mail2"))
        .env(
            "KAM360__RUBRIC__PATH",
            root().join("config/rubric/kam.toml"),
        )
        .env_remove("KAM360_CONFIG")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("serve");
    let lock = dir.join("r2").join("cli.db.lock");
    let mut refused = None;
    for _ in 0..50 {
        if lock.exists() {
            let o = kam360(&dir, &target2, &["restore", after.to_str().expect("path")]);
            if !o.status.success() {
                refused = Some(o);
                break;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = serve.kill();
    let _ = serve.wait();
    let refused = refused.expect("the restore was refused while serve ran");
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        err(&refused).contains("stop it before restoring"),
        "{}",
        err(&refused)
    );
    let o = kam360(&dir, &target2, &["restore", after.to_str().expect("path")]);
    assert!(o.status.success(), "{}", err(&o));
    // a file that is not a backup is refused and nothing is replaced
    let junk = dir.join("junk.db");
    std::fs::write(&junk, b"not a database").expect("write");
    let o = kam360(&dir, &target2, &["restore", junk.to_str().expect("path")]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert_eq!(report(&target2), report(&source));
}

#[test]
fn backup_on_postgres_names_pg_dump() {
    let Some((url, _guard)) = fresh_postgres_url() else {
        return;
    };
    let dir = tempfile::tempdir().expect("dir");
    let o = kam360(dir.path(), &url, &["backup", "x.db"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("pg_dump"), "{}", err(&o));
}

/// SPEC §14: `log.format = json` writes one object per line with time, level, target, route
/// pattern, status, latency and a request id, and never the token of a rater's link.
#[test]
fn json_logs_name_the_route_never_the_token() {
    let dir = tempfile::tempdir().expect("dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mut serve = Command::new(env!("CARGO_BIN_EXE_kam360"))
        .arg("serve")
        .current_dir(dir.path())
        .env("KAM360__DATABASE__URL", sqlite(dir.path()))
        .env("KAM360__SERVER__BIND", format!("127.0.0.1:{port}"))
        .env("KAM360__LOG__FORMAT", "json")
        .env("KAM360__EMAIL__FILE_DIR", dir.path().join("mail"))
        .env(
            "KAM360__RUBRIC__PATH",
            root().join("config/rubric/kam.toml"),
        )
        .env_remove("KAM360_CONFIG")
        .env_remove("KAM360_LOG")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("serve");
    let token = "QkFEQkFEQkFEQkFEQkFEQkFEQkFEQkFEQkFEQkFEQkE";
    let get = |path: &str| {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port))?;
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )?;
        let mut answer = String::new();
        s.read_to_string(&mut answer)?;
        Ok::<_, std::io::Error>(answer)
    };
    let mut up = false;
    for _ in 0..100 {
        if get("/healthz").is_ok_and(|a| a.starts_with("HTTP/1.1 200")) {
            up = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(up, "serve answered /healthz");
    let answer = get(&format!("/r/{token}")).expect("a rater link");
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    let _ = serve.kill();
    let output = serve.wait_with_output().expect("stderr");
    let log = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!log.contains(token), "the token reached the log: {log}");
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let request = lines
        .iter()
        .find(|v| v["route"] == "/r/{token}")
        .unwrap_or_else(|| panic!("a request line for the rater route: {log}"));
    for field in ["timestamp", "level", "target", "status", "ms", "method"] {
        assert!(!request[field].is_null(), "{field} in {request}");
    }
    assert_eq!(request["status"], 404);
    assert!(
        request["span"]["request_id"]
            .as_str()
            .is_some_and(|id| id.len() == 16),
        "{request}"
    );
}

/// The installed binary runs from any directory: its rubric is built in (issue #23), as its
/// templates are; a configured path elsewhere must exist.
#[test]
fn the_binary_runs_outside_its_checkout_with_the_built_in_rubric() {
    let dir = tempfile::tempdir().expect("dir");
    let run = |rubric: Option<&str>| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_kam360"));
        c.args([
            "cycle",
            "create",
            "--name",
            "Outside",
            "--closes-at",
            &future(20).to_string(),
        ])
        .current_dir(dir.path())
        .env("KAM360__DATABASE__URL", sqlite(dir.path()))
        .env("KAM360__EMAIL__FILE_DIR", dir.path().join("mail"))
        .env_remove("KAM360__RUBRIC__PATH")
        .env_remove("KAM360_CONFIG");
        if let Some(path) = rubric {
            c.env("KAM360__RUBRIC__PATH", path);
        }
        c.output().expect("run kam360")
    };
    let o = run(None);
    assert!(o.status.success(), "{}", err(&o));
    let o = run(Some("/nowhere/rubric.toml"));
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(
        err(&o).contains("/nowhere/rubric.toml: cannot read the rubric"),
        "{}",
        err(&o)
    );
}

/// Issue #23: the database, its WAL and shared-memory files and its backups are owner-only
/// whatever the umask (the mail folder: `email::mailer`'s unit test); a backup whose schema is not exactly kam360's (an extra
/// trigger, a view where a table belongs) is refused, naming the difference, and the database
/// is left as it was.
#[test]
fn files_are_owner_only_and_a_crafted_backup_is_refused() {
    use diesel::{Connection, RunQueryDsl, SqliteConnection};
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    let url = format!("sqlite://{}", data.join("kam.db").display());
    created_cycle(dir.path(), &url, "Kept");
    let backup = dir.path().join("b.db");
    let o = kam360(
        dir.path(),
        &url,
        &["backup", backup.to_str().expect("path")],
    );
    assert!(o.status.success(), "{}", err(&o));
    let mode = |p: &std::path::Path| {
        std::fs::metadata(p)
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(&data), 0o700, "the database's folder");
    assert_eq!(mode(&data.join("kam.db")), 0o600);
    assert_eq!(mode(&backup), 0o600);
    // SQLite gives its side files the database's permissions (while a connection is open)
    {
        let mut c =
            SqliteConnection::establish(&data.join("kam.db").to_string_lossy()).expect("open");
        diesel::sql_query("PRAGMA journal_mode = WAL")
            .execute(&mut c)
            .expect("wal");
        // a write (to the header) goes through the WAL
        diesel::sql_query("PRAGMA user_version = 0")
            .execute(&mut c)
            .expect("write");
        for side in ["kam.db-wal", "kam.db-shm"] {
            assert_eq!(mode(&data.join(side)), 0o600, "{side}");
        }
    }
    let before = std::fs::read(data.join("kam.db")).expect("bytes");
    for (name, sql, words) in [
        (
            "trigger.db",
            "CREATE TRIGGER evil AFTER INSERT ON audit_events BEGIN DELETE FROM cycles; END",
            "it has a trigger `evil` kam360 does not make",
        ),
        (
            "view.db",
            "DROP TABLE ratings;; CREATE VIEW ratings AS SELECT 1 AS assignment_id",
            "`ratings` is a view, not a table",
        ),
        (
            "index.db",
            "DROP INDEX audit_events_review",
            "it lacks kam360's index `audit_events_review`",
        ),
    ] {
        let crafted = dir.path().join(name);
        std::fs::copy(&backup, &crafted).expect("copy");
        let mut c = SqliteConnection::establish(&crafted.to_string_lossy()).expect("open");
        for statement in sql.split(";; ") {
            diesel::sql_query(statement)
                .execute(&mut c)
                .expect(statement);
        }
        drop(c);
        let o = kam360(
            dir.path(),
            &url,
            &["restore", crafted.to_str().expect("path")],
        );
        assert_eq!(o.status.code(), Some(2), "{name}: {}", err(&o));
        assert!(err(&o).contains(words), "{name}: {}", err(&o));
    }
    assert_eq!(
        std::fs::read(data.join("kam.db")).expect("bytes"),
        before,
        "the database is as it was"
    );
    // kam360's own backup restores, and stays owner-only
    let o = kam360(
        dir.path(),
        &url,
        &["restore", backup.to_str().expect("path")],
    );
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(mode(&data.join("kam.db")), 0o600);
}

/// SPEC §15: on an empty database `serve` prints a one-time setup link; a new start replaces
/// it; its page creates the first admin (refusing bad input with what was typed, never the
/// password), then is gone; the next start, with an admin, prints none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_run_prints_a_setup_link_that_creates_the_first_admin() {
    let dir = tempfile::tempdir().expect("dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let client = crate::helpers::new_client();
    // starts serve and waits until it answers; its stderr so far
    let start = || async {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kam360"))
            .arg("serve")
            .current_dir(dir.path())
            .env("KAM360__DATABASE__URL", sqlite(dir.path()))
            .env("KAM360__SERVER__BIND", format!("127.0.0.1:{port}"))
            .env("KAM360__SERVER__PUBLIC_BASE_URL", &base)
            .env("KAM360__EMAIL__FILE_DIR", dir.path().join("mail"))
            .env_remove("KAM360__RUBRIC__PATH")
            .env_remove("KAM360_CONFIG")
            .env_remove("KAM360_LOG")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("serve");
        let lines = crate::helpers::ChildLines::of(child.stderr.take().expect("stderr"));
        for _ in 0..200 {
            if client.get(format!("{base}/healthz")).send().await.is_ok() {
                return (child, lines);
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("serve did not answer");
    };
    let link_of = |log: &str| -> Option<String> {
        let at = log.rfind(&format!("{base}/setup/"))? + base.len();
        Some(
            log[at..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || "/-_".contains(*c))
                .collect(),
        )
    };
    let get = |p: String| {
        let (client, base) = (client.clone(), base.clone());
        async move {
            let r = client.get(format!("{base}{p}")).send().await.expect("GET");
            (r.status().as_u16(), r.text().await.expect("body"))
        }
    };
    let post = |p: String, form: Vec<(&'static str, String)>| {
        let (client, base) = (client.clone(), base.clone());
        async move {
            client
                .post(format!("{base}{p}"))
                .header("origin", &base)
                .form(&form)
                .send()
                .await
                .expect("POST")
        }
    };
    let (mut first, mut lines) = start().await;
    assert!(lines.wait_for("/setup/", std::time::Duration::from_secs(20)));
    let link1 = link_of(lines.seen()).expect("a setup link on stderr");
    let (s, page) = get(format!("{link1}?lang=en")).await;
    assert_eq!(s, 200);
    assert!(page.contains("Create the first admin"), "{page}");
    let short = vec![
        ("name", "Hu Jun".to_owned()),
        ("email", "hu.jun@example.cn".to_owned()),
        ("password", "short".to_owned()),
        ("confirm", "short".to_owned()),
    ];
    let r = post(format!("{link1}?lang=en"), short).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.expect("body");
    assert!(page.contains("value=\"Hu Jun\"") && page.contains("value=\"hu.jun@example.cn\""));
    assert!(!page.contains("value=\"short\""), "never the password");
    let _ = first.kill();
    let _ = first.wait();

    // a new start: a new link, and the first one is gone
    let (mut second, mut lines) = start().await;
    assert!(lines.wait_for("/setup/", std::time::Duration::from_secs(20)));
    let link2 = link_of(lines.seen()).expect("a new link");
    assert_ne!(link1, link2);
    assert_eq!(get(link1).await.0, 404, "replaced");
    let password = "a long enough passphrase".to_owned();
    let good = vec![
        ("name", "Hu Jun".to_owned()),
        ("email", "hu.jun@example.cn".to_owned()),
        ("password", password.clone()),
        ("confirm", password.clone()),
    ];
    let r = post(link2.clone(), good).await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers().get("location").and_then(|v| v.to_str().ok()),
        Some("/login?setup=done")
    );
    assert_eq!(get(link2).await.0, 404, "used once, and an admin exists");
    let r = post(
        "/login".into(),
        vec![
            ("email", "hu.jun@example.cn".to_owned()),
            ("password", password),
        ],
    )
    .await;
    assert_eq!(r.status(), 303, "the first admin signs in");
    let _ = second.kill();
    let _ = second.wait();

    // with an admin, a start prints no link
    let (mut third, lines) = start().await;
    let _ = third.kill();
    let _ = third.wait();
    let log = lines.all();
    assert!(!log.contains("/setup/"), "{log}");
}
