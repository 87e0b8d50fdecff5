//! `kam360 demo`: a demo organisation with an open cycle, five KAMs whose answers each tell
//! a story (strong; a blind spot; customers who disagree; a lone customer; not started yet),
//! and staff logins — printed for a first look. Last year's cycle is there too, signed off:
//! the team view compares this year with it, and 王芳's report from it was released, read and
//! followed by a plan whose goals show progress and a check-in.

use super::Tx;
use std::fmt::Write;

use chrono::{NaiveDateTime, TimeDelta};

use super::cycles::{self, IssuedLink};
use super::nominations;
use super::users::{self, Role};
use crate::db::{self, AnyConnection};
use crate::domain::formats::rubric::Rubric;
use crate::domain::forms::plan::{Goal, Progress};
use crate::domain::relationship::Relationship;
use crate::domain::rules::consolidation::Level;
use crate::domain::security::password;
use crate::domain::status::{AssignmentStatus, GoalProgress};
use crate::error::{AppError, AppResult};

/// The story each KAM's answers tell, so that every page shows what it is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Story {
    /// Strong, and everyone agrees.
    Strong,
    /// Rates herself higher than everyone else does on several criteria.
    BlindSpot,
    /// His customers disagree with each other.
    CustomersSplit,
    /// One customer only: their figures stay hidden (SPEC §7).
    LoneCustomer,
    /// Nobody has answered yet: the links to try, the reminders to send.
    NotStarted,
}

const KAMS: [(&str, &str, Story); 5] = [
    ("wang.fang@demo.kam360", "王芳", Story::Strong),
    ("li.na@demo.kam360", "李娜", Story::BlindSpot),
    (
        "david.chen@demo.kam360",
        "David Chen",
        Story::CustomersSplit,
    ),
    ("liu.yang@demo.kam360", "刘洋", Story::LoneCustomer),
    ("zhao.min@demo.kam360", "赵敏", Story::NotStarted),
];
const SUPERVISOR: (&str, &str) = ("zhang.wei@demo.kam360", "张伟");
const ADMIN: (&str, &str) = ("admin@demo.kam360", "Demo Admin");

/// The nominations CSV the demo imports.
pub fn nominations_csv() -> String {
    let mut csv = crate::domain::formats::nomination::COLUMNS.join(",") + "\n";
    let (sup_email, sup_name) = SUPERVISOR;
    for (i, (email, name, story)) in KAMS.iter().enumerate() {
        let locale = if i == 2 { "en" } else { "zh" };
        let customers = if *story == Story::LoneCustomer { 1 } else { 4 };
        let mut row = |rater: &str, rater_name: &str, rel: &str, loc: &str, org: &str| {
            let _ = writeln!(
                csv,
                "{email},{name},{sup_email},{sup_name},{rater},{rater_name},{rel},{loc},{org}"
            );
        };
        row(email, name, Relationship::SelfReview.as_str(), locale, "");
        row(
            sup_email,
            sup_name,
            Relationship::Supervisor.as_str(),
            "zh",
            "",
        );
        for c in 1..=customers {
            let loc = if c % 2 == 0 { "en" } else { "zh" };
            row(
                &format!("customer{c}.k{i}@client{c}.example"),
                &format!("客户代表{c}"),
                Relationship::Customer.as_str(),
                loc,
                &format!("Client {c} Ltd"),
            );
        }
        for p in 1..=3 {
            row(
                &format!("peer{p}.k{i}@demo.kam360"),
                &format!("Peer {p}"),
                Relationship::Peer.as_str(),
                "en",
                ["Network", "Product", "Finance"][p - 1],
            );
        }
        for t in 1..=3 {
            row(
                &format!("team{t}.k{i}@demo.kam360"),
                &format!("组员{t}"),
                Relationship::Team.as_str(),
                "zh",
                "Account team",
            );
        }
    }
    csv
}

/// Seeds the demo and returns what to print: logins and a few links.
#[tracing::instrument(level = "debug", skip_all)]
pub fn seed(tx: Tx<'_>, rubric: &Rubric) -> AppResult<String> {
    let Tx(conn, mail, _, now) = tx;
    last_year(conn, mail, rubric, now)?;
    let name = "Demo review 2026".to_owned();
    let closes = (now + TimeDelta::days(21)).date();
    let cycle_id = cycles::create(conn, mail.settings, rubric, &name, closes, now)?;
    nominations::import(
        Tx(conn, mail, None, now),
        &cycle_id,
        nominations_csv().as_bytes(),
    )?;
    let links = cycles::launch(Tx(conn, mail, None, now), &cycle_id)?;
    let mut logins = Vec::new();
    for ((email, person), role) in [(ADMIN, Role::Admin), (SUPERVISOR, Role::Supervisor)] {
        let password = match db::accounts::find_by_email(conn, email)? {
            None => users::add(conn, email, person, role, now)?,
            Some(_) => {
                let password = password::generate();
                let hash = password::hash(&password).map_err(|e| AppError::Unexpected(e.into()))?;
                db::accounts::set_password(conn, email, &hash, now)?;
                password
            }
        };
        logins.push((role, email, password));
    }
    // answers already in: every rater of every KAM but the last, whose links are the ones to try
    let mut answered = 0;
    for (n, link) in links.iter().enumerate() {
        let Some(story) = story_of(&link.subject_name) else {
            continue;
        };
        if story == Story::NotStarted {
            continue;
        }
        answer(conn, rubric, link, story, n, now)?;
        answered += 1;
    }
    let mut text = String::new();
    let _ = writeln!(
        text,
        "kam360 demo: cycle \"{name}\" ({cycle_id}) is open until {closes}."
    );
    let _ = writeln!(
        text,
        "{} invitations queued (see {}); {answered} answers already in.",
        links.len(),
        mail.settings.email.file_dir.display()
    );
    let _ = writeln!(
        text,
        "\nStaff logins at {}/login:",
        mail.settings.base_url()
    );
    for (role, email, password) in &logins {
        let _ = writeln!(
            text,
            "  {:<10} {email}  password: {password}",
            role.as_str()
        );
    }
    let _ = writeln!(
        text,
        "  The admin runs cycles at {}/admin (new cycle, CSV upload, launch, reminders, staff).",
        mail.settings.base_url()
    );
    let _ = writeln!(
        text,
        "  Last year's cycle is signed off: the team view ({}/team) compares this year with it; \
         王芳's report from it was released and followed by a plan.",
        mail.settings.base_url()
    );
    let _ = writeln!(
        text,
        "\nThe KAMs: 王芳 strong, and everyone agrees; 李娜 rates herself higher than others do; \
         David Chen's customers disagree; 刘洋 has one customer, whose figures stay hidden; \
         赵敏's raters have not answered yet."
    );
    let _ = writeln!(text, "\nRater links (open one in a browser):");
    for (_, kam, story) in KAMS {
        if story != Story::NotStarted {
            continue;
        }
        for link in links
            .iter()
            .filter(|l| l.subject_name == kam && l.relationship.is_confidential())
            .take(6)
        {
            let _ = writeln!(
                text,
                "  {kam} · {:<10} {:<28} {}",
                link.relationship.as_str(),
                link.rater_name,
                link.link
            );
        }
    }
    Ok(text)
}

/// Last year's cycle: everyone answered (every KAM steady then), it closed, the supervisor
/// signed every review off at the proposals, and 王芳's report was released; she read it and
/// wrote a plan: one goal done, one in progress whose date has passed (the server's first pass
/// sends its check-in), one still ahead. Every message of it reached its reader a year ago.
fn last_year(
    conn: &mut AnyConnection,
    mail: super::Mail<'_>,
    rubric: &Rubric,
    now: NaiveDateTime,
) -> AppResult<()> {
    let at = now - TimeDelta::days(365);
    let closed = at + TimeDelta::days(21);
    let id = cycles::create(
        conn,
        mail.settings,
        rubric,
        "Demo review 2025",
        closed.date(),
        at,
    )?;
    nominations::import(Tx(conn, mail, None, at), &id, nominations_csv().as_bytes())?;
    for (n, link) in cycles::launch(Tx(conn, mail, None, at), &id)?
        .iter()
        .enumerate()
    {
        answer(conn, rubric, link, Story::LoneCustomer, n + 3, at)?;
    }
    cycles::close(Tx(conn, mail, None, closed), &id)?;
    let supervisor = db::people::find_by_email(conn, SUPERVISOR.0)?
        .ok_or(AppError::NotFound)?
        .id;
    let rows = super::report::build(conn, &id)?;
    let reviews = db::reviews::list_for_cycle(conn, &id)?;
    for review in &reviews {
        for row in rows
            .iter()
            .filter(|r| r.subject_email == review.subject_email)
        {
            let proposed = row.figures.proposed_level.map(i32::from);
            db::decisions::put(
                conn,
                &db::decisions::DecisionRow {
                    review_id: review.review.id.clone(),
                    criterion_id: row.criterion_id.clone(),
                    proposed_level: proposed,
                    final_level: proposed.or(row.figures.supervisor_level.map(i32::from)),
                    rationale: String::new(),
                    decided_by: supervisor.clone(),
                    decided_at: closed,
                },
            )?;
        }
        db::reviews::finalize(conn, &review.review.id, &supervisor, closed)?;
    }
    let wang = reviews
        .iter()
        .find(|r| r.subject_email == KAMS[0].0)
        .ok_or(AppError::NotFound)?
        .review
        .id
        .clone();
    super::release::release(Tx(conn, mail, &supervisor, closed), &wang)?;
    super::release::acknowledge(Tx(conn, mail, None, closed + TimeDelta::days(1)), &wang)?;
    let criterion = |i: usize| {
        rubric
            .criteria()
            .nth(i)
            .map(|c| c.id.clone())
            .unwrap_or_default()
    };
    let goal = |i: usize, text: &str, actions: &str, date: NaiveDateTime| Goal {
        id: None,
        criterion_id: criterion(i),
        goal: text.to_owned(),
        actions: actions.to_owned(),
        target_date: date.date(),
    };
    let plan = [
        goal(
            3,
            "每季度与每位重点客户的决策人面谈一次",
            "用客户拜访计划表安排；会后一周内发送纪要。",
            closed + TimeDelta::days(120),
        ),
        goal(
            9,
            "Send every proposal through a one-page summary",
            "Use the account plan template; ask a peer to read it first.",
            now - TimeDelta::days(14),
        ),
        goal(
            12,
            "Lead one cross-department problem review a quarter",
            "",
            now + TimeDelta::days(60),
        ),
    ];
    super::release::save_plan(
        Tx(conn, mail, None, closed + TimeDelta::days(2)),
        &wang,
        &plan,
    )?;
    let goals = db::releases::goals(conn, &wang)?;
    let progress: Vec<Progress> = goals
        .iter()
        .zip([
            (GoalProgress::Done, "每位客户都已面谈，纪要在 CRM 中。"),
            (
                GoalProgress::InProgress,
                "Two proposals so far; the template helps.",
            ),
            (GoalProgress::NotStarted, ""),
        ])
        .map(|(g, (progress, note))| Progress {
            id: g.id.clone(),
            progress,
            note: note.to_owned(),
        })
        .collect();
    super::release::record_progress(
        Tx(conn, mail, None, now - TimeDelta::days(20)),
        &wang,
        &progress,
    )?;
    // everything of last year reached its reader then
    loop {
        let batch = db::outbox::claim_batch(conn, now, now + TimeDelta::minutes(5), 500)?;
        if batch.is_empty() {
            break;
        }
        for m in batch {
            db::outbox::mark_sent(conn, &m.row.id, m.row.attempts, m.row.created_at)?;
        }
    }
    Ok(())
}

fn story_of(kam: &str) -> Option<Story> {
    KAMS.iter()
        .find(|(_, name, _)| *name == kam)
        .map(|(_, _, s)| *s)
}

/// What a strong KAM does, in rubric order.
const STRONG: [i32; 19] = [4, 4, 4, 3, 4, 4, 3, 4, 4, 3, 4, 4, 3, 4, 4, 3, 4, 4, 3];
/// A KAM who is good, with room to grow.
const STEADY: [i32; 19] = [3, 3, 3, 2, 3, 3, 3, 2, 3, 2, 3, 3, 3, 2, 3, 3, 2, 3, 3];
/// Where 李娜 rates herself a level or two above what others see.
const BLIND_SPOTS: [usize; 5] = [2, 5, 9, 13, 16];
/// Where David Chen's customers split: half see the best, half the weakest.
const SPLIT: [usize; 4] = [0, 1, 3, 6];

/// The level one rater gives on criterion `i`, or `None` for "not able to judge".
fn demo_level(story: Story, rel: Relationship, rater: usize, i: usize) -> Option<Level> {
    let base = match story {
        Story::Strong => STRONG,
        _ => STEADY,
    };
    let truth = base.get(i).copied().unwrap_or(3);
    let level = match (story, rel) {
        (Story::BlindSpot, Relationship::SelfReview) if BLIND_SPOTS.contains(&i) => truth + 2,
        (Story::CustomersSplit, Relationship::Customer) if SPLIT.contains(&i) => {
            if rater.is_multiple_of(2) {
                4
            } else {
                1
            }
        }
        (_, Relationship::Supervisor | Relationship::SelfReview) => truth,
        // a strong KAM's raters agree; elsewhere one in five sees a level either way
        (Story::Strong, _) => match (rater * 7 + i * 3) % 10 {
            0 if rel == Relationship::Customer => return None,
            _ => truth,
        },
        _ => match (rater * 7 + i * 3) % 10 {
            0 if rel == Relationship::Customer => return None,
            1 => truth - 1,
            2 => truth + 1,
            _ => truth,
        },
    };
    Level::try_from(level.clamp(1, 4)).ok()
}

/// Comments as raters write them: (Chinese, English), by story.
fn comments(story: Story) -> &'static [(&'static str, &'static str)] {
    match story {
        Story::Strong => &[
            ("每季度的业务回顾都准备得很充分，能主动提出我们没想到的问题。", "Every quarterly review is well prepared, with questions we had not thought of."),
            ("故障发生时总能第一时间联系到她，第二天上午就有书面报告。", "Always reachable when an outage hits us; the written report came the next morning."),
            ("对我们的组网需求了解得很深入。", "Understands our network needs in depth."),
        ],
        Story::BlindSpot => &[
            ("报价流程偏慢，需要多次催促。", "Quotes take long and need several reminders."),
            ("会议后的行动项跟进不够及时。", "Follow-up on the action items after meetings is slow."),
            ("态度很好，但方案细节常需要第二次会议才能讲清。", "Friendly, but the details of a proposal often take a second meeting."),
        ],
        Story::CustomersSplit => &[
            ("对我们总部的需求非常了解，响应很快。", "Knows what our head office needs and responds fast."),
            ("我们分公司很少见到他，问题常常无人跟进。", "Our branch rarely sees him; issues often go unanswered."),
            ("技术方案讲得清楚。", "Explains the technical options clearly."),
        ],
        Story::LoneCustomer | Story::NotStarted => &[
            ("跨部门协调很有办法，资源申请基本都能落实。", "Good at getting other departments to deliver what the account needs."),
            ("及时和团队分享客户的反馈。", "Shares the customer's feedback with the team openly."),
        ],
    }
}

/// (strengths, improvements) by story: (Chinese, English) each.
fn open_answers(story: Story) -> ((&'static str, &'static str), (&'static str, &'static str)) {
    match story {
        Story::Strong => (
            (
                "了解我们的业务，响应迅速，值得信赖。",
                "Knows our business, responds fast, and can be trusted.",
            ),
            (
                "可以更早地引入产品专家参与复杂投标。",
                "Could involve product experts earlier in complex bids.",
            ),
        ),
        Story::BlindSpot => (
            ("待人友善，沟通顺畅。", "Friendly and easy to talk to."),
            (
                "报价和会后跟进需要更快、更有条理。",
                "Quotes and follow-up after meetings need to be faster and more organised.",
            ),
        ),
        Story::CustomersSplit => (
            ("对总部的服务很到位。", "Serves our head office very well."),
            (
                "希望对各分公司同样重视。",
                "Would like the same attention for every branch.",
            ),
        ),
        Story::LoneCustomer | Story::NotStarted => (
            (
                "协调资源的能力强。",
                "Strong at bringing resources together.",
            ),
            (
                "可以更主动地拜访客户。",
                "Could visit the customer more often.",
            ),
        ),
    }
}

/// Submits a believable answer set for one link.
fn answer(
    conn: &mut AnyConnection,
    rubric: &Rubric,
    link: &IssuedLink,
    story: Story,
    seed: usize,
    now: NaiveDateTime,
) -> AppResult<()> {
    // each rater writes in their own language (the demo's English-speaking raters' addresses
    // are those with an even customer number, the peers, and David Chen's self-assessment)
    let english = link.rater_email.starts_with("peer")
        || link.rater_email.contains("customer2")
        || link.rater_email.contains("customer4")
        || link.rater_email.starts_with("david.chen");
    let pick = |(zh, en): (&'static str, &'static str)| if english { en } else { zh };
    let said = comments(story);
    let index: std::collections::HashMap<&str, usize> = rubric
        .criteria()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    let rows: Vec<db::responses::RatingRow> = rubric
        .criteria_for(link.relationship)
        .enumerate()
        .map(|(n, c)| {
            let i = index.get(c.id.as_str()).copied().unwrap_or(n);
            let level = demo_level(story, link.relationship, seed, i);
            let comment = match (link.relationship.is_confidential(), n) {
                (true, 0 | 3) => pick(said[(seed + n) % said.len()]).to_owned(),
                _ => String::new(),
            };
            db::responses::RatingRow {
                assignment_id: link.assignment_id.clone(),
                criterion_id: c.id.clone(),
                level: level.map(i32::from),
                not_observed: level.is_none(),
                comment,
            }
        })
        .collect();
    db::responses::replace(
        conn,
        &link.assignment_id,
        &rows,
        pick(open_answers(story).0),
        pick(open_answers(story).1),
        false,
        now,
    )?;
    if !db::assignments::transition(
        conn,
        &link.assignment_id,
        &AssignmentStatus::ANSWERABLE,
        AssignmentStatus::Submitted,
        now,
    )? {
        return Err(AppError::Conflict(
            "demo answer could not be submitted".into(),
        ));
    }
    Ok(())
}
