//! The three ways to reveal a confidential rater found in issue 10, replayed against the real
//! actions, pages and exports (SPEC §6, §7 as amended 2026-12-01). Each failed on the code
//! before the amendment.

use kam360::actions::users::Role;
use kam360::actions::Tx;
use kam360::actions::{links, nominations, outbox, report, schedule};
use kam360::db;

use crate::both_backends;
use crate::fixtures::{
    answer_all, close_cycle, launched_cycle, standard, ClosedReview, Launched, Nominations,
};
use crate::helpers::dispatch_all_pending_emails;
use crate::helpers::TestApp;

fn report_rows(
    app: &TestApp,
    cycle: &kam360::domain::ids::CycleId,
) -> Vec<kam360::domain::formats::export::ReportRow> {
    let id = cycle.clone();
    app.read(move |c| report::build(c, &id)).expect("report")
}

fn due_work(app: &TestApp) {
    let (s, t) = (app.settings.clone(), app.templates.clone());
    app.write(move |c| {
        schedule::due_work(Tx(c, kam360::actions::Mail::new(&t, &s), None, db::now()))
    })
    .expect("due work");
}

/// The criteria part of the reconciliation page (everything the page derives from answers).
fn criteria_section(page: &str) -> String {
    let start = page.find("<article").expect("criteria");
    let end = start + page[start..].find("</form>").expect("end of the form");
    page[start..end].to_owned()
}

/// Attack 1: one customer per KAM, supervisor at 3 everywhere. Before the amendment the
/// proposal and the `divergent` flag decoded the customer's level on 9 of 9 criteria.
async fn a_lone_customer_cannot_be_decoded(app: TestApp) {
    let n = Nominations::new()
        .kam("a@t.cn", "Kam A", "boss-a@t.cn")
        .rater("a@t.cn", "boss-a@t.cn", "ca@client.cn", "customer", "en")
        .kam("b@t.cn", "Kam B", "boss-b@t.cn")
        .rater("b@t.cn", "boss-b@t.cn", "cb@client.cn", "customer", "en");
    let l = ClosedReview::of(n)
        .answer(&["ca@client.cn"], "1")
        .answer(&["cb@client.cn"], "4")
        .answer(&["a@t.cn", "b@t.cn", "boss-a@t.cn", "boss-b@t.cn"], "3")
        .build(&app)
        .await
        .launched;

    // the report: every field but the KAM's name and email is the same for both
    let rows = report_rows(&app, &l.cycle_id);
    let of = |kam: &str| -> Vec<_> {
        rows.iter()
            .filter(|r| r.subject_email == kam)
            .map(|r| (r.criterion_id.clone(), r.figures.clone(), r.final_level))
            .collect()
    };
    assert_eq!(of("a@t.cn").len(), 19);
    assert_eq!(
        of("a@t.cn"),
        of("b@t.cn"),
        "a hidden customer moved the report"
    );
    let rq = rows
        .iter()
        .find(|r| r.criterion_id == "relationship_quality")
        .expect("row");
    assert_eq!(
        rq.figures.proposed_level,
        Some(3),
        "P = S while M is absent"
    );
    assert_eq!(rq.figures.flags, "thin_evidence");
    let csv = kam360::domain::formats::export::to_csv(&rows).expect("csv");
    let body = |kam: &str| -> Vec<String> {
        csv.lines()
            .filter(|line| line.starts_with(kam))
            .map(|line| line.splitn(3, ',').nth(2).unwrap_or("").to_owned())
            .collect()
    };
    assert_eq!(body("a@t.cn"), body("b@t.cn"));

    // the reconciliation page, as an admin sees both: proposals, flags, texts all the same
    app.sign_in("admin@t.cn", Role::Admin).await;
    let reviews = app
        .read(move |c| Ok(db::reviews::list_for_cycle(c, &l.cycle_id)?))
        .expect("reviews");
    let mut sections = Vec::new();
    for r in &reviews {
        let (status, page) = app.get_text(&format!("/reviews/{}", r.review.id)).await;
        assert_eq!(status, 200);
        // an admin reads each supervisor by name: the one difference by construction
        sections.push(criteria_section(&page).replace("boss-a@t.cn", "boss-b@t.cn"));
    }
    assert_eq!(sections.len(), 2);
    assert_eq!(sections[0], sections[1], "a hidden customer moved the page");
    assert!(sections[0].contains("fewer than 3 other raters gave a level"));
}

/// Attack 2: 3 of 4 customers answered → revoke the fourth (visible, n = 3) → reissue (hidden
/// again) → the fourth answers (visible, n = 4): the difference was that rater's answers. Now
/// the first visibility freezes the review and every later step is refused.
async fn revoke_then_reissue_cannot_isolate_a_rater(app: TestApp) {
    let mut n = Nominations::new().kam("kam@t.cn", "Wang Fang", "boss@t.cn");
    for i in 1..=4 {
        n = n.rater(
            "kam@t.cn",
            "boss@t.cn",
            &format!("c{i}@client.cn"),
            "customer",
            "en",
        );
    }
    let l = launched_cycle(&app, &n);
    for c in ["c1@client.cn", "c2@client.cn", "c3@client.cn"] {
        answer_all(&app, &l, c, "2").await;
    }
    answer_all(&app, &l, "kam@t.cn", "3").await;
    answer_all(&app, &l, "boss@t.cn", "3").await;
    let hidden = report_rows(&app, &l.cycle_id);
    assert!(
        hidden.iter().all(|r| r.figures.others_n.is_none()),
        "3 of 4"
    );

    let (s, t, id) = (
        app.settings.clone(),
        app.templates.clone(),
        l.cycle_id.clone(),
    );
    let revoke = {
        let id = id.clone();
        move |c: &mut db::AnyConnection| {
            links::revoke(c, &id, "kam@t.cn", "c4@client.cn", db::now())
        }
    };
    app.write(revoke).expect("revoke");
    let shown = report_rows(&app, &l.cycle_id);
    let rq = |rows: &[kam360::domain::formats::export::ReportRow]| {
        rows.iter()
            .find(|r| r.criterion_id == "relationship_quality")
            .expect("row")
            .figures
            .clone()
    };
    assert_eq!(
        rq(&shown).others_n,
        Some(3),
        "visible once the last link is revoked"
    );

    // the latch closed in the revoke's transaction, with when and why in the audit trail
    let review = app
        .read({
            let id = id.clone();
            move |c| Ok(db::reviews::list_for_cycle(c, &id)?.remove(0).review)
        })
        .expect("review");
    assert!(review.results_visible_at.is_some());
    let events = app
        .read({
            let rid = review.id.clone();
            move |c| Ok(db::audit::for_review(c, &rid)?)
        })
        .expect("audit");
    let latch = events
        .iter()
        .find(|x| x.event.action == "review.results_visible")
        .expect("the latch is audited");
    assert_eq!(
        latch.event.rationale.as_deref(),
        Some("everyone_answered"),
        "the reason is a code; pages say it in words"
    );

    // reissuing the revoked link is refused, with a clear reason
    let reissue = {
        let (s, t, id) = (s.clone(), t.clone(), id.clone());
        move |c: &mut db::AnyConnection| {
            links::reissue(
                Tx(c, kam360::actions::Mail::new(&t, &s), None, db::now()),
                &id,
                "kam@t.cn",
                "c4@client.cn",
            )
        }
    };
    let err = app.write(reissue).expect_err("refused").to_string();
    assert!(err.contains("already visible"), "{err}");
    // so is adding a rater (the 7-of-7 variant of the attack), naming the line
    let csv = Nominations::new()
        .rater("kam@t.cn", "boss@t.cn", "c5@client.cn", "customer", "en")
        .csv();
    let import = move |c: &mut db::AnyConnection| {
        nominations::import(
            Tx(c, kam360::actions::Mail::new(&t, &s), None, db::now()),
            &id,
            csv.as_bytes(),
        )
    };
    let err = app.write(import).expect_err("refused").to_string();
    assert!(
        err.contains("line 2: the results of kam@t.cn's review are already visible"),
        "{err}"
    );
    assert_eq!(report_rows(&app, &l.cycle_id), shown, "nothing changed");

    // the supervisor hears once, however often the scheduler looks
    due_work(&app);
    due_work(&app);
    let ready = app
        .read(|c| Ok(db::outbox::list(c, None)?))
        .expect("outbox")
        .into_iter()
        .filter(|m| m.kind == kam360::email::Kind::SupervisorReady)
        .count();
    assert_eq!(ready, 1);
}

/// Everyone answered, so the results are visible before any scheduler pass recorded it: an
/// import is refused already, and the pass then closes the latch for good.
async fn a_visible_review_takes_no_new_rater(app: TestApp) {
    let l = launched_cycle(&app, &standard());
    for rater in l
        .links
        .iter()
        .map(|x| x.rater_email.clone())
        .collect::<Vec<_>>()
    {
        answer_all(&app, &l, &rater, "3").await;
    }
    let (s, t, id) = (
        app.settings.clone(),
        app.templates.clone(),
        l.cycle_id.clone(),
    );
    let csv = Nominations::new()
        .rater("kam@t.cn", "boss@t.cn", "c9@client.cn", "customer", "en")
        .csv();
    let import = {
        let (s, t, id) = (s.clone(), t.clone(), id.clone());
        move |c: &mut db::AnyConnection| {
            nominations::import(
                Tx(c, kam360::actions::Mail::new(&t, &s), None, db::now()),
                &id,
                csv.as_bytes(),
            )
            .map(|_| ())
        }
    };
    let err = app.write(import.clone()).expect_err("refused").to_string();
    assert!(err.contains("already visible"), "{err}");
    due_work(&app);
    let latched = app
        .read(move |c| Ok(db::reviews::list_for_cycle(c, &id)?.remove(0).review))
        .expect("review")
        .results_visible_at;
    assert!(latched.is_some(), "the scheduler pass closes the latch");
    assert!(app.write(import).is_err(), "still refused");
}

both_backends!(
    a_lone_customer_cannot_be_decoded,
    revoke_then_reissue_cannot_isolate_a_rater,
    a_visible_review_takes_no_new_rater,
);

/// The token of a link URL.
fn token(link: &str) -> String {
    link.rsplit('/').next().expect("token").to_owned()
}

/// Every `/r/…` token in a received message's text part.
fn tokens_in(data: &str) -> Vec<String> {
    let text = mail_parser::MessageParser::default()
        .parse(data.as_bytes())
        .and_then(|m| m.body_text(0).map(|t| t.into_owned()))
        .unwrap_or_default();
    text.match_indices("/r/")
        .map(|(i, _)| {
            text[i + 3..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect::<String>()
        })
        .collect()
}

/// Whether `token` can be read in `bytes` as stored: plain, in a quoted-printable body (soft
/// line breaks) or in a base64 body (any alignment, line breaks removed), or in part in a
/// packed body: LZ4 keeps a token it has not seen before as literal bytes, in at most two
/// pieces where a soft line break fell inside it, so any 16 of its characters in a row count
/// (a chance match of 16 random base64url characters is out of reach).
fn readable(bytes: &[u8], token: &str) -> bool {
    use base64::Engine;
    let strip = |pattern: &[u8]| -> Vec<u8> {
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i..].starts_with(pattern) {
                i += pattern.len();
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        out
    };
    let haystacks = [bytes.to_vec(), strip(b"=\r\n"), strip(b"\r\n")];
    let mut needles: Vec<Vec<u8>> = token.as_bytes().windows(16).map(<[u8]>::to_vec).collect();
    for shift in 0..3 {
        let mut padded = vec![0u8; shift];
        padded.extend_from_slice(token.as_bytes());
        let encoded = base64::engine::general_purpose::STANDARD.encode(&padded);
        // the characters that depend only on the token's own bytes
        needles.push(encoded.as_bytes()[4..encoded.len() - 4].to_vec());
    }
    haystacks.iter().any(|h| {
        needles
            .iter()
            .any(|n| h.windows(n.len()).any(|w| w == n.as_slice()))
    })
}

fn assert_nowhere_at_rest(app: &TestApp, tokens: &[String], when: &str) {
    let bytes = app.database_bytes();
    assert!(!bytes.is_empty());
    for t in tokens {
        assert!(
            !readable(&bytes, t),
            "{when}: a live link's token is readable in the database files"
        );
    }
}

/// Attack 3: live links at rest. After delivery, after a permanent failure and after a
/// revoke purged an unsent message, no token of any link is left in the SQLite file or WAL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_live_link_is_left_in_the_database_file() {
    let (server, app) = crate::email::refusing("c1@client.cn", 2).await;
    let l: Launched = launched_cycle(&app, &standard());
    let issued: Vec<String> = l.links.iter().map(|x| token(&x.link)).collect();
    assert_eq!(issued.len(), 11);
    // the scan finds a queued message's link (it is stored until delivered)
    let queued = app.database_bytes();
    assert!(
        issued.iter().all(|t| readable(&queued, t)),
        "the scan sees queued links"
    );
    let r = dispatch_all_pending_emails(&app).await;
    assert_eq!((r.sent, r.failed), (10, 1), "c1 refused with 550");
    assert_nowhere_at_rest(&app, &issued, "after delivery and a permanent failure");

    // the admin's retry issues a fresh link; the undelivered old one is dead
    server.script.lock().expect("lock").reject_rcpt.clear();
    let (s, t) = (app.settings.clone(), app.templates.clone());
    let retried = app
        .write(move |c| {
            outbox::retry(
                Tx(c, kam360::actions::Mail::new(&t, &s), None, db::now()),
                None,
            )
        })
        .expect("retry");
    assert_eq!((retried.relinked, retried.requeued), (1, 0));
    assert_eq!(app.get(&l.link("c1@client.cn")).await.status(), 404);
    let r = dispatch_all_pending_emails(&app).await;
    assert_eq!(r.sent, 1);
    let fresh = server
        .messages()
        .into_iter()
        .filter(|m| m.rcpt.iter().any(|x| x == "c1@client.cn"))
        .flat_map(|m| tokens_in(&m.data))
        .collect::<Vec<_>>();
    assert_eq!(fresh.len(), 1, "one fresh link, delivered once");
    let (_, status, _) = app.open(&format!("/r/{}", fresh[0])).await;
    assert_eq!(status, 200, "the fresh link works");
    assert_nowhere_at_rest(&app, &fresh, "after the retried message was delivered");

    // an unsent invitation purged by a revoke leaves nothing behind either
    let (s, t, id) = (
        app.settings.clone(),
        app.templates.clone(),
        l.cycle_id.clone(),
    );
    let csv = Nominations::new()
        .rater("kam@t.cn", "boss@t.cn", "c4@client.cn", "customer", "en")
        .csv();
    let (_, new_links) = app
        .write(move |c| {
            nominations::import(
                Tx(c, kam360::actions::Mail::new(&t, &s), None, db::now()),
                &id,
                csv.as_bytes(),
            )
        })
        .expect("import");
    let id = l.cycle_id.clone();
    app.write(move |c| links::revoke(c, &id, "kam@t.cn", "c4@client.cn", db::now()))
        .expect("revoke");
    app.db.scrub().await.expect("scrub");
    let purged: Vec<String> = new_links.iter().map(|x| token(&x.link)).collect();
    assert_eq!(purged.len(), 1);
    assert_nowhere_at_rest(&app, &purged, "after a revoke purged an unsent message");
}

/// SPEC §14 retention, and issue 10's "after a purge": an archived cycle's answers and
/// comments are deleted and leave no bytes in the files; the final levels stay.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_purge_keeps_final_levels_and_leaves_no_answer_behind() {
    use kam360::actions::retention;
    let app = crate::helpers::spawn_app().await;
    let l = launched_cycle(&app, &standard());
    let secret = format!("PURGE-ME-{}", uuid::Uuid::new_v4().simple());
    let criterion = app.rubric.criteria().next().expect("criterion").id.clone();
    let mut pairs: Vec<(String, String)> = app
        .rubric
        .criteria_for(kam360::domain::relationship::Relationship::Customer)
        .map(|c| (c.id.clone(), "4".to_owned()))
        .collect();
    pairs.push((format!("{criterion}__comment"), secret.clone()));
    pairs.push(("strengths".into(), format!("{secret}-strengths")));
    pairs.push(("action".into(), "submit".into()));
    let body = serde_urlencoded::to_string(&pairs).expect("encode");
    assert_eq!(
        app.post_raw(&l.link("c1@client.cn"), body).await.status(),
        303
    );
    close_cycle(&app, &l.cycle_id);
    let review = app
        .read({
            let id = l.cycle_id.clone();
            move |c| Ok(db::reviews::list_for_cycle(c, &id)?.remove(0).review)
        })
        .expect("review");
    let (rid, cid) = (review.id.clone(), criterion.clone());
    let boss = app
        .read(|c| Ok(db::people::find_by_email(c, "boss@t.cn")?.expect("boss").id))
        .expect("boss");
    app.write(move |c| {
        db::decisions::put(
            c,
            &db::decisions::DecisionRow {
                review_id: rid,
                criterion_id: cid,
                proposed_level: Some(4),
                final_level: Some(3),
                rationale: "seen in the QBR".into(),
                decided_by: boss,
                decided_at: db::now(),
            },
        )?;
        Ok(())
    })
    .expect("decision");
    let id = l.cycle_id.clone();
    let refused = app
        .write(move |c| retention::purge_keep_final(c, &id, db::now()))
        .expect_err("a closed cycle is archived first");
    assert!(
        refused.to_string().contains("archive it first"),
        "{refused}"
    );
    let before = app.database_bytes();
    assert!(
        before.windows(secret.len()).any(|w| w == secret.as_bytes()),
        "the scan sees the comment before the purge"
    );
    let id = l.cycle_id.clone();
    let purged = app
        .write(move |c| {
            retention::archive(c, &id, db::now())?;
            retention::purge_keep_final(c, &id, db::now())
        })
        .expect("purge");
    assert!(purged.ratings > 0 && purged.responses > 0, "{purged:?}");
    app.db.scrub().await.expect("scrub");
    let after = app.database_bytes();
    assert!(
        !after.windows(secret.len()).any(|w| w == secret.as_bytes()),
        "a purged comment is readable in the database files"
    );
    // the final level and its rationale stay, and the report still carries it
    let rows = report_rows(&app, &l.cycle_id);
    let row = rows
        .iter()
        .find(|r| r.criterion_id == criterion)
        .expect("row");
    assert_eq!(row.final_level, Some(3));
    assert!(
        rows.iter().all(|r| r.figures.others_n.is_none()),
        "no answer is left"
    );
}
