//! Nominations (SPEC §10, §11): the CSV import, all or nothing, and the single changes the
//! admin console makes while the cycle is a draft: add, edit or remove one. After launch, see
//! `follow_up` (remind, correct an address) and `links` (revoke, reissue).

use super::Tx;
use crate::domain::audit::Action;
use crate::domain::ids::{AssignmentId, CycleId, PersonId, ReviewId};
use chrono::NaiveDateTime;

use super::cycles::{invite, IssuedLink};
use super::find_cycle;
use super::links::{find_target, Target};
use crate::db::{self, AnyConnection};
use crate::domain::formats::nomination::{self, ImportError};
pub use crate::domain::forms::nomination_form::{EditInput, NominationInput};
use crate::domain::status::{AssignmentStatus, CycleStatus};
use crate::error::{AppError, AppResult};

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub added: usize,
    pub unchanged: usize,
    pub invited: usize,
}

/// Imports nominations, all or nothing: any bad row fails the whole file with every problem as
/// `line N: reason` (one per line of the `Invalid` message). Existing nominations are left
/// alone. In an open cycle the new raters are invited at once. `actor`: the signed-in admin,
/// for the audit trail (`None` from the command line).
pub fn import(
    tx: Tx<'_>,
    cycle_id: &CycleId,
    bytes: &[u8],
) -> AppResult<(ImportSummary, Vec<IssuedLink>)> {
    import_watched(tx, cycle_id, bytes, &crate::telemetry::Silent)
}

/// [`import`], telling `progress` how many rows the file has and each one read.
#[tracing::instrument(level = "debug", skip_all)]
pub fn import_watched(
    tx: Tx<'_>,
    cycle_id: &CycleId,
    bytes: &[u8],
    progress: &dyn crate::telemetry::Progress,
) -> AppResult<(ImportSummary, Vec<IssuedLink>)> {
    let Tx(conn, mail, actor, now) = tx;
    let cycle = find_cycle(conn, cycle_id)?;
    let status = cycle.status;
    if !matches!(status, CycleStatus::Draft | CycleStatus::Open) {
        return Err(AppError::Invalid(format!(
            "the cycle is {}: nominations can be imported only while it is draft or open",
            cycle.status
        )));
    }
    let rows = nomination::parse(bytes).map_err(lines)?;
    progress.total(rows.len() as u64);
    let mut summary = ImportSummary::default();
    let mut errors: Vec<ImportError> = Vec::new();
    // reviews whose results are visible: their raters are frozen (SPEC §7)
    let mut frozen: std::collections::HashMap<ReviewId, bool> = std::collections::HashMap::new();
    let kam_mode = cycle.nominations == crate::domain::status::NominationMode::Kam;
    let new_assignments = db::reviews::counting_once(conn, |conn| -> AppResult<_> {
        let mut new_assignments = Vec::new();
        for n in &rows {
            progress.advance(1);
            if kam_mode && n.relationship.is_confidential() {
                errors.push(ImportError {
                    line: n.line,
                    reason: "in this cycle each key account manager proposes their own customers, peers and team members: list only self and supervisor rows".into(),
                });
                continue;
            }
            let subject_id =
                db::people::ensure(conn, n.subject.email.as_str(), &n.subject.name, now)?;
            let supervisor_id =
                db::people::ensure(conn, n.supervisor.email.as_str(), &n.supervisor.name, now)?;
            let review_id = match db::reviews::find_for_subject(conn, cycle_id, &subject_id)? {
                Some(r) if r.supervisor_id != supervisor_id => {
                    let current = db::people::find(conn, &r.supervisor_id)?;
                    errors.push(ImportError {
                        line: n.line,
                        reason: format!(
                            "{} already has supervisor {} in this cycle, not {}",
                            n.subject.email, current.email, n.supervisor.email
                        ),
                    });
                    continue;
                }
                Some(r) => {
                    if !frozen.contains_key(&r.id) {
                        let is = super::visibility::is_frozen(conn, &cycle, &r)?;
                        frozen.insert(r.id.clone(), is);
                    }
                    r.id
                }
                None => db::reviews::insert(conn, cycle_id, &subject_id, &supervisor_id, now)?,
            };
            let rater_id = db::people::ensure(conn, n.rater.email.as_str(), &n.rater.name, now)?;
            if db::assignments::exists(conn, &review_id, &rater_id)? {
                summary.unchanged += 1;
                continue;
            }
            if frozen.get(&review_id).copied().unwrap_or(false) {
                errors.push(ImportError {
                    line: n.line,
                    reason: super::visibility::frozen(n.subject.email.as_str()),
                });
                continue;
            }
            let organization_id = if n.organization.is_empty() {
                None
            } else {
                Some(db::people::ensure_organization(conn, &n.organization, now)?)
            };
            let id = AssignmentId::generate();
            db::assignments::insert(
                conn,
                &db::assignments::NewAssignment {
                    id: &id,
                    review_id: &review_id,
                    rater_id: &rater_id,
                    relationship: n.relationship,
                    locale: n.locale,
                    organization_id: organization_id.as_ref(),
                    status: AssignmentStatus::Pending,
                    created_at: now,
                },
            )?;
            summary.added += 1;
            new_assignments.push(id);
            if kam_mode {
                // the self and supervisor nominations come together (SPEC §11)
                if let Some(review) = db::reviews::find_for_subject(conn, cycle_id, &subject_id)? {
                    let created =
                        super::proposals::ensure_fixed_raters(conn, &review, n.locale, now)?;
                    summary.added += created.len();
                    new_assignments.extend(created);
                }
            }
        }
        Ok(new_assignments)
    })?;
    if !errors.is_empty() {
        return Err(lines(errors));
    }
    if summary.added >= db::BULK_ROWS {
        db::refresh_statistics(conn)?;
    }
    db::audit::Event::new(Action::CycleImport)
        .by(actor)
        .cycle(cycle_id)
        .new_value(&format!(
            "{} added, {} unchanged",
            summary.added, summary.unchanged
        ))
        .record(conn, now)?;
    let mut links = Vec::new();
    if status == CycleStatus::Open {
        let tx = Tx(&mut *conn, mail, None, now);
        summary.invited = invite(tx, cycle_id, Some(&new_assignments), &mut |l| links.push(l))?;
        super::proposals::request_all(Tx(conn, mail, None, now), cycle_id)?;
    }
    Ok((summary, links))
}

fn lines(errors: Vec<ImportError>) -> AppError {
    AppError::Invalid(
        errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// Adds one nomination (a draft or open cycle; in an open one the rater is invited at once).
/// A refused row answers `Invalid` with the reason alone (no line number: there is one row).
#[tracing::instrument(level = "debug", skip_all)]
pub fn add_one(
    tx: Tx<'_>,
    cycle_id: &CycleId,
    input: &NominationInput,
) -> AppResult<ImportSummary> {
    let Tx(conn, mail, actor, now) = tx;
    let csv = input.to_csv().map_err(|e| AppError::Unexpected(e.into()))?;
    match import(Tx(conn, mail, actor, now), cycle_id, &csv) {
        Ok((summary, _)) if summary.added == 0 => Err(AppError::refused("refuse.add_duplicate")),
        Ok((summary, _)) => Ok(summary),
        Err(AppError::Invalid(m)) => Err(AppError::Invalid(
            m.lines()
                .map(|l| l.strip_prefix("line 2: ").unwrap_or(l))
                .collect::<Vec<_>>()
                .join("\n"),
        )),
        Err(e) => Err(e),
    }
}

/// The nomination `target` names, refused with `refusal` once its cycle has left the draft
/// (raters were told by then).
fn find_in_draft(
    conn: &mut AnyConnection,
    target: &Target,
    refusal: &'static str,
) -> AppResult<(
    db::cycles::CycleRow,
    db::reviews::ReviewListing,
    db::assignments::AssignmentListing,
)> {
    let found = find_target(conn, target)?;
    if found.0.status != CycleStatus::Draft {
        return Err(AppError::refused(refusal));
    }
    Ok(found)
}

/// Removes a nomination while the cycle is a draft (nobody was told yet); a KAM left without
/// nominations leaves the cycle too.
#[tracing::instrument(level = "debug", skip_all)]
pub fn remove(
    conn: &mut AnyConnection,
    target: &Target,
    actor: Option<&PersonId>,
    now: NaiveDateTime,
) -> AppResult<()> {
    let (_, review, a) = find_in_draft(conn, target, "refuse.remove_open")?;
    if !db::assignments::delete_pending(conn, &target.assignment_id)? {
        return Err(AppError::refused("refuse.changed"));
    }
    db::reviews::delete_if_empty(conn, &review.review.id)?;
    db::audit::Event::new(Action::NominationRemove)
        .by(actor)
        .cycle(&target.cycle_id)
        .target(&a.rater_email)
        .old_value(a.assignment.relationship.as_str())
        .new_value(&review.subject_email)
        .record(conn, now)?;
    Ok(())
}

/// Edits one nomination of a draft cycle (the rater's name, relationship, language and
/// organisation), with exactly the checks of an imported row; a changed address is then
/// corrected as [`super::follow_up::correct_email`] does, in the same transaction.
#[tracing::instrument(level = "debug", skip_all)]
pub fn edit(tx: Tx<'_>, target: &Target, input: &EditInput) -> AppResult<()> {
    let Tx(conn, mail, actor, now) = tx;
    let (_, review, a) = find_in_draft(conn, target, "refuse.edit_open")?;
    let Target {
        cycle_id,
        assignment_id,
    } = target;
    let row = NominationInput {
        subject_email: review.subject_email.clone(),
        subject_name: review.subject_name.clone(),
        supervisor_email: review.supervisor_email.clone(),
        supervisor_name: review.supervisor_name.clone(),
        rater_email: a.rater_email.clone(),
        rater_name: input.rater_name.clone(),
        relationship: input.relationship.clone(),
        locale: input.locale.clone(),
        organization: input.organization.clone(),
    };
    let csv = row.to_csv().map_err(|e| AppError::Unexpected(e.into()))?;
    let parsed = nomination::parse(&csv).map_err(|errors| {
        AppError::Invalid(
            errors
                .iter()
                .map(|e| e.reason.clone())
                .collect::<Vec<_>>()
                .join("\n"),
        )
    })?;
    let n = parsed.first().ok_or(AppError::NotFound)?;
    let organization = if n.organization.is_empty() {
        None
    } else {
        Some(db::people::ensure_organization(conn, &n.organization, now)?)
    };
    if !db::assignments::update_details(
        conn,
        assignment_id,
        n.relationship,
        n.locale,
        organization.as_ref(),
    )? {
        return Err(AppError::refused("refuse.changed"));
    }
    if n.rater.name != a.rater_name {
        db::people::rename(conn, &a.assignment.rater_id, &n.rater.name)?;
    }
    db::audit::Event::new(Action::NominationEdit)
        .by(actor)
        .cycle(cycle_id)
        // a draft's KAM may leave the cycle with their last nomination: no reference to it
        .target(assignment_id.as_str())
        .old_value(a.assignment.relationship.as_str())
        .new_value(n.relationship.as_str())
        .record(conn, now)?;
    let typed = input.email.trim().to_lowercase();
    if !typed.is_empty() && typed != a.rater_email {
        super::follow_up::correct_email(Tx(conn, mail, actor, now), target, &input.email)?;
    }
    Ok(())
}
