//! Single sign-on's storage and admission (SPEC §15): a flow begun at the identity provider
//! is kept by its state's hash for one callback within ten minutes; a verified identity then
//! signs in to the account with its address, is created (provisioning, or the first admin
//! through the setup link), or is refused for a reason the person is told. Opening the
//! session is `sign_in::open`'s, in the same transaction.

use chrono::{NaiveDateTime, TimeDelta};

use crate::db::{self, sign_in_flows::Flow, AnyConnection};
use crate::domain::audit::Action;
use crate::domain::ids::PersonId;
use crate::domain::security::email_address::EmailAddress;
use crate::domain::security::sso::{self, Admission, Known, Refusal};
use crate::domain::status::Role;
use crate::error::{AppError, AppResult};

/// How long a sign-in may stay at the provider.
pub fn flow_lasts() -> TimeDelta {
    TimeDelta::minutes(10)
}

/// Keeps a flow begun now (by its state's hash) for its callback.
pub fn begin(
    conn: &mut AnyConnection,
    state_hash: &str,
    flow: &Flow,
    now: NaiveDateTime,
) -> AppResult<()> {
    db::sign_in_flows::insert(conn, state_hash, flow, now, now + flow_lasts())?;
    Ok(())
}

/// Takes the flow of a callback (once): `None` when it is unknown, used or past its time.
pub fn take(
    conn: &mut AnyConnection,
    state_hash: &str,
    now: NaiveDateTime,
) -> AppResult<Option<Flow>> {
    Ok(db::sign_in_flows::take(conn, state_hash, now)?)
}

/// A person the provider vouched for, as kam360 takes them.
pub struct Vouched<'a> {
    pub email: &'a EmailAddress,
    /// The name for a new account (the provider's, else the address).
    pub name: &'a str,
    /// The role the configured claim names: `None` without a `role_claim`, `Some(None)` when
    /// the claim names neither role.
    pub claimed: Option<Option<Role>>,
    /// A password hash nobody knows, for an account created now (hashed by the caller off the
    /// transaction; `None` when the caller found the account).
    pub unusable_hash: Option<&'a str>,
}

/// Admits a verified person (§15's rules, `sso::admit`): the person to open a session for,
/// or why not. Every change is audited; a refusal changes nothing but the audit trail.
#[tracing::instrument(level = "debug", skip_all)]
pub fn admit(
    conn: &mut AnyConnection,
    who: &Vouched<'_>,
    provision: bool,
    now: NaiveDateTime,
) -> AppResult<Result<PersonId, Refusal>> {
    let account = db::accounts::find_by_email(conn, who.email.as_str())?;
    let known = account.as_ref().map(|a| Known {
        role: a.role,
        disabled: a.disabled,
    });
    let admitted = match sso::admit(known, who.claimed, provision) {
        Ok(a) => a,
        Err(refusal) => {
            refused(conn, Some(who.email.as_str()), refusal, now)?;
            return Ok(Err(refusal));
        }
    };
    let person = match (admitted, account) {
        (Admission::SignIn { new_role }, Some(a)) => {
            if let Some(role) = new_role {
                db::accounts::set_role(conn, &a.person_id, role, now)?;
                db::audit::Event::new(Action::UserRole)
                    .target(&a.email)
                    .old_value(a.role.as_str())
                    .new_value(role.as_str())
                    .record(conn, now)?;
            }
            a.person_id
        }
        (Admission::Provision(role), _) => create(conn, who, role, now)?,
        // `admit` signs in only a found account
        (Admission::SignIn { .. }, None) => return Err(AppError::NotFound),
    };
    db::accounts::mark_in_use(conn, &person)?;
    Ok(Ok(person))
}

/// Creates the first admin from the identity the setup link's holder signed in with, and uses
/// the link up. An account of theirs that exists already (a supervisor's) becomes the admin.
///
/// # Errors
///
/// `NotFound` once an admin exists or when the link is not live.
#[tracing::instrument(level = "debug", skip_all)]
pub fn create_first_admin(
    conn: &mut AnyConnection,
    setup_hash: &str,
    who: &Vouched<'_>,
    now: NaiveDateTime,
) -> AppResult<PersonId> {
    super::setup::use_up(conn, setup_hash, now)?;
    let person = match db::accounts::find_by_email(conn, who.email.as_str())? {
        Some(a) => {
            db::accounts::set_role(conn, &a.person_id, Role::Admin, now)?;
            db::accounts::set_disabled(conn, who.email.as_str(), false, now)?;
            db::audit::Event::new(Action::UserRole)
                .target(&a.email)
                .old_value(a.role.as_str())
                .new_value(Role::Admin.as_str())
                .record(conn, now)?;
            a.person_id
        }
        None => create(conn, who, Role::Admin, now)?,
    };
    db::accounts::mark_in_use(conn, &person)?;
    Ok(person)
}

fn create(
    conn: &mut AnyConnection,
    who: &Vouched<'_>,
    role: Role,
    now: NaiveDateTime,
) -> AppResult<PersonId> {
    let hash = who
        .unusable_hash
        .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("no hash for a new account")))?;
    super::users::add_with_hash(conn, who.email, who.name, role, hash, now)
}

/// Audits a refused sign-in: the reason's code, and the address's hash (never the address)
/// when the provider vouched for one.
pub fn refused(
    conn: &mut AnyConnection,
    email: Option<&str>,
    refusal: Refusal,
    now: NaiveDateTime,
) -> AppResult<()> {
    let account = email.map(crate::domain::security::token::hash);
    let reason = format!("sso: {}", refusal.code());
    let mut event = db::audit::Event::new(Action::StaffLoginFailed).new_value(&reason);
    if let Some(a) = &account {
        event = event.target(a);
    }
    event.record(conn, now)?;
    Ok(())
}
