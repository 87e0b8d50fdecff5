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

async fn call(
    app: &TestApp,
    who: &reqwest::Client,
    method: &str,
    path: &str,
    csrf: &str,
    version: &str,
) -> u16 {
    let url = format!("{}{path}", app.address);
    let r = if method == "GET" {
        who.get(url).send().await
    } else {
        who.post(url)
            .form(&[
                ("csrf", csrf),
                ("version", version),
                ("action", "save"),
                ("reason", "matrix"),
            ])
            .send()
            .await
    };
    r.expect("request").status().as_u16()
}

async fn every_staff_route_answers_each_role_as_it_should(app: TestApp) {
    let l = launched_cycle(&app, &standard());
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
    let version = "0";
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
        let path = pattern
            .replace("{assignment}", &own)
            .replace("{review}", &review)
            .replace("{cycle}", &l.cycle_id);
        let expect = |role: &str| -> &[u16] {
            match (role, method, pattern) {
                ("anonymous", _, _) => &[303],
                (_, "GET", "/") => &[200],
                ("boss", "POST", "/rate/{assignment}") => &[303],
                ("boss", "GET", "/reviews/{review}") | ("admin", "GET", "/reviews/{review}") => {
                    &[200]
                }
                // the report: its supervisor and admins (a "not yet" page before results)
                ("boss" | "admin", "GET", "/reviews/{review}/report") => &[200],
                // releasing needs a signed-off review; comments are the supervisor's alone
                ("boss" | "admin", "POST", "/reviews/{review}/release") => &[400],
                ("boss", "POST", "/reviews/{review}/plan") => &[400],
                // the cycle report downloads: admins only
                ("admin", "GET", p) if p.starts_with("/admin/cycles/{cycle}/") => &[200],
                // results are not visible yet: the supervisor's save is refused as invalid
                ("boss", "POST", "/reviews/{review}") => &[400],
                ("admin", "POST", "/reviews/{review}/reopen") => &[409],
                _ => &[404],
            }
        };
        for (role, who) in [
            ("anonymous", &anonymous),
            ("boss", &boss),
            ("other", &other),
            ("admin", &admin),
        ] {
            let status = call(&app, &who.client, method, &path, &who.csrf, version).await;
            assert!(
                expect(role).contains(&status),
                "{method} {pattern} as {role}: {status}"
            );
        }
    }
    for (role, who) in [("boss", &boss), ("other", &other), ("admin", &admin)] {
        assert_eq!(
            call(&app, &who.client, "POST", "/logout", &who.csrf, version).await,
            303,
            "{role}"
        );
        assert_eq!(
            call(&app, &who.client, "GET", "/", "", version).await,
            303,
            "{role} is signed out"
        );
    }
}

async fn every_unsafe_route_refuses_a_missing_token_or_another_site(app: TestApp) {
    let l = launched_cycle(&app, &standard());
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
    let boss = app.staff("boss@t.cn", Role::Supervisor).await;
    let admin = app.staff("admin@t.cn", Role::Admin).await;
    for (method, pattern) in staff_routes().filter(|(m, _)| *m == "POST") {
        let path = pattern
            .replace("{assignment}", &own)
            .replace("{review}", &review)
            .replace("{cycle}", &l.cycle_id);
        let who = if pattern.ends_with("/reopen") {
            &admin
        } else {
            &boss
        };
        let url = format!("{}{path}", app.address);
        let forged = who
            .client
            .post(&url)
            .form(&[
                ("csrf", "forged"),
                ("version", "0"),
                ("action", "save"),
                ("reason", "x"),
            ])
            .send()
            .await
            .expect("post");
        assert!(
            matches!(forged.status().as_u16(), 403 | 404),
            "{method} {pattern} with a forged token: {}",
            forged.status()
        );
        let cross = who
            .client
            .post(&url)
            .header("sec-fetch-site", "cross-site")
            .form(&[
                ("csrf", who.csrf.as_str()),
                ("version", "0"),
                ("action", "save"),
                ("reason", "x"),
            ])
            .send()
            .await
            .expect("post");
        assert!(
            matches!(cross.status().as_u16(), 403 | 404),
            "{method} {pattern} cross-site: {}",
            cross.status()
        );
    }
    // still signed in: nothing above ended a session or changed a review
    assert_eq!(call(&app, &boss.client, "GET", "/", "", "0").await, 200);
    let id = review.clone();
    let v: i32 = app
        .read(move |c| {
            Ok(db::schema::reviews::table
                .find(id)
                .select(db::schema::reviews::version)
                .first(c)?)
        })
        .expect("version");
    assert_eq!(v, 0);
    // rater forms too: another site cannot post
    let link = l.link("c1@client.cn");
    let r = app
        .client
        .post(format!("{}{link}", app.address))
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
    assert!(!stored.contains(&value) && stored.contains(&kam360::domain::token::hash(&value)));
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
