//! A KAM's proposed raters (SPEC §11, mode `kam`): customers, colleagues from other
//! departments and account-team members, at least k and at most 12 in each group, each with
//! a name, an email, an organisation and a language. Pure: the form's fields in, the checked
//! list or every problem out.

use crate::domain::locale::Locale;
use crate::domain::relationship::Relationship;
use crate::domain::security::email_address::EmailAddress;

/// The groups a KAM proposes, in form order.
pub const GROUPS: [Relationship; 3] = [
    Relationship::Customer,
    Relationship::Peer,
    Relationship::Team,
];

/// The most raters per group.
pub const MAX_PER_GROUP: usize = 12;

/// Whether the list asks the raters of `group` for their organisation (customers: their
/// company; required).
pub fn asks_organization(group: Relationship) -> bool {
    group == Relationship::Customer
}

/// One row as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Typed {
    pub name: String,
    pub email: String,
    pub organization: String,
    pub locale: String,
}

impl Typed {
    fn is_blank(&self) -> bool {
        self.name.trim().is_empty()
            && self.email.trim().is_empty()
            && self.organization.trim().is_empty()
    }
}

/// A row's fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Name,
    Email,
    Organization,
    Locale,
}

impl Field {
    /// Every field, in a row's order.
    pub const ALL: [Field; 4] = [
        Field::Name,
        Field::Email,
        Field::Organization,
        Field::Locale,
    ];

    /// The field's name (the last part of `{group}-{row}-{field}`, and [`Place::Field`]'s).
    pub fn name(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Email => "email",
            Field::Organization => "organization",
            Field::Locale => "locale",
        }
    }

    /// The catalogue key of its label.
    pub fn label_key(self) -> &'static str {
        match self {
            Field::Name => "proposal.field.name",
            Field::Email => "proposal.field.email",
            Field::Organization => "proposal.field.organization",
            Field::Locale => "proposal.field.locale",
        }
    }
}

/// Every group's rows as typed (blank rows dropped), in form order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Proposal {
    pub groups: Vec<(Relationship, Vec<Typed>)>,
}

/// One checked rater.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposed {
    pub relationship: Relationship,
    pub name: String,
    pub email: EmailAddress,
    pub organization: String,
    pub locale: Locale,
}

/// Where a problem is: a row's field, or a whole group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// (group, 0-based row, field name).
    Field(Relationship, usize, &'static str),
    Group(Relationship),
}

/// One problem: where, and the i18n key of the reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Problem {
    pub place: Place,
    pub key: &'static str,
}

impl Proposal {
    /// Reads the form's fields `{group}-{row}-{field}` (`customer-0-email`…).
    pub fn from_fields(fields: &[(String, String)]) -> Proposal {
        let mut groups: Vec<(Relationship, Vec<Typed>)> =
            GROUPS.iter().map(|g| (*g, Vec::new())).collect();
        for (key, value) in fields {
            let mut parts = key.splitn(3, '-');
            let (Some(group), Some(row), Some(field)) = (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            let Some(slot) = groups.iter_mut().find(|(g, _)| g.as_str() == group) else {
                continue;
            };
            let Ok(row) = row.parse::<usize>() else {
                continue;
            };
            // a form has a few rows per group: anything far beyond is not ours
            if row >= MAX_PER_GROUP * 2 {
                continue;
            }
            if slot.1.len() <= row {
                slot.1.resize(row + 1, Typed::default());
            }
            let t = &mut slot.1[row];
            match field {
                "name" => t.name.clone_from(value),
                "email" => t.email.clone_from(value),
                "organization" => t.organization.clone_from(value),
                "locale" => t.locale.clone_from(value),
                _ => {}
            }
        }
        for (_, rows) in &mut groups {
            rows.retain(|r| !r.is_blank());
        }
        Proposal { groups }
    }

    /// The rows of one group.
    pub fn rows(&self, group: Relationship) -> &[Typed] {
        self.groups
            .iter()
            .find(|(g, _)| *g == group)
            .map_or(&[], |(_, r)| r.as_slice())
    }
}

fn clean(s: &str) -> Option<String> {
    let s = s.trim();
    (s.chars().count() <= 200 && !s.chars().any(crate::domain::security::text::is_unsafe))
        .then(|| s.to_owned())
}

/// Checks every row and group. `k` is the cycle's minimum group size; the KAM and their
/// supervisor cannot be proposed (they rate as self and supervisor).
///
/// # Errors
///
/// Every problem, in form order.
pub fn check(
    p: &Proposal,
    k: usize,
    kam_email: &str,
    supervisor_email: &str,
) -> Result<Vec<Proposed>, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut out = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for group in GROUPS {
        let rows = p.rows(group);
        for (i, r) in rows.iter().enumerate() {
            let mut field = |f, key| {
                problems.push(Problem {
                    place: Place::Field(group, i, f),
                    key,
                })
            };
            let name = clean(&r.name).filter(|n| !n.is_empty());
            if name.is_none() {
                field("name", "proposal.error.name");
            }
            let email = EmailAddress::parse(&r.email);
            match &email {
                None => field("email", "proposal.error.email"),
                // a `+tag` delivers to the same mailbox: `kam+x@…` is the KAM
                Some(e) if e.same_mailbox(kam_email) || e.same_mailbox(supervisor_email) => {
                    field("email", "proposal.error.self");
                }
                Some(e) if seen.iter().any(|s| *s == e.mailbox()) => {
                    field("email", "proposal.error.twice");
                }
                Some(e) => seen.push(e.mailbox()),
            }
            // a customer's company tells the supervisor who answers; colleagues and the KAM's
            // own team work here, and are not asked for one
            let organization = if asks_organization(group) {
                let named = clean(&r.organization).filter(|o| !o.is_empty());
                if named.is_none() {
                    field("organization", "proposal.error.organization");
                }
                named
            } else {
                Some(String::new())
            };
            let locale = Locale::parse(r.locale.trim()).unwrap_or(Locale::Zh);
            if let (Some(name), Some(email), Some(organization)) = (name, email, organization) {
                out.push(Proposed {
                    relationship: group,
                    name,
                    email,
                    organization,
                    locale,
                });
            }
        }
        if rows.len() < k {
            problems.push(Problem {
                place: Place::Group(group),
                key: "proposal.error.too_few",
            });
        } else if rows.len() > MAX_PER_GROUP {
            problems.push(Problem {
                place: Place::Group(group),
                key: "proposal.error.too_many",
            });
        }
    }
    super::accepted(out, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(rows: &[(&str, usize, &str, &str)]) -> Vec<(String, String)> {
        let mut f = Vec::new();
        for (group, i, name, email) in rows {
            f.push((format!("{group}-{i}-name"), (*name).to_owned()));
            f.push((format!("{group}-{i}-email"), (*email).to_owned()));
            f.push((format!("{group}-{i}-organization"), "ACME".to_owned()));
            f.push((format!("{group}-{i}-locale"), "en".to_owned()));
        }
        f
    }

    fn full() -> Vec<(&'static str, usize, String, String)> {
        let mut rows = Vec::new();
        for g in ["customer", "peer", "team"] {
            for i in 0..3 {
                rows.push((g, i, format!("{g} {i}"), format!("{g}{i}@x.cn")));
            }
        }
        rows
    }

    fn as_fields(rows: &[(&'static str, usize, String, String)]) -> Vec<(String, String)> {
        let borrowed: Vec<(&str, usize, &str, &str)> = rows
            .iter()
            .map(|(g, i, n, e)| (*g, *i, n.as_str(), e.as_str()))
            .collect();
        fields(&borrowed)
    }

    #[test]
    fn a_complete_list_passes_in_form_order() {
        let p = Proposal::from_fields(&as_fields(&full()));
        let ok = check(&p, 3, "kam@x.cn", "boss@x.cn").expect("valid");
        assert_eq!(ok.len(), 9);
        assert_eq!(ok[0].relationship, Relationship::Customer);
        assert_eq!(ok[8].relationship, Relationship::Team);
        assert_eq!(ok[0].locale, Locale::En);
    }

    #[test]
    fn only_customers_name_their_company() {
        let mut f = as_fields(&full());
        f.retain(|(k, _)| !k.ends_with("-organization") || k.starts_with("customer-"));
        let ok = check(&Proposal::from_fields(&f), 3, "kam@x.cn", "boss@x.cn").expect("valid");
        assert!(ok
            .iter()
            .filter(|p| p.relationship != Relationship::Customer)
            .all(|p| p.organization.is_empty()));
        assert!(ok
            .iter()
            .filter(|p| p.relationship == Relationship::Customer)
            .all(|p| p.organization == "ACME"));
        // a customer without a company is refused, beside the field
        f.retain(|(k, _)| k != "customer-1-organization");
        let problems =
            check(&Proposal::from_fields(&f), 3, "kam@x.cn", "boss@x.cn").expect_err("refused");
        assert_eq!(
            problems,
            vec![Problem {
                place: Place::Field(Relationship::Customer, 1, "organization"),
                key: "proposal.error.organization",
            }]
        );
    }

    #[test]
    fn blank_rows_are_dropped_and_groups_need_k() {
        let mut f = as_fields(&full());
        f.retain(|(k, _)| !k.starts_with("peer-2-"));
        f.push(("peer-5-name".into(), "  ".into()));
        let p = Proposal::from_fields(&f);
        assert_eq!(p.rows(Relationship::Peer).len(), 2);
        let problems = check(&p, 3, "kam@x.cn", "boss@x.cn").expect_err("too few");
        assert_eq!(
            problems,
            [Problem {
                place: Place::Group(Relationship::Peer),
                key: "proposal.error.too_few"
            }]
        );
    }

    #[test]
    fn bad_rows_duplicates_and_the_kam_themselves_are_refused() {
        let mut rows = full();
        rows[1].3 = "not-an-email".into();
        rows[2].3 = rows[0].3.clone();
        rows[3].3 = "KAM@x.cn".into();
        rows[4].2 = String::new();
        // a plus-alias is the same mailbox: the KAM again, or someone listed already
        rows[5].3 = "kam+customer@x.cn".into();
        rows[6].3 = {
            let (local, domain) = rows[0].3.split_once('@').expect("address");
            format!("{local}+again@{domain}")
        };
        let p = Proposal::from_fields(&as_fields(&rows));
        let problems = check(&p, 3, "kam@x.cn", "boss@x.cn").expect_err("refused");
        let keys: Vec<&str> = problems.iter().map(|p| p.key).collect();
        assert_eq!(
            keys,
            [
                "proposal.error.email",
                "proposal.error.twice",
                "proposal.error.self",
                "proposal.error.name",
                "proposal.error.self",
                "proposal.error.twice"
            ]
        );
        assert_eq!(
            problems[0].place,
            Place::Field(Relationship::Customer, 1, "email")
        );
    }

    #[test]
    fn more_than_twelve_is_refused_and_stray_fields_ignored() {
        let mut f = Vec::new();
        for i in 0..13 {
            f.extend(fields(&[("customer", i, "C", &format!("c{i}@x.cn"))]));
        }
        f.push(("customer-999-name".into(), "far".into()));
        f.push(("boss-0-name".into(), "x".into()));
        let p = Proposal::from_fields(&f);
        assert_eq!(p.rows(Relationship::Customer).len(), 13);
        let problems = check(&p, 3, "kam@x.cn", "boss@x.cn").expect_err("refused");
        assert!(problems.contains(&Problem {
            place: Place::Group(Relationship::Customer),
            key: "proposal.error.too_many"
        }));
    }
}
