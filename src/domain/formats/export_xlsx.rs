//! The report as a spreadsheet (SPEC §12): the §10 columns plus the criterion's and the area's
//! names in zh and en, a summary sheet with every row and one sheet per area. Figures are
//! numbers (means with two decimals), hidden or absent figures empty cells; text cells are
//! typed as text, so nothing in them is ever evaluated as a formula. Built in memory, no I/O.

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use crate::domain::formats::export::{ReportRow, COLUMNS};
use crate::domain::formats::rubric::Rubric;
use crate::domain::locale::Locale;

/// The extra columns, after the §10 ones.
const NAMES: [&str; 4] = [
    "criterion_name_zh",
    "criterion_name_en",
    "area_name_zh",
    "area_name_en",
];

/// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(name: &str, taken: &[String]) -> String {
    let clean: String = name
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { ' ' } else { c })
        .collect();
    let mut base: String = clean.trim().chars().take(28).collect();
    if base.is_empty() {
        base = "Area".into();
    }
    let mut candidate = base.clone();
    let mut n = 2;
    while taken.iter().any(|t| t.eq_ignore_ascii_case(&candidate)) {
        candidate = format!("{base} {n}");
        n += 1;
    }
    candidate
}

fn write_sheet(
    sheet: &mut Worksheet,
    rubric: &Rubric,
    rows: &[&ReportRow],
    bold: &Format,
    two: &Format,
) -> Result<(), XlsxError> {
    for (col, name) in COLUMNS.iter().chain(NAMES.iter()).enumerate() {
        sheet.write_string_with_format(0, col as u16, *name, bold)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        let f = &r.figures;
        sheet.write_string(row, 0, &r.subject_email)?;
        sheet.write_string(row, 1, &r.subject_name)?;
        sheet.write_string(row, 2, &r.area_id)?;
        sheet.write_string(row, 3, &r.criterion_id)?;
        let level = |v: Option<u8>| v.map(f64::from);
        let mean = |v: &Option<crate::domain::rules::shown::Mean>| {
            v.map(crate::domain::rules::shown::Mean::as_f64)
        };
        let count = |v: Option<usize>| v.map(|n| n as f64);
        let numbers: [(u16, Option<f64>, bool); 12] = [
            (4, level(f.self_level), false),
            (5, level(f.supervisor_level), false),
            (6, mean(&f.customer_mean), true),
            (7, count(f.customer_n), false),
            (8, mean(&f.peer_mean), true),
            (9, count(f.peer_n), false),
            (10, mean(&f.team_mean), true),
            (11, count(f.team_n), false),
            (12, mean(&f.others_mean), true),
            (13, count(f.others_n), false),
            (14, level(f.proposed_level), false),
            (15, level(r.final_level), false),
        ];
        for (col, value, is_mean) in numbers {
            match (value, is_mean) {
                (Some(v), true) => {
                    sheet.write_number_with_format(row, col, v, two)?;
                }
                (Some(v), false) => {
                    sheet.write_number(row, col, v)?;
                }
                (None, _) => {}
            }
        }
        if !f.flags.is_empty() {
            sheet.write_string(row, 16, &f.flags)?;
        }
        let criterion = rubric.criterion(&r.criterion_id);
        let area = rubric.areas.iter().find(|a| a.id == r.area_id);
        let names = [
            criterion.map(|c| c.name.get(Locale::Zh)),
            criterion.map(|c| c.name.get(Locale::En)),
            area.map(|a| a.name.get(Locale::Zh)),
            area.map(|a| a.name.get(Locale::En)),
        ];
        for (i, name) in names.into_iter().enumerate() {
            if let Some(n) = name {
                sheet.write_string(row, 17 + i as u16, n)?;
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(
        0,
        0,
        rows.len() as u32,
        (COLUMNS.len() + NAMES.len() - 1) as u16,
    )?;
    sheet.autofit();
    Ok(())
}

/// The report as an `.xlsx` file: a summary sheet with every row, then one sheet per area.
///
/// # Errors
///
/// The writer's error (it cannot fail on well-formed rows).
pub fn to_xlsx(rows: &[ReportRow], rubric: &Rubric) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let two = Format::new().set_num_format("0.00");
    let all: Vec<&ReportRow> = rows.iter().collect();
    let summary = book.add_worksheet();
    summary.set_name("Summary")?;
    write_sheet(summary, rubric, &all, &bold, &two)?;
    let mut taken = vec!["Summary".to_owned()];
    for area in &rubric.areas {
        let name = sheet_name(area.name.get(Locale::En), &taken);
        taken.push(name.clone());
        let of_area: Vec<&ReportRow> = rows.iter().filter(|r| r.area_id == area.id).collect();
        let sheet = book.add_worksheet();
        sheet.set_name(&name)?;
        write_sheet(sheet, rubric, &of_area, &bold, &two)?;
    }
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_short_unique_and_allowed() {
        let taken = vec!["Summary".to_owned()];
        assert_eq!(
            sheet_name("Building and maintaining customer relationships", &taken),
            "Building and maintaining cus"
        );
        assert_eq!(sheet_name("a/b:c", &taken), "a b c");
        assert_eq!(sheet_name("summary", &taken), "summary 2");
    }
}
