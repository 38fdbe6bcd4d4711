//! Rules of the attendance reports on plain values: no-shows, small-count suppression and the
//! spreadsheet formula guard of CSV cells.

use std::borrow::Cow;
use std::cell::Cell;

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

/// Small-count protection: with `below = N`, every count from 1 to N-1 is hidden (`None`),
/// so that a report cannot single out the one refugee who needed transport. Zero stays
/// visible: it identifies nobody. Remembers whether it hid anything.
#[derive(Debug, Default)]
pub struct Suppressor {
    below: i64,
    hid_something: Cell<bool>,
}

impl Suppressor {
    /// `None`, 0 or 1 hide nothing.
    pub fn new(below: Option<i64>) -> Self {
        Self { below: below.unwrap_or(0), hid_something: Cell::new(false) }
    }

    pub fn count(&self, n: i64) -> Option<i64> {
        if n >= 1 && n < self.below {
            self.hid_something.set(true);
            None
        } else {
            Some(n)
        }
    }

    /// True when at least one count was hidden.
    pub fn suppressed(&self) -> bool {
        self.hid_something.get()
    }

    /// The threshold, when one hides anything at all.
    pub fn threshold(&self) -> Option<i64> {
        (self.below > 1).then_some(self.below)
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
    fn counts_from_one_to_below_the_threshold_are_hidden() {
        let suppressor = Suppressor::new(Some(5));
        assert_eq!(suppressor.count(0), Some(0));
        assert!(!suppressor.suppressed(), "zero identifies nobody");
        assert_eq!(suppressor.count(5), Some(5));
        assert_eq!(suppressor.count(120), Some(120));
        assert!(!suppressor.suppressed());
        assert_eq!(suppressor.count(1), None);
        assert_eq!(suppressor.count(4), None);
        assert!(suppressor.suppressed());
        assert_eq!(suppressor.threshold(), Some(5));
    }

    #[test]
    fn without_a_threshold_nothing_is_hidden() {
        for below in [None, Some(0), Some(1)] {
            let suppressor = Suppressor::new(below);
            assert_eq!(suppressor.count(1), Some(1));
            assert!(!suppressor.suppressed());
            assert_eq!(suppressor.threshold(), None);
        }
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
