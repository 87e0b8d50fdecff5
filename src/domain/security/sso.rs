//! Single sign-on's rules (SPEC §15): why a sign-in through the identity provider is refused,
//! which kam360 role a provider's claim grants, and what a verified identity may do here.
//! The protocol itself (discovery, PKCE, the ID token's signature) is the `oidc` module's.

use crate::domain::status::Role;

/// Why a sign-in through the identity provider did not open a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The callback's state is unknown, used already, past its ten minutes, or from another
    /// browser: the sign-in did not start here (or is replayed).
    StaleState,
    /// The person stopped at the provider, or the provider refused them.
    ProviderSaidNo,
    /// The provider could not be reached, or answered something that is not OpenID Connect.
    Unreachable,
    /// The ID token was issued for another application.
    WrongAudience,
    /// The ID token was issued by someone other than the configured provider.
    WrongIssuer,
    /// The ID token is past its expiry.
    Expired,
    /// The ID token's signature does not verify with the provider's keys.
    BadSignature,
    /// The ID token answers another sign-in (its nonce is not this flow's).
    WrongNonce,
    /// The token failed another check (malformed, an unsupported algorithm, a subject that
    /// does not match the user info).
    Invalid,
    /// The provider gave no email address, or did not say it verified it.
    EmailUnverified,
    /// No kam360 account has this address, and provisioning is off.
    Unknown,
    /// The account is disabled.
    Disabled,
    /// `role_claim` is configured and the claim names neither role.
    NoRole,
}

impl Refusal {
    /// The catalogue key of the sentence that tells the person what happened.
    pub fn key(self) -> &'static str {
        match self {
            Refusal::StaleState => "sso.refused.state",
            Refusal::ProviderSaidNo => "sso.refused.provider",
            Refusal::Unreachable => "sso.refused.unreachable",
            Refusal::WrongAudience => "sso.refused.audience",
            Refusal::WrongIssuer => "sso.refused.issuer",
            Refusal::Expired => "sso.refused.expired",
            Refusal::BadSignature => "sso.refused.signature",
            Refusal::WrongNonce => "sso.refused.nonce",
            Refusal::Invalid => "sso.refused.invalid",
            Refusal::EmailUnverified => "sso.refused.email",
            Refusal::Unknown => "sso.refused.unknown",
            Refusal::Disabled => "sso.refused.disabled",
            Refusal::NoRole => "sso.refused.role",
        }
    }

    /// The code written to the log and the audit trail (for the administrator; never shown
    /// with anything of the token).
    pub fn code(self) -> &'static str {
        match self {
            Refusal::StaleState => "state",
            Refusal::ProviderSaidNo => "provider",
            Refusal::Unreachable => "unreachable",
            Refusal::WrongAudience => "audience",
            Refusal::WrongIssuer => "issuer",
            Refusal::Expired => "expired",
            Refusal::BadSignature => "signature",
            Refusal::WrongNonce => "nonce",
            Refusal::Invalid => "invalid",
            Refusal::EmailUnverified => "email",
            Refusal::Unknown => "unknown",
            Refusal::Disabled => "disabled",
            Refusal::NoRole => "role",
        }
    }

    /// The HTTP status of the page that says so: the person is known to be refused (403), the
    /// request itself is stale (400), or the provider failed (502).
    pub fn status(self) -> u16 {
        match self {
            Refusal::StaleState => 400,
            Refusal::Unreachable => 502,
            Refusal::ProviderSaidNo
            | Refusal::EmailUnverified
            | Refusal::Unknown
            | Refusal::Disabled
            | Refusal::NoRole => 403,
            Refusal::WrongAudience
            | Refusal::WrongIssuer
            | Refusal::Expired
            | Refusal::BadSignature
            | Refusal::WrongNonce
            | Refusal::Invalid => 401,
        }
    }
}

/// The role named by the values of the configured `role_claim` (a string or a list of
/// strings): `admin` wins over `supervisor`, compared without case or surrounding space.
pub fn role_from_claim<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<Role> {
    let mut found = None;
    for v in values {
        match v.trim().to_ascii_lowercase().as_str() {
            "admin" => return Some(Role::Admin),
            "supervisor" => found = Some(Role::Supervisor),
            _ => {}
        }
    }
    found
}

/// What kam360 knows of the account with the identity's address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Known {
    pub role: Role,
    pub disabled: bool,
}

/// What a verified identity does here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Signs in to their account; `Some(role)` when the provider's claim changes its role.
    SignIn { new_role: Option<Role> },
    /// A new account with this role is created first (provisioning).
    Provision(Role),
}

/// The rules of §15: an account with the verified address signs in (its role follows the claim
/// when `role_claim` is configured); an unknown person is created as a supervisor (or the
/// claimed role) only when provisioning is on. `claimed` is `None` without a `role_claim`, and
/// `Some(None)` when the claim names neither role.
pub fn admit(
    account: Option<Known>,
    claimed: Option<Option<Role>>,
    provision: bool,
) -> Result<Admission, Refusal> {
    let claimed = match claimed {
        Some(None) => return Err(Refusal::NoRole),
        Some(Some(role)) => Some(role),
        None => None,
    };
    match account {
        Some(a) if a.disabled => Err(Refusal::Disabled),
        Some(a) => Ok(Admission::SignIn {
            new_role: claimed.filter(|r| *r != a.role),
        }),
        None if provision => Ok(Admission::Provision(claimed.unwrap_or(Role::Supervisor))),
        None => Err(Refusal::Unknown),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::locale::Locale;

    #[test]
    fn a_claim_names_a_role() {
        assert_eq!(role_from_claim(["Admin "]), Some(Role::Admin));
        assert_eq!(
            role_from_claim(["supervisor", "admin"]),
            Some(Role::Admin),
            "admin wins"
        );
        assert_eq!(
            role_from_claim(["staff", "SUPERVISOR"]),
            Some(Role::Supervisor)
        );
        assert_eq!(
            role_from_claim(["administrators"]),
            None,
            "whole values only"
        );
        assert_eq!(role_from_claim([]), None);
    }

    #[test]
    fn known_people_sign_in_and_strangers_only_with_provisioning() {
        let supervisor = Known {
            role: Role::Supervisor,
            disabled: false,
        };
        assert_eq!(
            admit(Some(supervisor), None, false),
            Ok(Admission::SignIn { new_role: None })
        );
        assert_eq!(
            admit(Some(supervisor), Some(Some(Role::Admin)), false),
            Ok(Admission::SignIn {
                new_role: Some(Role::Admin)
            })
        );
        assert_eq!(
            admit(Some(supervisor), Some(Some(Role::Supervisor)), false),
            Ok(Admission::SignIn { new_role: None })
        );
        assert_eq!(
            admit(Some(supervisor), Some(None), true),
            Err(Refusal::NoRole)
        );
        let disabled = Known {
            disabled: true,
            ..supervisor
        };
        assert_eq!(admit(Some(disabled), None, true), Err(Refusal::Disabled));
        assert_eq!(admit(None, None, false), Err(Refusal::Unknown));
        assert_eq!(
            admit(None, None, true),
            Ok(Admission::Provision(Role::Supervisor))
        );
        assert_eq!(
            admit(None, Some(Some(Role::Admin)), true),
            Ok(Admission::Provision(Role::Admin))
        );
    }

    #[test]
    fn refusals_have_distinct_codes_and_words() {
        use std::collections::HashSet;
        let all = [
            Refusal::StaleState,
            Refusal::ProviderSaidNo,
            Refusal::Unreachable,
            Refusal::WrongAudience,
            Refusal::WrongIssuer,
            Refusal::Expired,
            Refusal::BadSignature,
            Refusal::WrongNonce,
            Refusal::Invalid,
            Refusal::EmailUnverified,
            Refusal::Unknown,
            Refusal::Disabled,
            Refusal::NoRole,
        ];
        let codes: HashSet<_> = all.iter().map(|r| r.code()).collect();
        let keys: HashSet<_> = all.iter().map(|r| r.key()).collect();
        assert_eq!((codes.len(), keys.len()), (all.len(), all.len()));
        for r in all {
            for l in [Locale::En, Locale::Zh] {
                assert_ne!(crate::i18n::t(l, r.key()), "(missing text)", "{}", r.key());
            }
        }
    }
}
