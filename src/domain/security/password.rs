//! Staff passwords: generated at random, stored as Argon2id PHC strings (OWASP's parameters),
//! verified in constant time, and re-hashed at sign-in when the parameters have changed.

use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::Argon2;
use rand::distr::{Alphanumeric, SampleString};
use rand::TryRngCore;

/// Why a password could not be hashed.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// The operating system's random number generator failed.
    #[error("random: {0}")]
    Random(String),
    /// The hasher refused its input.
    #[error("hash: {0}")]
    Hash(String),
}

/// The parameters of new hashes: OWASP's (m = 19 MiB, t = 2, p = 1), unless the test harness
/// lowered them for its own process with [`lower_cost_for_tests`].
fn params() -> argon2::Params {
    TEST_PARAMS.get().cloned().unwrap_or_default()
}

static TEST_PARAMS: std::sync::OnceLock<argon2::Params> = std::sync::OnceLock::new();

/// For the integration tests only, never called by the server or the CLI: from now on this
/// process hashes with Argon2's smallest parameters (m = 8 KiB, t = 1), so that the suite's few
/// hundred sign-ins do not each spend 19 MiB and two passes. Stored hashes keep their own
/// parameters, so verifying works either way.
#[doc(hidden)]
pub fn lower_cost_for_tests() {
    let _ = TEST_PARAMS.set(
        argon2::Params::new(
            argon2::Params::MIN_M_COST,
            argon2::Params::MIN_T_COST,
            1,
            None,
        )
        .unwrap_or_default(),
    );
}

fn argon2() -> Argon2<'static> {
    Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        params(),
    )
}

/// A new random password (20 alphanumeric characters, ~119 bits).
pub fn generate() -> String {
    Alphanumeric.sample_string(&mut rand::rngs::OsRng.unwrap_err(), 20)
}

/// The Argon2id PHC string of `password`.
pub fn hash(password: &str) -> Result<String, PasswordError> {
    let mut salt = [0u8; 16];
    rand::rngs::OsRng
        .try_fill_bytes(&mut salt)
        .map_err(|e| PasswordError::Random(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| PasswordError::Hash(e.to_string()))?;
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

/// Whether `password` matches the PHC string `hash` (false for a malformed hash).
pub fn verify(hash: &str, password: &str) -> bool {
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
    let current = params();
    let param = |name: &str| h.params.get_decimal(name);
    h.algorithm.as_str() != "argon2id"
        || param("m") != Some(current.m_cost())
        || param("t") != Some(current.t_cost())
        || param("p") != Some(current.p_cost())
}

/// The shortest password a person may choose (NIST SP 800-63B asks for at least 8; 12 keeps
/// an offline guess out of reach with Argon2id).
pub const MIN_CHARS: usize = 12;
/// The longest: enough for any passphrase, short enough to bound the hashing work.
pub const MAX_CHARS: usize = 128;

/// Why a password a person chose is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    TooShort,
    TooLong,
    /// The two fields differ.
    Mismatch,
    /// The password is the account's email address.
    IsEmail,
}

impl Refused {
    /// The message's key in the i18n tables.
    pub fn key(self) -> &'static str {
        match self {
            Refused::TooShort => "password.too_short",
            Refused::TooLong => "password.too_long",
            Refused::Mismatch => "password.mismatch",
            Refused::IsEmail => "password.is_email",
        }
    }
}

/// Checks a newly chosen password and its confirmation (length in characters, any script).
///
/// # Errors
///
/// The first rule the password breaks.
pub fn check_new(password: &str, confirm: &str, email: &str) -> Result<(), Refused> {
    let n = password.chars().count();
    if n < MIN_CHARS {
        return Err(Refused::TooShort);
    }
    if n > MAX_CHARS {
        return Err(Refused::TooLong);
    }
    if password.trim().eq_ignore_ascii_case(email.trim()) {
        return Err(Refused::IsEmail);
    }
    if password != confirm {
        return Err(Refused::Mismatch);
    }
    Ok(())
}

/// A hash of a random password, verified against when the account does not exist, so that an
/// unknown email takes as long to refuse as a wrong password.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash(&generate()).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chosen_passwords_follow_the_rules() {
        assert_eq!(
            check_new("short", "short", "a@t.cn"),
            Err(Refused::TooShort)
        );
        let long = "x".repeat(MAX_CHARS + 1);
        assert_eq!(check_new(&long, &long, "a@t.cn"), Err(Refused::TooLong));
        assert_eq!(
            check_new("ann.lee@t.cn", "ann.lee@t.cn", "Ann.Lee@t.cn"),
            Err(Refused::IsEmail)
        );
        assert_eq!(
            check_new("correct horse battery", "correct horse batery", "a@t.cn"),
            Err(Refused::Mismatch)
        );
        // twelve characters in any script count as twelve
        assert_eq!(
            check_new(
                "密码密码密码密码密码密码",
                "密码密码密码密码密码密码",
                "a@t.cn"
            ),
            Ok(())
        );
    }

    #[test]
    fn passwords_verify_only_against_their_hash() {
        let h = hash("correct horse").expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(h.contains("$m=19456,t=2,p=1$"), "OWASP's parameters: {h}");
        assert!(verify(&h, "correct horse"));
        assert!(!verify(&h, "Correct horse"));
        assert!(!verify("not a hash", "x"));
        assert!(!verify(dummy_hash(), ""));
        assert_eq!(generate().len(), 20);
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
        assert!(verify(&weak, "pw"));
    }
}
