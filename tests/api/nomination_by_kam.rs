//! Nomination by the KAM, approval by the supervisor (SPEC §11, mode `kam`): the KAM's link
//! arrives at launch, a refused list keeps what was typed, the supervisor corrects and
//! approves, and the approved raters are invited at once.

use kam360::actions::users::Role;
use kam360::actions::Tx;
use kam360::db;
use kam360::domain::status::AssignmentStatus;

use crate::admin_console::Console;
use crate::both_backends;
use crate::fixtures::Nominations;
use crate::helpers::dispatch_all_pending_emails;
use crate::helpers::link_in_mail;
use crate::helpers::{new_client, read_mail, TestApp};

/// A KAM's list as form fields: `n` people in each group.
fn list(n: usize) -> Vec<(String, String)> {
    let mut f = Vec::new();
    for g in ["customer", "peer", "team"] {
        for i in 0..n {
            f.push((format!("{g}-{i}-name"), format!("{g} person {i}")));
            f.push((format!("{g}-{i}-email"), format!("{g}{i}@example.cn")));
            f.push((format!("{g}-{i}-organization"), format!("{g} org")));
            f.push((format!("{g}-{i}-locale"), "en".into()));
        }
    }
    f
}

async fn post(client: &reqwest::Client, url: String, fields: &[(String, String)]) -> (u16, String) {
    let r = client.post(url).form(fields).send().await.expect("POST");
    let status = r.status().as_u16();
    match r.headers().get("location") {
        Some(to) => (status, to.to_str().expect("ascii").to_owned()),
        None => (status, r.text().await.expect("body")),
    }
}

async fn kams_propose_and_supervisors_approve(app: TestApp) {
    let admin = Console::new(&app).await;
    let id = admin.create("Nominated by KAMs", "kam").await;
    // only the KAMs are uploaded: a rater row is refused with the reason
    let with_rater = Nominations::new()
        .kam("kam@t.cn", "Wang Fang", "boss@t.cn")
        .rater("kam@t.cn", "boss@t.cn", "c1@client.cn", "customer", "en")
        .csv();
    let (s, page) = admin.upload(&id, &with_rater).await;
    assert_eq!(s, 422);
    assert!(
        page.contains("line 4: in this cycle each key account manager proposes"),
        "{page}"
    );
    let self_only = format!(
        "{}\nkam@t.cn,Wang Fang,boss@t.cn,Boss,kam@t.cn,Wang Fang,self,en,\n",
        crate::fixtures::HEADER
    );
    let (s, to) = admin.upload(&id, &self_only).await;
    assert_eq!(s, 303);
    let (_, page) = admin.get(&format!("{to}?lang=en")).await;
    assert!(
        page.contains("2 nominations imported"),
        "the supervisor's row comes with it: {page}"
    );
    let (_, confirm) = admin
        .get(&format!("/admin/cycles/{id}/launch?lang=en"))
        .await;
    assert!(
        confirm.contains("also receives a link to propose their raters"),
        "{confirm}"
    );
    let (s, _) = admin.post(&format!("/admin/cycles/{id}/launch"), &[]).await;
    assert_eq!(s, 303);
    assert_eq!(
        dispatch_all_pending_emails(&app).await.sent,
        3,
        "self, supervisor and the KAM's nomination link"
    );
    let mail = app
        .mail_files()
        .iter()
        .map(|p| read_mail(p))
        .find(|m| m.subject.contains("propose who should give you feedback"))
        .expect("the KAM's nomination email");
    assert_eq!(mail.to, "kam@t.cn");
    println!("{}\n\n{}", mail.subject, mail.text);
    let link = link_in_mail(&mail.text, "/n/");

    // the KAM's page; a short list is refused and kept as typed
    let kam = new_client();
    let r = kam
        .get(format!("{}{link}?lang=en", app.address))
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status(), 200);
    let page = r.text().await.expect("page");
    assert!(page.contains("Propose customers") && page.contains("name=\"customer-2-email\""));
    // a customer's company is asked, and marked required; colleagues and the team are not asked
    assert!(page.contains("name=\"customer-0-organization\""), "{page}");
    assert!(
        !page.contains("name=\"peer-0-organization\"")
            && !page.contains("name=\"team-0-organization\"")
    );
    assert!(
        page.contains("Company<span class=\"required\">(required)</span>"),
        "{page}"
    );
    let url = format!("{}{link}?lang=en", app.address);
    let mut short = list(3);
    short.retain(|(k, _)| !k.starts_with("team-2-"));
    let (s, page) = post(&kam, url.clone(), &short).await;
    assert_eq!(s, 422);
    assert!(
        page.contains("List at least 3 account team members."),
        "{page}"
    );
    assert!(page.contains("value=\"customer2@example.cn\""), "kept");
    // "add a row" saves nothing and keeps everything
    let mut more = short.clone();
    more.push(("more".into(), "customer".into()));
    let (s, page) = post(&kam, url.clone(), &more).await;
    assert_eq!(s, 200);
    assert!(page.contains("name=\"customer-3-email\""));
    // the KAM themselves cannot be on the list
    let mut me = list(3);
    me[1].1 = "KAM@t.cn".into();
    let (s, page) = post(&kam, url.clone(), &me).await;
    assert_eq!(s, 422);
    assert!(page.contains("they cannot be proposed"));
    let (s, to) = post(&kam, url.clone(), &list(3)).await;
    assert_eq!(s, 303, "{to}");
    let (_, page) = admin.get(&format!("/admin/cycles/{id}?lang=en")).await;
    assert!(
        page.contains(">proposed<"),
        "the admin sees where the KAM stands"
    );

    // another supervisor sees nothing; the KAM's supervisor corrects and approves
    let other = app.staff("other@t.cn", Role::Supervisor).await;
    let review = {
        let id = id.clone();
        app.read(move |c| Ok(db::reviews::list_for_cycle(c, &id)?.remove(0).review.id))
            .expect("review")
    };
    let r = other
        .client
        .get(format!("{}/reviews/{review}/nominations", app.address))
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status(), 404);
    // the KAM and their supervisor answer before the list is approved: the review is not
    // "everyone answered", its results stay hidden and its raters open (SPEC §7)
    {
        let review = review.clone();
        app.write(move |c| {
            use diesel::prelude::*;
            use kam360::db::schema::assignments;
            diesel::update(assignments::table.filter(assignments::review_id.eq(review)))
                .set(assignments::status.eq(AssignmentStatus::Submitted))
                .execute(c)?;
            Ok(())
        })
        .expect("self and supervisor answered");
    }
    let (s, t) = (app.settings.clone(), app.templates.clone());
    app.write(move |c| {
        kam360::actions::schedule::due_work(Tx(
            c,
            kam360::actions::Mail::new(&t, &s),
            None,
            db::now(),
        ))
    })
    .expect("due work");
    let latched = {
        let review = review.clone();
        app.read(move |c| {
            Ok(db::reviews::find(c, &review)?
                .expect("review")
                .listing
                .review
                .results_visible_at)
        })
        .expect("review")
    };
    assert_eq!(latched, None, "the results wait for the approved raters");
    let boss = app.staff("boss@t.cn", Role::Supervisor).await;
    let home = boss
        .client
        .get(format!("{}/?lang=en", app.address))
        .send()
        .await
        .expect("home")
        .text()
        .await
        .expect("body");
    assert!(home.contains("Review the proposed raters"), "{home}");
    let mut corrected = list(3);
    corrected[1].1 = "customer0.right@example.cn".into();
    corrected.push(("csrf".into(), boss.csrf.clone()));
    corrected.push(("action".into(), "approve".into()));
    let (s, to) = post(
        &boss.client,
        format!("{}/reviews/{review}/nominations", app.address),
        &corrected,
    )
    .await;
    assert_eq!(s, 303);
    let page = boss
        .client
        .get(format!("{}{to}?lang=en", app.address))
        .send()
        .await
        .expect("GET")
        .text()
        .await
        .expect("page");
    assert!(page.contains("9 raters were invited"), "{page}");
    let rows = {
        let review = review.clone();
        app.read(move |c| Ok(db::assignments::list_for_review(c, &review)?))
            .expect("rows")
    };
    assert_eq!(rows.len(), 11);
    assert!(rows
        .iter()
        .any(|a| a.rater_email == "customer0.right@example.cn"));
    assert!(!rows.iter().any(|a| a.rater_email == "customer0@example.cn"));
    assert_eq!(
        dispatch_all_pending_emails(&app).await.sent,
        9,
        "invited at once"
    );
    assert!(rows
        .iter()
        .all(|a| a.assignment.status != AssignmentStatus::Revoked));
    // the KAM's list is now read-only
    let (s, page) = post(&kam, url, &list(4)).await;
    assert_eq!(s, 409);
    assert!(page.contains("already been approved"));
    let (_, audit) = admin.get(&format!("/admin/audit?cycle={id}&lang=en")).await;
    assert!(audit.contains("proposal.save") && audit.contains("proposal.approve"));
}

both_backends!(kams_propose_and_supervisors_approve);
