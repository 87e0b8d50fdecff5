//! Nominations import against the database: all or nothing, re-imports, open cycles.

use diesel::prelude::*;
use kam360::actions::Tx;
use kam360::actions::{cycles, nominations};
use kam360::db::schema::{assignments, email_outbox, people, reviews};
use kam360::error::AppError;

use crate::both_backends;
use crate::fixtures::{draft_cycle, future, launched_cycle, standard, Nominations};
use crate::helpers::TestApp;

fn count(app: &TestApp) -> (i64, i64, i64) {
    app.read(|c| {
        Ok((
            people::table.count().get_result(c)?,
            reviews::table.count().get_result(c)?,
            assignments::table.count().get_result(c)?,
        ))
    })
    .expect("counts")
}

fn import(
    app: &TestApp,
    cycle: &kam360::domain::ids::CycleId,
    csv: String,
) -> Result<nominations::ImportSummary, AppError> {
    let (s, t, id) = (app.settings.clone(), app.templates.clone(), cycle.clone());
    app.write(move |c| {
        nominations::import(
            Tx(
                c,
                kam360::actions::Mail::new(&t, &s),
                None,
                kam360::db::now(),
            ),
            &id,
            csv.as_bytes(),
        )
    })
    .map(|(s, _)| s)
}

fn empty_cycle(app: &TestApp) -> kam360::domain::ids::CycleId {
    let (s, r) = (app.settings.clone(), app.rubric.clone());
    app.write(move |c| cycles::create(c, &s, &r, "Empty", future(10), kam360::db::now()))
        .expect("cycle")
}

async fn a_bad_row_imports_nothing_and_names_every_line(app: TestApp) {
    let id = empty_cycle(&app);
    let csv = standard()
        .raw("kam@t.cn,Wang Fang,boss@t.cn,B,bad-email,R,customer,zh,Org")
        .raw("kam@t.cn,Wang Fang,boss@t.cn,B,x@y.cn,R,vendor,zh,Org")
        .csv();
    let err = import(&app, &id, csv).expect_err("refused");
    let AppError::Invalid(msg) = err else {
        panic!("{err:?}")
    };
    let lines: Vec<&str> = msg.lines().collect();
    assert_eq!(lines.len(), 2, "{msg}");
    assert!(
        lines[0].starts_with("line 13: rater_email is not a valid email address"),
        "{msg}"
    );
    assert!(
        lines[1].starts_with("line 14: unknown relationship 'vendor'"),
        "{msg}"
    );
    assert_eq!(count(&app), (0, 0, 0));
}

async fn reimport_adds_new_nominations_and_leaves_existing_alone(app: TestApp) {
    let id = empty_cycle(&app);
    let s = import(&app, &id, standard().csv()).expect("first");
    assert_eq!((s.added, s.unchanged), (11, 0));
    let more = standard().rater("kam@t.cn", "boss@t.cn", "c9@client.cn", "customer", "en");
    let s = import(&app, &id, more.csv()).expect("second");
    assert_eq!((s.added, s.unchanged, s.invited), (1, 11, 0));
    assert_eq!(count(&app).2, 12);
}

async fn a_second_supervisor_for_an_existing_review_is_refused(app: TestApp) {
    let id = empty_cycle(&app);
    import(&app, &id, standard().csv()).expect("first");
    let csv = Nominations::new()
        .raw("kam@t.cn,Wang Fang,other@t.cn,Other,c7@client.cn,C7,customer,zh,Org")
        .csv();
    let err = import(&app, &id, csv).expect_err("refused");
    assert_eq!(
        err.to_string(),
        "line 2: kam@t.cn already has supervisor boss@t.cn in this cycle, not other@t.cn"
    );
    assert_eq!(count(&app).2, 11, "nothing added");
}

async fn importing_into_an_open_cycle_invites_at_once(app: TestApp) {
    let l = launched_cycle(&app, &standard());
    let before: i64 = app
        .read(|c| Ok(email_outbox::table.count().get_result(c)?))
        .expect("count");
    assert_eq!(before, 11);
    let s = import(
        &app,
        &l.cycle_id,
        standard()
            .rater("kam@t.cn", "boss@t.cn", "late@client.cn", "customer", "en")
            .csv(),
    )
    .expect("import");
    assert_eq!((s.added, s.invited), (1, 1));
    let after: i64 = app
        .read(|c| Ok(email_outbox::table.count().get_result(c)?))
        .expect("count");
    assert_eq!(after, 12);
}

async fn closed_cycles_and_unknown_ids_are_refused(app: TestApp) {
    assert!(
        matches!(import(&app, &kam360::domain::ids::CycleId::generate(), standard().csv()), Err(AppError::Invalid(m)) if m.contains("no cycle"))
    );
    let id = draft_cycle(&app, &standard());
    let (s, t, c2) = (app.settings.clone(), app.templates.clone(), id.clone());
    app.write(move |c| {
        cycles::launch(
            Tx(
                c,
                kam360::actions::Mail::new(&t, &s),
                None,
                kam360::db::now(),
            ),
            &c2,
        )
    })
    .expect("launch");
    crate::fixtures::close_cycle(&app, &id);
    assert!(
        matches!(import(&app, &id, standard().csv()), Err(AppError::Invalid(m)) if m.contains("closed"))
    );
}

both_backends!(
    a_bad_row_imports_nothing_and_names_every_line,
    reimport_adds_new_nominations_and_leaves_existing_alone,
    a_second_supervisor_for_an_existing_review_is_refused,
    importing_into_an_open_cycle_invites_at_once,
    closed_cycles_and_unknown_ids_are_refused,
);
