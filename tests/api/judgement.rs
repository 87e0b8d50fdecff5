//! A judgement people can trust (issue 20): where a review stands reads right on the home page,
//! sign-off is two steps and ends at the release, flags and figures explain themselves to
//! their reader, raters are told where their comments go, and the "ready" email fits a review
//! nobody answered.

use kam360::actions::users::Role;
use kam360::db;

use crate::both_backends;
use crate::email::smtp;
use crate::fixtures::{
    answer_all, first_review, launched_cycle, standard, ClosedReview, Nominations,
};
use crate::helpers::dispatch_all_pending_emails;
use crate::helpers::{csrf_of, try_spawn_app_with, Backend, TestApp};
use crate::reconcile::{all_finals, closed, confirm_sign_off, version, with_rationale};
use crate::smtp_server::SmtpServer;

/// The section of the supervisor's home that lists one stage's reviews.
fn section<'a>(home: &'a str, stage: &str) -> Option<&'a str> {
    let at = home.find(&format!("<section class=\"review-group\" id=\"{stage}\""))?;
    let rest = &home[at..];
    Some(&rest[..rest.find("</section></section>").unwrap_or(rest.len())])
}

async fn the_home_says_where_each_review_stands(app: TestApp) {
    let l = launched_cycle(&app, &standard());
    app.sign_in("boss@t.cn", Role::Supervisor).await;
    let (_, home) = app.get_text("/?lang=en").await;
    assert!(
        section(&home, "collecting").is_some(),
        "collecting at first"
    );
    // everyone answers: ready at once, before any scheduler pass latches the results
    for x in &l.links {
        answer_all(&app, &l, &x.rater_email, "3").await;
    }
    let (_, home) = app.get_text("/?lang=en").await;
    assert!(
        section(&home, "ready").is_some_and(|s| s.contains("Wang Fang")),
        "a review everyone answered reads as ready: {home}"
    );
    assert!(section(&home, "collecting").is_none());
    let review = first_review(&app, &l.cycle_id);
    let (_, page) = app.get_text(&format!("/reviews/{review}?lang=en")).await;
    assert!(
        page.contains("<dd>Ready to reconcile</dd>"),
        "and on its page"
    );
    // signed off, not yet released: said, with the way to the release
    let mut form = all_finals(&app, &page, "3");
    with_rationale(&mut form, "as discussed");
    form.push(("action".into(), "signoff".into()));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    assert_eq!(
        app.post_form(&format!("/reviews/{review}"), &pairs)
            .await
            .status(),
        303
    );
    confirm_sign_off(&app, &app.client, &review).await;
    let (_, home) = app.get_text("/?lang=en").await;
    let signed = section(&home, "signed_off").expect("signed off, not yet released");
    assert!(signed.contains("Signed off — not yet released"));
    assert!(signed.contains(&format!("href=\"/reviews/{review}#release-title\"")));
    // released from the review page itself, and back to it
    let (_, page) = app.get_text(&format!("/reviews/{review}?lang=en")).await;
    let r = app
        .post_form(
            &format!("/reviews/{review}/release?from=review"),
            &[("csrf", &csrf_of(&page))],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        format!("/reviews/{review}?released=1#release-title").as_str()
    );
    let (_, home) = app.get_text("/?lang=en").await;
    assert!(section(&home, "released").is_some(), "released");
    assert!(section(&home, "signed_off").is_none());
}

async fn sign_off_shows_a_summary_and_only_the_confirmation_locks(app: TestApp) {
    let (_, review) = closed(&app).await;
    app.sign_in("boss@t.cn", Role::Supervisor).await;
    let url = format!("/reviews/{review}?lang=en");
    let (_, page) = app.get_text(&url).await;
    assert!(page.contains("Sign off…"));
    // customers 4 ×3 and S = 3 on relationship_quality: P = 4; keep 3 with a reason
    let mut form = all_finals(&app, &page, "3");
    with_rationale(&mut form, "Seen in the Q3 reviews");
    form.push(("action".into(), "signoff".into()));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let r = app.post_form(&format!("/reviews/{review}"), &pairs).await;
    assert_eq!(r.status(), 303);
    let (s, summary) = app
        .get_text(&format!("/reviews/{review}/signoff?lang=en"))
        .await;
    assert_eq!(s, 200);
    assert!(summary.contains("Final levels that depart from the proposal"));
    assert!(
        summary.contains("Seen in the Q3 reviews"),
        "with their reasons"
    );
    assert!(summary.contains("Quality of customer relationship"));
    // a stale confirmation (someone saved since) finalizes nothing
    let stale = [("csrf", csrf_of(&summary)), ("version", "0".to_owned())];
    let r = app
        .post_form(
            &format!("/reviews/{review}/signoff"),
            &stale
                .iter()
                .map(|(a, b)| (*a, b.as_str()))
                .collect::<Vec<_>>(),
        )
        .await;
    assert_eq!(r.status(), 409);
    let (_, page) = app.get_text(&url).await;
    assert!(!page.contains("read-only"), "not finalized");
    // a forged confirmation: refused
    let r = app
        .post_form(
            &format!("/reviews/{review}/signoff"),
            &[("csrf", "forged"), ("version", &version(&summary))],
        )
        .await;
    assert_eq!(r.status(), 403);
    confirm_sign_off(&app, &app.client, &review).await;
    let (_, page) = app.get_text(&url).await;
    assert!(page.contains("read-only"));
    assert!(page.contains("Signed off") || page.contains("signed off"));
    // after sign-off the summary leads back to the review
    let r = app.get(&format!("/reviews/{review}/signoff")).await;
    assert_eq!(r.status(), 303);
    // the audit trail has one sign-off
    let id = review.clone();
    let events = app
        .read(move |c| Ok(db::audit::for_review(c, &id)?))
        .expect("audit");
    assert_eq!(
        events
            .iter()
            .filter(|x| x.event.action == "review.signoff")
            .count(),
        1
    );
    // an admin cannot sign off for the supervisor
    app.sign_in("admin@t.cn", Role::Admin).await;
    assert_eq!(
        app.get(&format!("/reviews/{review}/signoff"))
            .await
            .status(),
        404
    );
}

async fn without_a_proposal_a_level_needs_no_reason(app: TestApp) {
    // nobody answered and the supervisor did not rate: no proposal anywhere
    let review = ClosedReview::of(standard()).build(&app).await.review;
    app.sign_in("boss@t.cn", Role::Supervisor).await;
    let (_, page) = app.get_text(&format!("/reviews/{review}?lang=en")).await;
    let mut form = all_finals(&app, &page, "2");
    form.push(("action".into(), "signoff".into()));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let r = app.post_form(&format!("/reviews/{review}"), &pairs).await;
    assert_eq!(
        r.status(),
        303,
        "no rationale asked where there is no proposal"
    );
    let (_, summary) = app
        .get_text(&format!("/reviews/{review}/signoff?lang=en"))
        .await;
    assert!(summary.contains("Criteria without a proposed level (your level alone) (19)"));
}

async fn a_refused_sign_off_points_at_the_first_field(app: TestApp) {
    let (_, review) = closed(&app).await;
    app.sign_in("boss@t.cn", Role::Supervisor).await;
    let (_, page) = app.get_text(&format!("/reviews/{review}?lang=en")).await;
    let mut form = all_finals(&app, &page, "1");
    form.push(("action".into(), "signoff".into()));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let r = app.post_form(&format!("/reviews/{review}"), &pairs).await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.expect("body");
    let first = app.rubric.criteria().next().expect("criterion").id.clone();
    assert!(
        body.contains(&format!("<textarea name=\"rationale__{first}\" id=\"rationale__{first}\" rows=\"2\" maxlength=\"2000\" autofocus aria-invalid=\"true\" aria-describedby=\"err-{first} hint-{first}\">")),
        "the first refused field has focus, is invalid and says why: {body}"
    );
    assert_eq!(body.matches(" autofocus").count(), 1, "one field has focus");
    assert!(body.contains(&format!("<p class=\"field-error\" id=\"err-{first}\">")));
}

async fn flags_and_figures_explain_themselves_to_their_reader(app: TestApp) {
    let (_, review) = closed(&app).await;
    // customers 4, peers 2, team 3: product_service_knowledge's pool {4,4,4,2,2,2,3,3,3}
    // has a standard deviation of 0.82: low agreement
    app.sign_in("boss@t.cn", Role::Supervisor).await;
    let (_, page) = app.get_text(&format!("/reviews/{review}?lang=en")).await;
    assert!(page.contains("Low agreement: the other raters' levels are widely spread"));
    assert!(page.contains("Supervisor (you)"));
    let (_, report) = app
        .get_text(&format!("/reviews/{review}/report?lang=zh"))
        .await;
    assert!(
        report.contains("提示的含义"),
        "the legend under the overview"
    );
    assert!(report.contains("意见分歧：其他评估人的等级较为分散"));
    assert!(
        !report.contains("如何阅读本报告"),
        "the KAM's guide is the KAM's"
    );
    // an admin reads the supervisor by name, and the flags in the third person
    app.sign_in("admin@t.cn", Role::Admin).await;
    let (_, page) = app.get_text(&format!("/reviews/{review}?lang=en")).await;
    assert!(page.contains("Supervisor (Supervisor boss@t.cn)"));
    assert!(!page.contains("Supervisor (you)"));
    assert!(page.contains("Low agreement: the other raters' levels are widely spread"));
    assert!(!page.contains("your own level"));
}

async fn raters_read_where_their_comments_go_before_typing(app: TestApp) {
    let l = launched_cycle(&app, &standard());
    let page = app
        .open(&format!("{}?lang=en", l.link("c2@client.cn")))
        .await
        .2;
    let notice = page
        .find("Comments reach the supervisor of Wang Fang and, after release, Wang Fang word for word, without your name.")
        .expect("the notice beside the confidentiality note");
    let first_box = page.find("<textarea").expect("a comment box");
    assert!(notice < first_box, "said before anything is typed");
    assert!(page.contains("Read word for word, without your name, by the supervisor"));
    let page = app.open(&format!("{}?lang=zh", l.link("t1@t.cn"))).await.2;
    assert!(page.contains("评语会原文转给 Wang Fang 的主管"));
    // the supervisor's own form is identifiable and says nothing of the kind
    let page = app
        .open(&format!("{}?lang=en", l.link("boss@t.cn")))
        .await
        .2;
    assert!(!page.contains("word for word"));
}

both_backends!(
    the_home_says_where_each_review_stands,
    sign_off_shows_a_summary_and_only_the_confirmation_locks,
    without_a_proposal_a_level_needs_no_reason,
    a_refused_sign_off_points_at_the_first_field,
    flags_and_figures_explain_themselves_to_their_reader,
    raters_read_where_their_comments_go_before_typing,
);

/// The emails over real SMTP: the invitation says where comments go, and the "ready" email of
/// a review nobody answered does not ask to review proposals that are not there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emails_say_where_comments_go_and_fit_a_review_nobody_answered() {
    let server = SmtpServer::start().await;
    let app = try_spawn_app_with(Backend::Sqlite, smtp(server.port))
        .await
        .expect("app");
    let n = Nominations::new()
        .kam("a@t.cn", "Kam A", "boss@t.cn")
        .rater("a@t.cn", "boss@t.cn", "ca@client.cn", "customer", "en")
        .kam("b@t.cn", "Kam B", "boss@t.cn")
        .rater("b@t.cn", "boss@t.cn", "cb@client.cn", "customer", "zh");
    // Kam B's customer answers; nobody of Kam A's does
    ClosedReview::of(n)
        .with_customer_comments()
        .answer(&["cb@client.cn"], "3")
        .build(&app)
        .await;
    dispatch_all_pending_emails(&app).await;
    let got = server.messages();
    let text = |to: &str, subject: &str| -> Vec<String> {
        got.iter()
            .filter(|m| m.rcpt == vec![to.to_owned()])
            .filter_map(|m| {
                let p = mail_parser::MessageParser::default().parse(m.data.as_bytes())?;
                p.subject()?
                    .contains(subject)
                    .then(|| p.body_text(0).unwrap_or_default().into_owned())
            })
            .collect()
    };
    // every message says its language
    for m in &got {
        let zh = m.rcpt == vec!["cb@client.cn".to_owned()];
        let lang = if zh { "zh-CN" } else { "en" };
        assert!(
            m.data.contains(&format!("Content-Language: {lang}\r\n")),
            "{}",
            &m.data[..m.data.find("\r\n\r\n").unwrap_or(0)]
        );
    }
    let invitation = text("ca@client.cn", "");
    assert!(
        invitation
            .iter()
            .any(|b| b.contains("Comments are passed on word for word to Kam A's supervisor")),
        "{invitation:?}"
    );
    let zh = text("cb@client.cn", "");
    assert!(
        zh.iter().any(|b| b.contains("评语会原文转给 Kam B 的主管")),
        "{zh:?}"
    );
    let ready_a = text("boss@t.cn", "Ready to reconcile: Kam A");
    let ready_b = text("boss@t.cn", "Ready to reconcile: Kam B");
    assert_eq!((ready_a.len(), ready_b.len()), (1, 1), "one each");
    assert!(ready_a[0].contains("No rater answered"), "{}", ready_a[0]);
    assert!(!ready_a[0].contains("Check the proposed level for each criterion"));
    assert!(ready_b[0].contains("Check the proposed level for each criterion"));
    assert!(ready_b[0].contains("Sign off…"));
}
