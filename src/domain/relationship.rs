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
