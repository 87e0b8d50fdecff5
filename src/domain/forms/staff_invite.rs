//! The staff invitation form (SPEC §11 `POST /admin/users`): checked field by field, so that
//! each error shows beside its field and what was typed is kept.

use crate::domain::locale::Locale;
use crate::domain::security::email_address::EmailAddress;
use crate::domain::status::Role;

/// A person to invite, as the users page sends it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct InviteInput {
    pub email: String,
    pub name: String,
    pub role: String,
    pub locale: String,
}

/// The invitation form's fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Email,
    Name,
    Role,
    Locale,
}

impl Field {
    /// Every field, in the form's order.
    pub const ALL: [Field; 4] = [Field::Email, Field::Name, Field::Role, Field::Locale];

    /// The form field's name (what [`FieldProblem`] names).
    pub fn name(self) -> &'static str {
        match self {
            Field::Email => "email",
            Field::Name => "name",
            Field::Role => "role",
            Field::Locale => "locale",
        }
    }

    /// The catalogue key of its label.
    pub fn label_key(self) -> &'static str {
        match self {
            Field::Email => "users.field.email",
            Field::Name => "users.field.name",
            Field::Role => "users.field.role",
            Field::Locale => "users.field.locale",
        }
    }
}

/// A refused invitation field: (form field, i18n key of the reason).
pub type FieldProblem = (&'static str, &'static str);

/// Checks an invitation form field by field.
///
/// # Errors
///
/// Every refused field with the i18n key of its reason.
pub fn check_invite(
    input: &InviteInput,
) -> Result<(EmailAddress, String, Role, Locale), Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let email = EmailAddress::parse(&input.email);
    if email.is_none() {
        problems.push(("email", "users.error.email"));
    }
    let name = input.name.trim();
    if name.is_empty()
        || name.chars().count() > 200
        || name.chars().any(crate::domain::security::text::is_unsafe)
    {
        problems.push(("name", "users.error.name"));
    }
    let role = Role::parse(input.role.trim());
    if role.is_none() {
        problems.push(("role", "users.error.role"));
    }
    let locale = Locale::parse(input.locale.trim()).unwrap_or(Locale::Zh);
    match (email, role) {
        (Some(email), Some(role)) if problems.is_empty() => {
            Ok((email, name.to_owned(), role, locale))
        }
        _ => Err(problems),
    }
}
/// Checks the first admin's form (SPEC §15's setup page): the name and address as an
/// invitation's, and the password as a new one (long enough, not the address, typed twice).
///
/// # Errors
///
/// Every refused field with the i18n key of its reason.
pub fn check_first_admin(
    name: &str,
    email: &str,
    password: &str,
    confirm: &str,
) -> Result<(EmailAddress, String), Vec<FieldProblem>> {
    let input = InviteInput {
        email: email.to_owned(),
        name: name.to_owned(),
        role: Role::Admin.as_str().to_owned(),
        locale: String::new(),
    };
    let checked = check_invite(&input);
    let mut problems = checked.as_ref().err().cloned().unwrap_or_default();
    if let Err(refused) =
        crate::domain::security::password::check_new(password, confirm, email.trim())
    {
        problems.push(("password", refused.key()));
    }
    match checked {
        Ok((email, name, _, _)) if problems.is_empty() => Ok((email, name)),
        _ => Err(problems),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_admin_needs_a_name_an_address_and_a_password_typed_twice() {
        let (email, name) = check_first_admin(
            " Hu Jun ",
            "Hu.Jun@Example.cn",
            "a long passphrase",
            "a long passphrase",
        )
        .expect("valid");
        assert_eq!(
            (email.as_str(), name.as_str()),
            ("hu.jun@example.cn", "Hu Jun")
        );
        assert_eq!(
            check_first_admin("", "nope", "short", "short"),
            Err(vec![
                ("email", "users.error.email"),
                ("name", "users.error.name"),
                ("password", "password.too_short")
            ])
        );
        assert_eq!(
            check_first_admin("Hu", "hu@example.cn", "a long passphrase", "another one")
                .map_err(|p| p[0]),
            Err(("password", "password.mismatch"))
        );
    }
}
