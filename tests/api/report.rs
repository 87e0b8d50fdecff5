//! `report` figures end to end: answers submitted through the form, §7 applied, §6 proposed.

use kam360::actions::report;

use crate::both_backends;
use crate::fixtures::{answer_all, close_cycle, launched_cycle, standard};
use crate::helpers::TestApp;

fn csv(app: &TestApp, cycle: &kam360::domain::ids::CycleId) -> Vec<Vec<String>> {
    let id = cycle.clone();
    let rows = app.read(move |c| report::build(c, &id)).expect("report");
    let text = kam360::domain::formats::export::to_csv(&rows).expect("csv");
    let mut r = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        r.headers().expect("header").iter().collect::<Vec<_>>(),
        kam360::domain::formats::export::COLUMNS.to_vec()
    );
    r.records()
        .map(|x| x.expect("row").iter().map(str::to_owned).collect())
        .collect()
}

fn row<'a>(rows: &'a [Vec<String>], criterion: &str) -> &'a [String] {
    rows.iter()
        .find(|r| r[3] == criterion)
        .unwrap_or_else(|| panic!("{criterion}"))
}

async fn figures_follow_confidentiality_and_consolidation(app: TestApp) {
    let l = launched_cycle(&app, &standard());
    for c in ["c1@client.cn", "c2@client.cn", "c3@client.cn"] {
        answer_all(&app, &l, c, "4").await;
    }
    for p in ["p1@t.cn", "p2@t.cn"] {
        answer_all(&app, &l, p, "2").await;
    }
    for t in ["t1@t.cn", "t2@t.cn", "t3@t.cn", "boss@t.cn"] {
        answer_all(&app, &l, t, "3").await;
    }
    answer_all(&app, &l, "kam@t.cn", "4").await;

    // while p3 has not answered and the cycle is open, nothing derived from others is shown
    let open = csv(&app, &l.cycle_id);
    assert_eq!(open.len(), 19);
    let rq = row(&open, "relationship_quality");
    assert_eq!(&rq[4..6], ["4", "3"], "self and supervisor levels");
    assert!(
        rq[6..15].iter().all(String::is_empty) && rq[16].is_empty(),
        "{rq:?}"
    );

    close_cycle(&app, &l.cycle_id);
    let rows = csv(&app, &l.cycle_id);
    assert_eq!(rows[0][0], "kam@t.cn");
    assert_eq!(
        rows.iter().map(|r| r[3].clone()).collect::<Vec<_>>(),
        app.rubric
            .criteria()
            .map(|c| c.id.clone())
            .collect::<Vec<_>>(),
        "rubric order"
    );
    // customers only: 3 levels of 4; S = 3 → P = round(3.5) = 4, divergent
    assert_eq!(
        row(&rows, "relationship_quality")[4..],
        [
            "4",
            "3",
            "4.00",
            "3",
            "",
            "0",
            "",
            "0",
            "4.00",
            "3",
            "4",
            "",
            "divergent"
        ]
    );
    // customers and team: M = (2·4 + 3)/3; P = 3
    assert_eq!(
        row(&rows, "customer_knowledge")[6..],
        ["4.00", "3", "", "0", "3.00", "3", "3.50", "6", "3", "", ""]
    );
    // peers answered only twice: no group figures at all, the pool of 8 is shown
    assert_eq!(
        row(&rows, "product_service_knowledge")[6..],
        [
            "", "", "", "", "", "", "3.13", "8", "3", "",
            // {4,4,4,2,2,3,3,3}: a standard deviation of 0.78, under SPEC §6's 0.8
            ""
        ]
    );
}

async fn cells_that_look_like_formulas_are_neutralised(app: TestApp) {
    let n = crate::fixtures::Nominations::new()
        .raw("x@t.cn,=HYPERLINK(\"http://evil\"),boss@t.cn,Boss,c@c.cn,C,customer,en,Org");
    let l = launched_cycle(&app, &n);
    let rows = csv(&app, &l.cycle_id);
    assert_eq!(rows[0][1], "'=HYPERLINK(\"http://evil\")");
    let id = l.cycle_id.clone();
    let built = app.read(move |c| report::build(c, &id)).expect("report");
    let json = kam360::domain::formats::export::to_json(&built).expect("json");
    let v: serde_json::Value = serde_json::from_str(&json).expect("valid json");
    assert_eq!(v.as_array().map(Vec::len), Some(19));
    assert_eq!(v[0]["criterion_id"], "relationship_quality");
    assert!(v[0]["final_level"].is_null());
}

both_backends!(
    figures_follow_confidentiality_and_consolidation,
    cells_that_look_like_formulas_are_neutralised
);
