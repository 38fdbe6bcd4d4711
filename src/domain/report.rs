//! Rules of the attendance reports on plain values: no-shows, the bounds of small-count
//! suppression (`domain::disclosure` does it) and the spreadsheet formula guard of CSV cells.

use std::borrow::Cow;

/// Largest `suppress_below` accepted; beyond it nearly every count of a small meeting would
/// vanish, which is more likely a mistake than a wish.
pub const MAX_SUPPRESS_BELOW: i64 = 1000;

/// Confirmed registrations not checked in, counted only once the event has ended: before the
/// end, someone not checked in yet may still come.
pub fn no_show(confirmed: i64, attended: i64, ended: bool) -> i64 {
    if ended {
        (confirmed - attended).max(0)
    } else {
        0
    }
}

/// Checks a `suppress_below` parameter.
pub fn check_suppress_below(value: Option<i64>) -> Result<Option<i64>, &'static str> {
    match value {
        Some(n) if !(1..=MAX_SUPPRESS_BELOW).contains(&n) => Err("must be between 1 and 1000"),
        other => Ok(other),
    }
}

/// A CSV cell that a spreadsheet will not run as a formula (CWE-1236): text starting with
/// `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, which spreadsheets show
/// as text and do not evaluate. Everything else is left as it is.
pub fn formula_safe(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_shows_are_counted_only_after_the_end() {
        assert_eq!(no_show(10, 7, false), 0);
        assert_eq!(no_show(10, 7, true), 3);
        assert_eq!(no_show(0, 0, true), 0);
    }

    #[test]
    fn suppress_below_is_bounded() {
        assert_eq!(check_suppress_below(None), Ok(None));
        assert_eq!(check_suppress_below(Some(5)), Ok(Some(5)));
        assert!(check_suppress_below(Some(0)).is_err());
        assert!(check_suppress_below(Some(-3)).is_err());
        assert!(check_suppress_below(Some(1001)).is_err());
    }

    #[test]
    fn cells_that_a_spreadsheet_would_evaluate_are_quoted() {
        assert_eq!(formula_safe("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
        assert_eq!(formula_safe("+34 600"), "'+34 600");
        assert_eq!(formula_safe("-1+1"), "'-1+1");
        assert_eq!(formula_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(formula_safe("\tcmd"), "'\tcmd");
        assert_eq!(formula_safe("\r=1"), "'\r=1");
    }

    #[test]
    fn ordinary_cells_are_left_alone() {
        for cell in ["", "Amina Haddad", "أمينة حداد", "O'Brien", "2026-01-01T10:00:00Z", "a=b", "true"]
        {
            assert!(matches!(formula_safe(cell), Cow::Borrowed(_)), "{cell}");
        }
    }
}
