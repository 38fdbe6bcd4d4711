//! How a person's attendance was recorded, and why a confirmed person did not come.

use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

use crate::domain::history::FieldChange;
use crate::domain::refusal::Refusal;
use crate::domain::registrations::RegistrationStatus;
use crate::domain::seats::Mode;
use crate::domain::text::Problems;

/// Where a check-in comes from: the door of a room, the video platform's participant list,
/// or an organiser's hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(example = "online_import")]
pub enum CheckInSource {
    Onsite,
    OnlineImport,
    Manual,
}

impl CheckInSource {
    pub const ALL: [CheckInSource; 3] =
        [CheckInSource::Onsite, CheckInSource::OnlineImport, CheckInSource::Manual];

    pub fn as_str(self) -> &'static str {
        match self {
            CheckInSource::Onsite => "onsite",
            CheckInSource::OnlineImport => "online_import",
            CheckInSource::Manual => "manual",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|source| source.as_str() == value)
    }

    /// The source of a check-in made by hand when the caller names none: the door of the
    /// room for a seat onsite, an organiser's own word for someone online.
    pub fn by_hand_for(mode: Mode) -> Self {
        match mode {
            Mode::Onsite => CheckInSource::Onsite,
            Mode::Online => CheckInSource::Manual,
        }
    }
}

/// The most minutes a check-in may say someone attended: a week, longer than any session
/// this product runs, so that a typo (or a platform's seconds taken for minutes) is refused.
pub const MAX_ATTENDED_MINUTES: i32 = 7 * 24 * 60;

/// A check-in as kept: when, how it was made, and (for online attendance) for how many
/// minutes the person was there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckIn {
    pub at: DateTime<Utc>,
    pub source: CheckInSource,
    pub minutes: Option<i32>,
}

impl CheckIn {
    /// The check-in as a history entry names it; the same shape as a registration's
    /// `check_in`, and nothing personal.
    pub fn to_json(self) -> Value {
        json!({
            // To the microsecond, as PostgreSQL keeps the time (and the registration reads it).
            "at": self.at.trunc_subsecs(6).to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            "source": self.source.as_str(),
            "minutes": self.minutes,
        })
    }

    /// The history's `changes` of a check-in made (`before` is `None`) or undone (`after`
    /// is `None`).
    pub fn change(before: Option<CheckIn>, after: Option<CheckIn>) -> FieldChange {
        FieldChange::new(
            "check_in",
            before.map_or(Value::Null, CheckIn::to_json),
            after.map_or(Value::Null, CheckIn::to_json),
        )
    }
}

/// The most minutes an event may require of online attendance: a day.
pub const MAX_MIN_MINUTES: i64 = 24 * 60;

/// Checks an event's `online_attendance_min_minutes`.
pub fn check_min_minutes(minutes: i64) -> Result<i32, &'static str> {
    if (1..=MAX_MIN_MINUTES).contains(&minutes) {
        Ok(minutes as i32)
    } else {
        Err("must be between 1 and 1440 minutes")
    }
}

/// The minutes of online attendance that count as attended at an event: its own setting,
/// else a quarter of its length, rounded up (someone must reach the quarter), within 1 to
/// 1440 like a setting.
pub fn min_minutes(set: Option<i32>, starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> i32 {
    set.unwrap_or_else(|| {
        let length_seconds = (ends_at - starts_at).num_seconds().max(0);
        let quarter_minutes = (length_seconds + 4 * 60 - 1) / (4 * 60);
        quarter_minutes.clamp(1, MAX_MIN_MINUTES) as i32
    })
}

/// A check-in asked for by hand (`POST /registrations/{id}/check-in`): the source, when the
/// caller names one (never `online_import`, which only the import writes), and the minutes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ByHand {
    pub source: Option<CheckInSource>,
    pub minutes: Option<i32>,
}

impl ByHand {
    /// The check-in it makes at `at` for a registration attending in `mode`.
    pub fn at(self, at: DateTime<Utc>, mode: Mode) -> CheckIn {
        CheckIn { at, source: self.source.unwrap_or(CheckInSource::by_hand_for(mode)), minutes: self.minutes }
    }
}

/// Checks the minutes a caller says someone attended.
pub fn check_minutes(problems: &mut Problems, field: &str, minutes: Option<i32>) {
    if let Some(minutes) = minutes {
        if !(0..=MAX_ATTENDED_MINUTES).contains(&minutes) {
            problems.add(
                field,
                "out_of_range",
                format!("must be between 0 and {MAX_ATTENDED_MINUTES} minutes"),
            );
        }
    }
}

/// Why a confirmed person did not attend: the barriers the platforms exist to lower.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(example = "transport")]
pub enum NoShowReason {
    Transport,
    Connection,
    Device,
    Schedule,
    Illness,
    CareDuties,
    Language,
    NotInformed,
    Other,
    Unknown,
}

impl NoShowReason {
    pub const ALL: [NoShowReason; 10] = [
        NoShowReason::Transport,
        NoShowReason::Connection,
        NoShowReason::Device,
        NoShowReason::Schedule,
        NoShowReason::Illness,
        NoShowReason::CareDuties,
        NoShowReason::Language,
        NoShowReason::NotInformed,
        NoShowReason::Other,
        NoShowReason::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NoShowReason::Transport => "transport",
            NoShowReason::Connection => "connection",
            NoShowReason::Device => "device",
            NoShowReason::Schedule => "schedule",
            NoShowReason::Illness => "illness",
            NoShowReason::CareDuties => "care_duties",
            NoShowReason::Language => "language",
            NoShowReason::NotInformed => "not_informed",
            NoShowReason::Other => "other",
            NoShowReason::Unknown => "unknown",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|reason| reason.as_str() == value)
    }

    /// The history's `changes` of a reason recorded, changed or cleared.
    pub fn change(before: Option<NoShowReason>, after: Option<NoShowReason>) -> FieldChange {
        let value = |reason: Option<NoShowReason>| json!(reason.map(NoShowReason::as_str));
        FieldChange::new("no_show_reason", value(before), value(after))
    }
}

/// Whether a registration may be given a no-show reason at `now`: confirmed, not checked in,
/// and its event over (before the end, nobody has failed to come yet).
pub fn may_record_no_show(
    status: RegistrationStatus,
    checked_in: bool,
    ends_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), Refusal> {
    if status != RegistrationStatus::Confirmed {
        return Err(Refusal::NotConfirmed);
    }
    if checked_in {
        return Err(Refusal::CheckedIn);
    }
    if now < ends_at {
        return Err(Refusal::NoShowBeforeTheEnd { ends_at });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_value_reads_back_as_itself_and_serde_agrees_with_the_database_spelling() {
        for source in CheckInSource::ALL {
            assert_eq!(CheckInSource::parse(source.as_str()), Some(source));
            assert_eq!(serde_json::to_value(source).unwrap(), source.as_str());
        }
        for reason in NoShowReason::ALL {
            assert_eq!(NoShowReason::parse(reason.as_str()), Some(reason));
            assert_eq!(serde_json::to_value(reason).unwrap(), reason.as_str());
        }
        assert_eq!(CheckInSource::parse("door"), None);
        assert_eq!(NoShowReason::parse("Transport"), None);
    }

    #[test]
    fn a_check_in_by_hand_is_at_the_door_onsite_and_the_organisers_word_online() {
        assert_eq!(CheckInSource::by_hand_for(Mode::Onsite), CheckInSource::Onsite);
        assert_eq!(CheckInSource::by_hand_for(Mode::Online), CheckInSource::Manual);
    }

    #[test]
    fn a_check_in_by_hand_keeps_the_source_named_and_its_minutes() {
        let at = Utc::now();
        let named = ByHand { source: Some(CheckInSource::Manual), minutes: Some(40) };
        assert_eq!(
            named.at(at, Mode::Onsite),
            CheckIn { at, source: CheckInSource::Manual, minutes: Some(40) }
        );
        assert_eq!(
            ByHand::default().at(at, Mode::Online),
            CheckIn { at, source: CheckInSource::Manual, minutes: None }
        );
    }

    #[test]
    fn a_no_show_reason_is_for_a_confirmed_person_not_checked_in_once_the_event_ended() {
        let ends = Utc::now();
        let after = ends + chrono::Duration::minutes(1);
        let confirmed = RegistrationStatus::Confirmed;
        assert_eq!(may_record_no_show(confirmed, false, ends, after), Ok(()));
        assert_eq!(may_record_no_show(confirmed, false, ends, ends), Ok(()), "at the end itself");
        assert_eq!(
            may_record_no_show(confirmed, false, ends, ends - chrono::Duration::minutes(1)),
            Err(Refusal::NoShowBeforeTheEnd { ends_at: ends })
        );
        assert_eq!(may_record_no_show(confirmed, true, ends, after), Err(Refusal::CheckedIn));
        for status in [RegistrationStatus::Waitlisted, RegistrationStatus::Cancelled] {
            assert_eq!(may_record_no_show(status, false, ends, after), Err(Refusal::NotConfirmed));
        }
    }

    #[test]
    fn the_minimum_of_online_attendance_is_the_events_own_else_a_quarter_of_its_length() {
        let starts = Utc::now();
        let at = |minutes: i64| starts + chrono::Duration::minutes(minutes);
        assert_eq!(min_minutes(Some(20), starts, at(180)), 20);
        assert_eq!(min_minutes(None, starts, at(180)), 45, "the Soria roundtable: three hours");
        assert_eq!(min_minutes(None, starts, at(110)), 28, "27.5 rounded up");
        assert_eq!(min_minutes(None, starts, starts + chrono::Duration::seconds(30)), 1);
        assert_eq!(min_minutes(None, starts, at(10 * 24 * 60)), 1440, "a long event: a day at most");
        assert_eq!(check_min_minutes(1), Ok(1));
        assert_eq!(check_min_minutes(1440), Ok(1440));
        assert!(check_min_minutes(0).is_err());
        assert!(check_min_minutes(1441).is_err());
    }

    #[test]
    fn minutes_are_between_none_and_a_week() {
        for fine in [None, Some(0), Some(45), Some(MAX_ATTENDED_MINUTES)] {
            let mut problems = Problems::default();
            check_minutes(&mut problems, "minutes", fine);
            assert!(problems.is_empty(), "{fine:?}");
        }
        for wrong in [-1, MAX_ATTENDED_MINUTES + 1] {
            let mut problems = Problems::default();
            check_minutes(&mut problems, "minutes", Some(wrong));
            assert_eq!(problems.0.len(), 1, "{wrong}");
            assert_eq!(
                (problems.0[0].field.as_str(), problems.0[0].code.as_str()),
                ("minutes", "out_of_range")
            );
        }
    }

    #[test]
    fn a_check_in_in_the_history_has_its_time_source_and_minutes() {
        let at = chrono::TimeZone::with_ymd_and_hms(&Utc, 2021, 11, 24, 9, 5, 0).unwrap()
            + chrono::Duration::nanoseconds(1_500);
        let check_in = CheckIn { at, source: CheckInSource::OnlineImport, minutes: Some(150) };
        assert_eq!(
            serde_json::to_value(CheckIn::change(None, Some(check_in))).unwrap(),
            json!({"field": "check_in", "from": null,
                   "to": {"at": "2021-11-24T09:05:00.000001Z", "source": "online_import", "minutes": 150}})
        );
        assert_eq!(
            serde_json::to_value(NoShowReason::change(Some(NoShowReason::CareDuties), None)).unwrap(),
            json!({"field": "no_show_reason", "from": "care_duties", "to": null})
        );
    }
}
