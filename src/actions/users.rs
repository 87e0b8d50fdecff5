//! Staff accounts: creation with a generated password (hashed by `domain::security::password`), disabling.

use super::Tx;
use crate::domain::audit::Action;
use crate::domain::ids::PersonId;
use chrono::NaiveDateTime;

use crate::db::{self, AnyConnection};
pub use crate::domain::forms::staff_invite::{check_invite, FieldProblem, InviteInput};
use crate::domain::locale::Locale;
use crate::domain::security::email_address::EmailAddress;
use crate::domain::security::password;
use crate::email::account_messages::InviteMail;
use crate::email::messages::Recipient;
use crate::error::{AppError, AppResult};

pub use crate::domain::status::Role;

/// Creates a staff account (and the person if new); returns the generated password.
#[tracing::instrument(level = "debug", skip_all)]
pub fn add(
    conn: &mut AnyConnection,
    email: &str,
    name: &str,
    role: Role,
    now: NaiveDateTime,
) -> AppResult<String> {
    let email = EmailAddress::parse(email)
        .ok_or_else(|| AppError::Invalid(format!("'{email}' is not a valid email address")))?;
    let name = name.trim();
    if name.is_empty()
        || name.chars().count() > 200
        || name.chars().any(crate::domain::security::text::is_unsafe)
    {
        return Err(AppError::Invalid(
            "the name must be 1–200 characters on one line, without control or text-direction characters".into(),
        ));
    }
    let password = password::generate();
    let hash = password::hash(&password).map_err(|e| AppError::Unexpected(e.into()))?;
    add_with_hash(conn, &email, name, role, &hash, now)?;
    Ok(password)
}

/// Adds a staff account whose password (hashed by the caller, off the transaction) was chosen
/// by its owner; audited. The name must be checked already.
///
/// # Errors
///
/// `Invalid` when the address has an account.
pub fn add_with_hash(
    conn: &mut AnyConnection,
    email: &EmailAddress,
    name: &str,
    role: Role,
    hash: &str,
    now: NaiveDateTime,
) -> AppResult<PersonId> {
    if db::accounts::find_by_email(conn, email.as_str())?.is_some() {
        return Err(AppError::Invalid(format!("{email} already has an account")));
    }
    let person = db::people::ensure(conn, email.as_str(), name, now)?;
    db::accounts::insert(conn, &person, role, hash, now)?;
    db::audit::Event::new(Action::UserAdd)
        .target(email.as_str())
        .new_value(role.as_str())
        .record(conn, now)?;
    Ok(person)
}

/// Disables an account and ends all its sessions (audited).
#[tracing::instrument(level = "debug", skip_all)]
pub fn disable(conn: &mut AnyConnection, email: &str, now: NaiveDateTime) -> AppResult<()> {
    let email = EmailAddress::parse(email)
        .ok_or_else(|| AppError::Invalid(format!("'{email}' is not a valid email address")))?;
    let account = db::accounts::find_by_email(conn, email.as_str())?
        .ok_or_else(|| AppError::Invalid(format!("{email} has no account")))?;
    db::accounts::set_disabled(conn, email.as_str(), true, now)?;
    db::sessions::delete_for_person(conn, &account.person_id)?;
    db::audit::Event::new(Action::UserDisable)
        .target(email.as_str())
        .record(conn, now)?;
    Ok(())
}

/// How long a staff invitation's link stays good.
pub fn invitation_valid_for() -> chrono::TimeDelta {
    chrono::TimeDelta::days(7)
}

/// Who is invited, as the admin typed them (checked).
pub struct Invitee<'a> {
    pub email: &'a EmailAddress,
    pub name: &'a str,
    pub role: Role,
    pub locale: Locale,
}

/// Invites a staff member: the account is created without a usable password and a
/// single-use link to choose one (valid 7 days, only its hash stored) is emailed.
#[tracing::instrument(level = "debug", skip_all)]
pub fn invite(tx: Tx<'_, &PersonId>, who: Invitee<'_>) -> AppResult<()> {
    let Tx(conn, mail, actor, now) = tx;
    let Invitee {
        email,
        name,
        role,
        locale,
    } = who;
    if db::accounts::find_by_email(conn, email.as_str())?.is_some() {
        return Err(AppError::Invalid(format!("{email} already has an account")));
    }
    let person = db::people::ensure(conn, email.as_str(), name, now)?;
    // a password nobody knows: the account can be used once its owner chooses one
    let unusable =
        password::hash(&password::generate()).map_err(|e| AppError::Unexpected(e.into()))?;
    db::accounts::insert(conn, &person, role, &unusable, now)?;
    db::accounts::mark_invited(conn, &person)?;
    db::accounts::set_locale(conn, &person, locale)?;
    send_invitation(Tx(conn, mail, actor, now), &person)?;
    db::audit::Event::new(Action::UserInvite)
        .by(actor)
        .target(email.as_str())
        .new_value(role.as_str())
        .record(conn, now)?;
    Ok(())
}

/// Sends (again) the link to choose a password; an earlier link stops working.
#[tracing::instrument(level = "debug", skip_all)]
pub fn send_invitation(tx: Tx<'_, &PersonId>, person_id: &PersonId) -> AppResult<()> {
    let Tx(conn, mail, actor, now) = tx;
    let account = db::accounts::find(conn, person_id)?.ok_or(AppError::NotFound)?;
    if account.disabled {
        return Err(AppError::refused_with(
            "users.error.disabled",
            vec![("email", account.email.clone())],
        ));
    }
    let inviter = db::people::find(conn, actor)?.name;
    let locale = db::accounts::locale_of(conn, person_id)?.unwrap_or(Locale::Zh);
    let settings = mail.settings;
    // with single sign-on as the only way in, the invitation is the provider's sign-in (its
    // cause a fresh random key, so that a new invitation is a new message)
    let sso = (!settings.auth.local_passwords && settings.oidc.enabled())
        .then(|| settings.oidc.display_name());
    let (hash, link) = match &sso {
        Some(_) => (
            crate::domain::security::token::issue().hash,
            format!(
                "{}/login/oidc?lang={}",
                settings.base_url(),
                locale.as_str()
            ),
        ),
        None => {
            super::password_reset::new_link(conn, mail, person_id, now, invitation_valid_for())?
        }
    };
    mail.queue(
        conn,
        Recipient::new(&account.email, &account.name, locale),
        &InviteMail {
            token_hash: &hash,
            role: account.role,
            inviter: &inviter,
            link: &link,
            valid_days: invitation_valid_for().num_days(),
            sso: sso.as_deref(),
        },
        now,
    )?;
    Ok(())
}

/// Changes a staff member's role (never the last enabled admin's, never one's own).
#[tracing::instrument(level = "debug", skip_all)]
pub fn set_role(
    conn: &mut AnyConnection,
    person_id: &PersonId,
    role: Role,
    actor: &PersonId,
    now: NaiveDateTime,
) -> AppResult<()> {
    let account = db::accounts::find(conn, person_id)?.ok_or(AppError::NotFound)?;
    if account.role == role {
        return Ok(());
    }
    if person_id == actor {
        return Err(AppError::refused("users.error.own_role"));
    }
    db::accounts::set_role(conn, person_id, role, now)?;
    // a session carries its role: the person signs in again with the new one
    db::sessions::delete_for_person(conn, person_id)?;
    db::audit::Event::new(Action::UserRole)
        .by(actor)
        .target(&account.email)
        .old_value(account.role.as_str())
        .new_value(role.as_str())
        .record(conn, now)?;
    Ok(())
}

/// Disables (ending every session) or enables a staff member; never oneself.
#[tracing::instrument(level = "debug", skip_all)]
pub fn set_enabled(
    conn: &mut AnyConnection,
    person_id: &PersonId,
    enabled: bool,
    actor: &PersonId,
    now: NaiveDateTime,
) -> AppResult<()> {
    let account = db::accounts::find(conn, person_id)?.ok_or(AppError::NotFound)?;
    if person_id == actor {
        return Err(AppError::refused("users.error.own_account"));
    }
    db::accounts::set_disabled(conn, &account.email, !enabled, now)?;
    if !enabled {
        db::sessions::delete_for_person(conn, person_id)?;
    }
    db::audit::Event::new(if enabled {
        Action::UserEnable
    } else {
        Action::UserDisable
    })
    .by(actor)
    .target(&account.email)
    .record(conn, now)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_with_direction_overrides_are_refused() {
        let mut c = AnyConnection::Sqlite(
            diesel::Connection::establish(":memory:").expect("in-memory SQLite"),
        );
        let err = add(
            &mut c,
            "a@t.cn",
            "Ann\u{202E}a",
            Role::Admin,
            crate::db::now(),
        )
        .expect_err("refused before any query");
        assert!(err.to_string().contains("text-direction"), "{err}");
    }
}
