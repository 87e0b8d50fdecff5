//! Orchestrations shared by the CLI and the web UI: each runs inside one transaction given by
//! the caller, calls `domain` for the rules and `db` for the storage.

pub mod cycle_texts;
pub mod cycles;
pub mod demo;
pub mod follow_up;
pub mod link_request;
pub mod links;
pub mod nominations;
pub mod oidc;
pub mod outbox;
pub mod password_reset;
pub mod progress;
pub mod proposals;
pub mod reconcile;
pub mod release;
pub mod report;
pub mod retention;
pub mod schedule;
pub mod setup;
pub mod sign_in;
pub mod team;
pub mod users;
pub mod visibility;

use crate::db::{self, AnyConnection};
use crate::domain::formats::rubric::Rubric;
use crate::domain::ids::CycleId;
use crate::domain::rules::consolidation::Policy;
use crate::error::{AppError, AppResult};

/// The consolidation policy as frozen in a cycle.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PolicySnapshot {
    pub supervisor_share: f64,
    pub weight_customer: u32,
    pub weight_peer: u32,
    pub weight_team: u32,
}

impl PolicySnapshot {
    /// The exact policy.
    pub fn policy(&self) -> AppResult<Policy> {
        Policy::new(
            self.supervisor_share,
            self.weight_customer,
            self.weight_peer,
            self.weight_team,
        )
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("stored policy: {e}")))
    }
}

/// The rubric and policy frozen in a cycle.
pub fn load_snapshots(conn: &mut AnyConnection, cycle_id: &CycleId) -> AppResult<(Rubric, Policy)> {
    let (rubric, policy) = db::cycles::snapshots(conn, cycle_id)?;
    let rubric = Rubric::from_snapshot(&rubric)
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("stored rubric: {e}")))?;
    let policy: PolicySnapshot = serde_json::from_str(&policy)
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("stored policy: {e}")))?;
    Ok((rubric, policy.policy()?))
}

/// The cycle with this id, or a clear "no such cycle".
pub fn find_cycle(conn: &mut AnyConnection, id: &CycleId) -> AppResult<db::cycles::CycleRow> {
    db::cycles::find(conn, id)?.ok_or_else(|| AppError::Invalid(format!("no cycle with id {id}")))
}

/// One action's unit of work, `(conn, mail, actor, now)`: the transaction it runs in, how it
/// queues mail, who takes it (`None`: the system, the scheduler or the command line; a staff
/// member's own action names them: `A = &PersonId`) and when.
pub struct Tx<'a, A = Option<&'a crate::domain::ids::PersonId>>(
    pub &'a mut AnyConnection,
    pub Mail<'a>,
    pub A,
    pub chrono::NaiveDateTime,
);

/// What an action that queues email needs beside its connection: the templates to render
/// with and the settings (sender, contact, base URL, branding).
#[derive(Clone, Copy)]
pub struct Mail<'a> {
    pub templates: &'a crate::email::Templates,
    pub settings: &'a crate::config::Settings,
}

impl<'a> Mail<'a> {
    /// The pair, named.
    pub fn new(
        templates: &'a crate::email::Templates,
        settings: &'a crate::config::Settings,
    ) -> Self {
        Mail {
            templates,
            settings,
        }
    }

    /// Renders `message` for `to` and queues it; `false` when a message of the same cause was
    /// queued before (the outbox's idempotency key).
    pub fn queue<M: crate::email::messages::Message>(
        &self,
        conn: &mut AnyConnection,
        to: crate::email::messages::Recipient<'_>,
        message: &M,
        now: chrono::NaiveDateTime,
    ) -> AppResult<bool> {
        Ok(db::outbox::enqueue(conn, &self.render(to, message, now)?)?)
    }

    /// Renders `message` for `to` into the outbox row that [`Mail::queue`] would store.
    pub fn render<M: crate::email::messages::Message>(
        &self,
        to: crate::email::messages::Recipient<'_>,
        message: &M,
        now: chrono::NaiveDateTime,
    ) -> AppResult<db::outbox::NewMessage> {
        crate::email::messages::render(self.templates, self.settings, to, message, now)
            .map_err(AppError::Unexpected)
    }
}
