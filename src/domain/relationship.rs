//! Rater groups (SPEC §2): how a rater relates to the KAM they rate.

use serde::{Deserialize, Serialize};

/// A rater's relationship to the KAM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Relationship {
    Customer,
    Peer,
    Team,
    Supervisor,
    #[serde(rename = "self")]
    SelfReview,
}

impl Relationship {
    /// Every group, in reporting order.
    pub const ALL: [Relationship; 5] = [
        Relationship::Customer,
        Relationship::Peer,
        Relationship::Team,
        Relationship::Supervisor,
        Relationship::SelfReview,
    ];

    /// The identifier used in files, URLs and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Relationship::Customer => "customer",
            Relationship::Peer => "peer",
            Relationship::Team => "team",
            Relationship::Supervisor => "supervisor",
            Relationship::SelfReview => "self",
        }
    }

    /// Parses an identifier (exact, lowercase).
    pub fn parse(s: &str) -> Option<Relationship> {
        Relationship::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The confidential groups, in report order.
    pub const CONFIDENTIAL: [Relationship; 3] = [
        Relationship::Customer,
        Relationship::Peer,
        Relationship::Team,
    ];

    /// The catalogue key of the group's name for one rater ("Customer").
    pub fn group_key(self) -> &'static str {
        match self {
            Relationship::Customer => "group.customer",
            Relationship::Peer => "group.peer",
            Relationship::Team => "group.team",
            Relationship::Supervisor => "group.supervisor",
            Relationship::SelfReview => "group.self",
        }
    }

    /// The catalogue key of the group's raters together, inside a sentence ("customers"); the
    /// supervisor and self groups are one person, so their name for one rater.
    pub fn plural_key(self) -> &'static str {
        match self {
            Relationship::Customer => "group.plural.customer",
            Relationship::Peer => "group.plural.peer",
            Relationship::Team => "group.plural.team",
            Relationship::Supervisor => "group.supervisor",
            Relationship::SelfReview => "group.self",
        }
    }

    /// The catalogue key of the group's column in a report ("Customers").
    pub fn report_key(self) -> &'static str {
        match self {
            Relationship::Customer => "report.group.customer",
            Relationship::Peer => "report.group.peer",
            Relationship::Team => "report.group.team",
            Relationship::Supervisor => "report.supervisor",
            Relationship::SelfReview => "report.self",
        }
    }

    /// Customer, peer and team answers are confidential (SPEC §7); supervisor and self are not.
    pub fn is_confidential(self) -> bool {
        matches!(
            self,
            Relationship::Customer | Relationship::Peer | Relationship::Team
        )
    }
}

impl super::status::TextEnum for Relationship {
    const WHAT: &'static str = "relationship";
    fn as_str(self) -> &'static str {
        Relationship::as_str(self)
    }
    fn parse(s: &str) -> Option<Self> {
        Relationship::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_round_trip() {
        for r in Relationship::ALL {
            assert_eq!(Relationship::parse(r.as_str()), Some(r));
        }
        assert_eq!(Relationship::parse("Customer"), None);
        assert_eq!(Relationship::parse("boss"), None);
    }
}
