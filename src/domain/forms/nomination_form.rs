//! What the admin console's nomination forms send (SPEC §11): one nomination (the CSV's
//! columns, checked as a one-row file so that it gets exactly the import's rules and words),
//! and the changes a draft's nomination may take.

/// The one-nomination form's fields: the CSV's columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    SubjectEmail,
    SubjectName,
    SupervisorEmail,
    SupervisorName,
    RaterEmail,
    RaterName,
    Relationship,
    Locale,
    Organization,
}

impl Field {
    /// Every field, in the order of the CSV's columns.
    pub const ALL: [Field; 9] = [
        Field::SubjectEmail,
        Field::SubjectName,
        Field::SupervisorEmail,
        Field::SupervisorName,
        Field::RaterEmail,
        Field::RaterName,
        Field::Relationship,
        Field::Locale,
        Field::Organization,
    ];

    /// The form field's name (its CSV column).
    pub fn name(self) -> &'static str {
        match self {
            Field::SubjectEmail => "subject_email",
            Field::SubjectName => "subject_name",
            Field::SupervisorEmail => "supervisor_email",
            Field::SupervisorName => "supervisor_name",
            Field::RaterEmail => "rater_email",
            Field::RaterName => "rater_name",
            Field::Relationship => "relationship",
            Field::Locale => "locale",
            Field::Organization => "organization",
        }
    }

    /// The catalogue key of its label.
    pub fn label_key(self) -> &'static str {
        match self {
            Field::SubjectEmail => "admin.add.subject_email",
            Field::SubjectName => "admin.add.subject_name",
            Field::SupervisorEmail => "admin.add.supervisor_email",
            Field::SupervisorName => "admin.add.supervisor_name",
            Field::RaterEmail => "admin.add.rater_email",
            Field::RaterName => "admin.add.rater_name",
            Field::Relationship => "admin.add.relationship",
            Field::Locale => "admin.add.locale",
            Field::Organization => "admin.add.organization",
        }
    }
}

/// One nomination as the admin console's form sends it: the CSV's columns (SPEC §10).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NominationInput {
    pub subject_email: String,
    pub subject_name: String,
    pub supervisor_email: String,
    pub supervisor_name: String,
    pub rater_email: String,
    pub rater_name: String,
    pub relationship: String,
    pub locale: String,
    pub organization: String,
}

impl NominationInput {
    /// The nomination as a one-row CSV file, so that it passes exactly the checks (and gets
    /// exactly the words) of an imported file.
    pub fn to_csv(&self) -> Result<Vec<u8>, csv::Error> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let row = [
            &self.subject_email,
            &self.subject_name,
            &self.supervisor_email,
            &self.supervisor_name,
            &self.rater_email,
            &self.rater_name,
            &self.relationship,
            &self.locale,
            &self.organization,
        ];
        w.write_record(crate::domain::formats::nomination::COLUMNS)?;
        w.write_record(row)?;
        w.into_inner().map_err(|e| e.into_error().into())
    }
}

/// What the draft's "edit" form changes in one nomination.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct EditInput {
    pub rater_name: String,
    pub relationship: String,
    pub locale: String,
    pub organization: String,
    /// A corrected address (empty or unchanged: kept).
    pub email: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fields_are_the_csv_columns() {
        assert_eq!(
            Field::ALL.map(Field::name),
            crate::domain::formats::nomination::COLUMNS
        );
    }
}
