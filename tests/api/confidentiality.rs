//! Confidentiality as a property (SPEC §7; CONF-1…CONF-3): for random group sizes, levels and
//! comments, the reconciliation page and the report (SPEC §12) never show a figure, a weighted mean or a comment that
//! would let a group below k be read off, and comments never carry group labels when pooled.

use kam360::actions::Tx;
use std::sync::Arc;

use kam360::actions::{cycles, nominations, reconcile};
use kam360::db::{self, Db};
use kam360::domain::locale::Locale;
use kam360::domain::relationship::Relationship;
use kam360::email::Templates;
use kam360::error::AppResult;
use kam360::web::reconcile::page_model;
use kam360::web::views::reconcile::{page_for, PageState};
use kam360::web::views::review_report::{report, Frame};
use kam360::web::views::staff::Viewer;
use proptest::prelude::*;

use crate::fixtures::{close_cycle, future, Nominations};
use crate::helpers::settings_for;

const CRITERION: &str = "product_service_knowledge"; // observable by customers, peers and team

/// The criterion's section of the reconciliation page and of the report, and the group sizes.
fn scenario(
    customers: &[u8],
    peers: &[u8],
    team: &[u8],
    commenting: [usize; 3],
) -> (String, String, [usize; 3]) {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("p.db").display());
    let settings = Arc::new(settings_for(&url, dir.path(), 1));
    let db = Db::connect(&url, 2).expect("db");
    db.migrate().expect("migrate");
    let rubric =
        kam360::domain::formats::rubric::Rubric::load(&settings.rubric.path).expect("rubric");
    let templates = Templates::new(None).expect("templates");
    let mut n = Nominations::new().kam("kam@t.cn", "Wang Fang", "boss@t.cn");
    let groups = [("customer", customers), ("peer", peers), ("team", team)];
    for (g, levels) in &groups {
        for i in 0..levels.len() {
            n = n.rater("kam@t.cn", "boss@t.cn", &format!("{g}{i}@x.cn"), g, "en");
        }
    }
    let csv = n.csv();
    let (s, t) = (settings.clone(), &templates);
    let (html, report_html) = db
        .write_blocking(|c| -> AppResult<(String, String)> {
            let now = db::now();
            let id = cycles::create(c, &s, &rubric, "Prop", future(10), now)?;
            nominations::import(
                Tx(c, kam360::actions::Mail::new(t, &s), None, now),
                &id,
                csv.as_bytes(),
            )?;
            let links = cycles::launch(Tx(c, kam360::actions::Mail::new(t, &s), None, now), &id)?;
            for (gi, (g, levels)) in groups.iter().enumerate() {
                for (i, level) in levels.iter().enumerate() {
                    let a = links
                        .iter()
                        .find(|l| l.rater_email == format!("{g}{i}@x.cn"))
                        .expect("link");
                    let comment = if i < commenting[gi] {
                        format!("CMT-{g}-{i}")
                    } else {
                        String::new()
                    };
                    let rows = vec![db::responses::RatingRow {
                        assignment_id: a.assignment_id.clone(),
                        criterion_id: CRITERION.into(),
                        level: Some(i32::from(*level)),
                        not_observed: false,
                        comment,
                    }];
                    db::responses::replace(c, &a.assignment_id, &rows, "", "", false, now)?;
                    db::assignments::transition(
                        c,
                        &a.assignment_id,
                        &[kam360::domain::status::AssignmentStatus::Pending],
                        kam360::domain::status::AssignmentStatus::Submitted,
                        now,
                    )?;
                }
            }
            cycles::close(Tx(c, kam360::actions::Mail::new(t, &s), None, now), &id)?;
            let review = db::reviews::list_for_cycle(c, &id)?.remove(0).review.id;
            let boss = db::people::find_by_email(c, "boss@t.cn")?.expect("boss").id;
            let data = reconcile::load(c, &review, &boss, false)?.expect("own review");
            let st = PageState {
                viewer: Viewer {
                    name: "Boss",
                    csrf: "t",
                    role: kam360::domain::status::Role::Supervisor,
                    switch: "/?lang=zh".into(),
                    here: "/".into(),
                },
                entries: Default::default(),
                problems: Default::default(),
                saved: false,
                share_percent: "50".into(),
                release: None,
                signed: false,
            };
            let model = page_model(&data);
            Ok((
                page_for(Locale::En, &model, &st).into_string(),
                report(
                    Locale::En,
                    &model,
                    &Frame {
                        title: "Report".into(),
                        back: None,
                        switch: None,
                        top: maud::html! {},
                        bottom: maud::html! {},
                    },
                )
                .into_string(),
            ))
        })
        .expect("scenario");
    let start = html
        .find(&format!("id=\"c-{CRITERION}\""))
        .expect("criterion section");
    let end = html[start..]
        .find("<article")
        .map(|e| start + e)
        .unwrap_or(html.len());
    let at = report_html
        .find(&format!("id=\"r-{CRITERION}\""))
        .expect("the report's criterion section");
    let report_section =
        report_html[at..at + report_html[at..].find("</article>").expect("end")].to_owned();
    (
        html[start..end].to_owned(),
        report_section,
        [customers.len(), peers.len(), team.len()],
    )
}

fn levels() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(1u8..=4, 0..6)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn no_hidden_group_can_be_read_off_the_page(c in levels(), p in levels(), t in levels(), commenting in (0usize..6, 0usize..6, 0usize..6)) {
        let commenting = [commenting.0.min(c.len()), commenting.1.min(p.len()), commenting.2.min(t.len())];
        let (section, report, n) = scenario(&c, &p, &t, commenting);
        let k = 3;
        let per_group = n.iter().all(|&x| x == 0 || x >= k);
        let pooled = n.iter().sum::<usize>() >= k;
        let labels = ["<th scope=\"row\">Customer</th>", "<th scope=\"row\">Colleague from another department</th>", "<th scope=\"row\">Account team member</th>"];
        for label in labels {
            prop_assert_eq!(section.contains(label), per_group, "group rows only when every answering group has k");
        }
        // the weighted mean M is never printed while a group is hidden
        for (i, _) in section.match_indices("weighted mean ") {
            let next = section[i + "weighted mean ".len()..].chars().next().unwrap_or(' ');
            prop_assert!(per_group || !next.is_ascii_digit(), "M shown while a group is hidden");
        }
        prop_assert_eq!(section.contains("not enough responses to protect confidentiality"), !pooled);
        // comments: per group only when every commenting group has k, else pooled from k, else none
        let ccount = commenting;
        let c_per_group = ccount.iter().all(|&x| x == 0 || x >= k);
        let c_pooled = ccount.iter().sum::<usize>() >= k;
        let shown: Vec<bool> = (0..3).flat_map(|g| (0..ccount[g]).map(move |i| (g, i))).map(|(g, i)| section.contains(&format!("CMT-{}-{i}", ["customer", "peer", "team"][g]))).collect();
        if c_per_group || c_pooled {
            prop_assert!(shown.iter().all(|x| *x), "comments shown when allowed");
        } else {
            prop_assert!(shown.iter().all(|x| !*x), "no comment below k");
        }
        if !c_per_group {
            prop_assert!(!section.contains("<h4>"), "pooled comments carry no group label");
        }
        // the report (its chart, its table, its distribution and comments) follows the same rules
        for (g, label) in ["Customers (n=", "Peers (n=", "Team (n="].iter().enumerate() {
            prop_assert_eq!(report.contains(label), per_group && n[g] > 0, "report group figure {}", label);
        }
        prop_assert_eq!(report.contains("How many chose each level"), per_group && n.iter().sum::<usize>() > 0);
        prop_assert_eq!(report.contains("All others (n="), pooled, "report pooled figure");
        let in_report: Vec<bool> = (0..3).flat_map(|g| (0..ccount[g]).map(move |i| (g, i))).map(|(g, i)| report.contains(&format!("CMT-{}-{i}", ["customer", "peer", "team"][g]))).collect();
        if c_per_group || c_pooled {
            prop_assert!(in_report.iter().all(|x| *x), "report comments shown when allowed");
        } else {
            prop_assert!(in_report.iter().all(|x| !*x), "no report comment below k");
        }
        if !c_per_group {
            prop_assert!(!report.contains("<h5>"), "pooled report comments carry no group label");
        }
    }
}

// ---- issue 20: a lone rater's "not able to judge" against a level, on every page and export ----

/// Submits `level` on every criterion of the rater's form, `na` or another level where
/// `except` says so.
async fn answer_except(
    app: &crate::helpers::TestApp,
    l: &crate::fixtures::Launched,
    rater: &str,
    level: &str,
    except: &[(&str, &str)],
) {
    let rel = l
        .links
        .iter()
        .find(|x| x.rater_email == rater)
        .expect("link")
        .relationship;
    let mut pairs: Vec<(String, String)> = app
        .rubric
        .criteria_for(rel)
        .map(|c| {
            let v = except
                .iter()
                .find(|(id, _)| *id == c.id)
                .map_or(level, |(_, v)| *v);
            (c.id.clone(), v.to_owned())
        })
        .collect();
    pairs.push(("action".into(), "submit".into()));
    let r = app
        .post_raw(
            &l.link(rater),
            serde_urlencoded::to_string(&pairs).expect("encode"),
        )
        .await;
    assert_eq!(r.status(), 303, "submit of {rater}");
}

/// What differs between the twins by construction (ids, the KAMs' addresses, times) made equal.
fn normalised(page: &str, review: &kam360::domain::ids::ReviewId, kam: &str) -> String {
    let mut out = page.replace(review.as_str(), "REVIEW").replace(kam, "KAM");
    // times of the audit trail (both latched by the same close) and the CSRF token's value
    for marker in ["name=\"csrf\" value=\""] {
        while let Some(at) = out.find(marker) {
            let start = at + marker.len();
            let end = start + out[start..].find('"').expect("end");
            out.replace_range(at..end + 1, "CSRF");
        }
    }
    out
}

/// Twins: two KAMs of one cycle whose only difference is on one criterion observable by
/// customers, where KAM A's lone customer answers `na` and a peer gives 4, and KAM B's lone
/// customer gives 4 and the same peer answers `na`. The pool of levels is the same; only a
/// hidden rater's `na` moved. Every page and export that shows results must be the same.
async fn a_lone_raters_na_changes_no_page_or_export(app: crate::helpers::TestApp) {
    use crate::fixtures::{launched_cycle, Nominations};
    use kam360::actions::users::Role;
    let boss = "boss@t.cn";
    let mut n =
        Nominations::new()
            .kam("twin-a@t.cn", "Twin", boss)
            .kam("twin-b@t.cn", "Twin", boss);
    for kam in ["a", "b"] {
        let k = format!("twin-{kam}@t.cn");
        n = n.rater(&k, boss, &format!("c-{kam}@x.cn"), "customer", "en");
        for i in 1..=3 {
            n = n.rater(&k, boss, &format!("p{i}-{kam}@t.cn"), "peer", "en");
            n = n.rater(&k, boss, &format!("t{i}-{kam}@t.cn"), "team", "en");
        }
    }
    let l = launched_cycle(&app, &n);
    for (kam, customer_x, peer_x) in [("a", "na", "4"), ("b", "4", "na")] {
        answer_except(
            &app,
            &l,
            &format!("c-{kam}@x.cn"),
            "4",
            &[(CRITERION, customer_x)],
        )
        .await;
        answer_except(
            &app,
            &l,
            &format!("p1-{kam}@t.cn"),
            "2",
            &[(CRITERION, peer_x)],
        )
        .await;
        for i in 2..=3 {
            answer_except(&app, &l, &format!("p{i}-{kam}@t.cn"), "2", &[]).await;
        }
        for i in 1..=3 {
            answer_except(&app, &l, &format!("t{i}-{kam}@t.cn"), "3", &[]).await;
        }
        answer_except(&app, &l, &format!("twin-{kam}@t.cn"), "4", &[]).await;
    }
    // the supervisor rates both alike (two assignments of one person: by assignment id)
    for link in l.links.iter().filter(|x| x.rater_email == boss) {
        let mut pairs: Vec<(String, String)> = app
            .rubric
            .criteria_for(Relationship::Supervisor)
            .map(|c| (c.id.clone(), "3".to_owned()))
            .collect();
        pairs.push(("action".into(), "submit".into()));
        let r = app
            .post_raw(
                &crate::helpers::path_of(&link.link),
                serde_urlencoded::to_string(&pairs).expect("encode"),
            )
            .await;
        assert_eq!(r.status(), 303);
    }
    close_cycle(&app, &l.cycle_id);
    let id = l.cycle_id.clone();
    let reviews = app
        .read(move |c| Ok(db::reviews::list_for_cycle(c, &id)?))
        .expect("reviews");
    let review_of = |kam: &str| {
        reviews
            .iter()
            .find(|r| r.subject_email == kam)
            .expect("review")
            .review
            .id
            .clone()
    };
    let twins = [
        (review_of("twin-a@t.cn"), "twin-a@t.cn"),
        (review_of("twin-b@t.cn"), "twin-b@t.cn"),
    ];
    // the supervisor's pages: reconciliation and the report with its SVG charts, in both languages
    app.sign_in(boss, Role::Supervisor).await;
    for lang in ["en", "zh"] {
        for page in ["", "/report"] {
            let [a, b] = [&twins[0], &twins[1]].map(|(review, _)| review.clone());
            let (_, pa) = app
                .get_text(&format!("/reviews/{a}{page}?lang={lang}"))
                .await;
            let (_, pb) = app
                .get_text(&format!("/reviews/{b}{page}?lang={lang}"))
                .await;
            assert!(pa.contains(&format!(
                "id=\"{}{CRITERION}\"",
                if page.is_empty() { "c-" } else { "r-" }
            )));
            assert_eq!(
                normalised(&pa, &a, "twin-a@t.cn"),
                normalised(&pb, &b, "twin-b@t.cn"),
                "/reviews/…{page} in {lang}"
            );
        }
    }
    // the KAM's report (as the released link renders it)
    let kam_pages: Vec<String> = twins
        .iter()
        .map(|(review, kam)| {
            let id = review.clone();
            let html = app
                .read(move |c| {
                    let data = reconcile::load(
                        c,
                        &id,
                        &kam360::domain::ids::PersonId::stored(String::new()),
                        true,
                    )?
                    .expect("review");
                    let mut model = page_model(&data);
                    model.reader = kam360::web::views::review_model::Reader::Kam;
                    let frame = Frame {
                        title: "Your report".into(),
                        back: None,
                        switch: None,
                        top: maud::html! {},
                        bottom: maud::html! {},
                    };
                    Ok(report(Locale::Zh, &model, &frame).into_string())
                })
                .expect("kam report");
            normalised(&html, review, kam)
        })
        .collect();
    assert_eq!(kam_pages[0], kam_pages[1], "the KAM's report");
    // the exports: the rows CSV, JSON and xlsx are written from, and the CSV and JSON served
    let id = l.cycle_id.clone();
    let rows = app
        .read(move |c| kam360::actions::report::build(c, &id))
        .expect("rows");
    let of = |kam: &str| -> Vec<_> {
        rows.iter()
            .filter(|r| r.subject_email == kam)
            .map(|r| (r.criterion_id.clone(), r.figures.clone(), r.final_level))
            .collect()
    };
    assert_eq!(of("twin-a@t.cn"), of("twin-b@t.cn"), "report rows");
    let x = rows
        .iter()
        .find(|r| r.subject_email == "twin-a@t.cn" && r.criterion_id == CRITERION)
        .expect("row");
    assert_eq!(
        x.figures.customer_n, None,
        "a lone customer hides the groups"
    );
    assert_eq!(x.figures.others_n, Some(6));
    app.sign_in("admin@t.cn", Role::Admin).await;
    let (_, csv) = app
        .get_text(&format!("/admin/cycles/{}/report.csv", l.cycle_id))
        .await;
    let lines = |kam: &str| -> Vec<String> {
        csv.lines()
            .filter(|x| x.starts_with(kam))
            .map(|x| x.replacen(kam, "KAM", 1))
            .collect()
    };
    assert_eq!(lines("twin-a@t.cn"), lines("twin-b@t.cn"), "CSV");
    assert_eq!(lines("twin-a@t.cn").len(), app.rubric.criteria().count());
    let (_, json) = app
        .get_text(&format!("/admin/cycles/{}/report.json", l.cycle_id))
        .await;
    let json: Vec<serde_json::Value> = serde_json::from_str(&json).expect("json");
    let objects = |kam: &str| -> Vec<serde_json::Value> {
        json.iter()
            .filter(|o| o["subject_email"] == kam)
            .map(|o| {
                let mut o = o.clone();
                o["subject_email"] = "KAM".into();
                o
            })
            .collect()
    };
    assert_eq!(objects("twin-a@t.cn"), objects("twin-b@t.cn"), "JSON");
    assert_eq!(objects("twin-a@t.cn").len(), app.rubric.criteria().count());
    // insights: the heat map's two rows
    let (_, insights) = app
        .get_text(&format!("/admin/cycles/{}/insights?lang=en", l.cycle_id))
        .await;
    let heat: Vec<&str> = insights
        .split("<tr>")
        .filter(|r| r.starts_with("<th scope=\"row\">Twin</th>"))
        .map(|r| &r[..r.find("</tr>").expect("row end")])
        .collect();
    assert_eq!(heat.len(), 2, "one heat row per twin");
    assert_eq!(heat[0], heat[1], "insights");
}

crate::both_backends!(a_lone_raters_na_changes_no_page_or_export);
