//! Staff accounts: creation with a generated password (hashed by `domain::password`), disabling.

use chrono::NaiveDateTime;

use crate::db::{self, AnyConnection};
use crate::domain::email_address::EmailAddress;
use crate::domain::password;
use crate::error::{AppError, AppResult};

pub use crate::domain::status::Role;

/// Creates a staff account (and the person if new); returns the generated password.
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
        || name.chars().any(crate::domain::text::is_unsafe)
    {
        return Err(AppError::Invalid(
            "the name must be 1–200 characters on one line, without control or text-direction characters".into(),
        ));
    }
    if db::accounts::find_by_email(conn, email.as_str())?.is_some() {
        return Err(AppError::Invalid(format!("{email} already has an account")));
    }
    let person = db::people::ensure(conn, email.as_str(), name, now)?;
    let password = password::generate();
    let hash = password::hash(&password).map_err(|e| AppError::Unexpected(e.into()))?;
    db::accounts::insert(conn, &person, role, &hash, now)?;
    db::audit::record(
        conn,
        now,
        &db::audit::Event {
            action: "user.add",
            target: Some(email.as_str()),
            new_value: Some(role.as_str()),
            ..Default::default()
        },
    )?;
    Ok(password)
}

/// Disables an account and ends all its sessions (audited).
pub fn disable(conn: &mut AnyConnection, email: &str, now: NaiveDateTime) -> AppResult<()> {
    let email = EmailAddress::parse(email)
        .ok_or_else(|| AppError::Invalid(format!("'{email}' is not a valid email address")))?;
    let account = db::accounts::find_by_email(conn, email.as_str())?
        .ok_or_else(|| AppError::Invalid(format!("{email} has no account")))?;
    db::accounts::set_disabled(conn, email.as_str(), true, now)?;
    db::sessions::delete_for_person(conn, &account.person_id)?;
    db::audit::record(
        conn,
        now,
        &db::audit::Event {
            action: "user.disable",
            target: Some(email.as_str()),
            ..Default::default()
        },
    )?;
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
