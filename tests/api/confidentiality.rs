//! Confidentiality as a property (SPEC §7; CONF-1…CONF-3): for random group sizes, levels and
//! comments, the reconciliation page and the report (SPEC §12) never show a figure, a weighted mean or a comment that
//! would let a group below k be read off, and comments never carry group labels when pooled.

use std::sync::Arc;

use kam360::actions::{cycles, nominations, reconcile};
use kam360::db::{self, Db};
use kam360::domain::locale::Locale;
use kam360::email::Templates;
use kam360::error::AppResult;
use kam360::web::reconcile::page_model;
use kam360::web::views::reconcile::{page_for, PageState};
use kam360::web::views::review_report::{report, Frame};
use kam360::web::views::staff::Viewer;
use proptest::prelude::*;

use crate::fixtures::{future, Nominations};
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
    let rubric = kam360::startup::load_rubric(&settings).expect("rubric");
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
            nominations::import(c, t, &s, &id, csv.as_bytes(), now)?;
            let links = cycles::launch(c, t, &s, &id, now)?;
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
            cycles::close(c, t, &s, &id, now)?;
            let review = db::reviews::list_for_cycle(c, &id)?.remove(0).review.id;
            let boss = db::people::find_by_email(c, "boss@t.cn")?.expect("boss").id;
            let data = reconcile::load(
                c,
                &kam360::domain::ids::ReviewId::stored(review),
                &kam360::domain::ids::PersonId::stored(boss),
                false,
            )?
            .expect("own review");
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
