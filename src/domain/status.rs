//! Lifecycle states (SPEC §3) of cycles, reviews and assignments, stored as text.

macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
        pub enum $name { $($variant),+ }

        impl $name {
            /// The stored identifier.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses a stored identifier.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum!(
    /// draft → open → closed → archived
    CycleStatus { Draft => "draft", Open => "open", Closed => "closed", Archived => "archived" }
);

text_enum!(
    /// One KAM in one cycle: collecting → reconciling → finalized.
    ReviewStatus { Collecting => "collecting", Reconciling => "reconciling", Finalized => "finalized" }
);

text_enum!(
    /// One rater for one review.
    AssignmentStatus {
        Pending => "pending",
        Invited => "invited",
        Opened => "opened",
        Draft => "draft",
        Submitted => "submitted",
        Declined => "declined",
        Revoked => "revoked",
        Expired => "expired",
    }
);

impl AssignmentStatus {
    /// The states in which the rater can still save or submit answers.
    pub const ANSWERABLE: [AssignmentStatus; 4] =
        [Self::Pending, Self::Invited, Self::Opened, Self::Draft];

    /// The rater can still save or submit answers.
    pub fn is_answerable(self) -> bool {
        Self::ANSWERABLE.contains(&self)
    }

    /// The rater has given their final word (submitted or declined).
    pub fn has_answered(self) -> bool {
        matches!(self, Self::Submitted | Self::Declined)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_round_trip() {
        for s in [
            "pending",
            "invited",
            "opened",
            "draft",
            "submitted",
            "declined",
            "revoked",
            "expired",
        ] {
            assert_eq!(AssignmentStatus::parse(s).map(|x| x.as_str()), Some(s));
        }
        assert_eq!(CycleStatus::parse("open"), Some(CycleStatus::Open));
        assert_eq!(ReviewStatus::parse("done"), None);
    }

    #[test]
    fn answerable_states() {
        assert!(AssignmentStatus::Draft.is_answerable());
        assert!(!AssignmentStatus::Submitted.is_answerable());
        assert!(!AssignmentStatus::Revoked.is_answerable());
        assert!(AssignmentStatus::Declined.has_answered());
    }
}
