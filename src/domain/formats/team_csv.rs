//! The team view as CSV (issue #21): the same table, one row per KAM, written with the §10
//! rules (RFC 4180 quoting, UTF-8, a header row, every cell safe against spreadsheet formula
//! injection; a number, such as a negative change, is written as it is). Per criterion: the
//! level shown, whether it is final (else proposed), and whether a flag is raised. Pure.

use super::export::{neutralize_formula, ExportError};
use crate::domain::formats::rubric::Rubric;
use crate::domain::rules::team::TeamRow;

/// The CSV of the rows, in their order.
///
/// # Errors
///
/// The CSV writer's.
pub fn to_csv(rubric: &Rubric, rows: &[TeamRow]) -> Result<String, ExportError> {
    let err = |e: csv::Error| ExportError::Csv(e.to_string());
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = [
        "kam_email",
        "kam_name",
        "state",
        "answered",
        "invited",
        "notices",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    for c in rubric.criteria() {
        header.push(c.id.clone());
        header.push(format!("{}_final", c.id));
        header.push(format!("{}_flagged", c.id));
    }
    for a in &rubric.areas {
        header.push(format!("{}_mean", a.id));
    }
    header.extend(["mean".to_owned(), "change".to_owned()]);
    w.write_record(&header).map_err(err)?;
    for r in rows {
        let (n, m) = r.state.numbers();
        let counted = matches!(
            r.state,
            crate::domain::rules::team::State::Collecting { .. }
        );
        let mut cells: Vec<String> = vec![
            r.facts.email.clone(),
            r.facts.name.clone(),
            r.state.code().to_owned(),
            if counted {
                n.to_string()
            } else {
                String::new()
            },
            if counted {
                m.to_string()
            } else {
                String::new()
            },
            r.facts
                .notices
                .iter()
                .map(|e| e.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        ];
        for (cell, flagged) in &r.facts.cells {
            cells.push(cell.map(|c| c.level.to_string()).unwrap_or_default());
            cells.push(cell.map(|c| c.is_final.to_string()).unwrap_or_default());
            cells.push(flagged.to_string());
        }
        for m in &r.area_means {
            cells.push(m.map(|m| m.to_string()).unwrap_or_default());
        }
        cells.push(r.mean.map(|m| m.to_string()).unwrap_or_default());
        cells.push(
            r.change
                .map(|c| format!("{:.2}", f64::from(c.0) / 100.0))
                .unwrap_or_default(),
        );
        w.write_record(cells.iter().map(|c| {
            let number = c
                .chars()
                .all(|ch| ch.is_ascii_digit() || ch == '.' || ch == '-')
                && c.parse::<f64>().is_ok();
            if number {
                c.clone()
            } else {
                neutralize_formula(c).into_owned()
            }
        }))
        .map_err(err)?;
    }
    String::from_utf8(
        w.into_inner()
            .map_err(|e| ExportError::Csv(e.to_string()))?,
    )
    .map_err(|e| ExportError::Csv(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::rules::progress::Stage;
    use crate::domain::rules::team::{row, KamFacts};

    #[test]
    fn one_line_per_kam_quoted_and_safe() {
        let rubric = crate::domain::test_support::rubric();
        let n = rubric.criteria().count();
        let facts = KamFacts {
            name: "=HYPERLINK(\"x\"), Wang".into(),
            email: "kam@t.cn".into(),
            stage: Some(Stage::SignedOff),
            cells: vec![
                (
                    Some(crate::domain::rules::insights::CellLevel {
                        level: 3,
                        is_final: true
                    }),
                    true
                );
                n
            ],
            previous: Some(vec![Some(4); n]),
            ..KamFacts::default()
        };
        let csv = to_csv(&rubric, &[row(&rubric, facts)]).expect("csv");
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("kam_email,kam_name,state,answered,invited,notices,"));
        assert!(lines[0].ends_with(",mean,change"));
        assert!(
            lines[1].starts_with(
                "kam@t.cn,\"'=HYPERLINK(\"\"x\"\"), Wang\",signed_off,,,,3,true,true,"
            ),
            "{}",
            lines[1]
        );
        assert!(lines[1].ends_with(",3.00,-1.00"), "{}", lines[1]);
    }
}
