//! Row ids as types: a `ReviewId` cannot be passed where a `PersonId` is expected. Ids are
//! UUIDs made by the application; one from the outside world (a URL, a CLI argument) becomes a
//! typed id only through [`parse`](CycleId::parse), at the edge.

use std::fmt;

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Parses an id given from outside (any UUID spelling; stored lowercase
            /// hyphenated); `None` if it is not a UUID.
            pub fn parse(s: &str) -> Option<Self> {
                uuid::Uuid::parse_str(s)
                    .ok()
                    .map(|u| Self(u.hyphenated().to_string()))
            }

            /// An id read back from storage (trusted as it is).
            pub fn stored(s: impl Into<String>) -> Self {
                Self(s.into())
            }

            /// The id as stored.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// A new id (a time-ordered UUID, v7).
            pub fn generate() -> Self {
                Self(uuid::Uuid::now_v7().hyphenated().to_string())
            }
        }

        // a path or form field deserialises only from a UUID: actix answers a malformed id in
        // a path with 404 before the handler runs
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Self::parse(&s).ok_or_else(|| serde::de::Error::custom("not an id"))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_type!(
    /// A review cycle.
    CycleId
);
id_type!(
    /// One KAM in one cycle.
    ReviewId
);
id_type!(
    /// One rater for one review.
    AssignmentId
);
id_type!(
    /// A person (KAM, rater or staff member).
    PersonId
);
id_type!(
    /// A message in the outbox.
    MessageId
);
id_type!(
    /// A specimen the outbox packs queued messages against (`domain::formats::packed_mime`).
    SpecimenId
);
id_type!(
    /// A customer's organisation.
    OrganizationId
);
id_type!(
    /// A goal of a KAM's development plan.
    GoalId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_parsed_at_the_edge() {
        let id = ReviewId::parse("0192F3C4-1D2E-7A3B-8C4D-5E6F70819203").expect("a uuid");
        assert_eq!(id.as_str(), "0192f3c4-1d2e-7a3b-8c4d-5e6f70819203");
        assert_eq!(ReviewId::parse("../etc/passwd"), None);
        assert_eq!(CycleId::parse(""), None);
    }
}
