//! The rater form contract (SPEC §4, §5).

use kam360::db;
use kam360::domain::relationship::Relationship;

use crate::both_backends;
use crate::fixtures::{close_cycle, launched_cycle, standard, Launched};
use crate::helpers::{form_action, TestApp};

fn customer_criteria(app: &TestApp) -> Vec<String> {
    app.rubric
        .criteria_for(Relationship::Customer)
        .map(|c| c.id.clone())
        .collect()
}

fn full_answers(app: &TestApp) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = customer_criteria(app)
        .into_iter()
        .enumerate()
        .map(|(i, id)| {
            (
                id,
                if i == 0 {
                    "na".into()
                } else {
                    ((i % 4) + 1).to_string()
                },
            )
        })
        .collect();
    v.push(("action".into(), "submit".into()));
    v
}

fn encode(pairs: &[(String, String)]) -> String {
    serde_urlencoded::to_string(pairs).expect("encode")
}

fn status_of(app: &TestApp, l: &Launched, rater: &str) -> String {
    let id = l
        .links
        .iter()
        .find(|x| x.rater_email == rater)
        .map(|x| x.assignment_id.clone())
        .expect("link");
    app.read(move |c| {
        use diesel::prelude::*;
        use kam360::db::schema::assignments;
        Ok(assignments::table
            .find(id)
            .select(assignments::status)
            .first::<String>(c)?)
    })
    .expect("status")
}

fn ratings_count(app: &TestApp) -> i64 {
    app.read(|c| {
        use diesel::prelude::*;
        Ok(kam360::db::schema::ratings::table
            .count()
            .get_result::<i64>(c)?)
    })
    .expect("count")
}

async fn form_shows_header_and_only_observable_criteria(app: TestApp) {
    let l = launched_cycle(&app, &standard());
    let link = l.link("c2@client.cn");
    // the token is exchanged for a session cookie and a token-free URL
    let first = app.get(&format!("{link}?lang=en")).await;
    assert_eq!(first.status(), 303);
    assert_eq!(first.headers()["referrer-policy"], "no-referrer");
    let to = first.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    assert!(to.starts_with("/f/") && !to.contains(&link[3..]), "{to}");
    let cookie = first.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(!cookie.contains(&link[3..]), "the cookie is not the token");
    let r = app.get(&to).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["referrer-policy"], "no-referrer");
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert!(r.headers()["content-security-policy"]
        .to_str()
        .unwrap_or("")
        .contains("script-src 'self'"));
    let body = r.text().await.expect("body");
    assert!(
        body.contains("Wang Fang") && body.contains("Test cycle") && body.contains("Customer"),
        "header"
    );
    assert!(
        body.contains(&format!(
            "{} 23:59 (UTC+00:00)",
            crate::fixtures::future(14)
        )),
        "deadline shown with its time zone"
    );
    assert!(
        body.contains(&format!(
            "<a href=\"mailto:{0}\">{0}</a>",
            app.settings.email.contact
        )),
        "the contact can be tapped"
    );
    let criteria = customer_criteria(&app);
    assert_eq!(body.matches("<fieldset").count(), criteria.len());
    for id in &criteria {
        for v in ["1", "2", "3", "4", "na"] {
            assert!(
                body.contains(&format!("name=\"{id}\" id=\"{id}-{v}\" value=\"{v}\"")),
                "{id} {v}"
            );
        }
        assert!(body.contains(&format!("name=\"{id}__comment\"")));
    }
    // every criterion customers cannot observe is absent (derived from the rubric)
    let hidden: Vec<String> = app
        .rubric
        .criteria()
        .map(|c| c.id.clone())
        .filter(|id| !criteria.contains(id))
        .collect();
    assert!(
        !hidden.is_empty(),
        "the rubric hides some criteria from customers"
    );
    for id in &hidden {
        assert!(
            !body.contains(&format!("name=\"{id}\"")),
            "{id} is not observable by customers"
        );
    }
    // the full behavioural descriptor labels each level
    let first = app.rubric.criterion(&criteria[0]).expect("criterion");
    assert!(body.contains(&first.descriptors[3].en));
    for f in [
        "name=\"strengths\"",
        "name=\"improvements\"",
        "name=\"action\" value=\"save\"",
        "name=\"action\" value=\"submit\"",
        "/decline",
    ] {
        assert!(body.contains(f), "{f}");
    }
    assert!(
        body.contains("at least 3"),
        "confidentiality note for a customer"
    );
    // no third-party resources: every absolute URL in the page is ours
    assert!(
        !body.contains("http://") && !body.contains("https://"),
        "no absolute URLs"
    );
    assert_eq!(status_of(&app, &l, "c2@client.cn"), "opened");
    // another browser without the cookie cannot use the token-free URL
    let stranger = reqwest::Client::new()
        .get(format!("{}{to}", app.address))
        .send()
        .await
        .expect("get");
    assert_eq!(stranger.status(), 403);
}

async fn language_follows_the_nomination_then_the_switch(app: TestApp) {
    let l = launched_cycle(&app, &standard());
    let first = app
        .client
        .get(format!("{}{}", app.address, l.link("c1@client.cn")))
        .header("accept-language", "en")
        .send()
        .await
        .expect("get");
    let to = first.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let zh = app
        .client
        .get(format!("{}{to}", app.address))
        .header("accept-language", "en")
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("body");
    assert!(
        zh.contains("lang=\"zh-CN\"") && zh.contains("不满意") && zh.contains("不了解/无法评价"),
        "nomination locale wins"
    );
    let (_, _, en) = app
        .open(&format!("{}?lang=en", l.link("c1@client.cn")))
        .await;
    assert!(
        en.contains("lang=\"en\"")
            && en.contains("Not able to judge")
            && en.contains("Unsatisfactory")
    );
    assert!(
        en.contains("?lang=en\""),
        "the form keeps the chosen language"
    );
}

async fn supervisor_and_self_forms_have_every_criterion_and_say_they_are_identifiable(
    app: TestApp,
) {
    let l = launched_cycle(&app, &standard());
    for (rater, words) in [
        ("boss@t.cn", "identifiable"),
        ("kam@t.cn", "self-assessment"),
    ] {
        let (_, s, body) = app.open(&format!("{}?lang=en", l.link(rater))).await;
        assert_eq!(s, 200);
        assert_eq!(body.matches("<fieldset").count(), 19, "{rater}");
        assert!(body.contains(words), "{rater}");
        // the supervisor rates every criterion: no way to decline, the way back home instead
        if rater == "boss@t.cn" {
            assert!(
                !body.contains("I cannot give feedback") && !body.contains("/decline"),
                "{body}"
            );
            assert!(body.contains("Back to your reviews"), "{body}");
        }
    }
    // nor by typing the decline address
    let (_, s, _) = app
        .open(&format!("{}/decline?lang=en", l.link("boss@t.cn")))
        .await;
    assert_ne!(s, 200, "the supervisor's link has no decline page");
}

async fn a_draft_is_saved_and_shown_again(app: TestApp) {
    let l = launched_cycle(&app, &standard());
    let (page, _, body) = app.open(&l.link("c2@client.cn")).await;
    let action = form_action(&body);
    assert_eq!(action, page);
    let ids = customer_criteria(&app);
    let r = app
        .post_form(
            &action,
            &[
                (&ids[0], "3"),
                (&format!("{}__comment", ids[0]), "Very <b>responsive</b>"),
                (&ids[1], "na"),
                ("strengths", "Listens"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    assert!(to.starts_with(&action) && to.contains("saved=1"), "{to}");
    assert!(
        to.ends_with(&format!("#c-{}", ids[2])),
        "back at the next unanswered question: {to}"
    );
    let (s, body) = app.get_text(&to).await;
    assert_eq!(s, 200);
    assert!(body.contains(&format!("id=\"{}-3\" value=\"3\" checked", ids[0])));
    assert!(body.contains(&format!("id=\"{}-na\" value=\"na\" checked", ids[1])));
    assert!(
        body.contains("Very &lt;b&gt;responsive&lt;/b&gt;"),
        "comment kept and escaped"
    );
    assert!(body.contains(">Listens</textarea>"));
    assert!(body.contains("role=\"status\""), "saved notice");
    assert!(
        body.contains("<p class=\"save-status saved\" id=\"save-status\" role=\"status\""),
        "the notice sits in the bar that stays on screen"
    );
    assert_eq!(status_of(&app, &l, "c2@client.cn"), "draft");
    // another device: a fresh browser opening the same emailed link sees the draft too
    let other = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("client");
    let body = other
        .get(format!("{}{}", app.address, l.link("c2@client.cn")))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("body");
    assert!(body.contains(">Listens</textarea>"));
    // and a draft submitted later keeps exactly what was sent last
    let mut pairs = full_answers(&app);
    pairs.push(("strengths".into(), "Final".into()));
    assert_eq!(app.post_raw(&action, encode(&pairs)).await.status(), 303);
    assert_eq!(ratings_count(&app), customer_criteria(&app).len() as i64);
}

async fn submit_with_missing_answers_is_422_and_keeps_everything(app: TestApp) {
    let l = launched_cycle(&app, &standard());
    let link = l.link("c2@client.cn");
    let ids = customer_criteria(&app);
    let r = app
        .post_form(
            &link,
            &[
                (&ids[0], "4"),
                (&format!("{}__comment", ids[1]), "typed but unrated"),
                ("improvements", "More follow-up"),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.expect("body");
    assert!(body.contains(&format!("id=\"{}-4\" value=\"4\" checked", ids[0])));
    assert!(
        body.contains(">typed but unrated</textarea>")
            && body.contains(">More follow-up</textarea>")
    );
    assert_eq!(
        body.matches("class=\"criterion missing\"").count(),
        ids.len() - 1
    );
    assert!(body.contains("id=\"error-summary\""));
    assert_eq!(ratings_count(&app), 0, "nothing stored");
    assert_eq!(status_of(&app, &l, "c2@client.cn"), "pending", "unchanged");
}

async fn submit_then_thanks_then_read_only(app: TestApp) {
    let l = launched_cycle(&app, &standard());
    let link = l.link("c2@client.cn");
    let mut pairs = full_answers(&app);
    pairs.push(("strengths".into(), "SECRET-STRENGTH".into()));
    let r = app.post_raw(&link, encode(&pairs)).await;
    assert_eq!(r.status(), 303);
    let done = r.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    assert_eq!(done, format!("{link}/done"));
    let (s, thanks) = app.get_text(&done).await;
    assert_eq!(s, 200);
    assert!(thanks.contains("Thank you") || thanks.contains("谢谢"));
    assert_eq!(status_of(&app, &l, "c2@client.cn"), "submitted");
    let (_, s, again) = app.open(&link).await;
    assert_eq!(s, 200);
    assert!(
        !again.contains("SECRET-STRENGTH") && !again.contains("<fieldset"),
        "answers not shown again"
    );
    let before = ratings_count(&app);
    let r = app.post_raw(&link, encode(&full_answers(&app))).await;
    assert_eq!(r.status(), 409);
    assert_eq!(ratings_count(&app), before);
}

async fn bad_bodies_are_400_and_store_nothing(app: TestApp) {
    let l = launched_cycle(&app, &standard());
    let link = l.link("c3@client.cn");
    let ids = customer_criteria(&app);
    let long = "x".repeat(2001);
    let cases: Vec<Vec<(String, String)>> = vec![
        vec![
            ("unknown_field".into(), "1".into()),
            ("action".into(), "save".into()),
        ],
        vec![
            ("team_leadership".into(), "3".into()),
            ("action".into(), "save".into()),
        ],
        vec![
            (ids[0].clone(), "5".into()),
            ("action".into(), "save".into()),
        ],
        vec![
            (ids[0].clone(), "0".into()),
            ("action".into(), "submit".into()),
        ],
        vec![
            (format!("{}__comment", ids[0]), long),
            ("action".into(), "save".into()),
        ],
        vec![
            (ids[0].clone(), "3".into()),
            ("action".into(), "publish".into()),
        ],
    ];
    for pairs in cases {
        let r = app.post_raw(&link, encode(&pairs)).await;
        assert_eq!(r.status(), 400, "{pairs:?}");
    }
    let huge = format!("strengths={}&action=save", "a".repeat(65 * 1024));
    assert_eq!(app.post_raw(&link, huge).await.status(), 400);
    assert_eq!(ratings_count(&app), 0);
    assert_eq!(status_of(&app, &l, "c3@client.cn"), "pending", "unchanged");
}

async fn concurrent_submits_exactly_one_wins(app: TestApp) {
    let l = launched_cycle(&app, &standard());
    let link = l.link("p1@t.cn");
    let pairs: Vec<(String, String)> = app
        .rubric
        .criteria_for(Relationship::Peer)
        .map(|c| (c.id.clone(), "3".to_owned()))
        .chain([("action".to_owned(), "submit".to_owned())])
        .collect();
    let body = encode(&pairs);
    let (a, b) = tokio::join!(
        app.post_raw(&link, body.clone()),
        app.post_raw(&link, body.clone())
    );
    let mut codes = vec![a.status().as_u16(), b.status().as_u16()];
    codes.sort();
    assert_eq!(codes, vec![303, 409]);
}

async fn decline_stops_the_link(app: TestApp) {
    let l = launched_cycle(&app, &standard());
    let link = l.link("t1@t.cn");
    let (s, page) = app.get_text(&format!("{link}/decline?lang=en")).await;
    assert_eq!(s, 200);
    assert!(page.contains("name=\"reason\""));
    let r = app
        .post_form(
            &format!("{link}/decline"),
            &[("reason", "I joined last week")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(status_of(&app, &l, "t1@t.cn"), "declined");
    let (_, s, page) = app.open(&format!("{link}?lang=en")).await;
    assert_eq!(s, 200);
    assert!(page.contains("You declined"));
    assert_eq!(
        app.post_form(&link, &[("action", "save")]).await.status(),
        409
    );
}

async fn unknown_revoked_and_closed_links(app: TestApp) {
    let l = launched_cycle(&app, &standard());
    assert_eq!(
        app.get("/r/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
            .await
            .status(),
        404
    );
    assert_eq!(app.get("/r/short").await.status(), 404);
    let revoked = l
        .links
        .iter()
        .find(|x| x.rater_email == "c1@client.cn")
        .expect("link")
        .assignment_id
        .clone();
    app.write(move |c| {
        Ok(db::assignments::transition(
            c,
            &revoked,
            &[
                kam360::domain::status::AssignmentStatus::Invited,
                kam360::domain::status::AssignmentStatus::Pending,
            ],
            kam360::domain::status::AssignmentStatus::Revoked,
            db::now(),
        )?)
    })
    .expect("revoke");
    let (s, page) = app.get_text(&l.link("c1@client.cn")).await;
    assert_eq!(s, 410);
    assert!(
        page.contains("已被管理员撤回"),
        "in the rater's language (zh)"
    );
    close_cycle(&app, &l.cycle_id);
    let link = l.link("c2@client.cn");
    let (s, page) = app.get_text(&format!("{link}?lang=en")).await;
    assert_eq!(s, 410);
    assert!(page.contains("closed") && page.contains(&app.settings.email.contact));
    assert_eq!(
        app.post_raw(&link, encode(&full_answers(&app)))
            .await
            .status(),
        410
    );
    assert_eq!(ratings_count(&app), 0);
}

async fn names_are_escaped(app: TestApp) {
    let n = crate::fixtures::Nominations::new()
        .raw("x@t.cn,<script>alert(1)</script>,boss@t.cn,Boss,c@c.cn,C,customer,en,Org");
    let l = launched_cycle(&app, &n);
    let (_, _, body) = app.open(&l.link("c@c.cn")).await;
    assert!(!body.contains("<script>alert"), "raw markup never echoed");
    assert!(body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
}

async fn cross_site_posts_are_refused(app: TestApp) {
    let l = launched_cycle(&app, &standard());
    let link = l.link("c2@client.cn");
    let r = app
        .client
        .post(format!("{}{link}", app.address))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "cross-site")
        .body("action=save")
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403);
    let r = app
        .client
        .post(format!("{}{link}", app.address))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", "https://evil.example")
        .body("action=save")
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403);
    assert_eq!(status_of(&app, &l, "c2@client.cn"), "pending", "unchanged");
}

async fn form_requests_stay_within_their_statement_budget(app: TestApp) {
    let l = launched_cycle(&app, &standard());
    let (page, _, _) = app.open(&l.link("c2@client.cn")).await;
    app.take_statements();
    assert_eq!(app.get(&page).await.status(), 200);
    let get = app.take_statements();
    assert!(get <= 3, "GET form ran {get} statements");
    let r = app.post_raw(&page, encode(&full_answers(&app))).await;
    assert_eq!(r.status(), 303);
    let submit = app.take_statements();
    assert!(submit <= 5, "submit ran {submit} statements");
    // a draft saved earlier costs no more at submit
    let (page, _, _) = app.open(&l.link("c3@client.cn")).await;
    assert_eq!(
        app.post_form(&page, &[("strengths", "draft"), ("action", "save")])
            .await
            .status(),
        303
    );
    app.take_statements();
    assert_eq!(
        app.post_raw(&page, encode(&full_answers(&app)))
            .await
            .status(),
        303
    );
    let submit = app.take_statements();
    assert!(submit <= 5, "submit after a draft ran {submit} statements");
}

/// The confidentiality promise names the cycle's k (the one its reports apply), even when the
/// configuration has changed since the cycle was created.
async fn the_form_promises_the_cycles_k(app: TestApp) {
    let l = launched_cycle(&app, &standard());
    let cycle_id = l.cycle_id.clone();
    app.write(move |c| {
        use diesel::prelude::*;
        use kam360::db::schema::cycles;
        diesel::update(cycles::table.find(cycle_id))
            .set(cycles::min_group_size.eq(5))
            .execute(c)?;
        Ok(())
    })
    .expect("k = 5");
    let (_, status, body) = app
        .open(&format!("{}?lang=en", l.link("c2@client.cn")))
        .await;
    assert_eq!(status, 200);
    assert!(body.contains("at least 5 people"), "the cycle's k");
    assert!(!body.contains("at least 3"), "not the configured k");
}

both_backends!(
    the_form_promises_the_cycles_k,
    form_requests_stay_within_their_statement_budget,
    form_shows_header_and_only_observable_criteria,
    language_follows_the_nomination_then_the_switch,
    supervisor_and_self_forms_have_every_criterion_and_say_they_are_identifiable,
    a_draft_is_saved_and_shown_again,
    submit_with_missing_answers_is_422_and_keeps_everything,
    submit_then_thanks_then_read_only,
    bad_bodies_are_400_and_store_nothing,
    concurrent_submits_exactly_one_wins,
    decline_stops_the_link,
    unknown_revoked_and_closed_links,
    names_are_escaped,
    cross_site_posts_are_refused,
);

/// The pids of the connections the HTTP workers opened for themselves (`db::pipelined`).
fn workers_own_connections(app: &TestApp) -> Vec<i32> {
    #[derive(diesel::QueryableByName)]
    struct Pid {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        pid: i32,
    }
    app.read(|c| {
        use diesel::RunQueryDsl;
        Ok(diesel::sql_query(
            "SELECT pid FROM pg_stat_activity \
             WHERE datname = current_database() AND application_name = 'kam360 rater lookups'",
        )
        .load::<Pid>(c)?)
    })
    .expect("pg_stat_activity")
    .into_iter()
    .map(|p| p.pid)
    .collect()
}

/// On PostgreSQL the form's lookup runs over the serving worker's own connection. When the
/// database ends those connections (a restart, a failover, an administrator), every rater
/// still gets their page, through the pool, and the worker opens new ones.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_that_loses_its_connections_still_serves_the_form() {
    let Some(app) = crate::helpers::try_spawn_app(crate::helpers::Backend::Postgres).await else {
        return;
    };
    let l = launched_cycle(&app, &standard());
    let (page, _, _) = app.open(&l.link("c2@client.cn")).await;
    for _ in 0..4 {
        assert_eq!(app.get(&page).await.status(), 200);
    }
    let before = workers_own_connections(&app);
    assert!(
        !before.is_empty(),
        "the lookups ran on the workers' own connections"
    );
    // encrypted exactly when the pool's libpq connections are (the same sslmode)
    #[derive(diesel::QueryableByName, Debug, PartialEq)]
    struct Ssl {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        ssl: bool,
    }
    let ssl = |sql: &'static str| {
        app.read(move |c| {
            use diesel::RunQueryDsl;
            Ok(diesel::sql_query(sql).load::<Ssl>(c)?)
        })
        .expect("pg_stat_ssl")
    };
    let libpq = ssl("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
    let own = ssl(
        "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) \
         WHERE a.datname = current_database() AND a.application_name = 'kam360 rater lookups'",
    );
    assert_eq!(libpq.len(), 1);
    assert!(
        !own.is_empty() && own.iter().all(|o| *o == libpq[0]),
        "{own:?} {libpq:?}"
    );
    app.read(|c| {
        use diesel::RunQueryDsl;
        // waits (up to 5 s) until each has ended
        diesel::sql_query(
            "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity \
             WHERE datname = current_database() AND application_name = 'kam360 rater lookups'",
        )
        .execute(c)?;
        Ok(())
    })
    .expect("terminate");
    assert!(workers_own_connections(&app).is_empty());
    for _ in 0..6 {
        let r = app.get(&page).await;
        assert_eq!(r.status(), 200);
        assert!(r.text().await.expect("body").contains("<form"));
    }
    let after = workers_own_connections(&app);
    assert!(!after.is_empty(), "new connections were opened");
    assert!(
        after.iter().all(|p| !before.contains(p)),
        "{before:?} {after:?}"
    );
}

/// A TCP proxy to the test PostgreSQL server. Connections it accepts at or after
/// `silent_from` (unset: none) go silent: what they send is swallowed and the sockets stay
/// open, as over a network path lost without a reset.
struct Proxy {
    url: String,
    accepted: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    silent_from: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

async fn proxy_to(database_url: &str) -> Proxy {
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::sync::Arc;
    use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
    let mut url = url::Url::parse(database_url).expect("database URL");
    let upstream = format!(
        "{}:{}",
        url.host_str().expect("host"),
        url.port().unwrap_or(5432)
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    url.set_host(Some("127.0.0.1")).expect("host");
    url.set_port(Some(port)).expect("port");
    let accepted = Arc::new(AtomicUsize::new(0));
    let silent_from = Arc::new(AtomicUsize::new(usize::MAX));
    let (count, mark) = (accepted.clone(), silent_from.clone());
    async fn pump(
        mut from: impl AsyncRead + Unpin,
        mut to: impl AsyncWrite + Unpin,
        silent: impl Fn() -> bool,
    ) {
        let mut buf = vec![0; 16 * 1024];
        while let Ok(read) = from.read(&mut buf).await {
            if read == 0 || (!silent() && to.write_all(&buf[..read]).await.is_err()) {
                break;
            }
        }
    }
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let n = count.fetch_add(1, SeqCst);
            let server = tokio::net::TcpStream::connect(&upstream)
                .await
                .expect("PostgreSQL");
            let (cr, cw) = client.into_split();
            let (sr, sw) = server.into_split();
            let (m1, m2) = (mark.clone(), mark.clone());
            tokio::spawn(pump(cr, sw, move || n >= m1.load(SeqCst)));
            tokio::spawn(pump(sr, cw, move || n >= m2.load(SeqCst)));
        }
    });
    Proxy {
        url: url.into(),
        accepted,
        silent_from,
    }
}

/// A worker's own connection that stops answering (a peer lost without a reset) costs the
/// raters on that worker one wait, not every request: the lookup gives up on it and the pool
/// serves; a new connection that does not answer either leaves the worker on the pool.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_whose_connection_goes_silent_still_serves_the_form() {
    use std::sync::atomic::Ordering::SeqCst;
    let Some(app) = crate::helpers::try_spawn_app(crate::helpers::Backend::Postgres).await else {
        return;
    };
    let l = launched_cycle(&app, &standard());
    let proxy = proxy_to(&app.database_url).await;
    let proxied = crate::helpers::spawn_at(proxy.url.clone());
    let pool = proxy.accepted.load(SeqCst);
    let (page, _, _) = proxied.open(&l.link("c2@client.cn")).await;
    assert_eq!(proxied.get(&page).await.status(), 200);
    assert!(
        proxy.accepted.load(SeqCst) > pool,
        "the worker opened its own connection"
    );
    // the worker's connection, and any it opens from now on, go silent; the pool's do not
    proxy.silent_from.store(pool, SeqCst);
    // 1: the silent lookup waits its `PATIENCE`, the pool serves; 2: the new connection does
    // not answer either, the pool serves; 3 and 4: the worker rests on the pool, opening none
    for _ in 0..4 {
        let r = proxied.get(&page).await;
        assert_eq!(r.status(), 200);
        assert!(r.text().await.expect("body").contains("<form"));
    }
    assert_eq!(proxy.accepted.load(SeqCst), pool + 2);
}
