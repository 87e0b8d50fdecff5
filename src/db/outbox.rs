//! The email outbox: rows written in the same transaction as their cause, claimed by a lease,
//! delivered, retried with back-off, and failed for good after a maximum age.

use crate::domain::formats::packed_mime::{self, Dictionary};
use crate::domain::ids::{AssignmentId, CycleId, MessageId, ReviewId, SpecimenId};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{assignments, email_bodies, email_outbox, email_specimens, reviews};
use super::AnyConnection;
use crate::domain::locale::Locale;
use crate::domain::status::{EmailKind, OutboxStatus};

/// A stored message.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = email_outbox, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct OutboxRow {
    pub id: MessageId,
    pub idempotency_key: String,
    pub kind: EmailKind,
    pub assignment_id: Option<AssignmentId>,
    pub review_id: Option<ReviewId>,
    pub recipient_email: String,
    pub recipient_name: String,
    pub locale: Locale,
    pub subject: String,
    pub message_id: String,
    pub status: OutboxStatus,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub lease_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

/// A message to queue.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = email_outbox, treat_none_as_null = true)]
pub struct NewMessage {
    pub id: MessageId,
    pub idempotency_key: String,
    pub kind: EmailKind,
    pub assignment_id: Option<AssignmentId>,
    pub review_id: Option<ReviewId>,
    pub recipient_email: String,
    pub recipient_name: String,
    pub locale: Locale,
    pub subject: String,
    /// The composed RFC 5322 message, stored packed in `email_bodies`.
    #[diesel(skip_insertion)]
    pub mime: String,
    /// What the body is packed against: a message like it with no one's link (none: packed
    /// on its own).
    #[diesel(skip_insertion)]
    pub specimen: Option<std::sync::Arc<Specimen>>,
    /// The body packed ahead of [`enqueue_all`] ([`NewMessage::pack`]), where many are made
    /// on several threads; else it is packed as it is stored.
    #[diesel(skip_insertion)]
    pub packed: Option<Vec<u8>>,
    pub message_id: String,
    pub status: OutboxStatus,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    /// The admin's opening paragraph it carries, if any (kept after the body is deleted).
    pub opening: Option<String>,
}

/// A message that carries no one's link or name, like the many queued bodies packed against it
/// (`domain::formats::packed_mime`): stored once, with the first of them, and dropped when no
/// body refers to it any more.
#[derive(Debug)]
pub struct Specimen {
    pub id: SpecimenId,
    pub mime: String,
    dictionary: Dictionary,
    /// Stored already, in the transaction of the batch that made it: [`enqueue_all`] does not
    /// send its kilobytes again with every later chunk of a launch.
    stored: std::sync::atomic::AtomicBool,
}

impl Specimen {
    /// A new specimen: the composed message `mime`.
    pub fn new(mime: String) -> Specimen {
        Specimen {
            id: SpecimenId::generate(),
            dictionary: Dictionary::of(&mime),
            mime,
            stored: std::sync::atomic::AtomicBool::new(false),
        }
    }
}

impl NewMessage {
    /// Packs the body now, against its specimen if it has one.
    pub fn pack(&mut self) {
        self.packed = Some(self.packed_body());
    }

    fn packed_body(&self) -> Vec<u8> {
        let none = Dictionary::none();
        let dictionary = self.specimen.as_deref().map_or(&none, |s| &s.dictionary);
        packed_mime::pack(&self.mime, dictionary)
    }
}

/// Queues a message unless one with the same idempotency key exists; returns whether it was
/// queued.
pub fn enqueue(conn: &mut AnyConnection, m: &NewMessage) -> QueryResult<bool> {
    Ok(enqueue_all(conn, std::slice::from_ref(m))? == 1)
}

/// Queues every message whose idempotency key is new, in a few multi-row statements (a
/// launch's hundreds of messages at a time); returns how many were queued.
pub fn enqueue_all(conn: &mut AnyConnection, messages: &[NewMessage]) -> QueryResult<usize> {
    let keys: Vec<&str> = messages
        .iter()
        .map(|m| m.idempotency_key.as_str())
        .collect();
    let known: std::collections::HashSet<String> = super::chunked(&keys, |keys| {
        email_outbox::table
            .filter(email_outbox::idempotency_key.eq_any(keys))
            .select(email_outbox::idempotency_key)
            .load(conn)
    })?
    .into_iter()
    .collect();
    let mut seen = std::collections::HashSet::new();
    let fresh: Vec<&NewMessage> = messages
        .iter()
        .filter(|m| !known.contains(&m.idempotency_key) && seen.insert(&m.idempotency_key))
        .collect();
    // a batch's specimen is stored with its first messages and kept for the next ones
    for m in &fresh {
        let Some(s) = m.specimen.as_deref() else {
            continue;
        };
        if s.stored.load(std::sync::atomic::Ordering::Relaxed) {
            continue;
        }
        diesel::insert_into(email_specimens::table)
            .values((
                email_specimens::id.eq(&s.id),
                email_specimens::mime.eq(&s.mime),
                email_specimens::created_at.eq(m.created_at),
            ))
            .execute(conn)?;
        s.stored.store(true, std::sync::atomic::Ordering::Relaxed);
    }
    // 18 parameters a row: 200 rows stay far below either backend's limit
    for chunk in fresh.chunks(200) {
        let bodies: Vec<_> = chunk
            .iter()
            .map(|m| {
                let packed = match &m.packed {
                    Some(p) => std::borrow::Cow::Borrowed(p.as_slice()),
                    None => std::borrow::Cow::Owned(m.packed_body()),
                };
                (
                    email_bodies::outbox_id.eq(&m.id),
                    email_bodies::specimen_id.eq(m.specimen.as_ref().map(|s| &s.id)),
                    email_bodies::packed.eq(packed),
                )
            })
            .collect();
        super::native!(conn, |c| {
            diesel::insert_into(email_outbox::table)
                .values(chunk.to_vec())
                .execute(c)?;
            diesel::insert_into(email_bodies::table)
                .values(&bodies)
                .execute(c)
        })?;
    }
    Ok(fresh.len())
}

/// A body as stored: packed (against its specimen, if any), or the text of a message queued
/// before bodies were packed.
type StoredBody = (Option<String>, Option<SpecimenId>, Option<Vec<u8>>);

/// The messages these stored bodies hold, unpacked (in their order); a body that cannot be read
/// back is empty, and its message fails as cleared.
fn unpack_all(
    conn: &mut AnyConnection,
    stored: Vec<(MessageId, StoredBody)>,
) -> QueryResult<Vec<String>> {
    let mut ids: Vec<&SpecimenId> = stored
        .iter()
        .filter_map(|(_, (_, s, _))| s.as_ref())
        .collect();
    ids.sort();
    ids.dedup();
    let dictionaries: std::collections::HashMap<SpecimenId, Dictionary> = if ids.is_empty() {
        Default::default()
    } else {
        email_specimens::table
            .filter(email_specimens::id.eq_any(ids))
            .select((email_specimens::id, email_specimens::mime))
            .load::<(SpecimenId, String)>(conn)?
            .into_iter()
            .map(|(id, mime)| (id, Dictionary::of(&mime)))
            .collect()
    };
    let none = Dictionary::none();
    Ok(stored
        .into_iter()
        .map(|(id, body)| match body {
            (Some(mime), _, _) => mime,
            (None, specimen, Some(packed)) => {
                let dictionary = specimen
                    .as_ref()
                    .map_or(Some(&none), |s| dictionaries.get(s));
                dictionary
                    .ok_or_else(|| "its specimen is gone".to_owned())
                    .and_then(|d| packed_mime::unpack(&packed, d).map_err(|e| e.to_string()))
                    .unwrap_or_else(|e| {
                        tracing::error!(message = %id, "a queued body cannot be read back: {e}");
                        String::new()
                    })
            }
            (None, _, None) => String::new(),
        })
        .collect())
}

/// Drops the specimens no queued body is packed against any more (their messages were all
/// delivered, failed or cancelled); returns how many.
pub fn drop_unused_specimens(conn: &mut AnyConnection) -> QueryResult<usize> {
    diesel::delete(
        email_specimens::table.filter(diesel::dsl::not(diesel::dsl::exists(
            email_bodies::table
                .filter(email_bodies::specimen_id.eq(email_specimens::id.nullable())),
        ))),
    )
    .execute(conn)
}

/// Whether a message with this idempotency key exists.
pub fn has_key(conn: &mut AnyConnection, key: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        email_outbox::table.filter(email_outbox::idempotency_key.eq(key)),
    ))
    .get_result(conn)
}

/// Whose reminders to look at.
#[derive(Debug, Clone, Copy)]
pub enum Whose<'a> {
    /// One rater's (one nomination).
    Rater(&'a AssignmentId),
    /// Every rater's of a cycle.
    Cycle(&'a CycleId),
}

/// The raters reminded after `since`, each with their latest reminder: the reminders that
/// reached, or will reach, them (queued, and not cancelled).
pub fn reminded_since(
    conn: &mut AnyConnection,
    whose: Whose<'_>,
    since: NaiveDateTime,
) -> QueryResult<std::collections::HashMap<AssignmentId, NaiveDateTime>> {
    let q = email_outbox::table
        .filter(email_outbox::kind.eq(EmailKind::Reminder))
        .filter(email_outbox::status.ne(OutboxStatus::Cancelled))
        .filter(email_outbox::created_at.gt(since))
        .select((email_outbox::assignment_id, email_outbox::created_at))
        .into_boxed();
    let q = match whose {
        Whose::Rater(id) => q.filter(email_outbox::assignment_id.eq(id.clone())),
        Whose::Cycle(id) => q.filter(
            email_outbox::assignment_id.eq_any(
                assignments::table
                    .inner_join(reviews::table)
                    .filter(reviews::cycle_id.eq(id.clone()))
                    .select(assignments::id.nullable()),
            ),
        ),
    };
    let rows: Vec<(Option<AssignmentId>, NaiveDateTime)> = q.load(conn)?;
    let mut latest = std::collections::HashMap::new();
    for (id, at) in rows {
        if let Some(id) = id {
            let t = latest.entry(id).or_insert(at);
            *t = (*t).max(at);
        }
    }
    Ok(latest)
}

/// A claimed message and its composed body (empty if the body is gone).
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub row: OutboxRow,
    pub mime: String,
}

/// How many messages a flush at `now` would deliver (pending and due, or abandoned by a
/// worker whose lease ran out), for its progress.
pub fn due_count(conn: &mut AnyConnection, now: NaiveDateTime) -> QueryResult<i64> {
    let known = email_outbox::kind.eq_any(EmailKind::ALL);
    let due = email_outbox::status
        .eq(OutboxStatus::Pending)
        .and(email_outbox::next_attempt_at.le(now));
    let abandoned = email_outbox::status
        .eq(OutboxStatus::Sending)
        .and(email_outbox::lease_until.le(now));
    email_outbox::table
        .filter(known.and(due.or(abandoned)))
        .count()
        .get_result(conn)
}

/// Claims up to `n` due messages (pending and due, then expired leases), each by its own
/// compare-and-set, with one candidate query per kind instead of one per message.
pub fn claim_batch(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    n: usize,
) -> QueryResult<Vec<Outgoing>> {
    // the worker's hot path: native connections keep these statements prepared
    super::native!(conn, |c| {
        let limit = i64::try_from(n).unwrap_or(i64::MAX);
        // only kinds this build knows: a message of a newer build's kind waits for that build
        // instead of failing every claim
        let with_body = || {
            email_outbox::table
                .left_join(email_bodies::table)
                .filter(email_outbox::kind.eq_any(EmailKind::ALL))
                .select((
                    OutboxRow::as_select(),
                    (
                        email_bodies::mime.nullable(),
                        email_bodies::specimen_id.nullable(),
                        email_bodies::packed.nullable(),
                    ),
                ))
        };
        let mut candidates: Vec<(OutboxRow, StoredBody)> = with_body()
            .filter(email_outbox::status.eq(OutboxStatus::Pending))
            .filter(email_outbox::next_attempt_at.le(now))
            .order((email_outbox::next_attempt_at.asc(), email_outbox::id.asc()))
            .limit(limit)
            .load(c)?;
        if candidates.len() < n {
            candidates.extend(
                with_body()
                    .filter(email_outbox::status.eq(OutboxStatus::Sending))
                    .filter(email_outbox::lease_until.le(now))
                    .order(email_outbox::lease_until.asc())
                    .limit(limit - candidates.len() as i64)
                    .load::<(OutboxRow, StoredBody)>(c)?,
            );
        }
        let mut claimed = Vec::with_capacity(candidates.len());
        let mut bodies = Vec::with_capacity(candidates.len());
        for (row, body) in candidates {
            let n = diesel::update(
                email_outbox::table
                    .filter(email_outbox::id.eq(&row.id))
                    .filter(email_outbox::status.eq(&row.status))
                    .filter(email_outbox::attempts.eq(row.attempts)),
            )
            .set((
                email_outbox::status.eq(OutboxStatus::Sending),
                email_outbox::attempts.eq(row.attempts + 1),
                email_outbox::lease_until.eq(lease_until),
            ))
            .execute(c)?;
            if n == 1 {
                bodies.push((row.id.clone(), body));
                claimed.push(OutboxRow {
                    status: OutboxStatus::Sending,
                    attempts: row.attempts + 1,
                    lease_until: Some(lease_until),
                    ..row
                });
            }
        }
        Ok((claimed, bodies))
    })
    .and_then(|(claimed, bodies)| {
        let mimes = unpack_all(conn, bodies)?;
        Ok(claimed
            .into_iter()
            .zip(mimes)
            .map(|(row, mime)| Outgoing { row, mime })
            .collect())
    })
}

/// The composed body of a queued message, while it is kept.
pub fn body(conn: &mut AnyConnection, id: &MessageId) -> QueryResult<Option<String>> {
    let stored: Option<StoredBody> = email_bodies::table
        .find(id)
        .select((
            email_bodies::mime,
            email_bodies::specimen_id,
            email_bodies::packed,
        ))
        .get_result(conn)
        .optional()?;
    match stored {
        None => Ok(None),
        Some(b) => Ok(unpack_all(conn, vec![(id.clone(), b)])?.pop()),
    }
}

/// Gives claimed messages back unsent (only those this worker still holds), due at once, with
/// the claim's attempt undone: their lease ran too short to start a send safely.
pub fn release(
    conn: &mut AnyConnection,
    rows: &[(MessageId, i32)],
    now: NaiveDateTime,
) -> QueryResult<()> {
    for (id, attempts) in rows {
        diesel::update(email_outbox::table.filter(held(id, *attempts)))
            .set((
                email_outbox::status.eq(OutboxStatus::Pending),
                email_outbox::attempts.eq(attempts - 1),
                email_outbox::lease_until.eq(None::<NaiveDateTime>),
                email_outbox::next_attempt_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The message `id` as this worker claimed it: still being sent, at the attempt it claimed. A
/// message whose lease ran out and that another worker claimed again no longer matches.
#[diesel::dsl::auto_type]
fn held<'a>(id: &'a MessageId, attempts: i32) -> _ {
    let sending: OutboxStatus = OutboxStatus::Sending;
    email_outbox::id
        .eq(id)
        .and(email_outbox::status.eq(sending))
        .and(email_outbox::attempts.eq(attempts))
}

/// Marks a claimed message sent (only if this worker still holds it). The message, which
/// carries the rater's link, is cleared once delivered.
pub fn mark_sent(
    conn: &mut AnyConnection,
    id: &MessageId,
    attempts: i32,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    super::native!(conn, |c| {
        let n = diesel::update(email_outbox::table.filter(held(id, attempts)))
            .set((
                email_outbox::status.eq(OutboxStatus::Sent),
                email_outbox::sent_at.eq(now),
                email_outbox::lease_until.eq(None::<NaiveDateTime>),
                email_outbox::last_error.eq(None::<String>),
            ))
            .execute(c)?;
        if n == 1 {
            diesel::delete(email_bodies::table.find(id)).execute(c)?;
        }
        Ok(n == 1)
    })
}

/// Puts a claimed message back for a later attempt, or fails it for good when `next` is `None`.
/// A message that fails for good loses its body if it carries a rater's link (SPEC §7): the
/// admin's retry issues a fresh link instead (`actions::outbox::retry`).
pub fn mark_unsent(
    conn: &mut AnyConnection,
    id: &MessageId,
    attempts: i32,
    error: &str,
    next: Option<NaiveDateTime>,
) -> QueryResult<bool> {
    let target = email_outbox::table.filter(held(id, attempts));
    let n = match next {
        Some(at) => diesel::update(target)
            .set((
                email_outbox::status.eq(OutboxStatus::Pending),
                email_outbox::next_attempt_at.eq(at),
                email_outbox::lease_until.eq(None::<NaiveDateTime>),
                email_outbox::last_error.eq(error),
            ))
            .execute(conn)?,
        None => {
            let n = diesel::update(target)
                .set((
                    email_outbox::status.eq(OutboxStatus::Failed),
                    email_outbox::lease_until.eq(None::<NaiveDateTime>),
                    email_outbox::last_error.eq(error),
                ))
                .execute(conn)?;
            if n == 1 {
                delete_link_bodies(conn, &[id])?;
            }
            n
        }
    };
    Ok(n == 1)
}

/// Deletes the bodies of those of these messages that carry a secret link (a rater's, or a
/// password reset).
fn delete_link_bodies(conn: &mut AnyConnection, ids: &[&MessageId]) -> QueryResult<usize> {
    diesel::delete(
        email_bodies::table.filter(
            email_bodies::outbox_id.eq_any(
                email_outbox::table
                    .filter(email_outbox::id.eq_any(ids))
                    .filter(
                        email_outbox::assignment_id
                            .is_not_null()
                            .or(email_outbox::kind.eq_any(EmailKind::SELF_SERVICE)),
                    )
                    .select(email_outbox::id),
            ),
        ),
    )
    .execute(conn)
}

/// One failed message, for the admin's retry.
pub fn failed(conn: &mut AnyConnection, id: Option<&MessageId>) -> QueryResult<Vec<OutboxRow>> {
    let mut q = email_outbox::table
        .filter(email_outbox::status.eq(OutboxStatus::Failed))
        .select(OutboxRow::as_select())
        .into_boxed();
    if let Some(id) = id {
        q = q.filter(email_outbox::id.eq(id.clone()));
    }
    q.order((email_outbox::created_at.asc(), email_outbox::id.asc()))
        .load(conn)
}

/// Marks a failed message replaced: a fresh message (with a new link) was queued in its place.
pub fn mark_replaced(conn: &mut AnyConnection, id: &MessageId) -> QueryResult<bool> {
    let n = diesel::update(
        email_outbox::table
            .filter(email_outbox::id.eq(id))
            .filter(email_outbox::status.eq(OutboxStatus::Failed)),
    )
    .set((
        email_outbox::status.eq(OutboxStatus::Cancelled),
        email_outbox::last_error.eq("replaced: a fresh link was sent in a new message"),
    ))
    .execute(conn)?;
    delete_link_bodies(conn, &[id])?;
    Ok(n == 1)
}

/// Messages, newest first, optionally only those with `status`.
pub fn list(conn: &mut AnyConnection, status: Option<OutboxStatus>) -> QueryResult<Vec<OutboxRow>> {
    let mut q = email_outbox::table
        .select(OutboxRow::as_select())
        .into_boxed();
    if let Some(s) = status {
        q = q.filter(email_outbox::status.eq(s));
    }
    q.order((email_outbox::created_at.desc(), email_outbox::id.desc()))
        .load(conn)
}

/// Puts failed messages that carry no rater link back in the queue (all, or the one with
/// `id`); returns how many. A failed link message has no body left: see
/// `actions::outbox::retry`.
pub fn retry_failed(
    conn: &mut AnyConnection,
    id: Option<&MessageId>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let mut q = diesel::update(
        email_outbox::table
            .filter(email_outbox::status.eq(OutboxStatus::Failed))
            .filter(email_outbox::assignment_id.is_null())
            // a reset link is never sent again: the person asks for a new one
            .filter(email_outbox::kind.ne_all(EmailKind::SELF_SERVICE)),
    )
    .into_boxed();
    if let Some(id) = id {
        q = q.filter(email_outbox::id.eq(id.clone()));
    }
    q.set((
        email_outbox::status.eq(OutboxStatus::Pending),
        email_outbox::next_attempt_at.eq(now),
        email_outbox::created_at.eq(now),
        email_outbox::last_error.eq(None::<String>),
    ))
    .execute(conn)
}

/// Cancels the unsent messages of an assignment (its links were revoked or replaced).
pub fn cancel_for_assignment(
    conn: &mut AnyConnection,
    assignment_id: &AssignmentId,
) -> QueryResult<usize> {
    diesel::delete(
        email_bodies::table.filter(
            email_bodies::outbox_id.eq_any(
                email_outbox::table
                    .filter(email_outbox::assignment_id.eq(assignment_id))
                    .filter(email_outbox::status.eq(OutboxStatus::Pending))
                    .select(email_outbox::id),
            ),
        ),
    )
    .execute(conn)?;
    diesel::update(
        email_outbox::table
            .filter(email_outbox::assignment_id.eq(assignment_id))
            .filter(email_outbox::status.eq(OutboxStatus::Pending)),
    )
    .set((
        email_outbox::status.eq(OutboxStatus::Cancelled),
        email_outbox::last_error.eq("cancelled: the link was revoked or replaced"),
    ))
    .execute(conn)
}

/// Messages that need an admin's eye: failed, or pending after a failed attempt (retrying);
/// newest first, at most `limit`.
pub fn problems(conn: &mut AnyConnection, limit: i64) -> QueryResult<Vec<OutboxRow>> {
    email_outbox::table
        .filter(
            email_outbox::status
                .eq(OutboxStatus::Failed)
                .or(email_outbox::status
                    .eq_any([OutboxStatus::Pending, OutboxStatus::Sending])
                    .and(email_outbox::attempts.gt(0))),
        )
        .order((email_outbox::created_at.desc(), email_outbox::id.desc()))
        .limit(limit)
        .select(OutboxRow::as_select())
        .load(conn)
}

/// Cancels the unsent messages of one kind about a review (their link was replaced).
pub fn cancel_pending_for_review(
    conn: &mut AnyConnection,
    review_id: &ReviewId,
    kind: EmailKind,
) -> QueryResult<usize> {
    let pending = || {
        email_outbox::table
            .filter(email_outbox::review_id.eq(review_id.to_owned()))
            .filter(email_outbox::kind.eq(kind))
            .filter(email_outbox::status.eq(OutboxStatus::Pending))
    };
    diesel::delete(
        email_bodies::table
            .filter(email_bodies::outbox_id.eq_any(pending().select(email_outbox::id))),
    )
    .execute(conn)?;
    diesel::update(pending())
        .set((
            email_outbox::status.eq(OutboxStatus::Cancelled),
            email_outbox::last_error.eq("cancelled: a newer link replaced this one"),
        ))
        .execute(conn)
}
