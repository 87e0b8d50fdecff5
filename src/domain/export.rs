//! Helpers for spreadsheet-bound exports (SPEC §10, `kam360 report`).
//!
//! Pure functions, no I/O.

use std::borrow::Cow;

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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
