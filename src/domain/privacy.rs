//! Rules of personal data over time: how long it is kept after an event (retention), when an
//! event's personal data may be erased at once, and how many duplicate answers a partner
//! gets before it must wait (the bound on the membership oracle).

use chrono::{DateTime, Duration, Utc};

/// Default retention of an organisation, in days after an event ends.
pub const DEFAULT_RETENTION_DAYS: i64 = 365;
/// Longest retention accepted (a hundred years): beyond it `ends_at + retention` would leave
/// the range of a timestamp, and nothing is meant to be kept that long.
pub const MAX_RETENTION_DAYS: i64 = 36_500;

/// Checks a `retention_days` setting (organisation or event).
pub fn check_retention_days(days: i64) -> Result<i32, &'static str> {
    if (1..=MAX_RETENTION_DAYS).contains(&days) {
        Ok(days as i32)
    } else {
        Err("must be between 1 and 36500 days")
    }
}

/// The retention that applies to an event: its own, else its organisation's.
pub fn retention_days(event: Option<i32>, organisation: i32) -> i32 {
    event.unwrap_or(organisation)
}

/// When the personal data of an event that ends at `ends_at` is purged.
pub fn purge_at(ends_at: DateTime<Utc>, retention_days: i32) -> DateTime<Utc> {
    ends_at + Duration::days(i64::from(retention_days))
}

/// Whether the event's personal data is due for the retention purge at `now`.
pub fn purge_due(ends_at: DateTime<Utc>, retention_days: i32, now: DateTime<Utc>) -> bool {
    purge_at(ends_at, retention_days) <= now
}

/// Every registration of an event is erased at once only after the event has ended: before
/// that, the people are still coming.
pub fn may_erase_event(ends_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    ends_at <= now
}

/// What a partner is told when it registers someone already registered for the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DuplicateAnswer {
    /// 409 `already_registered`, carrying nothing more than the code.
    AlreadyRegistered,
    /// 429: the partner had its duplicate answers for this hour.
    Limited,
}

/// The answer to the `count`th duplicate refused to one partner in the current hour, with a
/// limit of `per_hour` such answers: the first `per_hour` are told, the rest wait.
pub fn duplicate_answer(count: i64, per_hour: u32) -> DuplicateAnswer {
    if count > i64::from(per_hour) {
        DuplicateAnswer::Limited
    } else {
        DuplicateAnswer::AlreadyRegistered
    }
}

/// Seconds from `now` until the next hour starts (the duplicate counter's window ends), at
/// least 1: the `Retry-After` of a partner past its duplicate answers.
pub fn seconds_to_next_hour(now: DateTime<Utc>) -> u64 {
    let into_hour = now.timestamp().rem_euclid(3600) as u64;
    3600 - into_hour
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn end() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2021, 11, 24, 12, 0, 0).unwrap()
    }

    #[test]
    fn retention_is_one_day_to_a_hundred_years() {
        assert_eq!(check_retention_days(1), Ok(1));
        assert_eq!(check_retention_days(365), Ok(365));
        assert_eq!(check_retention_days(MAX_RETENTION_DAYS), Ok(36_500));
        for bad in [0, -1, MAX_RETENTION_DAYS + 1, i64::MAX] {
            assert!(check_retention_days(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_events_own_retention_wins_over_its_organisations() {
        assert_eq!(retention_days(Some(30), 365), 30);
        assert_eq!(retention_days(None, 365), 365);
    }

    #[test]
    fn personal_data_is_due_retention_days_after_the_end() {
        assert_eq!(purge_at(end(), 1), end() + Duration::days(1));
        assert!(!purge_due(end(), 1, end()));
        assert!(!purge_due(end(), 1, end() + Duration::hours(23)));
        assert!(purge_due(end(), 1, end() + Duration::days(1)));
        assert!(purge_due(end(), 365, end() + Duration::days(400)));
        assert!(!purge_due(end(), 365, end() + Duration::days(300)));
    }

    #[test]
    fn an_event_is_erased_at_once_only_once_it_has_ended() {
        assert!(!may_erase_event(end(), end() - Duration::seconds(1)));
        assert!(may_erase_event(end(), end()));
        assert!(may_erase_event(end(), end() + Duration::days(2)));
    }

    #[test]
    fn a_limited_partner_waits_until_the_hour_ends() {
        assert_eq!(seconds_to_next_hour(end()), 3600);
        assert_eq!(seconds_to_next_hour(end() + Duration::seconds(1)), 3599);
        assert_eq!(seconds_to_next_hour(end() + Duration::minutes(59) + Duration::seconds(59)), 1);
    }

    #[test]
    fn a_partner_is_told_of_its_first_duplicates_in_an_hour_then_waits() {
        assert_eq!(duplicate_answer(1, 20), DuplicateAnswer::AlreadyRegistered);
        assert_eq!(duplicate_answer(20, 20), DuplicateAnswer::AlreadyRegistered);
        assert_eq!(duplicate_answer(21, 20), DuplicateAnswer::Limited);
        assert_eq!(duplicate_answer(1, 0), DuplicateAnswer::Limited);
    }
}
