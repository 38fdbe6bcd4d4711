//! Rules of the attendance reports on plain values: no-shows, the bounds of small-count
//! suppression (`domain::disclosure` does it), the spreadsheet formula guard of CSV cells, and
//! how CSV files are written for people: a byte-order mark and times at the event's offset.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// The UTF-8 byte-order mark: Excel reads a CSV as UTF-8 only when it starts with one, and
/// otherwise shows `Núñez` as `NÃºÃ±ez` and Arabic as garbage.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Whether a CSV starts with the byte-order mark: yes unless `bom=false` (for programs).
/// Only `true` and `false` are accepted, so a typo is not silently read as one of them.
pub fn csv_bom(value: Option<&str>) -> Result<bool, &'static str> {
    match value {
        None | Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(_) => Err("must be true or false"),
    }
}

/// The time zone of an event by its IANA name. Names are checked when an event is written,
/// so UTC is only the answer for a row written by hand.
pub fn event_zone(name: &str) -> Tz {
    name.parse().unwrap_or(Tz::UTC)
}

/// A time as people at the event read it: RFC 3339 with the offset of the event's time zone
/// on that date (`2021-11-24T10:05:00+01:00`), so a spreadsheet shows the local time and a
/// program still gets the exact instant.
pub fn local_rfc3339(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone).to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)
}

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
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn the_byte_order_mark_is_there_unless_refused() {
        assert_eq!(csv_bom(None), Ok(true));
        assert_eq!(csv_bom(Some("true")), Ok(true));
        assert_eq!(csv_bom(Some("false")), Ok(false));
        for bad in ["", "no", "0", "False", "yes"] {
            assert!(csv_bom(Some(bad)).is_err(), "{bad}");
        }
        assert_eq!(std::str::from_utf8(UTF8_BOM), Ok("\u{feff}"));
    }

    #[test]
    fn times_carry_the_offset_of_the_event_on_that_date() {
        let madrid = event_zone("Europe/Madrid");
        let winter = Utc.with_ymd_and_hms(2021, 11, 24, 9, 5, 0).unwrap();
        assert_eq!(local_rfc3339(winter, madrid), "2021-11-24T10:05:00+01:00");
        let summer = Utc.with_ymd_and_hms(2021, 6, 24, 9, 5, 0).unwrap();
        assert_eq!(local_rfc3339(summer, madrid), "2021-06-24T11:05:00+02:00");
        assert_eq!(local_rfc3339(winter, event_zone("UTC")), "2021-11-24T09:05:00+00:00");
    }

    #[test]
    fn an_unknown_zone_is_read_as_utc() {
        assert_eq!(event_zone("Mars/Olympus"), Tz::UTC);
    }

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
