//! The admin console (SPEC §11) over HTTP: a whole cycle run from the browser's forms, the
//! contract's status codes and words, refusals that keep what was typed, and the audit of
//! every step.

use kam360::actions::users::Role;
use kam360::db;
use kam360::domain::status::{AssignmentStatus, CycleStatus};

use crate::both_backends;
use crate::fixtures::{future, standard, Nominations};
use crate::helpers::dispatch_all_pending_emails;
use crate::helpers::{csrf_of, StaffClient, TestApp};

/// An admin's browser.
pub struct Console<'a> {
    pub app: &'a TestApp,
    pub staff: StaffClient,
}

impl<'a> Console<'a> {
    pub async fn new(app: &'a TestApp) -> Console<'a> {
        Console {
            app,
            staff: app.staff("admin@t.cn", Role::Admin).await,
        }
    }

    pub async fn get(&self, path: &str) -> (u16, String) {
        let r = self
            .staff
            .client
            .get(format!("{}{path}", self.app.address))
            .send()
            .await
            .expect("GET");
        (r.status().as_u16(), r.text().await.expect("body"))
    }

    /// Posts a form with this session's token; returns the status and the Location or body.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
        let mut all = vec![("csrf", self.staff.csrf.as_str())];
        all.extend_from_slice(fields);
        let r = self
            .staff
            .client
            .post(format!("{}{path}", self.app.address))
            .form(&all)
            .send()
            .await
            .expect("POST");
        located(r).await
    }

    /// Uploads a nominations file.
    pub async fn upload(&self, cycle: &kam360::domain::ids::CycleId, csv: &str) -> (u16, String) {
        let form = reqwest::multipart::Form::new()
            .text("csrf", self.staff.csrf.clone())
            .part(
                "file",
                reqwest::multipart::Part::bytes(csv.as_bytes().to_vec())
                    .file_name("nominations.csv")
                    .mime_str("text/csv")
                    .expect("mime"),
            );
        let r = self
            .staff
            .client
            .post(format!(
                "{}/admin/cycles/{cycle}/nominations",
                self.app.address
            ))
            .multipart(form)
            .send()
            .await
            .expect("upload");
        located(r).await
    }

    /// Creates a cycle through the form; returns its id.
    pub async fn create(&self, name: &str, mode: &str) -> kam360::domain::ids::CycleId {
        let closes = future(14).to_string();
        let (s, to) = self
            .post(
                "/admin/cycles",
                &[
                    ("name", name),
                    ("closes_at", &closes),
                    ("min_group_size", "3"),
                    ("time_zone", "Asia/Shanghai"),
                    ("nominations", mode),
                ],
            )
            .await;
        assert_eq!(s, 303, "{to}");
        to.strip_prefix("/admin/cycles/")
            .and_then(|r| r.split('?').next())
            .and_then(kam360::domain::ids::CycleId::parse)
            .expect("to the cycle page")
    }
}

async fn located(r: reqwest::Response) -> (u16, String) {
    let status = r.status().as_u16();
    match r.headers().get("location") {
        Some(to) => (status, to.to_str().expect("ascii").to_owned()),
        None => (status, r.text().await.expect("body")),
    }
}

fn statuses(
    app: &TestApp,
    cycle: &kam360::domain::ids::CycleId,
) -> Vec<(String, AssignmentStatus)> {
    let id = cycle.clone();
    app.read(move |c| {
        let mut out = Vec::new();
        for r in db::reviews::list_for_cycle(c, &id)? {
            for a in db::assignments::list_for_review(c, &r.review.id)? {
                out.push((a.rater_email, a.assignment.status));
            }
        }
        Ok(out)
    })
    .expect("statuses")
}

fn status_of(app: &TestApp, cycle: &kam360::domain::ids::CycleId, rater: &str) -> AssignmentStatus {
    statuses(app, cycle)
        .into_iter()
        .find(|(e, _)| e == rater)
        .map(|(_, s)| s)
        .unwrap_or_else(|| panic!("no nomination of {rater}"))
}

/// The id of the nomination of `rater` (from the page's action URLs).
fn assignment_of(
    app: &TestApp,
    cycle: &kam360::domain::ids::CycleId,
    rater: &str,
) -> kam360::domain::ids::AssignmentId {
    let id = cycle.clone();
    let rater = rater.to_owned();
    app.read(move |c| {
        for r in db::reviews::list_for_cycle(c, &id)? {
            for a in db::assignments::list_for_review(c, &r.review.id)? {
                if a.rater_email == rater {
                    return Ok(a.assignment.id);
                }
            }
        }
        Err(kam360::error::AppError::NotFound)
    })
    .expect("assignment")
}

async fn a_cycle_is_created_refused_fields_keep_what_was_typed(app: TestApp) {
    let admin = Console::new(&app).await;
    let (s, list) = admin.get("/admin?lang=en").await;
    assert_eq!(s, 200);
    assert!(
        list.contains("href=\"/admin/cycles/new\""),
        "a way to create one"
    );
    let (s, form) = admin.get("/admin/cycles/new?lang=en").await;
    assert_eq!(s, 200);
    assert!(form.contains("name=\"closes_at\"") && form.contains("value=\"admin\" checked"));
    // every bad field at once, each error beside its field, the typed values kept
    let (s, page) = admin
        .post(
            "/admin/cycles?lang=en",
            &[
                ("name", "  "),
                ("closes_at", "2020-01-01"),
                ("min_group_size", "2"),
                ("time_zone", "Mars/Olympus"),
                ("nominations", "hr"),
            ],
        )
        .await;
    assert_eq!(s, 422);
    for says in [
        "Give the cycle a name.",
        "k must be a whole number from 3 to 50.",
        "This is not a known time zone.",
        "Choose who nominates the raters.",
    ] {
        assert!(page.contains(says), "{says}: {page}");
    }
    assert!(page.contains("id=\"time_zone-error\""), "next to its field");
    assert!(page.contains("value=\"Mars/Olympus\"") && page.contains("value=\"2020-01-01\""));
    let (s, page) = admin
        .post(
            "/admin/cycles?lang=en",
            &[("name", "Past"), ("closes_at", "2020-01-01")],
        )
        .await;
    assert_eq!(s, 422);
    assert!(
        page.contains("The closing date has already passed"),
        "{page}"
    );
    let n: i64 = app
        .read(|c| Ok(db::cycles::list(c)?.len() as i64))
        .expect("cycles");
    assert_eq!(n, 0, "nothing was created");
    // a day no calendar has comes back as typed, in a field that can hold it (a date field
    // cannot: the Nu checker refuses `type=date value=2026-02-30`)
    let (s, page) = admin
        .post(
            "/admin/cycles?lang=en",
            &[("name", "No such day"), ("closes_at", "2026-02-30")],
        )
        .await;
    assert_eq!(s, 422);
    assert!(
        page.contains("type=\"text\" id=\"closes_at\"") && page.contains("value=\"2026-02-30\""),
        "{page}"
    );
    assert!(!page.contains("type=\"date\" id=\"closes_at\""), "{page}");

    let id = admin.create("2026 H2", "admin").await;
    let cycle = {
        let id = id.clone();
        app.read(move |c| Ok(db::cycles::find(c, &id)?.expect("cycle")))
            .expect("cycle")
    };
    assert_eq!(cycle.status, CycleStatus::Draft);
    assert_eq!(cycle.time_zone, "Asia/Shanghai");
    assert_eq!(cycle.min_group_size, 3);
    let (s, page) = admin.get(&format!("/admin/cycles/{id}?lang=en")).await;
    assert_eq!(s, 200);
    assert!(
        page.contains("2026 H2") && page.contains("(UTC+08:00)"),
        "{page}"
    );
    assert!(
        page.contains("The cycle was created as a draft."),
        "the notice came along"
    );
    let (_, again) = admin.get(&format!("/admin/cycles/{id}?lang=en")).await;
    assert!(
        !again.contains("The cycle was created"),
        "a notice shows once"
    );
    // a draft's settings can be edited; the edit is audited with its author
    let closes = future(20).to_string();
    let (s, to) = admin
        .post(
            &format!("/admin/cycles/{id}/edit"),
            &[
                ("name", "2026 H2 (Sales)"),
                ("closes_at", &closes),
                ("reminder_days", "5, 1"),
                ("nominations", "admin"),
            ],
        )
        .await;
    assert_eq!(
        (s, to.as_str()),
        (303, format!("/admin/cycles/{id}").as_str())
    );
    let (_, page) = admin.get(&format!("/admin/cycles/{id}?lang=en")).await;
    assert!(page.contains("2026 H2 (Sales)") && page.contains("5, 1 days before closing"));
    let (_, audit) = admin.get(&format!("/admin/audit?cycle={id}&lang=en")).await;
    assert!(
        audit.contains("cycle.create") && audit.contains("cycle.edit"),
        "{audit}"
    );
    assert!(audit.contains("admin@t.cn"), "who did it");
}

async fn a_whole_cycle_runs_in_the_browser(app: TestApp) {
    let admin = Console::new(&app).await;
    let id = admin.create("Console cycle", "admin").await;
    // a bad file first: every bad row listed with the CLI's words, nothing imported
    let bad = Nominations::new()
        .kam("kam@t.cn", "Wang Fang", "boss@t.cn")
        .raw("kam@t.cn,Wang Fang,boss@t.cn,Boss,not-an-email,X,customer,en,ACME")
        .raw("kam@t.cn,Wang Fang,boss@t.cn,Boss,c9@client.cn,Y,friend,en,ACME")
        .csv();
    let (s, page) = admin.upload(&id, &bad).await;
    assert_eq!(s, 422);
    assert!(
        page.contains("line 4:") && page.contains("line 5:"),
        "{page}"
    );
    assert!(statuses(&app, &id).is_empty(), "all or nothing");
    let cli = kam360::domain::formats::nomination::parse(bad.as_bytes()).expect_err("bad");
    for e in &cli {
        assert!(
            page.contains(&maud::html! { (e.to_string()) }.into_string()),
            "the CLI's words: {e}"
        );
    }
    // the good file
    let (s, to) = admin.upload(&id, &standard().csv()).await;
    assert_eq!(
        (s, to.as_str()),
        (303, format!("/admin/cycles/{id}").as_str())
    );
    let (_, page) = admin.get(&format!("{to}?lang=en")).await;
    assert!(page.contains("11 nominations imported"), "{page}");
    assert!(page.contains("c1@client.cn") && page.contains(">pending<"));
    // one more by hand, and a refused one that keeps what was typed
    let one = [
        ("subject_email", "kam@t.cn"),
        ("subject_name", "Wang Fang"),
        ("supervisor_email", "boss@t.cn"),
        ("supervisor_name", "Supervisor boss@t.cn"),
        ("rater_email", "c4@client.cn"),
        ("rater_name", "Zhao Lei"),
        ("relationship", "customer"),
        ("locale", "zh"),
        ("organization", "ACME"),
    ];
    let mut typo = one.to_vec();
    typo[4] = ("rater_email", "c4@client");
    let (s, page) = admin
        .post(
            &format!("/admin/cycles/{id}/nominations/add?lang=en"),
            &typo,
        )
        .await;
    assert_eq!(s, 422);
    assert!(page.contains("value=\"c4@client\"") && page.contains("value=\"Zhao Lei\""));
    let (s, _) = admin
        .post(&format!("/admin/cycles/{id}/nominations/add"), &one)
        .await;
    assert_eq!(s, 303);
    let extra = assignment_of(&app, &id, "c4@client.cn");
    // a draft's nomination can be edited, with the import's checks
    let (s, page) = admin
        .post(
            &format!("/admin/cycles/{id}/nominations/{extra}/edit?lang=en"),
            &[
                ("rater_name", "Zhao Lei"),
                ("relationship", "self"),
                ("locale", "zh"),
            ],
        )
        .await;
    assert_eq!(s, 422);
    assert!(page.contains("self"), "the import's reason: {page}");
    assert!(
        page.contains("<details class=\"correct\" open")
            && page.contains("<option value=\"self\" selected"),
        "the refused edit comes back open, as typed"
    );
    let (s, _) = admin
        .post(
            &format!("/admin/cycles/{id}/nominations/{extra}/edit"),
            &[
                ("rater_name", "Zhao Lei Jr"),
                ("relationship", "peer"),
                ("locale", "en"),
                ("organization", "Finance"),
            ],
        )
        .await;
    assert_eq!(s, 303);
    let edited = {
        let a = extra.clone();
        app.read(move |c| Ok(db::assignments::find_listing(c, &a)?.expect("row")))
            .expect("row")
    };
    assert_eq!(
        edited.assignment.relationship,
        kam360::domain::relationship::Relationship::Peer
    );
    assert_eq!(
        (edited.rater_name.as_str(), edited.organization.as_deref()),
        ("Zhao Lei Jr", Some("Finance"))
    );
    let (s, _) = admin
        .post(
            &format!("/admin/cycles/{id}/nominations/{extra}/remove"),
            &[],
        )
        .await;
    assert_eq!(s, 303);
    assert_eq!(statuses(&app, &id).len(), 11);

    // launch: the confirmation says what will happen
    let (s, confirm) = admin
        .get(&format!("/admin/cycles/{id}/launch?lang=en"))
        .await;
    assert_eq!(s, 200);
    assert!(confirm.contains("This queues 11 invitations"), "{confirm}");
    // and how long that takes (a moment, for eleven)
    assert!(confirm.contains("Launching takes a moment."), "{confirm}");
    let (s, to) = admin.post(&format!("/admin/cycles/{id}/launch"), &[]).await;
    assert_eq!(
        (s, to.as_str()),
        (303, format!("/admin/cycles/{id}").as_str())
    );
    let (_, page) = admin.get(&format!("{to}?lang=en")).await;
    assert!(page.contains("Invitations on their way: 11."), "{page}");
    assert_eq!(
        status_of(&app, &id, "c1@client.cn"),
        AssignmentStatus::Pending
    );
    let sent = dispatch_all_pending_emails(&app).await;
    assert_eq!(sent.sent, 11);
    assert_eq!(
        status_of(&app, &id, "c1@client.cn"),
        AssignmentStatus::Invited
    );
    let (_, page) = admin.get(&format!("/admin/cycles/{id}?lang=en")).await;
    assert!(page.contains(">invited<"));
    assert!(
        !page.contains("none yet"),
        "each row says when its last email went out"
    );

    // per nomination: remind, reissue, revoke, correct the address
    let c1 = assignment_of(&app, &id, "c1@client.cn");
    let c2 = assignment_of(&app, &id, "c2@client.cn");
    let c3 = assignment_of(&app, &id, "c3@client.cn");
    let before = app.mail_files().len();
    // a revoke asks first, naming whom it cuts off (SPEC §16)
    let (s, ask) = admin
        .get(&format!(
            "/admin/cycles/{id}/nominations/{c3}/revoke?lang=en"
        ))
        .await;
    assert_eq!(s, 200);
    assert!(
        ask.contains("c3@client.cn") && ask.contains("cannot be undone"),
        "{ask}"
    );
    assert!(ask.contains(&format!(
        "action=\"/admin/cycles/{id}/nominations/{c3}/revoke\""
    )));
    for (action, who) in [("remind", &c1), ("reissue", &c2), ("revoke", &c3)] {
        let (s, to) = admin
            .post(
                &format!("/admin/cycles/{id}/nominations/{who}/{action}"),
                &[],
            )
            .await;
        assert_eq!(s, 303, "{action}: {to}");
    }
    assert_eq!(
        status_of(&app, &id, "c3@client.cn"),
        AssignmentStatus::Revoked
    );
    // a rater gets at most one reminder a day, whoever sends it (SPEC §16)
    let (s, page) = admin
        .post(
            &format!("/admin/cycles/{id}/nominations/{c1}/remind?lang=en"),
            &[],
        )
        .await;
    assert_eq!(s, 422);
    assert!(
        page.contains("was reminded less than 24 hours ago") && page.contains("in 24 h"),
        "{page}"
    );
    // an action taken on a searched, filtered page comes back to that same view
    let (s, to) = admin
        .post(
            &format!("/admin/cycles/{id}/nominations/{c2}/remind?q=wang&show=unanswered"),
            &[],
        )
        .await;
    assert_eq!(
        (s, to.as_str()),
        (
            303,
            format!("/admin/cycles/{id}?q=wang&show=unanswered").as_str()
        )
    );
    // revoking again is refused with the reason, on its confirmation page and on the cycle's
    let (s, ask) = admin
        .get(&format!(
            "/admin/cycles/{id}/nominations/{c3}/revoke?lang=en"
        ))
        .await;
    assert_eq!(s, 409);
    assert!(
        ask.contains("only an unanswered link can be revoked"),
        "{ask}"
    );
    assert!(ask.contains("disabled"), "the button is off: {ask}");
    let (s, page) = admin
        .post(
            &format!("/admin/cycles/{id}/nominations/{c3}/revoke?lang=en"),
            &[],
        )
        .await;
    assert_eq!(s, 422);
    assert!(
        page.contains("only an unanswered link can be revoked"),
        "{page}"
    );
    let p1 = assignment_of(&app, &id, "p1@t.cn");
    let (s, page) = admin
        .post(
            &format!("/admin/cycles/{id}/nominations/{p1}/email?lang=en"),
            &[("email", "not an address")],
        )
        .await;
    assert_eq!(s, 422);
    assert!(page.contains("is not a valid email address"), "{page}");
    assert!(
        page.contains("value=\"not an address\""),
        "the typed address is kept"
    );
    // the reason stands beside the field, which is open, and the summary leads there
    assert!(
        page.contains(&format!(
            "<p class=\"field-error\" id=\"email-{p1}-error\">"
        )) && page.contains(&format!("aria-describedby=\"email-{p1}-error\""))
            && page.contains(&format!("href=\"#email-{p1}\"")),
        "{page}"
    );
    // the KAM and the supervisor cannot become other raters
    let (s, page) = admin
        .post(
            &format!("/admin/cycles/{id}/nominations/{p1}/email?lang=en"),
            &[("email", "kam@t.cn")],
        )
        .await;
    assert_eq!(s, 422);
    assert!(page.contains("rate in their own rows"), "{page}");
    let (s, _) = admin
        .post(
            &format!("/admin/cycles/{id}/nominations/{p1}/email"),
            &[("email", "P1.Right@T.cn")],
        )
        .await;
    assert_eq!(s, 303);
    assert_eq!(
        assignment_of(&app, &id, "p1.right@t.cn"),
        p1,
        "the same nomination"
    );
    // everyone who has not answered, at once, after a page that says how many: the two
    // reminded today are skipped
    let (s, ask) = admin
        .get(&format!("/admin/cycles/{id}/remind?lang=en"))
        .await;
    assert_eq!(s, 200);
    assert!(
        ask.contains("(earlier links keep working): 8.")
            && ask.contains("(a rater gets at most one reminder a day): 2."),
        "{ask}"
    );
    let (s, to) = admin.post(&format!("/admin/cycles/{id}/remind"), &[]).await;
    assert_eq!(s, 303);
    let (_, page) = admin.get(&format!("{to}?lang=en")).await;
    assert!(
        page.contains("Reminders on their way: 8. Skipped, reminded less than 24 hours ago: 2."),
        "{page}"
    );
    let sent = dispatch_all_pending_emails(&app).await;
    assert_eq!(
        sent.sent, 12,
        "2 reminders + reissue + corrected + 8 reminders"
    );
    assert_eq!(app.mail_files().len(), before + 12);
    // and nobody is left to remind today
    let (s, ask) = admin
        .get(&format!("/admin/cycles/{id}/remind?lang=en"))
        .await;
    assert_eq!(s, 409);
    assert!(ask.contains("Nobody can be reminded now"), "{ask}");
    let (_, page) = admin.get(&format!("/admin/cycles/{id}?lang=en")).await;
    assert!(
        page.contains(&format!("href=\"/admin/cycles/{id}/remind\"")),
        "remind everyone is a link to its confirmation"
    );
    // the filter shows those still waiting; admins never see what anyone answered
    let (_, page) = admin
        .get(&format!(
            "/admin/cycles/{id}?show=unanswered&q=wang&lang=en"
        ))
        .await;
    assert!(page.contains("Wang Fang") && page.contains("c1@client.cn"));
    assert!(
        !page.contains("c3@client.cn"),
        "the revoked one is not waiting"
    );
    let (_, none) = admin
        .get(&format!("/admin/cycles/{id}?q=nobody&lang=en"))
        .await;
    assert!(none.contains("No key account manager matches."));

    // close, then archive, each behind its confirmation
    let (s, confirm) = admin
        .get(&format!("/admin/cycles/{id}/close?lang=en"))
        .await;
    assert_eq!(s, 200);
    assert!(
        confirm.contains("10 unanswered links stop working"),
        "{confirm}"
    );
    let (s, _) = admin.post(&format!("/admin/cycles/{id}/close"), &[]).await;
    assert_eq!(s, 303);
    let (s, page) = admin
        .get(&format!("/admin/cycles/{id}/launch?lang=en"))
        .await;
    assert_eq!(s, 409, "a closed cycle cannot be launched");
    assert!(page.contains("Only a draft cycle can be launched"));
    let (s, _) = admin
        .post(&format!("/admin/cycles/{id}/archive"), &[])
        .await;
    assert_eq!(s, 303);
    let (_, list) = admin.get("/admin?lang=en").await;
    assert!(
        list.contains("Archived") && list.contains("closed on"),
        "closed early: {list}"
    );
    // the downloads are the CLI's bytes
    let rows = {
        let id = id.clone();
        app.read(move |c| kam360::actions::report::build(c, &id))
            .expect("rows")
    };
    let (s, csv) = admin.get(&format!("/admin/cycles/{id}/report.csv")).await;
    assert_eq!(s, 200);
    assert_eq!(
        csv,
        kam360::domain::formats::export::to_csv(&rows).expect("csv")
    );
    // every step is in the audit trail with its author
    let (_, audit) = admin.get(&format!("/admin/audit?cycle={id}&lang=en")).await;
    for action in [
        "cycle.import",
        "nomination.edit",
        "nomination.remove",
        "cycle.launch",
        "nomination.remind",
        "link.reissue",
        "link.revoke",
        "nomination.correct_email",
        "cycle.remind_all",
        "cycle.close",
        "cycle.archive",
    ] {
        assert!(audit.contains(action), "{action} audited");
    }
    // in words, naming the rater concerned, in the reader's language: no stored code or id
    assert!(
        audit.contains("Rater c3@client.cn (Customer)"),
        "the revoke names its rater: {audit}"
    );
    assert!(!audit.contains(&c3.to_string()), "no nomination id");
    assert!(!audit.contains("open → closed") && !audit.contains("added, 0 unchanged"));
    let (_, zh) = admin.get(&format!("/admin/audit?cycle={id}&lang=zh")).await;
    let word = |key| kam360::i18n::t(kam360::domain::locale::Locale::Zh, key);
    assert!(
        zh.contains(&format!("Rater c3@client.cn（{}）", word("group.customer")))
            && zh.contains(&format!(
                "{} → {}",
                word("status.open"),
                word("status.closed")
            )),
        "{zh}"
    );
    let (_, by_person) = admin.get("/admin/audit?person=p1.right@t.cn&lang=en").await;
    assert!(
        by_person.contains("nomination.correct_email"),
        "{by_person}"
    );
    assert!(!by_person.contains("cycle.launch"));
}

async fn staff_are_invited_disabled_and_given_roles(app: TestApp) {
    let admin = Console::new(&app).await;
    let (s, page) = admin
        .post(
            "/admin/users?lang=en",
            &[("email", "li@t"), ("name", ""), ("role", "boss")],
        )
        .await;
    assert_eq!(s, 422);
    assert!(page.contains("Give a valid email address.") && page.contains("value=\"li@t\""));
    let (s, to) = admin
        .post(
            "/admin/users",
            &[
                ("email", "Li.Ming@T.cn"),
                ("name", "Li Ming"),
                ("role", "supervisor"),
                ("locale", "en"),
            ],
        )
        .await;
    assert_eq!((s, to.as_str()), (303, "/admin/users"));
    let (_, page) = admin.get("/admin/users?lang=en").await;
    assert!(page.contains("The invitation is on its way."));
    let (s, page) = admin
        .post(
            "/admin/users?lang=en",
            &[("email", "li.ming@t.cn"), ("name", "Li"), ("role", "admin")],
        )
        .await;
    assert_eq!(s, 422);
    assert!(page.contains("already has an account"));
    let (_, list) = admin.get("/admin/users?lang=en").await;
    assert!(list.contains("li.ming@t.cn") && list.contains(">invited<"));
    // the invitation: a link to choose a password, in the chosen language
    dispatch_all_pending_emails(&app).await;
    let mail = app
        .mail_files()
        .iter()
        .map(|p| crate::helpers::read_mail(p))
        .find(|m| m.to == "li.ming@t.cn")
        .expect("the invitation");
    println!("{}\n\n{}", mail.subject, mail.text);
    assert!(
        mail.subject.contains("invited to kam360 as supervisor"),
        "{}",
        mail.subject
    );
    let link = crate::helpers::link_in_mail(&mail.text, "/password/reset/");
    let (s, page) = app.get_text(&format!("{link}?lang=en")).await;
    assert_eq!(s, 200);
    assert!(page.contains("name=\"confirm\""), "the password form");
    assert!(
        page.contains("Welcome: choose your password"),
        "a welcome, not a reset"
    );
    // choosing the password makes the account usable, and no longer "invited"
    let r = app
        .post_form(
            &format!("{link}?lang=en"),
            &[
                ("password", "three unrelated words"),
                ("confirm", "three unrelated words"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let signed_in = crate::helpers::new_client()
        .post(format!("{}/login", app.address))
        .form(&[
            ("email", "li.ming@t.cn"),
            ("password", "three unrelated words"),
        ])
        .send()
        .await
        .expect("sign in");
    assert_eq!(signed_in.status(), 303);
    let (_, list) = admin.get("/admin/users?lang=en").await;
    assert!(!list.contains(">invited<"), "{list}");
    let person = app
        .read(|c| {
            Ok(db::people::find_by_email(c, "li.ming@t.cn")?
                .expect("li")
                .id)
        })
        .expect("person");
    // the admin cannot change or disable themselves
    let me = app
        .read(|c| Ok(db::people::find_by_email(c, "admin@t.cn")?.expect("me").id))
        .expect("me");
    let (s, page) = admin
        .post(&format!("/admin/users/{me}/disable?lang=en"), &[])
        .await;
    assert_eq!(s, 422);
    assert!(page.contains("You cannot disable your own account."));
    let (s, _) = admin
        .post(&format!("/admin/users/{person}/role"), &[("role", "admin")])
        .await;
    assert_eq!(s, 303);
    let (s, _) = admin
        .post(&format!("/admin/users/{person}/disable"), &[])
        .await;
    assert_eq!(s, 303);
    let account = app
        .read(|c| Ok(db::accounts::find_by_email(c, "li.ming@t.cn")?.expect("li")))
        .expect("account");
    assert!(account.disabled && account.role == Role::Admin);
    let (_, audit) = admin.get("/admin/audit?person=li.ming@t.cn&lang=en").await;
    for a in ["user.invite", "user.role", "user.disable"] {
        assert!(audit.contains(a), "{a}");
    }
}

async fn staff_pages_speak_the_chosen_language_and_remember_it(app: TestApp) {
    let admin = Console::new(&app).await;
    let (_, page) = admin.get("/admin?lang=zh").await;
    assert!(page.contains("lang=\"zh-CN\"") || page.contains("lang=\"zh\""));
    assert!(
        page.contains("新建周期") && page.contains("href=\"/admin?lang=en\""),
        "a switch"
    );
    // the choice is the person's: the next page without ?lang is in Chinese too
    let (_, next) = admin.get("/admin/users").await;
    assert!(next.contains("员工账户"), "{next}");
    let (_, back) = admin.get("/admin/outbox?lang=en").await;
    assert!(back.contains("Email problems"));
    let (_, after) = admin.get("/admin/audit").await;
    assert!(after.contains("Audit trail"));
    // the sign-in page has the switch too, and the language chosen there is kept
    let (_, login) = app.get_text("/login?lang=en").await;
    assert!(
        login.contains("href=\"/login?lang=zh\"") && login.contains("action=\"/login?lang=en\"")
    );
    let password = app
        .write(|c| {
            let p = kam360::domain::security::password::generate();
            let h = kam360::domain::security::password::hash(&p).expect("hash");
            db::accounts::set_password(c, "admin@t.cn", &h, db::now())?;
            Ok(p)
        })
        .expect("password");
    let fresh = crate::helpers::new_client();
    let r = fresh
        .post(format!("{}/login?lang=zh", app.address))
        .form(&[("email", "admin@t.cn"), ("password", password.as_str())])
        .send()
        .await
        .expect("sign in");
    assert_eq!(r.status(), 303);
    let home = fresh
        .get(format!("{}/admin", app.address))
        .send()
        .await
        .expect("home")
        .text()
        .await
        .expect("body");
    assert!(
        home.contains("新建周期"),
        "in the language chosen at sign-in"
    );
}

async fn an_ended_session_keeps_the_typed_form(app: TestApp) {
    let admin = Console::new(&app).await;
    let closes = future(10).to_string();
    // the session times out while the admin types
    app.write(|c| {
        use diesel::prelude::*;
        diesel::delete(db::schema::staff_sessions::table).execute(c)?;
        Ok(())
    })
    .expect("end sessions");
    // the browser says where the form comes from: our own page
    let r = admin
        .staff
        .client
        .post(format!("{}/admin/cycles?lang=en", app.address))
        .header("origin", app.address.as_str())
        .form(&[
            ("csrf", admin.staff.csrf.as_str()),
            ("name", "Typed before the timeout"),
            ("closes_at", closes.as_str()),
        ])
        .send()
        .await
        .expect("post");
    let (s, page) = (r.status().as_u16(), r.text().await.expect("page"));
    assert_eq!(s, 401);
    assert!(page.contains("They were kept"), "{page}");
    // without any sign of where it comes from, a form is not carried either
    let r = admin
        .staff
        .client
        .post(format!("{}/admin/cycles", app.address))
        .form(&[("name", "No origin"), ("closes_at", closes.as_str())])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 303);
    // a form another site posts is never carried through a sign-in (it arrives without the
    // session, the cookie being SameSite): sign in, nothing more
    let r = admin
        .staff
        .client
        .post(format!("{}/admin/users", app.address))
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .form(&[
            ("email", "attacker@evil.example"),
            ("name", "X"),
            ("role", "admin"),
        ])
        .send()
        .await
        .expect("cross-site");
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login");
    assert!(page.contains("name=\"resume_to\" value=\"/admin/cycles\""));
    assert!(page.contains("Typed+before+the+timeout"), "carried");
    assert!(!page.contains(&admin.staff.csrf), "never the old token");
    let resume = |field: &str| {
        let marker = format!("name=\"{field}\" value=\"");
        let at = page.find(&marker).expect(field) + marker.len();
        page[at..at + page[at..].find('"').expect("end")]
            .replace("&amp;", "&")
            .replace("&quot;", "\"")
    };
    // signing in again shows one button that sends it on
    let password = app
        .write(|c| {
            let p = kam360::domain::security::password::generate();
            let h = kam360::domain::security::password::hash(&p).expect("hash");
            db::accounts::set_password(c, "admin@t.cn", &h, db::now())?;
            Ok(p)
        })
        .expect("password");
    let r = admin
        .staff
        .client
        .post(format!("{}/login?lang=en", app.address))
        .form(&[
            ("email", "admin@t.cn"),
            ("password", password.as_str()),
            ("resume_to", resume("resume_to").as_str()),
            ("resume", resume("resume").as_str()),
        ])
        .send()
        .await
        .expect("sign in");
    assert_eq!(r.status(), 200);
    let page = r.text().await.expect("page");
    assert!(page.contains("Send my changes") && page.contains("action=\"/admin/cycles\""));
    assert!(
        page.contains("value=\"Typed before the timeout\""),
        "the typed values, carried"
    );
    let csrf = csrf_of(&page);
    assert_ne!(csrf, admin.staff.csrf);
    let r = admin
        .staff
        .client
        .post(format!("{}/admin/cycles", app.address))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "Typed before the timeout"),
            ("closes_at", closes.as_str()),
        ])
        .send()
        .await
        .expect("send on");
    assert_eq!(r.status(), 303);
    let names: Vec<String> = app
        .read(|c| Ok(db::cycles::list(c)?.into_iter().map(|c| c.name).collect()))
        .expect("cycles");
    assert_eq!(names, ["Typed before the timeout"]);
}

/// With several KAMs, each shows as one line that opens to their raters; a search opens
/// what it found.
async fn each_kam_is_one_line_that_opens(app: TestApp) {
    let admin = Console::new(&app).await;
    let id = admin.create("Two KAMs", "admin").await;
    let csv = Nominations::new()
        .kam("a@t.cn", "Kam A", "boss@t.cn")
        .rater("a@t.cn", "boss@t.cn", "ca@client.cn", "customer", "en")
        .kam("b@t.cn", "Kam B", "boss@t.cn")
        .csv();
    let (s, _) = admin.upload(&id, &csv).await;
    assert_eq!(s, 303);
    let (_, page) = admin.get(&format!("/admin/cycles/{id}?lang=en")).await;
    assert_eq!(
        page.matches("<details class=\"raters\">").count(),
        2,
        "{page}"
    );
    assert!(
        page.contains("3 raters") && page.contains("2 raters"),
        "{page}"
    );
    let (_, found) = admin
        .get(&format!("/admin/cycles/{id}?q=Kam+A&lang=en"))
        .await;
    assert!(found.contains("<details class=\"raters\" open>"), "{found}");
}

/// The upload form offers a sample file, and the sample imports as it is.
async fn the_sample_file_downloads_and_imports(app: TestApp) {
    let admin = Console::new(&app).await;
    let id = admin.create("Sample cycle", "admin").await;
    let (_, page) = admin.get(&format!("/admin/cycles/{id}?lang=en")).await;
    assert!(
        page.contains("href=\"/admin/nominations/sample.csv\""),
        "the upload form links the sample"
    );
    let r = admin
        .staff
        .client
        .get(format!("{}/admin/nominations/sample.csv", app.address))
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status(), 200);
    let kind = r.headers()["content-type"]
        .to_str()
        .expect("type")
        .to_owned();
    assert!(kind.starts_with("text/csv"), "{kind}");
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .expect("disposition")
        .to_owned();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    let csv = r.text().await.expect("body");
    let (s, to) = admin.upload(&id, &csv).await;
    assert_eq!(s, 303, "{to}");
    let (_, page) = admin.get(&format!("{to}?lang=en")).await;
    assert!(page.contains("5 nominations imported"), "{page}");
    // a supervisor is told nothing is there
    let boss = app.staff("boss@t.cn", Role::Supervisor).await;
    let r = boss
        .client
        .get(format!("{}/admin/nominations/sample.csv", app.address))
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status(), 404);
}

/// Issue #23: an invitation's link works for 7 days and not a minute more; the invitee is told
/// what to do, and the admin's fresh invitation works.
async fn an_invitation_past_its_seven_days_no_longer_works(app: TestApp) {
    let admin = Console::new(&app).await;
    let (s, _) = admin
        .post(
            "/admin/users",
            &[
                ("email", "late@t.cn"),
                ("name", "Late Comer"),
                ("role", "supervisor"),
                ("locale", "en"),
            ],
        )
        .await;
    assert_eq!(s, 303);
    dispatch_all_pending_emails(&app).await;
    let invitations = |app: &TestApp| -> Vec<String> {
        app.mail_files()
            .iter()
            .map(|p| crate::helpers::read_mail(p))
            .filter(|m| m.to == "late@t.cn")
            .map(|m| crate::helpers::link_in_mail(&m.text, "/password/reset/"))
            .collect()
    };
    let link = invitations(&app).pop().expect("the invitation");
    // the link's clock moved: a minute before its 7 days it works, a minute after it does not
    let shift = |by: chrono::TimeDelta| {
        app.write(move |c| {
            use diesel::prelude::*;
            use kam360::db::schema::password_resets as r;
            let (from, to): (chrono::NaiveDateTime, chrono::NaiveDateTime) =
                r::table.select((r::created_at, r::expires_at)).first(c)?;
            diesel::update(r::table)
                .set((r::created_at.eq(from - by), r::expires_at.eq(to - by)))
                .execute(c)?;
            Ok(())
        })
        .expect("age the link")
    };
    let lasts = app
        .read(|c| {
            use diesel::prelude::*;
            use kam360::db::schema::password_resets as r;
            let (from, to): (chrono::NaiveDateTime, chrono::NaiveDateTime) =
                r::table.select((r::created_at, r::expires_at)).first(c)?;
            Ok(to - from)
        })
        .expect("the link");
    assert_eq!(lasts, chrono::TimeDelta::days(7));
    shift(lasts - chrono::TimeDelta::minutes(1));
    assert_eq!(app.get_text(&format!("{link}?lang=en")).await.0, 200);
    shift(chrono::TimeDelta::minutes(2));
    let (s, page) = app.get_text(&format!("{link}?lang=en")).await;
    assert_eq!(s, 410);
    assert!(
        page.contains("an invitation's link works once, for 7 days")
            && page.contains("ask your administrator to send the invitation again"),
        "{page}"
    );
    let chosen = app
        .post_form(
            &format!("{link}?lang=en"),
            &[
                ("password", "three unrelated words"),
                ("confirm", "three unrelated words"),
            ],
        )
        .await;
    assert_eq!(chosen.status(), 410, "a late password is not taken");
    let refused = crate::helpers::new_client()
        .post(format!("{}/login", app.address))
        .form(&[
            ("email", "late@t.cn"),
            ("password", "three unrelated words"),
        ])
        .send()
        .await
        .expect("sign in");
    assert_eq!(refused.status(), 401);
    let (_, list) = admin.get("/admin/users?lang=en").await;
    assert!(list.contains(">invited<"), "still invited");
    // the admin sends it again: the new link works
    let person = app
        .read(|c| Ok(db::people::find_by_email(c, "late@t.cn")?.expect("late").id))
        .expect("person");
    let (s, _) = admin
        .post(&format!("/admin/users/{person}/invite"), &[])
        .await;
    assert_eq!(s, 303);
    dispatch_all_pending_emails(&app).await;
    let fresh = invitations(&app)
        .into_iter()
        .find(|l| *l != link)
        .expect("a fresh invitation");
    assert_eq!(app.get_text(&format!("{fresh}?lang=en")).await.0, 200);
}

/// Issue #23: an admin disabled by another while signed in loses the console at their next
/// request, and a form they send then does nothing.
async fn a_disabled_admin_s_live_session_ends_on_the_console(app: TestApp) {
    let first = Console::new(&app).await;
    let second = Console {
        app: &app,
        staff: app.staff("second@t.cn", Role::Admin).await,
    };
    assert_eq!(second.get("/admin/users").await.0, 200);
    let person = app
        .read(|c| {
            Ok(db::people::find_by_email(c, "second@t.cn")?
                .expect("second")
                .id)
        })
        .expect("person");
    let (s, _) = first
        .post(&format!("/admin/users/{person}/disable"), &[])
        .await;
    assert_eq!(s, 303);
    // the next page: the sign-in, not the console
    let r = second
        .staff
        .client
        .get(format!("{}/admin/users", app.address))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login");
    // a form posted with the old session changes nothing (it is carried to a sign-in page)
    let cycles_before = app
        .read(|c| Ok(db::cycles::list(c)?.len()))
        .expect("cycles");
    let closes = future(14).to_string();
    let (s, to) = second
        .post(
            "/admin/cycles",
            &[
                ("name", "Made by a disabled admin"),
                ("closes_at", &closes),
                ("min_group_size", "3"),
                ("time_zone", "Asia/Shanghai"),
                ("nominations", "admin"),
            ],
        )
        .await;
    assert_eq!((s, to.as_str()), (303, "/login"), "the session is over");
    assert_eq!(
        app.read(|c| Ok(db::cycles::list(c)?.len()))
            .expect("cycles"),
        cycles_before
    );
    let (s, to) = second
        .post(&format!("/admin/users/{person}/enable"), &[])
        .await;
    assert_eq!(
        (s, to.as_str()),
        (303, "/login"),
        "nor can they enable themselves"
    );
    let account = app
        .read(|c| Ok(db::accounts::find_by_email(c, "second@t.cn")?.expect("a")))
        .expect("account");
    assert!(account.disabled);
}

both_backends!(
    an_invitation_past_its_seven_days_no_longer_works,
    a_disabled_admin_s_live_session_ends_on_the_console,
    each_kam_is_one_line_that_opens,
    the_sample_file_downloads_and_imports,
    a_cycle_is_created_refused_fields_keep_what_was_typed,
    a_whole_cycle_runs_in_the_browser,
    staff_are_invited_disabled_and_given_roles,
    staff_pages_speak_the_chosen_language_and_remember_it,
    an_ended_session_keeps_the_typed_form,
);

/// A launch that takes longer than `server.request_timeout_seconds` answers when it is done:
/// the time limit bounds reading a request's body, not the work that follows it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_launch_longer_than_the_request_time_limit_answers_when_done() {
    let app = crate::helpers::try_spawn_app_with(crate::helpers::Backend::Sqlite, |s| {
        s.server.request_timeout_seconds = 1
    })
    .await
    .expect("app");
    let mut n = Nominations::new();
    for k in 0..300 {
        let (kam, boss) = (format!("kam{k}@t.cn"), format!("boss{}@t.cn", k % 7));
        n = n.kam(&kam, &format!("KAM {k}"), &boss);
        for r in 0..10 {
            n = n.rater(&kam, &boss, &format!("r{k}-{r}@c.cn"), "customer", "en");
        }
    }
    let id = crate::fixtures::draft_cycle(&app, &n);
    let admin = Console::new(&app).await;
    let started = std::time::Instant::now();
    let (s, to) = admin.post(&format!("/admin/cycles/{id}/launch"), &[]).await;
    let took = started.elapsed();
    assert_eq!(
        (s, to.as_str()),
        (303, format!("/admin/cycles/{id}").as_str())
    );
    // the launch (3,600 invitations) outlasted the limit: the test says something
    assert!(took > std::time::Duration::from_secs(1), "{took:?}");
    let status = app
        .read(move |c| Ok(kam360::actions::find_cycle(c, &id)?.status))
        .expect("cycle");
    assert_eq!(status, CycleStatus::Open);
}
