//! `kam360 demo`: a demo organisation with an open cycle, three KAMs and their raters, some
//! answers already in, and staff logins — printed for a first look.

use std::fmt::Write;

use chrono::{NaiveDateTime, TimeDelta};

use super::cycles::{self, IssuedLink};
use super::nominations;
use super::users::{self, Role};
use crate::db::{self, AnyConnection};
use crate::domain::formats::rubric::Rubric;
use crate::domain::relationship::Relationship;
use crate::domain::rules::consolidation::Level;
use crate::domain::security::password;
use crate::domain::status::AssignmentStatus;
use crate::error::{AppError, AppResult};

const KAMS: [(&str, &str); 3] = [
    ("wang.fang@demo.kam360", "王芳"),
    ("li.na@demo.kam360", "李娜"),
    ("david.chen@demo.kam360", "David Chen"),
];
const SUPERVISOR: (&str, &str) = ("zhang.wei@demo.kam360", "张伟");
const ADMIN: (&str, &str) = ("admin@demo.kam360", "Demo Admin");

/// The nominations CSV the demo imports.
pub fn nominations_csv() -> String {
    let mut csv = crate::domain::formats::nomination::COLUMNS.join(",") + "\n";
    let (sup_email, sup_name) = SUPERVISOR;
    for (i, (email, name)) in KAMS.iter().enumerate() {
        let locale = if i == 2 { "en" } else { "zh" };
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
        for c in 1..=4 {
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
pub fn seed(
    conn: &mut AnyConnection,
    mail: super::Mail<'_>,
    rubric: &Rubric,
    now: NaiveDateTime,
) -> AppResult<String> {
    let name = "Demo review 2026".to_owned();
    let closes = (now + TimeDelta::days(21)).date();
    let cycle_id = cycles::create(conn, mail.settings, rubric, &name, closes, now)?;
    nominations::import(
        conn,
        mail,
        &cycle_id,
        nominations_csv().as_bytes(),
        None,
        now,
    )?;
    let links = cycles::launch(conn, mail, &cycle_id, None, now)?;
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
    // Answers already in: for the first KAM, every customer but one and all peers and team members.
    let mut answered = 0;
    for (n, link) in links
        .iter()
        .filter(|l| l.subject_name == KAMS[0].1)
        .enumerate()
    {
        if link.relationship == Relationship::Customer && n % 4 == 3 {
            continue;
        }
        answer(conn, rubric, link, n, now)?;
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
    let _ = writeln!(text, "\nRater links (open one in a browser):");
    for (i, (_, kam)) in KAMS.iter().enumerate() {
        for link in links
            .iter()
            .filter(|l| &l.subject_name == kam)
            .filter(|l| i != 0 || l.relationship == Relationship::Customer)
            .take(3)
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

/// The first KAM's story, in rubric order: strong with customers, steady elsewhere.
const TRUTH: [i32; 19] = [4, 4, 3, 3, 3, 3, 3, 3, 3, 2, 3, 3, 3, 3, 3, 3, 2, 3, 3];
/// Criteria where customers and the KAM's colleagues see it differently (low agreement).
const SPLIT: [usize; 2] = [4, 11];
/// Where the supervisor sees more than the raters do (divergent).
const SUPERVISOR_SEES_MORE: usize = 9;
/// Where the KAM rates themself a level higher than others do (blind spots).
const BLIND_SPOTS: [usize; 3] = [2, 9, 15];

/// A rater's comments on the first criteria of their form, varied and in their language.
const COMMENTS: [&str; 8] = [
    "每季度的业务回顾都准备得很充分，能主动提出我们没想到的问题。",
    "Always reachable when an outage hits us; the follow-up report came the next morning.",
    "对我们的组网需求很了解，但报价流程有时偏慢。",
    "Explains the roadmap clearly, though the pricing details often need a second meeting.",
    "在跨部门协调上很有办法，资源申请基本都能落实。",
    "Keeps the account team informed and shares the customer's feedback openly.",
    "会议纪要和行动项跟进得很及时。",
    "Could involve product experts earlier in complex bids.",
];

/// The level one rater gives on criterion `i`, or `None` for "not able to judge": most
/// raters agree within a level, as they do in a real review.
fn demo_level(rel: Relationship, rater: usize, i: usize) -> Option<Level> {
    let truth = TRUTH.get(i).copied().unwrap_or(3);
    let level = match rel {
        Relationship::Supervisor if i == SUPERVISOR_SEES_MORE => truth + 1,
        Relationship::Supervisor => truth,
        Relationship::SelfReview if BLIND_SPOTS.contains(&i) => truth + 1,
        Relationship::SelfReview => truth,
        Relationship::Customer if SPLIT.contains(&i) => 4,
        Relationship::Peer | Relationship::Team if SPLIT.contains(&i) => 2,
        _ => match (rater * 7 + i * 3) % 10 {
            0 if rel == Relationship::Customer => return None,
            1 => truth - 1,
            2 => truth + 1,
            _ => truth,
        },
    };
    Level::try_from(level.clamp(1, 4)).ok()
}

/// Submits a believable answer set for one link.
fn answer(
    conn: &mut AnyConnection,
    rubric: &Rubric,
    link: &IssuedLink,
    seed: usize,
    now: NaiveDateTime,
) -> AppResult<()> {
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
            let level = demo_level(link.relationship, seed, i);
            let comment = match (link.relationship.is_confidential(), n) {
                (true, 0 | 3) => COMMENTS[(seed + n) % COMMENTS.len()].to_owned(),
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
        "Knows our business well.",
        "Could follow up faster after meetings.",
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
