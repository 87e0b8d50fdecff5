//! The cycle report downloads for admins (SPEC §11, §12): CSV and JSON byte for byte what
//! `kam360 report` prints, and the spreadsheet; 404 for an unknown cycle.

use kam360::actions::report;
use kam360::actions::users::Role;
use kam360::domain::formats::export;

use crate::both_backends;
use crate::fixtures::{answer_all, launched_cycle, standard};
use crate::helpers::TestApp;

async fn an_admin_downloads_the_report_in_three_formats(app: TestApp) {
    let l = launched_cycle(&app, &standard());
    answer_all(&app, &l, "c1@client.cn", "3").await;
    let admin = app.staff("admin@t.cn", Role::Admin).await;
    let get = |path: String| {
        let client = admin.client.clone();
        let url = format!("{}{path}", app.address);
        async move { client.get(url).send().await.expect("GET") }
    };
    let id = l.cycle_id.clone();
    let rows = app.read(move |c| report::build(c, &id)).expect("rows");

    let r = get(format!("/admin/cycles/{}/report.csv", l.cycle_id)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-disposition"],
        format!("attachment; filename=\"kam360-report-{}.csv\"", l.cycle_id).as_str()
    );
    assert_eq!(
        r.text().await.expect("csv"),
        export::to_csv(&rows).expect("csv")
    );
    let r = get(format!("/admin/cycles/{}/report.json", l.cycle_id)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.text().await.expect("json"),
        export::to_json(&rows).expect("json") + "\n"
    );
    let r = get(format!("/admin/cycles/{}/report.xlsx", l.cycle_id)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = r.bytes().await.expect("xlsx");
    assert!(bytes.starts_with(b"PK"));

    // the cycle's page links to the insights and the downloads
    let home = get(format!("/admin/cycles/{}?lang=en", l.cycle_id))
        .await
        .text()
        .await
        .expect("cycle page");
    assert!(home.contains(&format!("href=\"/admin/cycles/{}/insights\"", l.cycle_id)));
    // the insights page: heat map, distribution, calibration
    let r = get(format!("/admin/cycles/{}/insights?lang=en", l.cycle_id)).await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.expect("page");
    assert!(
        page.contains("<th scope=\"row\">Wang Fang</th>"),
        "a heat map row per KAM"
    );
    assert_eq!(
        page.matches("<abbr title=").count(),
        app.rubric.criteria().count()
    );
    assert!(page.contains("Calibration per supervisor") && page.contains("Supervisor boss@t.cn"));
    for bad in ["00000000-0000-7000-8000-000000000000", "not-a-cycle"] {
        let r = get(format!("/admin/cycles/{bad}/report.csv")).await;
        assert_eq!(r.status(), 404, "{bad}");
    }
}

both_backends!(an_admin_downloads_the_report_in_three_formats);
