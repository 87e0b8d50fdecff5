//! The report export (SPEC §10, `kam360 report`): its columns, its rows as CSV (safe for
//! spreadsheets) and as JSON.
//!
//! Pure functions, no I/O.

use std::borrow::Cow;

use serde::Serialize;

use crate::domain::rules::consolidation::Level;
use crate::domain::rules::shown::CriterionFigures;

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The CSV writer failed.
    #[error("csv: {0}")]
    Csv(String),
    /// The JSON serialiser failed.
    #[error("json: {0}")]
    Json(String),
}

/// Characters that make a spreadsheet treat a cell as a formula (or that some
/// spreadsheets strip before doing so).
const FORMULA_TRIGGERS: [char; 7] = ['=', '+', '-', '@', '\t', '\r', '\0'];

/// Prefixes `'` when the cell starts with '=', '+', '-', '@', '\t' (or '\r' / '\0'); returns
/// the cell unchanged otherwise.
pub fn neutralize_formula(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(FORMULA_TRIGGERS) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// The CSV columns, in order.
pub const COLUMNS: [&str; 17] = [
    "subject_email",
    "subject_name",
    "area_id",
    "criterion_id",
    "self_level",
    "supervisor_level",
    "customer_mean",
    "customer_n",
    "peer_mean",
    "peer_n",
    "team_mean",
    "team_n",
    "others_mean",
    "others_n",
    "proposed_level",
    "final_level",
    "flags",
];

/// One row of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRow {
    pub subject_email: String,
    pub subject_name: String,
    pub area_id: String,
    pub criterion_id: String,
    pub figures: CriterionFigures,
    pub final_level: Option<Level>,
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

impl ReportRow {
    /// The CSV cells, in column order, before formula neutralisation.
    fn cells(&self) -> [String; 17] {
        let f = &self.figures;
        [
            self.subject_email.clone(),
            self.subject_name.clone(),
            self.area_id.clone(),
            self.criterion_id.clone(),
            opt(&f.self_level),
            opt(&f.supervisor_level),
            opt(&f.customer_mean),
            opt(&f.customer_n),
            opt(&f.peer_mean),
            opt(&f.peer_n),
            opt(&f.team_mean),
            opt(&f.team_n),
            opt(&f.others_mean),
            opt(&f.others_n),
            opt(&f.proposed_level),
            opt(&self.final_level),
            f.flags.clone(),
        ]
    }
}

/// Writes the report row by row, as CSV or JSON, byte for byte what [`to_csv`] and
/// [`to_json`] (with its final newline) give for the same rows.
pub struct Streamed<W: std::io::Write> {
    out: W,
    json: bool,
    rows: usize,
}

impl<W: std::io::Write> Streamed<W> {
    /// Starts the CSV (its header) or the JSON array.
    ///
    /// # Errors
    ///
    /// The writer's.
    pub fn start(mut out: W, json: bool) -> Result<Streamed<W>, ExportError> {
        let io = |e: std::io::Error| ExportError::Csv(e.to_string());
        if !json {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(COLUMNS)
                .map_err(|e| ExportError::Csv(e.to_string()))?;
            out.write_all(
                &w.into_inner()
                    .map_err(|e| ExportError::Csv(e.to_string()))?,
            )
            .map_err(io)?;
        }
        Ok(Streamed { out, json, rows: 0 })
    }

    /// Writes one row.
    ///
    /// # Errors
    ///
    /// The writer's.
    pub fn row(&mut self, r: &ReportRow) -> Result<(), ExportError> {
        let io = |e: std::io::Error| ExportError::Json(e.to_string());
        if self.json {
            // serde_json's pretty array: "[", each element on indented lines, "," between
            let object = serde_json::to_string_pretty(&json_row(r))
                .map_err(|e| ExportError::Json(e.to_string()))?;
            let lead = if self.rows == 0 { "[\n" } else { ",\n" };
            self.out.write_all(lead.as_bytes()).map_err(io)?;
            for (i, line) in object.lines().enumerate() {
                if i > 0 {
                    self.out.write_all(b"\n").map_err(io)?;
                }
                self.out.write_all(b"  ").map_err(io)?;
                self.out.write_all(line.as_bytes()).map_err(io)?;
            }
        } else {
            let mut w = csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(Vec::with_capacity(256));
            let cells = r.cells();
            w.write_record(cells.iter().map(|c| neutralize_formula(c).into_owned()))
                .map_err(|e| ExportError::Csv(e.to_string()))?;
            let bytes = w
                .into_inner()
                .map_err(|e| ExportError::Csv(e.to_string()))?;
            self.out.write_all(&bytes).map_err(io)?;
        }
        self.rows += 1;
        Ok(())
    }

    /// Ends the JSON array (and its line) and returns the writer.
    ///
    /// # Errors
    ///
    /// The writer's.
    pub fn finish(mut self) -> Result<W, ExportError> {
        let io = |e: std::io::Error| ExportError::Json(e.to_string());
        if self.json {
            let end: &[u8] = if self.rows == 0 { b"[]\n" } else { b"\n]\n" };
            self.out.write_all(end).map_err(io)?;
        }
        Ok(self.out)
    }
}

/// The report as CSV (header + rows), every cell safe against spreadsheet formula injection.
pub fn to_csv(rows: &[ReportRow]) -> Result<String, ExportError> {
    let mut w = Streamed::start(Vec::new(), false)?;
    for r in rows {
        w.row(r)?;
    }
    String::from_utf8(w.finish()?).map_err(|e| ExportError::Csv(e.to_string()))
}

#[derive(Serialize)]
struct JsonRow<'a> {
    subject_email: &'a str,
    subject_name: &'a str,
    area_id: &'a str,
    criterion_id: &'a str,
    self_level: Option<Level>,
    supervisor_level: Option<Level>,
    customer_mean: Option<f64>,
    customer_n: Option<usize>,
    peer_mean: Option<f64>,
    peer_n: Option<usize>,
    team_mean: Option<f64>,
    team_n: Option<usize>,
    others_mean: Option<f64>,
    others_n: Option<usize>,
    proposed_level: Option<Level>,
    final_level: Option<Level>,
    flags: &'a str,
}

fn number(m: &Option<crate::domain::rules::shown::Mean>) -> Option<f64> {
    m.map(crate::domain::rules::shown::Mean::as_f64)
}

fn json_row(r: &ReportRow) -> JsonRow<'_> {
    let f = &r.figures;
    JsonRow {
        subject_email: &r.subject_email,
        subject_name: &r.subject_name,
        area_id: &r.area_id,
        criterion_id: &r.criterion_id,
        self_level: f.self_level,
        supervisor_level: f.supervisor_level,
        customer_mean: number(&f.customer_mean),
        customer_n: f.customer_n,
        peer_mean: number(&f.peer_mean),
        peer_n: f.peer_n,
        team_mean: number(&f.team_mean),
        team_n: f.team_n,
        others_mean: number(&f.others_mean),
        others_n: f.others_n,
        proposed_level: f.proposed_level,
        final_level: r.final_level,
        flags: &f.flags,
    }
}

/// The report as a JSON array with the same fields (means as numbers, empty fields as null).
pub fn to_json(rows: &[ReportRow]) -> Result<String, ExportError> {
    let out: Vec<JsonRow<'_>> = rows.iter().map(json_row).collect();
    serde_json::to_string_pretty(&out).map_err(|e| ExportError::Json(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn streamed_json_is_byte_for_byte_the_whole_document() {
        let row = |i: usize| ReportRow {
            subject_email: format!("k{i}@t.cn"),
            subject_name: "Wang \"Fang\"".into(),
            area_id: "a".into(),
            criterion_id: format!("c{i}"),
            figures: crate::domain::rules::shown::CriterionFigures {
                self_level: Some(3),
                supervisor_level: None,
                customer_mean: Some(crate::domain::rules::shown::Mean::from_hundredths(233)),
                customer_n: Some(3),
                peer_mean: None,
                peer_n: Some(0),
                team_mean: None,
                team_n: None,
                others_mean: Some(crate::domain::rules::shown::Mean::from_hundredths(250)),
                others_n: Some(4),
                proposed_level: Some(3),
                flags: "divergent".into(),
            },
            final_level: None,
        };
        for n in [0, 1, 3] {
            let rows: Vec<ReportRow> = (0..n).map(row).collect();
            let mut w = Streamed::start(Vec::new(), true).expect("start");
            for r in &rows {
                w.row(r).expect("row");
            }
            let streamed = String::from_utf8(w.finish().expect("finish")).expect("utf-8");
            assert_eq!(streamed, to_json(&rows).expect("json") + "\n", "{n} rows");
        }
    }

    #[test]
    fn dangerous_prefixes_are_neutralized() {
        for cell in [
            "=SUM(A1)", "+1", "-1+2", "@cmd", "\tx", "\rx", "\0x", "=", "-",
        ] {
            let out = neutralize_formula(cell);
            assert!(matches!(out, Cow::Owned(_)), "{cell:?}");
            assert_eq!(out, format!("'{cell}"));
        }
    }

    #[test]
    fn safe_cells_are_borrowed_unchanged() {
        for cell in [
            "",
            "3.25",
            "alice@example.com",
            "王小明",
            " =x",
            "'=x",
            "divergent;thin_evidence",
        ] {
            let out = neutralize_formula(cell);
            assert!(matches!(out, Cow::Borrowed(_)), "{cell:?}");
            assert_eq!(out, cell);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn output_never_starts_with_a_trigger(cell in ".{0,12}") {
            let out = neutralize_formula(&cell);
            prop_assert!(!out.starts_with(FORMULA_TRIGGERS));
            let changed = cell.starts_with(FORMULA_TRIGGERS);
            prop_assert_eq!(out.as_ref(), if changed { format!("'{cell}") } else { cell.clone() });
        }
    }
}
