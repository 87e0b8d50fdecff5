//! Storage guarantees: equivalent schemas, concurrent SQLite writers, the append-only audit trail.

use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel::sql_types::Text;
use kam360::db::{self, Db};
use kam360::error::AppError;

use crate::helpers::{spawn_app, try_spawn_app, Backend};

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    nullable: String,
    #[diesel(sql_type = Text)]
    data_type: String,
}

/// The type family both backends must agree on: SQLite's declared type or PostgreSQL's
/// `data_type`, reduced to what the application reads.
fn family(declared: &str) -> String {
    let t = declared.to_ascii_lowercase();
    match t.as_str() {
        "text" => "text",
        "integer" | "int4" | "bigint" | "int8" => "integer",
        "boolean" | "bool" => "boolean",
        "timestamp" | "timestamp without time zone" => "timestamp",
        "date" => "date",
        "blob" | "bytea" => "binary",
        other => return format!("unexpected type {other}"),
    }
    .to_owned()
}

type Columns = BTreeMap<String, Vec<(String, bool, String)>>;

fn normalise(rows: Vec<Column>) -> Columns {
    let mut m: Columns = BTreeMap::new();
    for r in rows
        .into_iter()
        .filter(|r| !r.table_name.starts_with("__diesel"))
    {
        m.entry(r.table_name).or_default().push((
            r.column_name,
            r.nullable == "YES",
            family(&r.data_type),
        ));
    }
    for v in m.values_mut() {
        v.sort();
    }
    m
}

#[tokio::test]
async fn both_migration_trees_give_the_same_tables_and_columns() {
    let sqlite = spawn_app().await;
    let lite = sqlite.read(|c| {
        Ok(diesel::sql_query(
            "SELECT m.name AS table_name, p.name AS column_name, CASE WHEN p.\"notnull\" = 0 AND p.pk = 0 THEN 'YES' ELSE 'NO' END AS nullable, p.type AS data_type \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
        )
        .load::<Column>(c)?)
    });
    // in CI an unreachable PostgreSQL fails here; elsewhere it is skipped with a notice
    let Some(pg) = try_spawn_app(Backend::Postgres).await else {
        return;
    };
    let pgcols = pg.read(|c| {
        Ok(diesel::sql_query(
            "SELECT table_name::text AS table_name, column_name::text AS column_name, is_nullable::text AS nullable, data_type::text AS data_type \
             FROM information_schema.columns WHERE table_schema = 'public'",
        )
        .load::<Column>(c)?)
    });
    let (lite, pgcols) = (
        normalise(lite.expect("sqlite")),
        normalise(pgcols.expect("pg")),
    );
    // every column of every table: same name, nullability and type family on both backends
    assert!(lite.contains_key("assignments") && lite.contains_key("email_bodies"));
    assert!(
        lite.values()
            .flatten()
            .all(|(_, _, t)| !t.starts_with("unexpected")),
        "{lite:?}"
    );
    assert_eq!(lite, pgcols);
    // PostgreSQL keeps a queued body as it is: it is written once and deleted on delivery, and a
    // packed body does not compress again
    #[derive(diesel::QueryableByName)]
    struct Storage {
        #[diesel(sql_type = diesel::sql_types::Text)]
        storage: String,
    }
    for column in ["mime", "packed"] {
        let storage = pg
            .read(move |c| {
                Ok(diesel::sql_query(format!(
                    "SELECT attstorage::text AS storage FROM pg_attribute \
                     WHERE attrelid = 'email_bodies'::regclass AND attname = '{column}'"
                ))
                .get_result::<Storage>(c)?
                .storage)
            })
            .expect("storage");
        assert_eq!(storage, "e", "{column}: EXTERNAL");
    }
}

fn write_many(db: &Db, tag: &str, n: usize) -> Result<(), AppError> {
    for i in 0..n {
        let email = format!("{tag}-{i}@load.test");
        db.write_blocking(move |c| {
            db::people::ensure(c, &email, "Writer", db::now())?;
            Ok::<_, AppError>(())
        })?;
    }
    Ok(())
}

#[tokio::test]
async fn concurrent_sqlite_writers_never_see_database_is_locked() {
    let app = spawn_app().await;
    // two handles = two writer connections on one file, as with two processes
    let other = Db::connect(&app.database_url, 2).expect("second handle");
    let mut threads = Vec::new();
    for t in 0..6 {
        let db = if t % 2 == 0 {
            app.db.clone()
        } else {
            other.clone()
        };
        threads.push(std::thread::spawn(move || {
            write_many(&db, &format!("w{t}"), 25)
        }));
    }
    for t in threads {
        t.join().expect("thread").expect("no write failed");
    }
    let n: i64 = app
        .read(|c| Ok(db::schema::people::table.count().get_result(c)?))
        .expect("count");
    assert_eq!(n, 150);
}

#[tokio::test]
async fn the_audit_trail_refuses_updates_and_deletes_on_both_backends() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(app) = try_spawn_app(backend).await else {
            continue;
        };
        app.write(|c| {
            db::audit::record(
                c,
                db::now(),
                &db::audit::Event::new(kam360::domain::audit::Action::CycleEdit),
            )?;
            Ok(())
        })
        .expect("insert");
        let upd = app
            .write(|c| Ok(diesel::sql_query("UPDATE audit_events SET action = 'x'").execute(c)?));
        assert!(upd.is_err(), "{backend:?} update refused");
        let del = app.write(|c| Ok(diesel::sql_query("DELETE FROM audit_events").execute(c)?));
        assert!(del.is_err(), "{backend:?} delete refused");
    }
}

#[test]
fn an_unknown_url_scheme_is_refused_without_creating_anything() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("mysql://{}", dir.path().join("x.db").display());
    assert!(Db::connect(&url, 1).is_err());
    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grouped_sqlite_writes_fail_alone_and_a_panic_harms_no_other_write() {
    let app = spawn_app().await;
    let writes = (0..60).map(|i| {
        let db = app.db.clone();
        async move {
            db.write(move |c| {
                db::people::ensure(c, &format!("g{i}@group.test"), "Grouped", db::now())?;
                if i % 3 == 0 {
                    return Err(AppError::Invalid("refused on purpose".into()));
                }
                Ok(())
            })
            .await
        }
    });
    let results = futures_util::future::join_all(writes).await;
    assert_eq!(results.iter().filter(|r| r.is_err()).count(), 20);
    let emails: Vec<String> = app
        .read(|c| {
            Ok(db::schema::people::table
                .select(db::schema::people::email)
                .load(c)?)
        })
        .expect("emails");
    for i in 0..60 {
        assert_eq!(
            emails.contains(&format!("g{i}@group.test")),
            i % 3 != 0,
            "write {i}"
        );
    }
    let panicked = app
        .db
        .write(|_c| -> Result<(), AppError> { panic!("a bug in one handler") })
        .await;
    assert!(panicked.is_err());
    app.db
        .write(|c| {
            db::people::ensure(c, "after@group.test", "After", db::now())?;
            Ok::<_, AppError>(())
        })
        .await
        .expect("the writer still works after a panic");
}

/// The compare-and-set every status change relies on, pinned without racing: a second move
/// from the same status finds nothing to move, and a move from a status the row is not in
/// changes nothing.
async fn a_status_moves_only_from_the_status_it_is_in(app: crate::helpers::TestApp) {
    use kam360::domain::status::AssignmentStatus as S;
    let l = crate::fixtures::launched_cycle(&app, &crate::fixtures::standard());
    let id = l.links[0].assignment_id.clone();
    let moved = app
        .write(move |c| {
            let now = db::now();
            Ok((
                db::assignments::advance(c, &id, S::Pending, S::Opened, now)?,
                db::assignments::advance(c, &id, S::Pending, S::Opened, now)?,
                db::assignments::advance(c, &id, S::Draft, S::Submitted, now)?,
                db::assignments::transition(c, &id, &[S::Draft, S::Opened], S::Submitted, now)?,
                db::assignments::transition(c, &id, &S::ANSWERABLE, S::Revoked, now)?,
            ))
        })
        .expect("moves");
    assert_eq!(moved, (true, false, false, true, false));
}

/// Each review's counts of its raters and answers, kept by triggers for the admin home, as
/// the nominations themselves say: every review of `cycle`, summed.
fn counted_and_true(
    app: &crate::helpers::TestApp,
    cycle: &kam360::domain::ids::CycleId,
) -> (db::reviews::CycleProgress, db::reviews::CycleProgress) {
    use kam360::domain::status::AssignmentStatus as S;
    let id = cycle.clone();
    app.read(move |c| {
        let counted = db::reviews::progress_by_cycle(c)?
            .into_iter()
            .find(|p| p.cycle_id == id)
            .expect("the cycle is counted");
        let mut truth = db::reviews::CycleProgress {
            cycle_id: id.clone(),
            reviews: 0,
            raters: 0,
            answered: 0,
        };
        for review in db::reviews::list_for_cycle(c, &id)? {
            truth.reviews += 1;
            for a in db::assignments::list_for_review(c, &review.review.id)? {
                truth.raters += i64::from(a.assignment.status != S::Revoked);
                truth.answered += i64::from(a.assignment.status.has_answered());
            }
        }
        Ok((counted, truth))
    })
    .expect("counts")
}

/// Moves a nomination from one of `from` to `to`, now, in a transaction of its own.
fn moved(
    app: &crate::helpers::TestApp,
    id: &kam360::domain::ids::AssignmentId,
    from: &[kam360::domain::status::AssignmentStatus],
    to: kam360::domain::status::AssignmentStatus,
) {
    let (id, from) = (id.clone(), from.to_vec());
    app.write(move |c| Ok(db::assignments::transition(c, &id, &from, to, db::now())?))
        .unwrap_or_else(|e| panic!("moved to {to:?}: {e:?}"));
}

/// The counts follow every change to a nomination: added, opened, drafted, submitted,
/// declined, revoked, expired, deleted (issue #25: the admin home reads them).
async fn each_review_counts_its_raters_and_answers(app: crate::helpers::TestApp) {
    use kam360::domain::status::AssignmentStatus as S;
    let l = crate::fixtures::launched_cycle(&app, &crate::fixtures::standard());
    let (counted, truth) = counted_and_true(&app, &l.cycle_id);
    assert_eq!(counted, truth);
    assert_eq!((truth.reviews, truth.raters, truth.answered), (1, 11, 0));
    let ids: Vec<_> = l.links.iter().map(|x| x.assignment_id.clone()).collect();
    let steps: Vec<(usize, &[S], S)> = vec![
        (0, &[S::Pending], S::Opened),
        (0, &[S::Opened], S::Draft),
        (0, &[S::Draft], S::Submitted),
        (1, &[S::Pending], S::Declined),
        (2, &[S::Pending], S::Revoked),
        (3, &[S::Pending], S::Submitted),
        (3, &[S::Submitted], S::Revoked),
        (4, &[S::Pending], S::Expired),
    ];
    for (i, from, to) in steps {
        moved(&app, &ids[i], from, to);
        let (counted, truth) = counted_and_true(&app, &l.cycle_id);
        assert_eq!(counted, truth, "after {to:?}");
    }
    let (_, truth) = counted_and_true(&app, &l.cycle_id);
    assert_eq!((truth.raters, truth.answered), (9, 2));
    // a nomination deleted (a purge's way) leaves the counts it was in
    let gone = ids[5].clone();
    app.write(move |c| {
        diesel::delete(
            kam360::db::schema::rater_links::table
                .filter(kam360::db::schema::rater_links::assignment_id.eq(&gone)),
        )
        .execute(c)?;
        use kam360::db::schema::{email_bodies, email_outbox};
        let messages = email_outbox::table
            .filter(email_outbox::assignment_id.eq(Some(&gone)))
            .select(email_outbox::id);
        diesel::delete(email_bodies::table.filter(email_bodies::outbox_id.eq_any(messages)))
            .execute(c)?;
        diesel::delete(email_outbox::table.filter(email_outbox::assignment_id.eq(Some(&gone))))
            .execute(c)?;
        diesel::delete(
            kam360::db::schema::assignments::table
                .filter(kam360::db::schema::assignments::id.eq(&gone)),
        )
        .execute(c)?;
        Ok(())
    })
    .expect("deleted");
    let (counted, truth) = counted_and_true(&app, &l.cycle_id);
    assert_eq!(counted, truth);
    assert_eq!((truth.raters, truth.answered), (8, 2));
}

/// An import counts the reviews it added to once, at its end (PostgreSQL's trigger is off
/// meanwhile): the counts are true after an import into an open cycle, after a refused one,
/// and for every change after either, in the same transaction as the import or a later one.
async fn an_import_counts_its_reviews_once_and_counting_goes_on(app: crate::helpers::TestApp) {
    use crate::fixtures::Nominations;
    use kam360::actions::{nominations, Tx};
    use kam360::domain::status::AssignmentStatus as S;
    let l = crate::fixtures::launched_cycle(&app, &crate::fixtures::standard());
    moved(&app, &l.links[0].assignment_id, &[S::Pending], S::Submitted);
    let import = |csv: String| {
        let (s, t, id) = (
            app.settings.clone(),
            app.templates.clone(),
            l.cycle_id.clone(),
        );
        move |c: &mut db::AnyConnection| {
            nominations::import(
                Tx(c, kam360::actions::Mail::new(&t, &s), None, db::now()),
                &id,
                csv.as_bytes(),
            )
        }
    };
    // two more raters for the KAM, and a second KAM with their own
    let more = Nominations::new()
        .rater("kam@t.cn", "boss@t.cn", "c4@client.cn", "customer", "en")
        .rater("kam@t.cn", "boss@t.cn", "p4@t.cn", "peer", "en")
        .kam("li@t.cn", "Li Lei", "boss@t.cn")
        .rater("li@t.cn", "boss@t.cn", "c1@client.cn", "customer", "zh")
        .csv();
    let (summary, _) = app.write(import(more)).expect("imported");
    assert_eq!(summary.added, 5);
    let (counted, truth) = counted_and_true(&app, &l.cycle_id);
    assert_eq!(counted, truth);
    assert_eq!((truth.reviews, truth.raters, truth.answered), (2, 16, 1));
    // a refused file (its second row is no nomination) adds nothing and leaves counting on
    let refused = Nominations::new()
        .rater("kam@t.cn", "boss@t.cn", "c5@client.cn", "customer", "en")
        .raw("kam@t.cn,Wang Fang,boss@t.cn,Boss,not-an-email,X,customer,en,")
        .csv();
    app.write(import(refused)).expect_err("refused");
    moved(&app, &l.links[1].assignment_id, &[S::Pending], S::Declined);
    let (counted, truth) = counted_and_true(&app, &l.cycle_id);
    assert_eq!(counted, truth);
    assert_eq!((truth.raters, truth.answered), (16, 2));
    // and a change in the import's own transaction, after it, is counted
    let third = l.links[2].assignment_id.clone();
    let and_then = import(
        Nominations::new()
            .rater("li@t.cn", "boss@t.cn", "t9@t.cn", "team", "zh")
            .csv(),
    );
    app.write(move |c| {
        and_then(c)?;
        Ok(db::assignments::transition(
            c,
            &third,
            &[S::Pending],
            S::Revoked,
            db::now(),
        )?)
    })
    .expect("imported and revoked");
    let (counted, truth) = counted_and_true(&app, &l.cycle_id);
    assert_eq!(counted, truth);
    assert_eq!((truth.raters, truth.answered), (16, 2));
}

/// A message a worker claimed and never settled is claimed again once its lease has run out,
/// not before, with its attempt counted (found through the due messages' index since the
/// lease's own index went, issue #25).
async fn an_abandoned_message_is_taken_over_once_its_lease_runs_out(app: crate::helpers::TestApp) {
    use kam360::domain::status::OutboxStatus;
    let l = crate::fixtures::launched_cycle(&app, &crate::fixtures::standard());
    let claim = |lease_for: chrono::TimeDelta| {
        app.write(move |c| {
            let now = db::now();
            Ok(db::outbox::claim_batch(c, now, now + lease_for, 50)?)
        })
        .expect("claimed")
    };
    // every invitation claimed by a worker that dies: its lease ends a minute ago
    let first = claim(chrono::TimeDelta::minutes(-1));
    assert_eq!(first.len(), l.links.len());
    assert!(first.iter().all(|m| m.row.attempts == 1));
    // the next worker takes them over, under a lease of its own
    let again = claim(chrono::TimeDelta::minutes(5));
    let ids = |ms: &[db::outbox::Outgoing]| {
        let mut ids: Vec<String> = ms.iter().map(|m| m.row.id.as_str().to_owned()).collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(&again), ids(&first));
    assert!(again
        .iter()
        .all(|m| m.row.attempts == 2 && m.row.status == OutboxStatus::Sending));
    // while that lease lasts, nobody else takes them
    assert!(claim(chrono::TimeDelta::minutes(5)).is_empty());
}

/// A submitted answer: review, criterion, level (`None`: not able to judge).
type Answer = (String, String, Option<i32>);

/// Every submitted answer of a cycle as a report reads it (from each rater's kept levels) and
/// as the ratings hold it, each sorted.
fn answers_read_and_held(
    app: &crate::helpers::TestApp,
    cycle: &kam360::domain::ids::CycleId,
) -> (Vec<Answer>, Vec<Answer>) {
    use db::schema::{assignments, ratings, reviews};
    use kam360::domain::status::AssignmentStatus as S;
    let id = cycle.clone();
    app.read(move |c| {
        let mut read = Vec::new();
        db::responses::each_submitted_answer_of_cycle(c, &id, |review, _, criterion, level| {
            read.push((review.as_str().to_owned(), criterion.to_owned(), level));
        })?;
        let mut held: Vec<Answer> = ratings::table
            .inner_join(assignments::table.inner_join(reviews::table))
            .filter(reviews::cycle_id.eq(&id))
            .filter(assignments::status.eq(S::Submitted))
            .select((
                assignments::review_id,
                ratings::criterion_id,
                ratings::level,
            ))
            .load(c)?;
        read.sort();
        held.sort();
        Ok((read, held))
    })
    .expect("answers")
}

/// A report reads each rater's levels from one row beside their overall answers (issue #25):
/// what it reads is what the ratings hold, after a first submit, after a draft resubmitted,
/// and after the migration that keeps them fills them in from the ratings already stored.
async fn a_report_reads_the_levels_the_ratings_hold(app: crate::helpers::TestApp) {
    use crate::fixtures::{answer_all, launched_cycle, standard};
    use diesel::migration::MigrationSource;
    use diesel_migrations::MigrationHarness;
    let l = launched_cycle(&app, &standard());
    answer_all(&app, &l, "c1@client.cn", "3").await;
    answer_all(&app, &l, "c2@client.cn", "na").await;
    // a draft saved first, then submitted with other levels
    let draft = l.link("p1@t.cn");
    let criteria: Vec<String> = app
        .rubric
        .criteria_for(kam360::domain::relationship::Relationship::Peer)
        .map(|c| c.id.clone())
        .collect();
    let form = |level: &str, action: &str| {
        let mut pairs: Vec<(String, String)> = criteria
            .iter()
            .map(|c| (c.clone(), level.to_owned()))
            .collect();
        pairs.push(("action".into(), action.into()));
        serde_urlencoded::to_string(&pairs).expect("encode")
    };
    assert_eq!(app.post_raw(&draft, form("1", "save")).await.status(), 303);
    assert_eq!(
        app.post_raw(&draft, form("4", "submit")).await.status(),
        303
    );
    let (read, held) = answers_read_and_held(&app, &l.cycle_id);
    assert_eq!(read, held);
    let expected = criteria.len()
        + app
            .rubric
            .criteria_for(kam360::domain::relationship::Relationship::Customer)
            .count()
            * 2;
    assert_eq!(read.len(), expected);
    assert!(read.iter().any(|(_, _, l)| l.is_none()));
    assert!(read.iter().any(|(_, _, l)| *l == Some(4)));
    assert!(
        !read.iter().any(|(_, _, l)| *l == Some(1)),
        "the draft's levels are gone"
    );
    // the migration drops and adds the column again, filled in from the ratings
    app.write(|c| {
        fn again<C: MigrationHarness<B>, B: diesel::backend::Backend>(
            c: &mut C,
            all: impl MigrationSource<B>,
        ) {
            let m = all
                .migrations()
                .expect("migrations")
                .into_iter()
                .find(|m| m.name().to_string().ends_with("_response_levels"))
                .expect("the levels' migration");
            c.revert_migration(&*m).expect("reverted");
            c.run_migration(&*m).expect("run again");
        }
        match c {
            db::AnyConnection::Sqlite(c) => again(c, db::SQLITE_MIGRATIONS),
            db::AnyConnection::Postgresql(c) => again(c, db::POSTGRES_MIGRATIONS),
        }
        Ok(())
    })
    .expect("migrated again");
    assert_eq!(
        answers_read_and_held(&app, &l.cycle_id),
        (read.clone(), read)
    );
}

crate::both_backends!(
    a_report_reads_the_levels_the_ratings_hold,
    an_abandoned_message_is_taken_over_once_its_lease_runs_out,
    a_status_moves_only_from_the_status_it_is_in,
    each_review_counts_its_raters_and_answers,
    an_import_counts_its_reviews_once_and_counting_goes_on
);

#[derive(QueryableByName)]
struct Sql {
    #[diesel(sql_type = Text)]
    sql: String,
}

#[tokio::test]
async fn the_outbox_takes_every_kind_with_no_check_and_an_unknown_kind_reads_as_an_error() {
    use kam360::domain::locale::Locale;
    use kam360::domain::status::{EmailKind, OutboxStatus};

    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(app) = try_spawn_app(backend).await else {
            continue;
        };
        // the enum is the one list of kinds: the column keeps no CHECK of its own
        let checks = app
            .read(move |c| {
                let q = match backend {
                    Backend::Sqlite => {
                        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'email_outbox'"
                    }
                    Backend::Postgres => {
                        "SELECT pg_get_constraintdef(oid) AS sql FROM pg_constraint \
                         WHERE conrelid = 'email_outbox'::regclass AND contype = 'c'"
                    }
                };
                Ok(diesel::sql_query(q).load::<Sql>(c)?)
            })
            .expect("the outbox's definition");
        assert!(!checks.is_empty(), "{backend:?}");
        for Sql { sql } in &checks {
            let sql = sql.to_ascii_lowercase();
            assert!(
                !sql.contains("check (kind") && !sql.contains("check ((kind"),
                "{backend:?}: {sql}"
            );
        }
        // a row of every kind goes in and reads back
        let now = db::now();
        app.write(move |c| {
            for kind in EmailKind::ALL {
                let queued = db::outbox::enqueue(
                    c,
                    &db::outbox::NewMessage {
                        id: kam360::domain::ids::MessageId::generate(),
                        idempotency_key: format!("{kind}:every-kind"),
                        kind: *kind,
                        assignment_id: None,
                        review_id: None,
                        recipient_email: "every@kind.test".into(),
                        recipient_name: "Every Kind".into(),
                        locale: Locale::En,
                        subject: kind.as_str().into(),
                        mime: "MIME".into(),
                        specimen: None,
                        packed: None,
                        message_id: format!("<{kind}@kam360>"),
                        status: OutboxStatus::Sent,
                        attempts: 0,
                        next_attempt_at: now,
                        created_at: now,
                        opening: None,
                    },
                )?;
                assert!(queued, "{kind}");
            }
            Ok(())
        })
        .expect("a row of every kind");
        let mut kinds: Vec<EmailKind> = app
            .read(|c| Ok(db::outbox::list(c, Some(OutboxStatus::Sent))?))
            .expect("read back")
            .into_iter()
            .map(|r| r.kind)
            .collect();
        kinds.sort_by_key(|k| k.as_str());
        let mut all = EmailKind::ALL.to_vec();
        all.sort_by_key(|k| k.as_str());
        assert_eq!(kinds, all, "{backend:?}");
        // a kind this build does not know (written by a newer one) is an error that names it
        app.write(|c| {
            diesel::sql_query(
                "INSERT INTO email_outbox (id, idempotency_key, kind, recipient_email, \
                 recipient_name, locale, subject, message_id, status, attempts, next_attempt_at, \
                 created_at) VALUES ('unknown-kind', 'digest:1', 'digest', 'a@kind.test', 'A', \
                 'en', 'Digest', '<digest@kam360>', 'sent', 0, '2026-12-01 09:00:00', \
                 '2026-12-01 09:00:00')",
            )
            .execute(c)?;
            Ok(())
        })
        .expect("the database takes any kind");
        let read = app
            .read(
                |c| Ok(db::outbox::list(c, Some(OutboxStatus::Sent)).map_err(anyhow::Error::from)),
            )
            .expect("the query runs");
        // as the log shows it: the error and its causes
        let err = format!(
            "{:#}",
            read.expect_err("an unknown kind is not read as a known one")
        );
        assert!(
            err.contains("unknown email kind 'digest' in the database"),
            "{backend:?}: {err}"
        );
        // a pending message of that kind is left for the build that knows it: the worker's
        // claims go on for every other message
        app.write(|c| {
            diesel::sql_query(
                "INSERT INTO email_outbox (id, idempotency_key, kind, recipient_email, \
                 recipient_name, locale, subject, message_id, status, attempts, next_attempt_at, \
                 created_at) VALUES ('unknown-pending', 'digest:2', 'digest', 'a@kind.test', 'A', \
                 'en', 'Digest', '<digest2@kam360>', 'pending', 0, '2026-12-01 09:00:00', \
                 '2026-12-01 09:00:00')",
            )
            .execute(c)?;
            Ok(())
        })
        .expect("a pending message of an unknown kind");
        let now = db::now();
        let claimed = app
            .write(move |c| {
                Ok(db::outbox::claim_batch(
                    c,
                    now,
                    now + chrono::TimeDelta::minutes(5),
                    50,
                )?)
            })
            .expect("claims go on");
        assert!(
            claimed
                .iter()
                .all(|m| m.row.id.as_str() != "unknown-pending"),
            "{backend:?}"
        );
    }
}
