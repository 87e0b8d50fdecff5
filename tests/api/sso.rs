//! Single sign-on (SPEC §15) against a real OpenID Connect provider: the npm `oidc-provider`
//! (9.x) started for each test by `tests/oidc/provider.mjs`, with its development sign-in
//! form. Nothing of the protocol is mocked: discovery, PKCE, the code exchange, the keys, the
//! user info and the end-session endpoint are the provider's. Hostile answers (another
//! audience, an expired token, a forged signature, another issuer) are the provider's own ID
//! tokens re-signed on the way out, as a broken or compromised provider would send them.

use kam360::actions::Tx;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use diesel::prelude::*;
use kam360::actions::users::{self, Role};
use kam360::db;

use crate::helpers::{in_ci, root, try_spawn_app_with, Backend, TestApp};

const CLIENT_ID: &str = "kam360-test";
const CLIENT_SECRET: &str = "a client secret of the test provider";

/// The provider's process, stopped with the test.
struct IdP {
    child: Child,
    issuer: String,
}

impl Drop for IdP {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where `oidc-provider` is installed (`.ci/run` installs it there).
fn modules() -> Option<std::path::PathBuf> {
    let dir = std::env::var_os("KAM360_OIDC_MODULES")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| "/var/tmp/kam360-oidc/node_modules".into());
    let found = dir.join("oidc-provider/package.json").exists();
    match found {
        true => Some(dir),
        false if in_ci() => panic!(
            "CI=true but oidc-provider is not installed under {} (KAM360_OIDC_MODULES)",
            dir.display()
        ),
        false => {
            eprintln!("skipped: oidc-provider is not installed (see .ci/run)");
            None
        }
    }
}

/// Starts the provider for kam360 at `base`.
fn start_idp(base: &str) -> Option<IdP> {
    let modules = modules()?;
    let mut child = Command::new("node")
        .arg(root().join("tests/oidc/provider.mjs"))
        .args([base, CLIENT_ID, CLIENT_SECRET])
        .env("KAM360_OIDC_MODULES", modules)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("node runs the provider");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the provider starts");
    let issuer = line
        .trim()
        .strip_prefix("listening ")
        .unwrap_or_else(|| panic!("the provider said {line:?}"))
        .to_owned();
    Some(IdP { child, issuer })
}

/// kam360 on `backend` with single sign-on through a fresh provider, settings adjusted by
/// `adjust`.
async fn app_with_idp(
    backend: Backend,
    adjust: impl FnOnce(&mut kam360::config::Settings),
) -> Option<(TestApp, IdP)> {
    let mut idp = None;
    let app = try_spawn_app_with(backend, |s| {
        idp = start_idp(&s.server.public_base_url);
        if let Some(p) = &idp {
            s.oidc.issuer = p.issuer.clone();
            s.oidc.client_id = CLIENT_ID.into();
            s.oidc.client_secret = CLIENT_SECRET.to_owned().into();
            s.oidc.name = "Test IdP".into();
        }
        adjust(s);
    })
    .await?;
    Some((app, idp?))
}

/// A browser: its own cookies, redirects followed by hand so each step can be seen.
struct Browser {
    client: reqwest::Client,
}

/// Where a browser ended up: the last response's status (0: stopped before it), address and
/// body.
#[derive(Debug)]
struct Landed {
    status: u16,
    url: String,
    body: String,
}

impl Browser {
    fn new() -> Browser {
        Browser {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .cookie_store(true)
                .build()
                .expect("client"),
        }
    }

    /// GETs `url` and follows redirects, stopping before `stop_at` (an address prefix) when
    /// given; returns where it stopped.
    async fn go(&self, url: &str, stop_at: Option<&str>) -> Landed {
        let mut url = url.to_owned();
        for _ in 0..20 {
            if stop_at.is_some_and(|p| url.starts_with(p)) {
                return Landed {
                    status: 0,
                    url,
                    body: String::new(),
                };
            }
            let r = self.client.get(&url).send().await.expect("get");
            match self.follow(&url, r).await {
                Ok(next) => url = next,
                Err(landed) => return landed,
            }
        }
        panic!("too many redirects from {url}");
    }

    async fn post(&self, url: &str, form: &[(&str, &str)]) -> Result<String, Landed> {
        let r = self.client.post(url).form(form).send().await.expect("post");
        self.follow(url, r).await
    }

    /// The next address of a redirect, or where the browser landed.
    async fn follow(&self, url: &str, r: reqwest::Response) -> Result<String, Landed> {
        let status = r.status().as_u16();
        if (300..400).contains(&status) {
            let to = r.headers()["location"]
                .to_str()
                .expect("location")
                .to_owned();
            return Ok(absolute(url, &to));
        }
        Err(Landed {
            status,
            url: url.to_owned(),
            body: r.text().await.expect("body"),
        })
    }

    /// Signs in at the provider as `login` from wherever kam360 sent the browser, answers the
    /// consent, and stops at kam360's callback (not yet delivered).
    async fn through_idp(&self, app: &TestApp, start: &str, login: &str) -> String {
        let callback = format!("{}/login/oidc/callback", app.address);
        let callback = callback.as_str();
        let start = if start.starts_with("http") {
            start.to_owned()
        } else {
            format!("{}{start}", app.address)
        };
        let mut landed = self.go(&start, Some(callback)).await;
        for _ in 0..4 {
            if landed.status == 0 {
                return landed.url;
            }
            assert_eq!(landed.status, 200, "{landed:?}");
            let action = absolute(&landed.url, &attr(&landed.body, "action"));
            let form: Vec<(&str, &str)> = if landed.body.contains("value=\"login\"") {
                vec![("prompt", "login"), ("login", login), ("password", "any")]
            } else if landed.body.contains("value=\"consent\"") {
                vec![("prompt", "consent")]
            } else {
                panic!("an unexpected page at the provider: {}", landed.body);
            };
            landed = match self.post(&action, &form).await {
                Ok(next) => self.go(&next, Some(callback)).await,
                Err(l) => l,
            };
        }
        panic!("the provider never sent the browser back: {landed:?}");
    }

    /// The whole sign-in as `login`: kam360's page after the callback.
    async fn sign_in(&self, app: &TestApp, login: &str) -> Landed {
        let back = self.through_idp(app, "/login/oidc", login).await;
        self.go(&back, None).await
    }
}

fn absolute(from: &str, to: &str) -> String {
    if to.starts_with("http") {
        return to.to_owned();
    }
    let origin: String = from.splitn(4, '/').take(3).collect::<Vec<_>>().join("/");
    format!("{origin}{to}")
}

/// The first `name="…"` attribute's value in `html`, unescaped (`&amp;`).
fn attr(html: &str, name: &str) -> String {
    let marker = format!("{name}=\"");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + marker.len();
    html[at..at + html[at..].find('"').expect("end")].replace("&amp;", "&")
}

fn account(app: &TestApp, email: &str, role: Role) {
    let email = email.to_owned();
    app.write(move |c| users::add(c, &email, "Staff Member", role, db::now()))
        .expect("account");
}

/// Whether the browser holds a live kam360 session (the supervisor's or admin's home).
async fn signed_in(b: &Browser, app: &TestApp) -> bool {
    let r = b
        .client
        .get(format!("{}/?lang=en", app.address))
        .send()
        .await
        .expect("home");
    r.status() == 200
}

fn audited(app: &TestApp, action: &str) -> Vec<Option<String>> {
    let action = action.to_owned();
    app.read(move |c| {
        use db::schema::audit_events as a;
        Ok(a::table
            .filter(a::action.eq(action))
            .select(a::new_value)
            .load::<Option<String>>(c)?)
    })
    .expect("audit")
}

async fn a_known_supervisor_signs_in_and_out_of_both(backend: Backend) {
    let Some((app, idp)) = app_with_idp(backend, |_| {}).await else {
        return;
    };
    account(&app, "li.ming@t.cn", Role::Supervisor);
    // the sign-in page offers the provider first, the password after
    let (s, page) = app.get_text("/login?lang=en").await;
    assert_eq!(s, 200);
    let button = page
        .find("Sign in with Test IdP")
        .expect("the provider's button");
    assert!(button < page.find("name=\"password\"").expect("the password form"));
    assert!(page.contains("href=\"/login/oidc?lang=en\""), "{page}");

    let b = Browser::new();
    // the address at the provider differs in case from the account's
    let landed = b.sign_in(&app, "Li.Ming@T.cn").await;
    assert_eq!(
        (landed.status, landed.url.clone()),
        (200, app.address.clone() + "/")
    );
    assert!(landed.body.contains("Staff Member"), "{}", landed.body);
    assert!(signed_in(&b, &app).await);
    assert_eq!(audited(&app, "staff.login"), vec![Some("sso".to_owned())]);

    // the authorization request carried PKCE (S256), a state and a nonce of 256 bits
    let start = b
        .client
        .get(format!("{}/login/oidc", app.address))
        .send()
        .await
        .expect("start");
    assert_eq!(start.status(), 303);
    let to = start.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    assert!(to.starts_with(&format!("{}/auth?", idp.issuer)), "{to}");
    let params: Vec<(String, String)> =
        serde_urlencoded::from_str(to.split_once('?').expect("query").1).expect("params");
    let param = |k: &str| {
        params
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    assert_eq!(param("code_challenge_method"), "S256");
    assert_eq!(param("response_type"), "code");
    assert!(param("state").len() >= 43 && param("nonce").len() >= 43);
    assert!(param("scope").contains("openid") && param("scope").contains("email"));
    let cookie = start.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(
        cookie.contains(&param("state")),
        "the cookie ties the state to this browser"
    );

    // sign-out ends kam360's session, then sends the person to the provider's end-session
    // endpoint with the session's ID token as the hint
    let (_, home) = app_get(&b, &app, "/?lang=en").await;
    let csrf = crate::helpers::csrf_of(&home);
    let out = b
        .client
        .post(format!("{}/logout?lang=en", app.address))
        .header("origin", &app.address)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .expect("logout");
    assert_eq!(out.status(), 200);
    let refresh = out.headers()["refresh"]
        .to_str()
        .expect("refresh")
        .to_owned();
    let body = out.text().await.expect("body");
    assert!(body.contains("You are signed out of kam360"), "{body}");
    let end = refresh
        .strip_prefix("0;url=")
        .expect("a refresh")
        .to_owned();
    assert!(
        end.starts_with(&format!("{}/session/end?", idp.issuer)),
        "{end}"
    );
    assert!(end.contains("id_token_hint=") && end.contains("post_logout_redirect_uri="));
    assert!(!signed_in(&b, &app).await, "kam360's session is over");
    // the provider asks to confirm, then returns the person to kam360's sign-in page
    let confirm = b.go(&end, None).await;
    assert_eq!(confirm.status, 200, "{confirm:?}");
    let action = absolute(&confirm.url, &attr(&confirm.body, "action"));
    let xsrf = attr(
        &confirm.body[confirm.body.find("xsrf").expect("xsrf")..],
        "value",
    );
    let back = b
        .post(&action, &[("xsrf", xsrf.as_str()), ("logout", "yes")])
        .await
        .expect("a redirect back");
    assert_eq!(back, format!("{}/login", app.address));
    // the provider's session is over too: signing in again asks for the login
    let again = b.go(&format!("{}/login/oidc", app.address), None).await;
    assert!(again.body.contains("name=\"login\""), "{again:?}");
}

async fn app_get(b: &Browser, app: &TestApp, path: &str) -> (u16, String) {
    let r = b
        .client
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .expect("get");
    (r.status().as_u16(), r.text().await.expect("body"))
}

crate::each_backend!(a_known_supervisor_signs_in_and_out_of_both);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_or_planted_callback_is_refused() {
    let Some((app, _idp)) = app_with_idp(Backend::Sqlite, |_| {}).await else {
        return;
    };
    account(&app, "li.ming@t.cn", Role::Supervisor);
    let callback = format!("{}/login/oidc/callback", app.address);
    let b = Browser::new();
    let back = b
        .through_idp(&app, "/login/oidc?lang=en", "li.ming@t.cn")
        .await;
    // another browser delivers it (a sign-in planted in someone else's browser): refused, and
    // the flow stays the rightful browser's
    let other = Browser::new();
    let planted = other.go(&back, None).await;
    assert_eq!(planted.status, 400, "{planted:?}");
    assert!(
        planted.body.contains("did not start in this browser"),
        "{}",
        planted.body
    );
    assert!(!signed_in(&other, &app).await);
    // the rightful browser signs in once, in the language it began in
    let first = b.go(&back, None).await;
    assert_eq!(first.status, 200, "{first:?}");
    assert!(signed_in(&b, &app).await);
    // the same state again (replayed with the cookie forged back): refused
    let state = back
        .split("state=")
        .nth(1)
        .expect("state")
        .split('&')
        .next()
        .expect("s");
    let replay = b
        .client
        .get(&back)
        .header("cookie", format!("kam360_sso={state}"))
        .send()
        .await
        .expect("replay");
    assert_eq!(replay.status(), 400);
    let body = replay.text().await.expect("body");
    assert!(body.contains("was used already"), "{body}");

    // a flow older than ten minutes is refused
    let late = Browser::new();
    let back = late.through_idp(&app, "/login/oidc", "li.ming@t.cn").await;
    app.write(|c| {
        use db::schema::sign_in_flows as f;
        diesel::update(f::table)
            .set(f::expires_at.eq(db::now() - chrono::TimeDelta::seconds(1)))
            .execute(c)?;
        Ok(())
    })
    .expect("age the flow");
    let stale = late.go(&back, None).await;
    assert_eq!(stale.status, 400, "{stale:?}");
    assert!(!signed_in(&late, &app).await);

    // the person stops at the provider: kam360 says what the provider said
    let quitter = Browser::new();
    let at_idp = quitter
        .go(
            &format!("{}/login/oidc?lang=en", app.address),
            Some(&callback),
        )
        .await;
    assert!(at_idp.url.contains("/interaction/"), "{at_idp:?}");
    let abort = format!("{}/abort", at_idp.url);
    let back = quitter.go(&abort, Some(&callback)).await;
    let said = quitter.go(&back.url, None).await;
    assert_eq!(said.status, 403, "{said:?}");
    assert!(
        said.body.contains("Test IdP did not sign you in") && said.body.contains("aborted"),
        "{}",
        said.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_provider_s_tokens_are_checked() {
    let Some((app, idp)) = app_with_idp(Backend::Sqlite, |_| {}).await else {
        return;
    };
    account(&app, "li.ming@t.cn", Role::Supervisor);
    let client = reqwest::Client::new();
    for (mischief, says) in [
        ("audience", "meant for another application"),
        ("expired", "has expired"),
        ("signature", "is not signed with its keys"),
        ("issuer", "did not come from Test IdP"),
    ] {
        client
            .post(format!("{}/_mischief", idp.issuer))
            .body(mischief)
            .send()
            .await
            .expect("mischief");
        let b = Browser::new();
        let back = b
            .through_idp(&app, "/login/oidc?lang=en", "li.ming@t.cn")
            .await;
        let refused = b.go(&back, None).await;
        assert_eq!(refused.status, 401, "{mischief}: {refused:?}");
        assert!(refused.body.contains(says), "{mischief}: {}", refused.body);
        assert!(!signed_in(&b, &app).await, "{mischief}");
    }
    let refusals = audited(&app, "staff.login_failed");
    for code in ["audience", "expired", "signature", "issuer"] {
        assert!(
            refusals.contains(&Some(format!("sso: {code}"))),
            "{code}: {refusals:?}"
        );
    }
    // honest answers sign in again
    client
        .post(format!("{}/_mischief", idp.issuer))
        .body("none")
        .send()
        .await
        .expect("mischief");
    let b = Browser::new();
    assert_eq!(b.sign_in(&app, "li.ming@t.cn").await.status, 200);
    assert!(signed_in(&b, &app).await);
    // the provider rotates its keys: kam360 (whose copy of them is fresh) reads them again
    client
        .post(format!("{}/_mischief", idp.issuer))
        .body("rotated")
        .send()
        .await
        .expect("mischief");
    let b = Browser::new();
    let landed = b.sign_in(&app, "li.ming@t.cn").await;
    assert_eq!(landed.status, 200, "a rotated key: {landed:?}");
    assert!(signed_in(&b, &app).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn who_may_sign_in() {
    let Some((app, _idp)) = app_with_idp(Backend::Sqlite, |_| {}).await else {
        return;
    };
    // a stranger, an address the provider did not verify, a disabled account: refused, saying why
    account(&app, "gone@t.cn", Role::Supervisor);
    app.write(|c| users::disable(c, "gone@t.cn", db::now()))
        .expect("disable");
    for (login, status, says) in [
        ("stranger@t.cn", 403, "stranger@t.cn has no kam360 account"),
        (
            "unverified@t.cn",
            403,
            "did not give kam360 a verified email address",
        ),
        ("gone@t.cn", 403, "is disabled"),
    ] {
        let b = Browser::new();
        let landed = b.sign_in(&app, login).await;
        assert_eq!(landed.status, status, "{login}: {landed:?}");
        // the page is in the language negotiated (English by default) with the way back
        assert!(landed.body.contains(says), "{login}: {}", landed.body);
        assert!(landed.body.contains("href=\"/login?lang=en\""));
        assert!(!signed_in(&b, &app).await, "{login}");
    }
    let people = app
        .read(|c| Ok(db::accounts::find_by_email(c, "stranger@t.cn")?.is_some()))
        .expect("read");
    assert!(!people, "no account made without provisioning");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provisioning_and_roles_from_a_claim() {
    let Some((app, _idp)) = app_with_idp(Backend::Sqlite, |s| {
        s.oidc.provision = true;
        s.oidc.role_claim = "groups".into();
        s.oidc.scopes = vec![
            "openid".into(),
            "email".into(),
            "profile".into(),
            "groups".into(),
        ];
    })
    .await
    else {
        return;
    };
    // a stranger whose claim names admin is created as an admin, named as the provider says
    let b = Browser::new();
    let landed = b.sign_in(&app, "boss-admin@t.cn").await;
    assert_eq!(landed.status, 200, "{landed:?}");
    let created = app
        .read(|c| Ok(db::accounts::find_by_email(c, "boss-admin@t.cn")?.expect("created")))
        .expect("read");
    assert_eq!(
        (created.role, created.name.as_str()),
        (Role::Admin, "Wang Qiang")
    );
    let (s, _) = app_get(&b, &app, "/admin/users?lang=en").await;
    assert_eq!(s, 200, "an admin's page");
    assert!(audited(&app, "user.add").len() == 1);
    // a claim that names no role refuses even a known person
    account(&app, "nobody-role@t.cn", Role::Supervisor);
    let refused = Browser::new().sign_in(&app, "nobody-role@t.cn").await;
    assert_eq!(refused.status, 403);
    assert!(refused.body.contains("no kam360 role"), "{}", refused.body);
    // the claim moves a known account's role, audited
    app.write(|c| {
        db::accounts::set_role(c, &created.person_id, Role::Supervisor, db::now())?;
        Ok(())
    })
    .expect("demote");
    assert_eq!(
        Browser::new().sign_in(&app, "boss-admin@t.cn").await.status,
        200
    );
    let role = app
        .read(|c| {
            Ok(db::accounts::find_by_email(c, "boss-admin@t.cn")?
                .expect("a")
                .role)
        })
        .expect("read");
    assert_eq!(role, Role::Admin);
    assert_eq!(audited(&app, "user.role"), vec![Some("admin".to_owned())]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passwords_switched_off_leave_single_sign_on_and_the_setup_link() {
    let Some((app, _idp)) = app_with_idp(Backend::Sqlite, |s| {
        s.auth.local_passwords = false;
    })
    .await
    else {
        return;
    };
    let (s, page) = app.get_text("/login?lang=en").await;
    assert_eq!(s, 200);
    assert!(page.contains("Sign in with Test IdP"));
    assert!(!page.contains("name=\"password\"") && !page.contains("/password/forgot"));
    assert_eq!(
        app.post_form("/login", &[("email", "a@t.cn"), ("password", "x")])
            .await
            .status(),
        404
    );
    for path in ["/password/forgot", "/password/reset/abc"] {
        assert_eq!(app.get(path).await.status(), 404, "{path}");
        assert_eq!(
            app.post_form(path, &[("email", "a@t.cn")]).await.status(),
            404,
            "{path}"
        );
    }
    // the first run: the setup link creates the first admin from the provider's identity
    let token = app
        .write(|c| Ok(kam360::actions::setup::fresh_link(c, db::now())?.expect("a link")))
        .expect("setup link");
    let (s, setup) = app.get_text(&format!("/setup/{token}?lang=en")).await;
    assert_eq!(s, 200);
    assert!(setup.contains("Create it with Test IdP"), "{setup}");
    let b = Browser::new();
    let back = b
        .through_idp(
            &app,
            &format!("/setup/{token}/oidc?lang=en"),
            "first.admin@t.cn",
        )
        .await;
    let landed = b.go(&back, None).await;
    assert_eq!(landed.status, 200, "{landed:?}");
    let (s, _) = app_get(&b, &app, "/admin/users").await;
    assert_eq!(s, 200, "signed in as the first admin");
    // the link is used up, and there is an admin now
    assert_eq!(app.get(&format!("/setup/{token}")).await.status(), 404);
    assert_eq!(app.get(&format!("/setup/{token}/oidc")).await.status(), 404);

    // the admin invites a supervisor: the invitation is the provider's sign-in, not a password
    let (_, users) = app_get(&b, &app, "/admin/users?lang=en").await;
    let csrf = crate::helpers::csrf_of(&users);
    let invited = b
        .client
        .post(format!("{}/admin/users", app.address))
        .header("origin", &app.address)
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "new.boss@t.cn"),
            ("name", "New Boss"),
            ("role", "supervisor"),
            ("locale", "en"),
        ])
        .send()
        .await
        .expect("invite");
    assert_eq!(invited.status(), 303);
    crate::helpers::dispatch_all_pending_emails(&app).await;
    let mail = app
        .mail_files()
        .iter()
        .map(|p| crate::helpers::read_mail(p))
        .find(|m| m.to == "new.boss@t.cn")
        .expect("the invitation");
    assert!(
        mail.text.contains("Sign in with your Test IdP account")
            && !mail.text.contains("/password/reset/")
            && !mail.html.contains("/password/reset/"),
        "{}",
        mail.text
    );
    let link = crate::helpers::link_in_mail(&mail.text, "/login/oidc");
    let invitee = Browser::new();
    let back = invitee.through_idp(&app, &link, "new.boss@t.cn").await;
    assert_eq!(invitee.go(&back, None).await.status, 200);
    assert!(signed_in(&invitee, &app).await);
    let (_, users) = app_get(&b, &app, "/admin/users?lang=en").await;
    assert!(
        !users.contains(">invited<"),
        "in use after the first sign-in"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_provider_is_said_so() {
    let Some(app) = try_spawn_app_with(Backend::Sqlite, |s| {
        // a port nobody listens on
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("bind")
            .local_addr()
            .expect("addr")
            .port();
        s.oidc.issuer = format!("http://127.0.0.1:{port}");
        s.oidc.client_id = CLIENT_ID.into();
        s.oidc.name = "Test IdP".into();
    })
    .await
    else {
        return;
    };
    let (s, page) = app.get_text("/login/oidc?lang=en").await;
    assert_eq!(s, 502);
    assert!(page.contains("cannot reach Test IdP"), "{page}");
    // without single sign-on the routes are not there
    let plain = crate::helpers::spawn_app().await;
    assert_eq!(plain.get("/login/oidc").await.status(), 404);
    assert_eq!(
        plain
            .get("/login/oidc/callback?code=x&state=y")
            .await
            .status(),
        404
    );
    let (_, login) = plain.get_text("/login?lang=en").await;
    assert!(!login.contains("Sign in with"));
}

/// The whole sign-in and sign-out in Chromium, through the provider's own pages: the page's
/// strict policy lets forms go only to kam360, so the browser must still reach the provider
/// and come back at each step. kam360's pages on the way pass axe and the Nu checker.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_signs_in_and_out_through_the_provider_in_chromium() {
    use crate::accessibility::assert_axe_clean;
    use crate::chromium::{click, set_viewport, shot, start_browser, until};
    use fantoccini::Locator;
    let Some((app, idp)) = app_with_idp(Backend::Sqlite, |_| {}).await else {
        return;
    };
    let Some((_driver, c)) = start_browser().await else {
        return;
    };
    account(&app, "li.ming@t.cn", Role::Supervisor);
    let base = app.address.clone();
    for (lang, width) in [("zh", 360), ("en", 1280)] {
        set_viewport(&c, width, 800).await;
        c.goto(&format!("{base}/login?lang={lang}"))
            .await
            .expect("open");
        assert_axe_clean(&c, &format!("sign-in with single sign-on ({lang})")).await;
        shot(&c, &format!("staff-login-sso-{lang}-{width}")).await;
    }
    // a stale callback's page
    c.goto(&format!(
        "{base}/login/oidc/callback?code=x&state=y&lang=en"
    ))
    .await
    .expect("open");
    assert_axe_clean(&c, "a refused single sign-on").await;
    shot(&c, "sso-refused-en").await;

    c.goto(&format!("{base}/login?lang=en"))
        .await
        .expect("open");
    click(&c, Locator::LinkText("Sign in with Test IdP")).await;
    until(
        &c,
        &format!("return location.href.startsWith('{}')", idp.issuer),
        "the provider's page",
    )
    .await;
    c.find(Locator::Css("input[name='login']"))
        .await
        .expect("login")
        .send_keys("li.ming@t.cn")
        .await
        .expect("type");
    c.find(Locator::Css("input[name='password']"))
        .await
        .expect("password")
        .send_keys("any")
        .await
        .expect("type");
    click(&c, Locator::Css("button[type='submit']")).await;
    // the consent, then back at kam360 with a session
    until(
        &c,
        "return document.querySelector(\"input[value='consent']\") !== null || location.pathname === '/'",
        "the consent or kam360",
    )
    .await;
    if c.current_url()
        .await
        .expect("url")
        .as_str()
        .starts_with(&idp.issuer)
    {
        click(&c, Locator::Css("button[type='submit']")).await;
    }
    until(
        &c,
        &format!("return location.href === '{base}/'"),
        "kam360's home",
    )
    .await;
    assert!(c.source().await.expect("page").contains("Staff Member"));
    // sign-out: kam360's page, then the provider's confirmation, then kam360's sign-in
    click(&c, Locator::Css("form[action='/logout'] button")).await;
    until(
        &c,
        "return document.querySelector(\"button[name='logout']\") !== null",
        "the provider's sign-out page",
    )
    .await;
    click(&c, Locator::Css("button[name='logout']")).await;
    until(
        &c,
        &format!("return location.href.startsWith('{base}/login')"),
        "back at kam360's sign-in",
    )
    .await;
    c.goto(&format!("{base}/")).await.expect("open");
    assert!(
        c.current_url()
            .await
            .expect("url")
            .as_str()
            .starts_with(&format!("{base}/login")),
        "signed out of kam360"
    );

    // the invitation when the provider is the only way in, in both languages: axe, the Nu
    // checker, and its button on a phone's first screen
    let mut sso_only = (*app.settings).clone();
    sso_only.auth.local_passwords = false;
    let templates = app.templates.clone();
    app.write(move |conn| {
        users::add(conn, "admin@t.cn", "Admin", Role::Admin, db::now())?;
        let actor = db::people::find_by_email(conn, "admin@t.cn")?
            .expect("admin")
            .id;
        for (email, locale) in [
            ("zh.boss@t.cn", kam360::domain::locale::Locale::Zh),
            ("en.boss@t.cn", kam360::domain::locale::Locale::En),
        ] {
            let address = kam360::domain::security::email_address::EmailAddress::parse(email)
                .expect("address");
            users::invite(
                Tx(
                    conn,
                    kam360::actions::Mail::new(&templates, &sso_only),
                    &actor,
                    db::now(),
                ),
                users::Invitee {
                    email: &address,
                    name: "New Boss",
                    role: Role::Supervisor,
                    locale,
                },
            )?;
        }
        Ok(())
    })
    .expect("invitations");
    crate::helpers::dispatch_all_pending_emails(&app).await;
    let pages = tempfile::tempdir().expect("dir");
    for to in ["zh.boss@t.cn", "en.boss@t.cn"] {
        let mail = app
            .mail_files()
            .iter()
            .map(|p| crate::helpers::read_mail(p))
            .find(|m| m.to == to)
            .expect("the invitation");
        assert!(
            mail.text.contains("/login/oidc?lang=") && !mail.text.contains("/password/"),
            "{}",
            mail.text
        );
        let page = pages.path().join(format!("{to}.html"));
        std::fs::write(&page, &mail.html).expect("page");
        set_viewport(&c, 360, 740).await;
        c.goto(&format!("file://{}", page.display()))
            .await
            .expect("open");
        let bottom = c
            .execute(
                "return document.querySelector('a.button').getBoundingClientRect().bottom;",
                vec![],
            )
            .await
            .expect("button")
            .as_f64()
            .unwrap_or(f64::MAX);
        assert!(bottom <= 600.0, "{to}: the button ends at {bottom} px");
        assert_axe_clean(&c, &format!("the single sign-on invitation to {to}")).await;
    }
}
