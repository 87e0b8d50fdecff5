//! The review report (SPEC §12): every criterion at a glance and per criterion a chart with a
//! table of the same figures, for the review's supervisor and admins; nothing §7 hides.

use kam360::actions::users::Role;

use crate::both_backends;
use crate::fixtures::{first_review, launched_cycle, standard, ClosedReview};
use crate::helpers::TestApp;
use crate::reconcile::{all_finals, closed, submit, with_rationale};

async fn every_criterion_has_a_chart_and_a_table_with_the_same_figures(app: TestApp) {
    let (_, review) = closed(&app).await;
    app.sign_in("boss@t.cn", Role::Supervisor).await;
    let (s, page) = app
        .get_text(&format!("/reviews/{review}/report?lang=en"))
        .await;
    assert_eq!(s, 200);
    let criteria = app.rubric.criteria().count();
    assert_eq!(
        page.matches("<th scope=\"row\"><a href=\"#r-").count(),
        criteria,
        "the overview has a row per criterion"
    );
    assert_eq!(
        page.matches("<svg class=\"chart\" role=\"img\"").count(),
        criteria
    );
    assert_eq!(page.matches("<title id=\"chart-").count(), criteria);
    assert_eq!(page.matches("<table class=\"figures\">").count(), criteria);
    assert!(
        !page.contains("<script>") && !page.contains("<select"),
        "no script, no form controls"
    );
    // every group answered with at least k: group figures, their distribution, pooled figure
    assert!(
        page.contains("<th scope=\"row\">Customers (n=3)</th><td>4.00</td>"),
        "customers in the table"
    );
    assert!(page.contains("<th scope=\"row\">Peers (n=3)</th><td>2.00</td>"));
    assert!(page.contains("How many chose each level"));
    assert!(page.contains("Blind spots and hidden strengths"));
    let (s, zh) = app
        .get_text(&format!("/reviews/{review}/report?lang=zh"))
        .await;
    assert_eq!(s, 200);
    assert!(zh.contains("评估报告") && zh.contains("全部评估项概览"));
    // the reconciliation page starts with the same overview, linking to its own criteria
    let (_, rec) = app.get_text(&format!("/reviews/{review}?lang=en")).await;
    assert_eq!(
        rec.matches("<th scope=\"row\"><a href=\"#c-").count(),
        criteria
    );
    assert!(rec.contains("id=\"flagged-only\""));
    assert!(rec.contains(&format!("href=\"/reviews/{review}/report\"")));
}

async fn a_group_below_k_stays_out_of_the_report(app: TestApp) {
    let review = ClosedReview::of(standard())
        .with_customer_comments()
        .answer(&["c1@client.cn", "c2@client.cn", "c3@client.cn"], "4")
        // two peers of three: the peer group is below k, so no group figure is shown at all
        .answer(&["p1@t.cn", "p2@t.cn"], "1")
        .answer(&["t1@t.cn", "t2@t.cn", "t3@t.cn", "boss@t.cn"], "3")
        .build(&app)
        .await
        .review;
    app.sign_in("admin@t.cn", Role::Admin).await;
    let (s, page) = app
        .get_text(&format!("/reviews/{review}/report?lang=en"))
        .await;
    assert_eq!(s, 200, "admins read every report");
    // a criterion every group observes (others differ: a group that cannot observe one
    // gives no answers there, so the groups that can are shown)
    let at = page
        .find("id=\"r-product_service_knowledge\"")
        .expect("the criterion's section");
    let section = &page[at..at + page[at..].find("</article>").expect("end")];
    for hidden in [
        "Peers (n=",
        "Customers (n=",
        "Team (n=",
        "How many chose each level",
    ] {
        assert!(
            !section.contains(hidden),
            "{hidden} must not reach the report"
        );
    }
    assert!(
        section.contains("All others (n=8)"),
        "the pooled figure is shown: {section}"
    );
}

async fn before_results_are_visible_the_report_says_so(app: TestApp) {
    let l = launched_cycle(&app, &standard());
    submit(&app, &l, "c1@client.cn", "4").await;
    app.sign_in("boss@t.cn", Role::Supervisor).await;
    let review = first_review(&app, &l.cycle_id);
    let (s, page) = app
        .get_text(&format!("/reviews/{review}/report?lang=en"))
        .await;
    assert_eq!(s, 200);
    assert!(page.contains("Results appear when the cycle closes"));
    assert!(
        !page.contains("<svg"),
        "no figure before results are visible"
    );
}

/// SPEC §12: where the KAM has a finalized review in an earlier cycle, each criterion shows the
/// earlier final level and the change.
async fn an_earlier_cycle_shows_its_final_levels_and_the_change(app: TestApp) {
    let (_, first) = closed(&app).await;
    let boss = app.staff("boss@t.cn", Role::Supervisor).await;
    let page = boss
        .client
        .get(format!("{}/reviews/{first}", app.address))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    let mut form = all_finals(&app, &page, "2");
    with_rationale(&mut form, "last year");
    form.push(("action".into(), "signoff".into()));
    let r = boss
        .client
        .post(format!("{}/reviews/{first}", app.address))
        .form(&form)
        .send()
        .await
        .expect("sign off");
    assert_eq!(r.status(), 303);
    crate::reconcile::confirm_sign_off(&app, &boss.client, &first).await;
    let (_, second) = closed(&app).await;
    let report = boss
        .client
        .get(format!("{}/reviews/{second}/report?lang=en", app.address))
        .send()
        .await
        .expect("report")
        .text()
        .await
        .expect("body");
    assert!(
        report.contains("<th scope=\"col\">Final in Test cycle</th>"),
        "{report}"
    );
    assert_eq!(
        report
            .matches("<th scope=\"row\">Final in Test cycle</th><td>2 (")
            .count(),
        app.rubric.criteria().count(),
        "each criterion's table has the earlier level"
    );
    // the first review itself has no earlier one
    let report = boss
        .client
        .get(format!("{}/reviews/{first}/report?lang=en", app.address))
        .send()
        .await
        .expect("report")
        .text()
        .await
        .expect("body");
    assert!(!report.contains("Final in "));
}

both_backends!(
    an_earlier_cycle_shows_its_final_levels_and_the_change,
    every_criterion_has_a_chart_and_a_table_with_the_same_figures,
    a_group_below_k_stays_out_of_the_report,
    before_results_are_visible_the_report_says_so,
);
