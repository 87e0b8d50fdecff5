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

/// 45 KAMs (more than a launch's batch of 20 reviews) with 12 nominations each: 540 rows.
fn many_kams() -> Nominations {
    let mut n = Nominations::new();
    for k in 0..45 {
        let (kam, boss) = (format!("kam{k}@t.cn"), format!("boss{}@t.cn", k % 4));
        n = n.kam(&kam, &format!("KAM {k}"), &boss);
        for r in 0..10 {
            let locale = if r % 2 == 0 { "zh" } else { "en" };
            n = n.rater(&kam, &boss, &format!("r{k}-{r}@c.cn"), "customer", locale);
        }
    }
    n
}

async fn a_large_import_refreshes_the_planners_statistics(app: TestApp) {
    let id = empty_cycle(&app);
    let s = import(&app, &id, many_kams().csv()).expect("imported");
    assert_eq!(s.added, 540);
    if app.database_url.starts_with("postgres") {
        // ANALYZE ran in the import's transaction: the planner knows the table's size
        let tuples = app
            .read(|c| {
                #[derive(QueryableByName)]
                struct Tuples {
                    #[diesel(sql_type = diesel::sql_types::Float)]
                    reltuples: f32,
                }
                Ok(diesel::sql_query(
                    "SELECT reltuples FROM pg_class WHERE relname = 'assignments'",
                )
                .get_result::<Tuples>(c)?
                .reltuples)
            })
            .expect("statistics");
        assert!(tuples >= 540.0, "{tuples}");
    }
}

async fn a_launch_in_batches_gives_every_nomination_one_link_and_one_invitation(app: TestApp) {
    use kam360::db::schema::rater_links;
    let launched = launched_cycle(&app, &many_kams());
    assert_eq!(launched.links.len(), 540);
    let distinct: std::collections::HashSet<_> =
        launched.links.iter().map(|l| &l.assignment_id).collect();
    assert_eq!(distinct.len(), 540, "one link per nomination");
    let (links, invitations, linked): (i64, i64, i64) = app
        .read(|c| {
            Ok((
                rater_links::table.count().get_result(c)?,
                email_outbox::table.count().get_result(c)?,
                email_outbox::table
                    .select(diesel::dsl::count(email_outbox::assignment_id).aggregate_distinct())
                    .get_result(c)?,
            ))
        })
        .expect("counts");
    assert_eq!((links, invitations, linked), (540, 540, 540));
    // the links handed back are the ones stored (by their hash), in the reviews' order
    let first = &launched.links[0];
    assert!(
        first.rater_email.starts_with("kam0@"),
        "{}",
        first.rater_email
    );
    let token = first.link.rsplit('/').next().expect("token");
    let hash = kam360::domain::security::token::hash(token);
    let owner = first.assignment_id.as_str().to_owned();
    let stored: i64 = app
        .read(move |c| {
            Ok(rater_links::table
                .filter(rater_links::token_hash.eq(hash))
                .filter(rater_links::assignment_id.eq(owner))
                .count()
                .get_result(c)?)
        })
        .expect("link");
    assert_eq!(stored, 1);
}

/// A launch whose messages fail to render for the last chunk's KAM (an admin's template that
/// breaks on one name) stores nothing: the chunks rendered and stored before it roll back
/// with it, and the cycle stays a draft.
async fn a_launch_that_fails_in_a_later_chunk_stores_nothing(app: TestApp) {
    use kam360::db::schema::{cycles as cycle_rows, email_specimens, rater_links};
    let id = draft_cycle(&app, &many_kams());
    let dir = tempfile::tempdir().expect("templates");
    std::fs::create_dir_all(dir.path().join("invitation")).expect("folder");
    std::fs::write(
        dir.path().join("invitation/en.subject.j2"),
        "{% if subject_name == \"KAM 44\" %}{{ no_such_value }}{% endif %}Your feedback",
    )
    .expect("override");
    let templates =
        kam360::email::Templates::new(Some(dir.path().to_path_buf())).expect("templates");
    let (s, cycle) = (app.settings.clone(), id.clone());
    let launched = app.write(move |c| {
        cycles::launch(
            Tx(
                c,
                kam360::actions::Mail::new(&templates, &s),
                None,
                kam360::db::now(),
            ),
            &cycle,
        )
    });
    assert!(
        launched.is_err(),
        "the 45th KAM's invitations cannot render"
    );
    let (links, messages, specimens, status): (i64, i64, i64, String) = app
        .read(move |c| {
            Ok((
                rater_links::table.count().get_result(c)?,
                email_outbox::table.count().get_result(c)?,
                email_specimens::table.count().get_result(c)?,
                cycle_rows::table
                    .find(id)
                    .select(cycle_rows::status)
                    .get_result(c)?,
            ))
        })
        .expect("counts");
    assert_eq!((links, messages, specimens), (0, 0, 0));
    assert_eq!(status, "draft");
}

both_backends!(
    a_large_import_refreshes_the_planners_statistics,
    a_launch_in_batches_gives_every_nomination_one_link_and_one_invitation,
    a_launch_that_fails_in_a_later_chunk_stores_nothing,
    a_bad_row_imports_nothing_and_names_every_line,
    reimport_adds_new_nominations_and_leaves_existing_alone,
    a_second_supervisor_for_an_existing_review_is_refused,
    importing_into_an_open_cycle_invites_at_once,
    closed_cycles_and_unknown_ids_are_refused,
);
