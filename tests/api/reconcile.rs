//! Reconciliation end to end: visibility, proposals, rationale rule, optimistic concurrency,
//! sign-off, admin reopen, the audit trail and the report's final levels.

use kam360::actions::report;
use kam360::actions::users::{self, Role};
use kam360::db;

use crate::both_backends;
use crate::fixtures::{first_review, launched_cycle, standard, ClosedReview, Launched};
use crate::helpers::{csrf_of, TestApp};

pub(crate) use crate::fixtures::answer_all_commented as submit;

pub(crate) fn version(page: &str) -> String {
    let at = page.find("name=\"version\" value=\"").expect("version")
        + "name=\"version\" value=\"".len();
    page[at..at + page[at..].find('"').expect("end")].to_owned()
}

/// A closed cycle where everyone answered: customers 4, peers 2 (3 of them), team 3, boss 3, self 4.
pub(crate) async fn closed(app: &TestApp) -> (Launched, kam360::domain::ids::ReviewId) {
    let r = ClosedReview::of(standard())
        .with_customer_comments()
        .answer(&["c1@client.cn", "c2@client.cn", "c3@client.cn"], "4")
        .answer(&["p1@t.cn", "p2@t.cn", "p3@t.cn"], "2")
        .answer(&["t1@t.cn", "t2@t.cn", "t3@t.cn", "boss@t.cn"], "3")
        .answer(&["kam@t.cn"], "4")
        .build(app)
        .await;
    (r.launched, r.review)
}

/// Gives every criterion the same rationale.
pub(crate) fn with_rationale(form: &mut [(String, String)], why: &str) {
    for (k, v) in form.iter_mut() {
        if k.starts_with("rationale__") {
            *v = why.into();
        }
    }
}

/// The second sign-off step: opens the summary the first step led to and confirms it.
pub(crate) async fn confirm_sign_off(
    app: &TestApp,
    client: &reqwest::Client,
    review: &kam360::domain::ids::ReviewId,
) {
    let page = client
        .get(format!("{}/reviews/{review}/signoff?lang=en", app.address))
        .send()
        .await
        .expect("summary")
        .text()
        .await
        .expect("body");
    assert!(page.contains("Sign off and lock"), "{page}");
    let form = [("csrf", csrf_of(&page)), ("version", version(&page))];
    let r = client
        .post(format!("{}/reviews/{review}/signoff", app.address))
        .form(&form)
        .send()
        .await
        .expect("confirm");
    assert_eq!(r.status(), 303, "signed off");
}

pub(crate) fn all_finals(app: &TestApp, page: &str, level: &str) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = vec![
        ("csrf".into(), csrf_of(page)),
        ("version".into(), version(page)),
    ];
    for c in app.rubric.criteria() {
        v.push((format!("final__{}", c.id), level.to_owned()));
        v.push((format!("rationale__{}", c.id), String::new()));
    }
    v
}

async fn results_stay_hidden_until_everyone_answered_or_the_cycle_closed(app: TestApp) {
    let l = launched_cycle(&app, &standard());
    submit(&app, &l, "c1@client.cn", "4").await;
    app.sign_in("boss@t.cn", Role::Supervisor).await;
    let review = first_review(&app, &l.cycle_id);
    let (s, page) = app.get_text(&format!("/reviews/{review}?lang=en")).await;
    assert_eq!(s, 200);
    assert!(page.contains("Results appear when the cycle closes"));
    assert!(
        !page.contains("Comment from a customer"),
        "no comment while answers are arriving"
    );
    assert!(!page.contains("name=\"final__"), "no decisions yet");
}

async fn the_supervisor_reconciles_with_rationales_and_signs_off(app: TestApp) {
    let (l, review) = closed(&app).await;
    app.sign_in("boss@t.cn", Role::Supervisor).await;
    let url = format!("/reviews/{review}?lang=en");
    let (s, page) = app.get_text(&url).await;
    assert_eq!(s, 200);
    assert!(page.contains("Proposed level"), "proposals shown");
    assert!(
        page.contains("Divergent") || page.contains("Low agreement"),
        "flags in words"
    );
    assert!(
        page.contains("Comment from a customer (4)"),
        "comments of a group of 3"
    );
    assert!(
        page.contains("Blind spot") || page.contains("Hidden strength") || page.contains("Self"),
        "gap analysis"
    );
    // relationship_quality: customers 4 ×3, S = 3 → P = 4; choosing 3 needs a rationale
    let mut form = all_finals(&app, &page, "3");
    let r = app
        .post_form(
            &format!("/reviews/{review}"),
            &form
                .iter()
                .map(|(a, b)| (a.as_str(), b.as_str()))
                .chain([("action", "save")])
                .collect::<Vec<_>>(),
        )
        .await;
    assert_eq!(r.status(), 422, "departures need a rationale");
    let body = r.text().await.expect("body");
    assert!(body.contains("Please give a rationale"));
    with_rationale(&mut form, "Observed directly in the Q3 account reviews");
    let pairs: Vec<(&str, &str)> = form
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .chain([("action", "save")])
        .collect();
    let r = app.post_form(&format!("/reviews/{review}"), &pairs).await;
    assert_eq!(r.status(), 303);
    // a second tab with the old version: conflict, nothing overwritten
    let stale: Vec<(String, String)> = form
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                if k.starts_with("final__") {
                    "1".into()
                } else {
                    v.clone()
                },
            )
        })
        .collect();
    let r = app
        .post_form(
            &format!("/reviews/{review}"),
            &stale
                .iter()
                .map(|(a, b)| (a.as_str(), b.as_str()))
                .chain([("action", "save")])
                .collect::<Vec<_>>(),
        )
        .await;
    assert_eq!(r.status(), 409);
    let id = l.cycle_id.clone();
    let rows = app.read(move |c| report::build(c, &id)).expect("report");
    assert!(
        rows.iter().all(|r| r.final_level == Some(3)),
        "final levels in the report"
    );
    // sign off with the current version
    let (_, page) = app.get_text(&url).await;
    assert!(
        page.contains("Observed directly in the Q3 account reviews"),
        "audit trail shows the why"
    );
    let form = all_finals(&app, &page, "3");
    let mut pairs: Vec<(String, String)> = form.clone();
    with_rationale(&mut pairs, "Observed directly in the Q3 account reviews");
    let r = app
        .post_form(
            &format!("/reviews/{review}"),
            &pairs
                .iter()
                .map(|(a, b)| (a.as_str(), b.as_str()))
                .chain([("action", "signoff")])
                .collect::<Vec<_>>(),
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        format!("/reviews/{review}/signoff").as_str(),
        "the first step leads to the summary"
    );
    let (_, page) = app.get_text(&url).await;
    assert!(
        !page.contains("read-only") && page.contains("value=\"signoff\""),
        "nothing is finalized before the confirmation"
    );
    confirm_sign_off(&app, &app.client, &review).await;
    let (_, page) = app.get_text(&url).await;
    assert!(
        page.contains("read-only") && !page.contains("value=\"signoff\""),
        "finalized and locked"
    );
    assert!(
        page.contains("Release the report to") && page.contains("id=\"release-title\""),
        "the release is offered where the sign-off ends"
    );
    let r = app
        .post_form(
            &format!("/reviews/{review}"),
            &pairs
                .iter()
                .map(|(a, b)| (a.as_str(), b.as_str()))
                .chain([("action", "save")])
                .collect::<Vec<_>>(),
        )
        .await;
    assert_eq!(r.status(), 409, "no changes after sign-off");
}

async fn others_get_404_and_forms_need_the_token(app: TestApp) {
    let (_, review) = closed(&app).await;
    assert_eq!(
        app.get(&format!("/reviews/{review}")).await.headers()["location"],
        "/login"
    );
    app.sign_in("other@t.cn", Role::Supervisor).await;
    assert_eq!(app.get(&format!("/reviews/{review}")).await.status(), 404);
    assert_eq!(app.get("/reviews/not-a-uuid").await.status(), 404);
    let fresh = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let boss = app
        .write(|c| users::add(c, "boss@t.cn", "Boss", Role::Supervisor, db::now()))
        .expect("boss");
    fresh
        .post(format!("{}/login", app.address))
        .form(&[("email", "boss@t.cn"), ("password", boss.as_str())])
        .send()
        .await
        .expect("login");
    let page = fresh
        .get(format!("{}/reviews/{review}", app.address))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("body");
    let mut form = all_finals(&app, &page, "3");
    form.retain(|(k, _)| k != "csrf");
    form.push(("action".into(), "save".into()));
    let r = fresh
        .post(format!("{}/reviews/{review}", app.address))
        .form(&form)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403, "no CSRF token, no change");
}

async fn an_admin_reads_and_reopens_with_a_reason(app: TestApp) {
    let (_, review) = closed(&app).await;
    let boss = app
        .write(|c| users::add(c, "boss@t.cn", "Boss", Role::Supervisor, db::now()))
        .expect("boss");
    let sup = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    sup.post(format!("{}/login", app.address))
        .form(&[("email", "boss@t.cn"), ("password", boss.as_str())])
        .send()
        .await
        .expect("login");
    let page = sup
        .get(format!("{}/reviews/{review}", app.address))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("body");
    let mut form = all_finals(&app, &page, "3");
    with_rationale(&mut form, "agreed in calibration");
    form.push(("action".into(), "signoff".into()));
    assert_eq!(
        sup.post(format!("{}/reviews/{review}", app.address))
            .form(&form)
            .send()
            .await
            .expect("post")
            .status(),
        303
    );
    confirm_sign_off(&app, &sup, &review).await;
    app.sign_in("admin@t.cn", Role::Admin).await;
    let (s, page) = app.get_text(&format!("/reviews/{review}?lang=en")).await;
    assert_eq!(s, 200);
    assert!(
        page.contains("Reopen") && !page.contains("value=\"signoff\""),
        "admins read, they do not decide"
    );
    let r = app
        .post_form(
            &format!("/reviews/{review}/reopen"),
            &[("csrf", &csrf_of(&page)), ("reason", "")],
        )
        .await;
    assert_eq!(r.status(), 400, "a reason is required");
    let r = app
        .post_form(
            &format!("/reviews/{review}/reopen"),
            &[("csrf", &csrf_of(&page)), ("reason", "Wrong KAM data")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, page) = app.get_text(&format!("/reviews/{review}?lang=en")).await;
    assert!(
        page.contains("Wrong KAM data") && page.contains("review.reopen"),
        "audited"
    );
}

/// The review's trail names the rater an event concerns to admins only: the supervisor reads
/// that a link was revoked, not whose (who has or has not answered stays confidential, §7).
async fn the_trail_names_a_rater_to_admins_only(app: TestApp) {
    let l = launched_cycle(&app, &standard());
    let id = l.cycle_id.clone();
    app.write(move |c| {
        kam360::actions::links::revoke(c, &id, "kam@t.cn", "c3@client.cn", db::now())
    })
    .expect("revoke");
    let review = first_review(&app, &l.cycle_id);
    let path = format!("/reviews/{review}?lang=en");
    let boss = app.staff("boss@t.cn", Role::Supervisor).await;
    let admin = app.staff("admin@t.cn", Role::Admin).await;
    let read = |client: reqwest::Client| {
        let url = format!("{}{path}", app.address);
        async move {
            let r = client.get(url).send().await.expect("GET");
            r.text().await.expect("body")
        }
    };
    let seen = read(boss.client.clone()).await;
    assert!(seen.contains("Rater’s link revoked"), "{seen}");
    assert!(
        !seen.contains("c3@client.cn"),
        "the supervisor is not told whose"
    );
    let seen = read(admin.client.clone()).await;
    assert!(seen.contains("Rater c3@client.cn (Customer)"), "{seen}");
}

both_backends!(
    the_trail_names_a_rater_to_admins_only,
    results_stay_hidden_until_everyone_answered_or_the_cycle_closed,
    the_supervisor_reconciles_with_rationales_and_signs_off,
    others_get_404_and_forms_need_the_token,
    an_admin_reads_and_reopens_with_a_reason,
);
