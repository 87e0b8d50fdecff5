//! The Nu Html Checker on the pages and emails people get, in their states: every page below
//! and every email the cycle sent must have no error. The checker is the npm `vnu-jar`, run
//! with the machine's Java: `KAM360_VNU` names `vnu.jar` (`.ci/run` installs it); outside CI
//! the test is skipped without it, in CI it fails.

use kam360::actions::users::Role;

use crate::admin_console::Console;
use crate::fixtures::{answer_all, close_cycle, first_review, launched_cycle, standard};
use crate::helpers::{dispatch_all_pending_emails, read_mail, spawn_app};

fn vnu() -> Option<String> {
    match std::env::var("KAM360_VNU") {
        Ok(path) => Some(path),
        Err(_) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but KAM360_VNU is not set (npm install vnu-jar; see .ci/run)")
        }
        Err(_) => {
            eprintln!("KAM360_VNU not set: skipping the Nu Html Checker");
            None
        }
    }
}

/// The Nu checker as a service for the whole suite: one JVM on a free port, started on first
/// use, instead of one JVM per checked page. A watchdog shell stops it when the test process
/// ends.
fn service(jar: &str) -> &'static str {
    static URL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    URL.get_or_init(|| {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let watchdog = format!(
            "java -Dnu.validator.servlet.bind-address=127.0.0.1 -cp '{jar}' \\
             nu.validator.servlet.Main {port} >/dev/null 2>&1 & j=$!; \\
             while kill -0 {parent} 2>/dev/null && kill -0 $j 2>/dev/null; do sleep 1; done; \\
             kill $j 2>/dev/null",
            parent = std::process::id()
        );
        let mut child = std::process::Command::new("sh")
            .args(["-c", &watchdog])
            .spawn()
            .expect("the Nu checker's service");
        // reaped when it ends, with the test process
        std::thread::spawn(move || child.wait());
        // up when it answers (the JVM takes a few seconds to start)
        let started = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(60),
                "the Nu checker's service did not start"
            );
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        format!("http://127.0.0.1:{port}/?out=gnu&level=error")
    })
}

/// The Nu checker's errors on the page the browser shows now (its document as the browser
/// holds it), if the checker is at hand (see [`vnu`]: mandatory under CI).
pub(crate) async fn assert_nu_clean(c: &fantoccini::Client, what: &str) {
    let Some(jar) = vnu() else {
        return;
    };
    let html = c
        .execute(
            "return '<!DOCTYPE html>\\n' + document.documentElement.outerHTML;",
            vec![],
        )
        .await
        .expect("the document")
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let url = tokio::task::spawn_blocking(move || service(&jar))
        .await
        .expect("the service");
    let answer = reqwest::Client::new()
        .post(url)
        .header("Content-Type", "text/html; charset=utf-8")
        .header("User-Agent", "kam360-tests")
        .body(html)
        .send()
        .await
        .expect("the Nu checker's service answers");
    assert!(
        answer.status().is_success(),
        "the Nu checker's service refused {what}: {}",
        answer.status()
    );
    let errors = answer.text().await.expect("its report");
    assert!(
        errors.trim().is_empty(),
        "the Nu checker found errors on {what}:\n{errors}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_and_emails_have_no_html_errors() {
    let Some(jar) = vnu() else {
        return;
    };
    let app = spawn_app().await;
    let mut pages: Vec<(String, String)> = Vec::new();
    let admin = Console::new(&app).await;
    let get = |what: &str, (s, body): (u16, String)| {
        assert!(s == 200 || s == 422, "{what}: {s}");
        (what.to_owned(), body)
    };

    // the admin's cycle, from the draft to the close
    pages.push(get(
        "new cycle",
        admin.get("/admin/cycles/new?lang=en").await,
    ));
    pages.push(get(
        "new cycle refused",
        admin
            .post(
                "/admin/cycles?lang=zh",
                &[("name", ""), ("closes_at", "2026-02-30")],
            )
            .await,
    ));
    let id = admin.create("Nu", "admin").await;
    let (_, _) = admin.upload(&id, &standard().csv()).await;
    for (what, path) in [
        ("cycle draft", format!("/admin/cycles/{id}?lang=en")),
        ("texts", format!("/admin/cycles/{id}/texts?lang=zh")),
        (
            "launch confirm",
            format!("/admin/cycles/{id}/launch?lang=en"),
        ),
        ("users", "/admin/users?lang=en".to_owned()),
    ] {
        pages.push(get(what, admin.get(&path).await));
    }
    pages.push(get(
        "texts preview",
        admin
            .post(
                &format!("/admin/cycles/{id}/texts?lang=en"),
                &[
                    ("action", "preview"),
                    ("invitation-en-opening", "Dear {rater_name}"),
                ],
            )
            .await,
    ));
    let (s, _) = admin.post(&format!("/admin/cycles/{id}/launch"), &[]).await;
    assert_eq!(s, 303);
    dispatch_all_pending_emails(&app).await;
    for (what, path) in [
        ("cycle open", format!("/admin/cycles/{id}?lang=zh")),
        (
            "remind confirm",
            format!("/admin/cycles/{id}/remind?lang=en"),
        ),
        ("audit", "/admin/audit?lang=zh".to_owned()),
        ("outbox", "/admin/outbox?lang=en".to_owned()),
    ] {
        pages.push(get(what, admin.get(&path).await));
    }
    // what anyone reaches without signing in
    for path in [
        "/login?lang=zh",
        "/links?lang=en",
        "/password/forgot?lang=zh",
    ] {
        pages.push(get(path, app.get_text(path).await));
    }
    // a rater's form, then the supervisor's pages once everyone answered and the cycle closed
    let l = launched_cycle(&app, &standard());
    for (who, lang) in [("c1@client.cn", "zh"), ("c2@client.cn", "en")] {
        let (_, s, body) = app.open(&format!("{}?lang={lang}", l.link(who))).await;
        pages.push(get(&format!("rater form {lang}"), (s, body)));
    }
    pages.push(get(
        "decline",
        app.get_text(&format!(
            "{}/decline?lang=zh",
            crate::helpers::path_of(&l.link("c3@client.cn"))
        ))
        .await,
    ));
    for l2 in &l.links {
        answer_all(&app, &l, &l2.rater_email, "3").await;
    }
    let thanked = l
        .links
        .iter()
        .find(|x| x.rater_email == "c2@client.cn")
        .expect("c2")
        .assignment_id
        .clone();
    pages.push(get(
        "thank-you",
        app.get_text(&format!("/f/{thanked}/done?lang=en")).await,
    ));
    close_cycle(&app, &l.cycle_id);
    let review = first_review(&app, &l.cycle_id);
    let boss = app.staff("boss@t.cn", Role::Supervisor).await;
    for (what, path) in [
        ("supervisor home", "/?lang=zh".to_owned()),
        ("reconciliation", format!("/reviews/{review}?lang=en")),
        ("reconciliation zh", format!("/reviews/{review}?lang=zh")),
        ("report", format!("/reviews/{review}/report?lang=en")),
        (
            "sign-off summary",
            format!("/reviews/{review}/signoff?lang=en"),
        ),
    ] {
        let r = boss
            .client
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .expect("GET");
        let s = r.status().as_u16();
        pages.push(get(what, (s, r.text().await.expect("body"))));
    }
    // signed off, released: the review with its release box, and the KAM's own report
    crate::release::sign_off(&app, &boss, &review).await;
    let r = boss
        .client
        .post(format!("{}/reviews/{review}/release", app.address))
        .header("origin", app.address.clone())
        .form(&[("csrf", boss.csrf.as_str())])
        .send()
        .await
        .expect("release");
    assert_eq!(r.status(), 303);
    let r = boss
        .client
        .get(format!("{}/reviews/{review}?lang=zh", app.address))
        .send()
        .await
        .expect("GET");
    let s = r.status().as_u16();
    pages.push(get(
        "signed off, released",
        (s, r.text().await.expect("body")),
    ));
    pages.push(get(
        "insights",
        admin
            .get(&format!("/admin/cycles/{}/insights?lang=en", l.cycle_id))
            .await,
    ));
    dispatch_all_pending_emails(&app).await;
    let kam_mail = app
        .mail_files()
        .iter()
        .map(|p| read_mail(p))
        .find(|m| m.to == "kam@t.cn" && m.text.contains("/k/"))
        .expect("the KAM's report email");
    let kam_link = crate::helpers::link_in_mail(&kam_mail.text, "/k/");
    for lang in ["en", "zh"] {
        pages.push(get(
            &format!("KAM report {lang}"),
            app.get_text(&format!("{kam_link}?lang={lang}")).await,
        ));
    }

    // every email the cycle sent, as its HTML part
    for path in app.mail_files() {
        let m = read_mail(&path);
        pages.push((format!("email {}", m.subject), m.html));
    }

    let dir = tempfile::tempdir().expect("dir");
    for (i, (_, body)) in pages.iter().enumerate() {
        std::fs::write(dir.path().join(format!("{i:03}.html")), body).expect("page");
    }
    let out = std::process::Command::new("java")
        .args(["-jar", &jar, "--errors-only", "--format", "text"])
        .arg(dir.path())
        .output()
        .expect("java -jar vnu.jar");
    let report =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    let named: String = report
        .lines()
        .map(|line| {
            let page = line
                .split("/")
                .find_map(|p| {
                    p.strip_suffix(".html\":")
                        .or_else(|| p.split(".html").next())
                })
                .and_then(|n| n.parse::<usize>().ok())
                .and_then(|n| pages.get(n))
                .map_or("", |(what, _)| what.as_str());
            format!("[{page}] {line}\n")
        })
        .collect();
    assert!(
        out.status.success(),
        "the Nu checker found errors:\n{named}"
    );
}
