//! Staff accounts: creation with a generated password, hashed with Argon2id.

use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::Argon2;
use chrono::NaiveDateTime;
use rand::distr::{Alphanumeric, SampleString};
use rand::TryRngCore;

use crate::db::{self, AnyConnection};
use crate::domain::email_address::EmailAddress;
use crate::error::{AppError, AppResult};

pub use crate::domain::status::Role;

/// A new random password (20 alphanumeric characters, ~119 bits).
pub fn generate_password() -> String {
    Alphanumeric.sample_string(&mut rand::rngs::OsRng.unwrap_err(), 20)
}

/// The Argon2id PHC string of `password`.
pub fn hash_password(password: &str) -> AppResult<String> {
    let mut salt = [0u8; 16];
    rand::rngs::OsRng
        .try_fill_bytes(&mut salt)
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("random: {e}")))?;
    let salt = SaltString::encode_b64(&salt)
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("hash: {e}")))
}

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
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(AppError::Invalid(
            "the name must be 1–200 characters on one line".into(),
        ));
    }
    if db::accounts::find_by_email(conn, email.as_str())?.is_some() {
        return Err(AppError::Invalid(format!("{email} already has an account")));
    }
    let person = db::people::ensure(conn, email.as_str(), name, now)?;
    let password = generate_password();
    db::accounts::insert(conn, &person, role, &hash_password(&password)?, now)?;
    db::audit::record(
        conn,
        &db::audit::NewEvent {
            id: db::new_id(),
            at: now,
            action: "user.add",
            target: Some(email.as_str()),
            new_value: Some(role.as_str()),
            ..Default::default()
        },
    )?;
    Ok(password)
}

/// Whether `password` matches the PHC string `hash` (false for a malformed hash).
pub fn verify_password(hash: &str, password: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// Whether a stored hash was made with other parameters than today's (Argon2id, OWASP's
/// m = 19 MiB, t = 2, p = 1) and should be replaced at the next successful sign-in.
pub fn needs_rehash(hash: &str) -> bool {
    use argon2::password_hash::PasswordHash;
    let Ok(h) = PasswordHash::new(hash) else {
        return true;
    };
    let current = argon2::Params::default();
    let param = |name: &str| h.params.get_decimal(name);
    h.algorithm.as_str() != "argon2id"
        || param("m") != Some(current.m_cost())
        || param("t") != Some(current.t_cost())
        || param("p") != Some(current.p_cost())
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
        &db::audit::NewEvent {
            id: db::new_id(),
            at: now,
            action: "user.disable",
            target: Some(email.as_str()),
            ..Default::default()
        },
    )?;
    Ok(())
}

/// A hash of a random password, verified against when the account does not exist, so that an
/// unknown email takes as long to refuse as a wrong password.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&generate_password()).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_hash() {
        let h = hash_password("correct horse").expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password(&h, "correct horse"));
        assert!(!verify_password(&h, "Correct horse"));
        assert!(!verify_password("not a hash", "x"));
        assert!(!verify_password(dummy_hash(), ""));
        assert_eq!(generate_password().len(), 20);
        assert!(!needs_rehash(&h));
        let weak = {
            use argon2::password_hash::{PasswordHasher, SaltString};
            let params = argon2::Params::new(8 * 1024, 1, 1, None).expect("params");
            let a = Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
            a.hash_password(
                b"pw",
                &SaltString::encode_b64(b"0123456789abcdef").expect("salt"),
            )
            .expect("hash")
            .to_string()
        };
        assert!(needs_rehash(&weak));
        assert!(verify_password(&weak, "pw"));
    }
}
