//! What the admin console's nomination forms send (SPEC §11): one nomination (the CSV's
//! columns, checked as a one-row file so that it gets exactly the import's rules and words),
//! and the changes a draft's nomination may take.

/// One nomination as the admin console's form sends it: the CSV's columns (SPEC §10).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct NominationInput {
    #[serde(default)]
    pub subject_email: String,
    #[serde(default)]
    pub subject_name: String,
    #[serde(default)]
    pub supervisor_email: String,
    #[serde(default)]
    pub supervisor_name: String,
    #[serde(default)]
    pub rater_email: String,
    #[serde(default)]
    pub rater_name: String,
    #[serde(default)]
    pub relationship: String,
    #[serde(default)]
    pub locale: String,
    #[serde(default)]
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
pub struct EditInput {
    #[serde(default)]
    pub rater_name: String,
    #[serde(default)]
    pub relationship: String,
    #[serde(default)]
    pub locale: String,
    #[serde(default)]
    pub organization: String,
    /// A corrected address (empty or unchanged: kept).
    #[serde(default)]
    pub email: String,
}
