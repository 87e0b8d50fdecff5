//! The authorization matrix and the CSRF table, generated from `web::ROUTES`: every staff
//! route × {anonymous, the KAM's supervisor, another supervisor, an admin}; every unsafe route
//! without a token or from another site. Plus session renewal, logout replay and lifetimes.

use diesel::prelude::*;
use kam360::actions::users::{self, Role};
use kam360::db;
use kam360::web::staff_routes;

use crate::both_backends;
use crate::fixtures::{launched_cycle, standard};
use crate::helpers::{cookie_pair, csrf_of, new_client, StaffClient, TestApp};

/// The form every unsafe call sends: the fields the handlers read, none of them valid enough
/// to change anything but what the route is for.
const FIELDS: [(&str, &str); 3] = [("action", "save"), ("reason", "matrix"), ("version", "0")];

/// Whether a route takes `multipart/form-data` (the CSV upload).
fn multipart(path: &str) -> bool {
    path.starts_with("/admin/cycles/") && path.ends_with("/nominations")
}

/// Sends `csrf` and [`FIELDS`] to `path` as the route expects them.
fn post(who: &reqwest::Client, url: String, path: &str, csrf: &str) -> reqwest::RequestBuilder {
    if multipart(path) {
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf.to_owned())
            .part(
                "file",
                reqwest::multipart::Part::bytes(b"not,a,nominations,file\n".to_vec())
                    .file_name("n.csv"),
            );
        who.post(url).multipart(form)
    } else {
        let mut fields = vec![("csrf", csrf)];
        fields.extend(FIELDS);
        who.post(url).form(&fields)
    }
}

async fn call(app: &TestApp, who: &reqwest::Client, method: &str, path: &str, csrf: &str) -> u16 {
    let url = format!("{}{path}", app.address);
    let r = if method == "GET" {
        who.get(url).send().await
    } else {
        post(who, url, path, csrf).send().await
    };
    r.expect("request").status().as_u16()
}

/// Fills a route pattern with the matrix's ids.
struct Ids {
    assignment: String,
    review: String,
    cycle: String,
    person: String,
    message: String,
    /// A rater's link.
    link: String,
}

impl Ids {
    fn fill(&self, pattern: &str) -> String {
        pattern
            .replace("{assignment}", &self.assignment)
            .replace("{review}", &self.review)
            .replace("{cycle}", &self.cycle)
            .replace("{person}", &self.person)
            .replace("{message}", &self.message)
    }
}

async fn matrix_ids(app: &TestApp) -> Ids {
    let l = launched_cycle(app, &standard());
    let own = l
        .links
        .iter()
        .find(|x| x.rater_email == "boss@t.cn")
        .expect("own")
        .assignment_id
        .clone();
    let id = l.cycle_id.clone();
    let review = app
        .read(move |c| Ok(db::reviews::list_for_cycle(c, &id)?))
        .expect("r")[0]
        .review
        .id
        .clone();
    // a staff account the admin routes may change without touching the matrix's roles
    app.write(|c| users::add(c, "spare@t.cn", "Spare", Role::Supervisor, db::now()))
        .expect("spare");
    let person = app
        .read(|c| {
            Ok(db::people::find_by_email(c, "spare@t.cn")?
                .expect("spare")
                .id)
        })
        .expect("person");
    let message = app
        .read(|c| Ok(db::outbox::list(c, None)?.remove(0).id))
        .expect("a queued message");
    Ids {
        link: l.link("c1@client.cn"),
        assignment: own.to_string(),
        review: review.to_string(),
        cycle: l.cycle_id.to_string(),
        person: person.to_string(),
        message: message.to_string(),
    }
}

/// What an admin gets from each admin route, called in route order on an open cycle (the
/// matrix closes and archives it on the way, so later steps answer as for an archived one).
fn admin_expects(method: &str, pattern: &str) -> &'static [u16] {
    match (method, pattern) {
        ("GET", "/admin/cycles/{cycle}/edit") => &[303], // open: nothing to edit
        // archived by now: nobody can be reminded, the page says why
        ("GET", "/admin/cycles/{cycle}/remind") => &[409],
        ("GET", "/admin/cycles/{cycle}/nominations/{assignment}/revoke") => &[409],
        // no review is signed off: nothing to release, the page says so
        ("GET", "/admin/cycles/{cycle}/release") => &[409],
        ("GET", "/admin/cycles/{cycle}/launch") | ("POST", "/admin/cycles/{cycle}/launch") => {
            &[409] // launched already
        }
        ("GET", _) => &[200],
        // refused input re-renders its page (422); the steps that take no input go through
        ("POST", "/admin/cycles/{cycle}/close" | "/admin/cycles/{cycle}/archive") => &[303],
        ("POST", "/admin/users/{person}/disable" | "/admin/users/{person}/enable") => &[303],
        ("POST", "/admin/users/{person}/invite" | "/admin/outbox/retry") => &[303],
        // no words given: kam360's own stand, saved
        ("POST", "/admin/cycles/{cycle}/texts") => &[303],
        // a KAM's link exists only in nomination mode `kam`
        ("POST", "/admin/cycles/{cycle}/kams/{review}/nudge") => &[404],
        _ => &[422],
    }
}

async fn every_staff_route_answers_each_role_as_it_should(app: TestApp) {
    let ids = matrix_ids(&app).await;
    let boss = app.staff("boss@t.cn", Role::Supervisor).await;
    let other = app.staff("other@t.cn", Role::Supervisor).await;
    let admin = app.staff("admin@t.cn", Role::Admin).await;
    let anonymous = StaffClient {
        client: new_client(),
        csrf: String::new(),
    };
    for (method, pattern) in staff_routes() {
        if pattern == "/logout" {
            continue; // checked last: it ends the session
        }
        let path = ids.fill(pattern);
        let expect = |role: &str| -> &[u16] {
            match (role, method, pattern) {
                // signed out: to sign in (a form is carried through the sign-in only when
                // the browser proves it comes from our pages; this client sends no Origin)
                ("anonymous", _, _) => &[303],
                (_, "GET", "/") => &[200],
                // the team view: each supervisor their own (another has none to show), an
                // admin anyone's; its CSV only where there is a team
                (_, "GET", "/team") => &[200],
                ("boss" | "admin", "GET", "/team.csv") => &[200],
                ("boss", "POST", "/rate/{assignment}") => &[303],
                ("boss", "GET", "/reviews/{review}") | ("admin", "GET", "/reviews/{review}") => {
                    &[200]
                }
                // the report: its supervisor and admins (a "not yet" page before results)
                ("boss" | "admin", "GET", "/reviews/{review}/report") => &[200],
                // releasing needs a signed-off review; comments are the supervisor's alone
                ("boss" | "admin", "POST", "/reviews/{review}/release") => &[400],
                ("boss", "POST", "/reviews/{review}/plan") => &[400],
                // results are not visible yet: the supervisor's save is refused as invalid
                ("boss", "POST", "/reviews/{review}") => &[400],
                ("admin", "POST", "/reviews/{review}/reopen") => &[409],
                // the console: admins only; everyone else is told nothing is there
                ("admin", m, p) if p.starts_with("/admin") => admin_expects(m, p),
                _ => &[404],
            }
        };
        for (role, who) in [
            ("anonymous", &anonymous),
            ("boss", &boss),
            ("other", &other),
            ("admin", &admin),
        ] {
            let status = call(&app, &who.client, method, &path, &who.csrf).await;
            assert!(
                expect(role).contains(&status),
                "{method} {pattern} as {role}: {status}"
            );
        }
    }
    for (role, who) in [("boss", &boss), ("other", &other), ("admin", &admin)] {
        assert_eq!(
            call(&app, &who.client, "POST", "/logout", &who.csrf).await,
            303,
            "{role}"
        );
        assert_eq!(
            call(&app, &who.client, "GET", "/", "").await,
            303,
            "{role} is signed out"
        );
    }
}

async fn every_unsafe_route_refuses_a_missing_token_or_another_site(app: TestApp) {
    let ids = matrix_ids(&app).await;
    let boss = app.staff("boss@t.cn", Role::Supervisor).await;
    let admin = app.staff("admin@t.cn", Role::Admin).await;
    for (method, pattern) in staff_routes().filter(|(m, _)| *m == "POST") {
        let path = ids.fill(pattern);
        // each route as someone it is for: a refusal is then the token's or the origin's
        let who = if pattern.ends_with("/reopen") || pattern.starts_with("/admin") {
            &admin
        } else {
            &boss
        };
        let url = format!("{}{path}", app.address);
        let forged = post(&who.client, url.clone(), &path, "forged")
            .send()
            .await
            .expect("post");
        let allowed: &[u16] = if pattern.starts_with("/admin") || pattern == "/logout" {
            &[403]
        } else {
            &[403, 404]
        };
        assert!(
            allowed.contains(&forged.status().as_u16()),
            "{method} {pattern} with a forged token: {}",
            forged.status()
        );
        let cross = post(&who.client, url, &path, &who.csrf)
            .header("sec-fetch-site", "cross-site")
            .send()
            .await
            .expect("post");
        assert!(
            allowed.contains(&cross.status().as_u16()),
            "{method} {pattern} cross-site: {}",
            cross.status()
        );
    }
    // still signed in: nothing above ended a session or changed a review or the cycle
    assert_eq!(call(&app, &boss.client, "GET", "/", "").await, 200);
    assert_eq!(call(&app, &admin.client, "GET", "/admin", "").await, 200);
    let id = ids.review.clone();
    let v: i32 = app
        .read(move |c| {
            Ok(db::schema::reviews::table
                .find(id)
                .select(db::schema::reviews::version)
                .first(c)?)
        })
        .expect("version");
    assert_eq!(v, 0);
    let cycle = ids.cycle.clone();
    let status = app
        .read(move |c| {
            Ok(
                db::cycles::find(c, &kam360::domain::ids::CycleId::parse(&cycle).expect("id"))?
                    .expect("cycle")
                    .status,
            )
        })
        .expect("status");
    assert_eq!(status, kam360::domain::status::CycleStatus::Open);
    let spare = app
        .read(|c| Ok(db::accounts::find_by_email(c, "spare@t.cn")?.expect("spare")))
        .expect("spare");
    assert!(!spare.disabled && spare.role == Role::Supervisor);
    // rater forms too: another site cannot post
    let r = app
        .client
        .post(format!("{}{}", app.address, ids.link))
        .header("sec-fetch-site", "cross-site")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("action=save")
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403);
}

async fn sessions_are_renewed_ended_and_bounded(app: TestApp) {
    let password = app
        .write(|c| users::add(c, "boss@t.cn", "Boss", Role::Supervisor, db::now()))
        .expect("account");
    let c = new_client();
    let login = |c: &reqwest::Client| {
        c.post(format!("{}/login", app.address))
            .form(&[("email", "boss@t.cn"), ("password", password.as_str())])
            .send()
    };
    let first = login(&c).await.expect("login");
    let cookie1 = cookie_pair(&first);
    let second = login(&c).await.expect("login again");
    let cookie2 = cookie_pair(&second);
    assert_ne!(cookie1, cookie2, "a new session at every sign-in");
    let replay = |cookie: String| {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("c")
            .get(format!("{}/", app.address))
            .header("cookie", cookie)
            .send()
    };
    assert_eq!(
        replay(cookie1.clone()).await.expect("replay").status(),
        303,
        "the old session is dead"
    );
    assert_eq!(
        replay(cookie2.clone()).await.expect("current").status(),
        200
    );
    // logging out kills the session server-side: replaying its cookie fails
    let third = login(&c).await.expect("third");
    let cookie3 = cookie_pair(&third);
    let page = replay(cookie3.clone())
        .await
        .expect("home")
        .text()
        .await
        .expect("body");
    let token = csrf_of(&page);
    let out = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("c")
        .post(format!("{}/logout", app.address))
        .header("cookie", cookie3.clone())
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .expect("logout");
    assert_eq!(out.status(), 303);
    assert_eq!(
        replay(cookie3).await.expect("replay").status(),
        303,
        "a logged-out cookie is dead"
    );
    let cookie2 = cookie_pair(&login(&c).await.expect("login"));
    // only hashes are stored
    let value = cookie2.split_once('=').expect("value").1.to_owned();
    let stored: Vec<String> = app
        .read(|c| {
            Ok(db::schema::staff_sessions::table
                .select(db::schema::staff_sessions::id_hash)
                .load(c)?)
        })
        .expect("hashes");
    assert!(
        !stored.contains(&value) && stored.contains(&kam360::domain::security::token::hash(&value))
    );
    // the absolute lifetime ends a busy session too
    app.write(|c| {
        use db::schema::staff_sessions;
        diesel::update(staff_sessions::table)
            .set(staff_sessions::expires_at.eq(db::now() - chrono::TimeDelta::seconds(1)))
            .execute(c)?;
        Ok(())
    })
    .expect("expire");
    assert_eq!(replay(cookie2).await.expect("expired").status(), 303);
}

both_backends!(
    every_staff_route_answers_each_role_as_it_should,
    every_unsafe_route_refuses_a_missing_token_or_another_site,
    sessions_are_renewed_ended_and_bounded,
);
