//! Staff password reset by email (SPEC §14): a single-use link valid for an hour, sent over
//! real SMTP; the same answer whether or not the address has an account; throttled per
//! address and per client; a used, replaced or expired link says so and changes nothing.

use diesel::prelude::*;
use kam360::actions::users::{self, Role};
use kam360::db;

use crate::email::smtp;
use crate::helpers::dispatch_all_pending_emails;
use crate::helpers::link_in_mail;
use crate::helpers::{new_client, try_spawn_app_with, Backend, TestApp};
use crate::smtp_server::SmtpServer;

async fn app(backend: Backend, server: &SmtpServer) -> Option<TestApp> {
    try_spawn_app_with(backend, smtp(server.port)).await
}

fn account(app: &TestApp, email: &str) -> String {
    let email = email.to_owned();
    app.write(move |c| users::add(c, &email, "Li Ming", Role::Supervisor, db::now()))
        .expect("account")
}

async fn ask(app: &TestApp, email: &str) -> (u16, String) {
    let r = app
        .post_form("/password/forgot?lang=en", &[("email", email)])
        .await;
    (r.status().as_u16(), r.text().await.expect("body"))
}

/// The reset path (`/password/reset/TOKEN`) in the message's text part.
fn reset_path(data: &str) -> String {
    let m = mail_parser::MessageParser::default()
        .parse(data.as_bytes())
        .expect("MIME");
    let text = m.body_text(0).expect("a text part").into_owned();
    link_in_mail(&text, "/password/reset/")
}

async fn sign_in(app: &TestApp, email: &str, password: &str) -> u16 {
    new_client()
        .post(format!("{}/login", app.address))
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .expect("POST /login")
        .status()
        .as_u16()
}

async fn choose(app: &TestApp, path: &str, password: &str, confirm: &str) -> (u16, String) {
    let r = app
        .post_form(path, &[("password", password), ("confirm", confirm)])
        .await;
    let status = r.status().as_u16();
    let to = r
        .headers()
        .get("location")
        .map(|v| v.to_str().expect("ascii").to_owned());
    (status, to.unwrap_or(r.text().await.expect("body")))
}

const NEW: &str = "three unrelated words";

async fn a_forgotten_password_is_reset_once_by_the_emailed_link(backend: Backend) {
    let server = SmtpServer::start().await;
    let Some(app) = app(backend, &server).await else {
        return;
    };
    // a session that was open before the reset ends with it
    let before = app.staff("supervisor.boss@t.cn", Role::Supervisor).await;
    let old = app
        .write(|c| {
            let p = kam360::domain::security::password::generate();
            let h = kam360::domain::security::password::hash(&p).expect("hash");
            db::accounts::set_password(c, "supervisor.boss@t.cn", &h, db::now())?;
            Ok(p)
        })
        .expect("a known password");
    let (s, page) = app.get_text("/login?lang=en").await;
    assert_eq!(s, 200);
    assert!(
        page.contains("href=\"/password/forgot\""),
        "a way in from sign-in"
    );
    let (s, form) = app.get_text("/password/forgot?lang=zh").await;
    assert_eq!(s, 200);
    assert!(form.contains("重置密码"), "in the asked language");

    let (s, answer) = ask(&app, "Supervisor.Boss@T.cn").await;
    assert_eq!(s, 200);
    assert!(answer.contains("Check your email"), "{answer}");
    assert_eq!(dispatch_all_pending_emails(&app).await.sent, 1);
    let got = server.messages();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].rcpt, vec!["supervisor.boss@t.cn".to_owned()]);
    let path = reset_path(&got[0].data);

    let (s, page) = app.get_text(&path).await;
    assert_eq!(s, 200);
    assert!(page.contains("name=\"confirm\""), "{page}");
    assert!(
        !page.contains("value="),
        "no password is sent back into the page"
    );
    // each unhappy path says what to change and changes nothing
    for (password, confirm, says) in [
        ("short", "short", "too short"),
        ("a long enough password", "a long enough passw0rd", "differ"),
        (
            "supervisor.boss@t.cn",
            "supervisor.boss@t.cn",
            "cannot be your email",
        ),
    ] {
        let (s, body) = choose(&app, &format!("{path}?lang=en"), password, confirm).await;
        assert_eq!(s, 422, "{password}");
        assert!(body.contains(says), "{password}: {body}");
    }
    assert_eq!(
        sign_in(&app, "supervisor.boss@t.cn", &old).await,
        303,
        "nothing changed yet"
    );
    let (s, to) = choose(&app, &format!("{path}?lang=en"), NEW, NEW).await;
    assert_eq!((s, to.as_str()), (303, "/login?reset=done&lang=en"));
    let (_, notice) = app.get_text(&to).await;
    assert!(
        notice.contains("Your password has been changed"),
        "{notice}"
    );
    assert_eq!(
        sign_in(&app, "supervisor.boss@t.cn", &old).await,
        401,
        "the old one is gone"
    );
    assert_eq!(sign_in(&app, "supervisor.boss@t.cn", NEW).await, 303);
    let r = before
        .client
        .get(format!("{}/", app.address))
        .send()
        .await
        .expect("GET /");
    assert_eq!(r.status(), 303, "the earlier session ended");
    // single use
    let (s, gone) = app.get_text(&format!("{path}?lang=en")).await;
    assert_eq!(s, 410);
    assert!(gone.contains("Ask for a new link"), "{gone}");
    let (s, _) = choose(
        &app,
        &path,
        "another good password",
        "another good password",
    )
    .await;
    assert_eq!(s, 410);
    assert_eq!(sign_in(&app, "supervisor.boss@t.cn", NEW).await, 303);
    // audited, without the token
    let actions: Vec<String> = app
        .read(|c| {
            use kam360::db::schema::audit_events::dsl::*;
            audit_events
                .filter(action.like("staff.password%"))
                .select(action)
                .order(at.asc())
                .load(c)
                .map_err(Into::into)
        })
        .expect("audit");
    assert_eq!(
        actions,
        ["staff.password_reset_requested", "staff.password_reset"]
    );
}

async fn unknown_and_disabled_addresses_get_the_same_answer_and_no_mail(backend: Backend) {
    let server = SmtpServer::start().await;
    let Some(app) = app(backend, &server).await else {
        return;
    };
    account(&app, "gone@t.cn");
    app.write(|c| users::disable(c, "gone@t.cn", db::now()))
        .expect("disable");
    let (s1, unknown) = ask(&app, "nobody@t.cn").await;
    let (s2, disabled) = ask(&app, "gone@t.cn").await;
    assert_eq!((s1, s2), (200, 200));
    assert_eq!(
        unknown.replace("nobody@t.cn", "X"),
        disabled.replace("gone@t.cn", "X"),
        "one neutral answer"
    );
    assert_eq!(dispatch_all_pending_emails(&app).await.sent, 0);
    assert!(server.messages().is_empty());
    // a malformed address is the user's typo: said so, and kept in the field
    let (s, page) = ask(&app, "not an address").await;
    assert_eq!(s, 422);
    assert!(page.contains("value=\"not an address\""), "{page}");
    assert!(page.contains("aria-invalid=\"true\""));
}

async fn only_the_newest_unexpired_link_works(backend: Backend) {
    let server = SmtpServer::start().await;
    let Some(app) = app(backend, &server).await else {
        return;
    };
    account(&app, "boss@t.cn");
    // one at a time, so that the server receives them in the order they were asked for
    ask(&app, "boss@t.cn").await;
    assert_eq!(dispatch_all_pending_emails(&app).await.sent, 1);
    ask(&app, "boss@t.cn").await;
    assert_eq!(dispatch_all_pending_emails(&app).await.sent, 1);
    let paths: Vec<String> = server
        .messages()
        .iter()
        .map(|m| reset_path(&m.data))
        .collect();
    assert_ne!(paths[0], paths[1]);
    let (first, second) = (
        app.get(&paths[0]).await.status().as_u16(),
        app.get(&paths[1]).await.status().as_u16(),
    );
    assert_eq!((first, second), (410, 200), "the newer replaces the older");
    // an hour later it has expired
    app.write(|c| {
        use kam360::db::schema::password_resets::dsl::*;
        let past = db::now() - chrono::TimeDelta::minutes(61);
        diesel::update(password_resets)
            .set((
                created_at.eq(past),
                expires_at.eq(past + chrono::TimeDelta::hours(1)),
            ))
            .execute(c)
            .map_err(Into::into)
    })
    .expect("age the link");
    assert_eq!(app.get(&paths[1]).await.status(), 410);
    let (s, _) = choose(
        &app,
        &paths[1],
        "a good new password",
        "a good new password",
    )
    .await;
    assert_eq!(s, 410);
    // malformed tokens are 404 without a query
    assert_eq!(app.get("/password/reset/short").await.status(), 404);
}

async fn requests_are_throttled_per_address_and_per_client(backend: Backend) {
    let server = SmtpServer::start().await;
    let Some(app) = app(backend, &server).await else {
        return;
    };
    account(&app, "boss@t.cn");
    for _ in 0..3 {
        assert_eq!(ask(&app, "boss@t.cn").await.0, 200);
    }
    let (s, page) = ask(&app, "boss@t.cn").await;
    assert_eq!(s, 429, "the fourth for one address waits");
    assert!(page.contains("Too many"), "{page}");
    // the same for an unknown address: throttling says nothing about accounts
    for _ in 0..3 {
        assert_eq!(ask(&app, "nobody@t.cn").await.0, 200);
    }
    assert_eq!(ask(&app, "nobody@t.cn").await.0, 429);
    // and per client, across addresses: 10 admitted in all from this address
    for i in 0..4 {
        assert_eq!(ask(&app, &format!("p{i}@t.cn")).await.0, 200);
    }
    assert_eq!(ask(&app, "p9@t.cn").await.0, 429);
    assert_eq!(
        dispatch_all_pending_emails(&app).await.sent,
        3,
        "only the admitted requests for the account"
    );
    // another site cannot make the browser ask
    let r = app
        .client
        .post(format!("{}/password/forgot", app.address))
        .header("origin", "http://evil.example")
        .form(&[("email", "boss@t.cn")])
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), 403);
}

crate::each_backend!(
    a_forgotten_password_is_reset_once_by_the_emailed_link,
    unknown_and_disabled_addresses_get_the_same_answer_and_no_mail,
    only_the_newest_unexpired_link_works,
    requests_are_throttled_per_address_and_per_client,
);
