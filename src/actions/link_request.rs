//! A rater who lost their email asks for their links (SPEC §13, `/links`): one message with a
//! fresh link for each request that can still be answered. Earlier links keep working; the
//! caller answers the same whether or not the address has anything open.

use super::Tx;

use super::{find_cycle, visibility};
use crate::db::{self};
use crate::domain::audit::Action;
use crate::domain::locale::Locale;
use crate::domain::relationship::Relationship;
use crate::domain::rules::lifecycle::accepts_answers;
use crate::domain::security::email_address::EmailAddress;
use crate::email::account_messages::{LinkEntry, LinksMail};
use crate::email::messages::Recipient;
use crate::error::AppResult;

/// Queues the message with fresh links to every open request of `email`; returns how many
/// links it carries (0: nothing is sent).
#[tracing::instrument(level = "debug", skip_all)]
pub fn send(tx: Tx<'_>, email: &EmailAddress, locale: Locale) -> AppResult<usize> {
    let Tx(conn, mail, _, now) = tx;
    let mut entries = Vec::new();
    let mut name = String::new();
    for a in db::assignments::for_rater_email(conn, email.as_str())? {
        if !a.assignment.status.is_answerable() {
            continue;
        }
        let Some(review) = db::reviews::find(conn, &a.assignment.review_id)? else {
            continue;
        };
        let cycle = find_cycle(conn, &review.listing.review.cycle_id)?;
        if !accepts_answers(cycle.status, cycle.closes_at, now)
            || visibility::is_frozen(conn, &cycle, &review.listing.review)?
        {
            continue;
        }
        let link = super::links::issue_link(conn, mail.settings, &a.assignment.id, now)?;
        name.clone_from(&a.rater_name);
        entries.push(LinkEntry {
            subject_name: review.listing.subject_name.clone(),
            cycle_name: cycle.name.clone(),
            deadline: cycle.deadline().label(),
            link,
            is_self: a.assignment.relationship == Relationship::SelfReview,
        });
    }
    if entries.is_empty() {
        return Ok(0);
    }
    let request_id = db::new_id();
    mail.queue(
        conn,
        Recipient::new(email.as_str(), &name, locale),
        &LinksMail {
            request_id: &request_id,
            entries: &entries,
        },
        now,
    )?;
    let count = entries.len().to_string();
    db::audit::Event::new(Action::RaterLinksRequested)
        .target(email.as_str())
        .new_value(&count)
        .record(conn, now)?;
    Ok(entries.len())
}
