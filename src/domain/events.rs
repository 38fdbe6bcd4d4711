//! What makes an event valid, and how its status may change.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::contact::optional_contact_phone;
use crate::domain::group_reservations::{self, GroupReservation};
use crate::domain::offers::{check_offer_hours, WaitlistPromotion};
use crate::domain::outreach::check_reminders;
use crate::domain::refusal::Refusal;
use crate::domain::seats::{Mode, Seats};
use crate::domain::text::Problems;
use crate::domain::translations::{check_event_translations, EventTranslations};
use crate::error::FieldError;

pub const MAX_CAPACITY: i64 = 1_000_000;

/// An event as the organiser wants it, before it is checked: the body of a create, or the
/// stored event with a PATCH applied.
#[derive(Debug, Clone, PartialEq)]
pub struct EventDraft {
    pub title: String,
    pub description: Option<String>,
    pub organisation_id: Uuid,
    pub region: String,
    /// The name of its series; `series_id` names it by id (`domain::series`).
    pub series: Option<String>,
    /// Its series, once linked (`app::series::link`).
    pub series_id: Option<Uuid>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub timezone: String,
    pub languages: Vec<String>,
    pub registration_closes_at: Option<DateTime<Utc>>,
    /// Days after the end that its personal data is kept; `None`: the organisation's setting.
    pub retention_days: Option<i64>,
    /// Minutes of online attendance that count as attended; `None`: a quarter of the length.
    pub online_attendance_min_minutes: Option<i64>,
    /// Whom participants call with a question; printed in every message to them.
    pub contact_phone: Option<String>,
    /// Hours before the start at which confirmed people are reminded.
    pub reminders_hours_before: Vec<i64>,
    /// The title and description in more languages.
    pub translations: EventTranslations,
    /// How a freed seat goes to the waitlist.
    pub waitlist_promotion: WaitlistPromotion,
    /// How long an offer of a seat is held (`domain::offers`).
    pub offer_hours: i64,
    /// Seats reserved for groups of stakeholder categories.
    pub group_reservations: Vec<GroupReservation>,
    pub online: Option<OnlineDraft>,
    pub onsite: Option<OnsiteDraft>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OnlineDraft {
    pub join_url: Option<String>,
    /// `None`: unlimited.
    pub capacity: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OnsiteDraft {
    pub venue_name: Option<String>,
    pub address: Option<String>,
    /// Required: a room always has a size.
    pub capacity: Option<i64>,
    pub reserved_for_physical_space_need: i64,
}

/// An event's title, or its translation (`field`): one line, 1 to 200 characters.
pub fn check_title(problems: &mut Problems, field: &str, title: &str) -> String {
    problems.one_line(field, title, 200)
}

/// An event's description, or its translation (`field`): up to 5000 characters; blank is none.
pub fn check_description(problems: &mut Problems, field: &str, description: Option<&str>) -> Option<String> {
    problems.optional_text(field, description, 5000)
}

/// Checks every rule and returns the draft with its text trimmed, or every problem found.
pub fn validate(mut draft: EventDraft) -> Result<EventDraft, Vec<FieldError>> {
    let mut problems = Problems::default();
    draft.title = check_title(&mut problems, "title", &draft.title);
    draft.description = check_description(&mut problems, "description", draft.description.as_deref());
    draft.region = problems.one_line("region", &draft.region, 100);
    draft.series = problems.optional_one_line("series", draft.series.as_deref(), 200);
    draft.contact_phone =
        optional_contact_phone(&mut problems, "contact_phone", draft.contact_phone.as_deref());
    draft.translations = check_event_translations(&mut problems, std::mem::take(&mut draft.translations));
    match check_reminders(&draft.reminders_hours_before) {
        Ok(hours) => draft.reminders_hours_before = hours,
        Err(message) => problems.add("reminders_hours_before", "invalid_reminders", message),
    }
    draft.group_reservations =
        group_reservations::check(&mut problems, std::mem::take(&mut draft.group_reservations));
    if let Err(message) = check_offer_hours(draft.offer_hours) {
        problems.add("offer_hours", "out_of_range", message);
    }
    if draft.ends_at <= draft.starts_at {
        problems.add("ends_at", "ends_before_start", "must be after starts_at");
    }
    if draft.timezone.parse::<chrono_tz::Tz>().is_err() {
        problems.add("timezone", "invalid_timezone", "must be an IANA time zone such as Europe/Madrid");
    }
    if draft.languages.len() > 20 {
        problems.add("languages", "too_many", "at most 20 languages");
    }
    for (i, language) in draft.languages.iter().enumerate() {
        if !is_language_tag(language) {
            problems.add(
                format!("languages[{i}]"),
                "invalid_language",
                "must be a BCP 47 language tag such as es or ar-MA",
            );
        }
    }
    if let Some(closes) = draft.registration_closes_at {
        if closes > draft.starts_at {
            problems.add("registration_closes_at", "closes_after_start", "must not be after starts_at");
        }
    }
    if let Some(days) = draft.retention_days {
        if let Err(message) = crate::domain::privacy::check_retention_days(days) {
            problems.add("retention_days", "out_of_range", message);
        }
    }
    if let Some(minutes) = draft.online_attendance_min_minutes {
        if let Err(message) = crate::domain::attendance::check_min_minutes(minutes) {
            problems.add("online_attendance_min_minutes", "out_of_range", message);
        }
    }
    if draft.online.is_none() && draft.onsite.is_none() {
        problems.add("online", "no_attendance_mode", "offer online attendance, onsite attendance, or both");
    }
    if let Some(online) = &mut draft.online {
        online.join_url = problems.optional_one_line("online.join_url", online.join_url.as_deref(), 2000);
        if let Some(url) = &online.join_url {
            if !is_https_url(url) {
                problems.add("online.join_url", "invalid_url", "must be an https URL");
            }
        }
        if let Some(capacity) = online.capacity {
            check_capacity(&mut problems, "online.capacity", capacity);
        }
    }
    if let Some(onsite) = &mut draft.onsite {
        onsite.venue_name =
            problems.optional_one_line("onsite.venue_name", onsite.venue_name.as_deref(), 200);
        onsite.address = problems.optional_one_line("onsite.address", onsite.address.as_deref(), 500);
        match onsite.capacity {
            None => problems.add("onsite.capacity", "required", "is required for onsite attendance"),
            Some(capacity) => check_capacity(&mut problems, "onsite.capacity", capacity),
        }
        let reserved = onsite.reserved_for_physical_space_need;
        if reserved < 0 {
            problems.add("onsite.reserved_for_physical_space_need", "negative", "must be 0 or more");
        } else if onsite.capacity.is_some_and(|capacity| reserved > capacity) {
            problems.add(
                "onsite.reserved_for_physical_space_need",
                "reserved_above_capacity",
                "must not exceed onsite.capacity",
            );
        }
    }
    if problems.is_empty() {
        Ok(draft)
    } else {
        Err(problems.0)
    }
}

fn check_capacity(problems: &mut Problems, field: &str, capacity: i64) {
    if capacity < 0 {
        problems.add(field, "negative", "must be 0 or more");
    } else if capacity > MAX_CAPACITY {
        problems.add(field, "too_large", format!("must be at most {MAX_CAPACITY}"));
    }
}

pub fn is_https_url(value: &str) -> bool {
    url::Url::parse(value)
        .is_ok_and(|url| url.scheme() == "https" && url.host_str().is_some_and(|h| !h.is_empty()))
}

/// The form of a BCP 47 tag (RFC 5646's grammar, any case, with the grandfathered tags), as
/// a pattern for the OpenAPI document, without anchors. [`is_language_tag`] also asks IANA's
/// registry, which no pattern can: every tag it accepts has this form, not every tag of this
/// form is registered.
pub const LANGUAGE_TAG_PATTERN: &str = concat!(
    "(?:",
    // language (with up to three extended subtags), script, region, variants, extensions,
    // private use
    "(?:[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}|[A-Za-z]{4,8})",
    "(?:-[A-Za-z]{4})?",
    "(?:-(?:[A-Za-z]{2}|[0-9]{3}))?",
    "(?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*",
    "(?:-[0-9A-WY-Za-wy-z](?:-[A-Za-z0-9]{2,8})+)*",
    "(?:-[Xx](?:-[A-Za-z0-9]{1,8})+)?",
    // private use alone, and the irregular grandfathered tags
    "|[Xx](?:-[A-Za-z0-9]{1,8})+",
    "|[Ii]-[A-Za-z]{3,8}",
    "|[Ee][Nn]-[Gg][Bb]-[Oo][Ee][Dd]",
    "|[Ss][Gg][Nn]-[A-Za-z]{2}-[A-Za-z]{2}",
    ")"
);

/// Language tags are short: the longest registered tags are far below it.
pub const MAX_LANGUAGE_TAG_CHARS: usize = 35;

pub fn is_language_tag(value: &str) -> bool {
    value.len() <= MAX_LANGUAGE_TAG_CHARS
        && language_tags::LanguageTag::parse(value).is_ok_and(|tag| tag.validate().is_ok())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventStatus {
    Draft,
    Published,
    Cancelled,
}

impl EventStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EventStatus::Draft => "draft",
            EventStatus::Published => "published",
            EventStatus::Cancelled => "cancelled",
        }
    }

    pub const ALL: [EventStatus; 3] = [EventStatus::Draft, EventStatus::Published, EventStatus::Cancelled];

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == value)
    }

    /// draft → published → cancelled, and draft → cancelled; nothing else.
    pub fn may_become(self, next: EventStatus) -> bool {
        matches!(
            (self, next),
            (EventStatus::Draft, EventStatus::Published)
                | (EventStatus::Published, EventStatus::Cancelled)
                | (EventStatus::Draft, EventStatus::Cancelled)
        )
    }
}

/// Whether the registrations of an event with `current` seats (and those waiting) still fit a
/// validated `draft` of it: no mode withdrawn while people are registered in it
/// (`ModeInUse`), no capacity lowered, nor seats reserved, under someone confirmed
/// (`CapacityBelowConfirmed`).
pub fn fits_registrations(
    current: &Seats,
    online_waitlisted: i32,
    onsite_waitlisted: i32,
    draft: &EventDraft,
) -> Result<(), Refusal> {
    let mut proposed = *current;
    match &draft.online {
        None if current.online_confirmed + online_waitlisted > 0 => {
            return Err(Refusal::ModeInUse { mode: Mode::Online });
        }
        None => {}
        Some(online) => {
            proposed.online_capacity = online.capacity.map(|c| c as i32);
            if proposed.overbooked(Mode::Online) {
                return Err(Refusal::CapacityBelowConfirmed {
                    mode: Mode::Online,
                    confirmed: current.online_confirmed,
                });
            }
        }
    }
    match &draft.onsite {
        None if current.onsite_confirmed + onsite_waitlisted > 0 => {
            Err(Refusal::ModeInUse { mode: Mode::Onsite })
        }
        None => Ok(()),
        Some(onsite) => {
            proposed.onsite_capacity = onsite.capacity.unwrap_or(0) as i32;
            proposed.onsite_reserved = onsite.reserved_for_physical_space_need as i32;
            if proposed.overbooked(Mode::Onsite) {
                Err(Refusal::CapacityBelowConfirmed {
                    mode: Mode::Onsite,
                    confirmed: current.onsite_confirmed,
                })
            } else {
                Ok(())
            }
        }
    }
}

/// Rule 6: whether registrations are accepted at `now`.
pub fn registration_open(
    status: EventStatus,
    starts_at: DateTime<Utc>,
    closes_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    status == EventStatus::Published && now < starts_at && closes_at.is_none_or(|closes| now < closes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn draft() -> EventDraft {
        EventDraft {
            title: " Third regional roundtable ".into(),
            description: Some("".into()),
            organisation_id: Uuid::now_v7(),
            region: "Soria".into(),
            series: Some("Regional cooperation platform".into()),
            series_id: None,
            starts_at: Utc.with_ymd_and_hms(2021, 11, 24, 9, 0, 0).unwrap(),
            ends_at: Utc.with_ymd_and_hms(2021, 11, 24, 12, 0, 0).unwrap(),
            timezone: "Europe/Madrid".into(),
            languages: vec!["es".into(), "ar-MA".into()],
            registration_closes_at: None,
            retention_days: None,
            online_attendance_min_minutes: None,
            contact_phone: None,
            reminders_hours_before: vec![48, 3],
            translations: Default::default(),
            waitlist_promotion: WaitlistPromotion::Automatic,
            offer_hours: 48,
            group_reservations: Vec::new(),
            online: Some(OnlineDraft {
                join_url: Some("https://meet.example.org/abc".into()),
                capacity: None,
            }),
            onsite: Some(OnsiteDraft {
                venue_name: Some("CEPAIM Soria".into()),
                address: None,
                capacity: Some(10),
                reserved_for_physical_space_need: 3,
            }),
        }
    }

    fn codes(result: Result<EventDraft, Vec<FieldError>>) -> Vec<(String, String)> {
        result.unwrap_err().into_iter().map(|e| (e.field, e.code)).collect()
    }

    #[test]
    fn the_soria_roundtable_is_valid_and_trimmed() {
        let valid = validate(draft()).unwrap();
        assert_eq!(valid.title, "Third regional roundtable");
        assert_eq!(valid.description, None);
    }

    #[test]
    fn every_problem_is_reported_with_its_field() {
        let mut bad = draft();
        bad.ends_at = bad.starts_at;
        bad.timezone = "Europe/Soria".into();
        bad.languages = vec!["es".into(), "not a tag".into()];
        bad.online.as_mut().unwrap().join_url = Some("http://meet.example.org".into());
        bad.onsite.as_mut().unwrap().reserved_for_physical_space_need = 11;
        assert_eq!(
            codes(validate(bad)),
            vec![
                ("ends_at".into(), "ends_before_start".into()),
                ("timezone".into(), "invalid_timezone".into()),
                ("languages[1]".into(), "invalid_language".into()),
                ("online.join_url".into(), "invalid_url".into()),
                ("onsite.reserved_for_physical_space_need".into(), "reserved_above_capacity".into()),
            ]
        );
    }

    #[test]
    fn one_line_fields_refuse_line_breaks_and_the_description_keeps_them() {
        let mut bad = draft();
        bad.title = "Roundtable\r\nURL:http://evil\r\nBEGIN:VALARM".into();
        bad.region = "Soria\u{2028}X".into();
        bad.series = Some("Series\n2".into());
        bad.online.as_mut().unwrap().join_url = Some("https://meet.example.org/a\r\nb".into());
        bad.onsite.as_mut().unwrap().venue_name = Some("CEP\u{85}AIM".into());
        bad.onsite.as_mut().unwrap().address = Some("Calle\tExample 1".into());
        bad.description = Some("First line\r\nsecond line".into());
        let invalid = |field: &str| (field.to_owned(), "invalid_characters".to_owned());
        assert_eq!(
            codes(validate(bad)),
            vec![
                invalid("title"),
                invalid("region"),
                invalid("series"),
                invalid("online.join_url"),
                invalid("onsite.venue_name"),
                invalid("onsite.address"),
            ]
        );
    }

    #[test]
    fn an_event_needs_a_mode_and_sane_capacities() {
        let mut bad = draft();
        bad.online = None;
        bad.onsite = None;
        assert_eq!(codes(validate(bad)), vec![("online".into(), "no_attendance_mode".into())]);
        let mut bad = draft();
        bad.online.as_mut().unwrap().capacity = Some(-1);
        bad.onsite.as_mut().unwrap().capacity = None;
        assert_eq!(
            codes(validate(bad)),
            vec![
                ("online.capacity".into(), "negative".into()),
                ("onsite.capacity".into(), "required".into())
            ]
        );
    }

    #[test]
    fn status_moves_forward_only() {
        use EventStatus::*;
        assert!(Draft.may_become(Published));
        assert!(Published.may_become(Cancelled));
        assert!(Draft.may_become(Cancelled));
        assert!(!Published.may_become(Draft));
        assert!(!Cancelled.may_become(Published));
        assert!(!Published.may_become(Published));
    }

    #[test]
    fn registrations_must_still_fit_a_changed_event() {
        let mut seats = Seats {
            online_offered: true,
            online_capacity: None,
            online_confirmed: 4,
            onsite_offered: true,
            onsite_capacity: 10,
            onsite_reserved: 3,
            onsite_confirmed: 7,
            onsite_confirmed_physical_space: 0,
        };
        let fine = draft();
        assert_eq!(fits_registrations(&seats, 0, 0, &fine), Ok(()));
        let mut smaller = draft();
        smaller.online.as_mut().unwrap().capacity = Some(3);
        assert_eq!(
            fits_registrations(&seats, 0, 0, &smaller),
            Err(Refusal::CapacityBelowConfirmed { mode: Mode::Online, confirmed: 4 })
        );
        // 7 confirmed without the need: 10 seats with 4 reserved leave only 6 for them.
        let mut reserving = draft();
        reserving.onsite.as_mut().unwrap().reserved_for_physical_space_need = 4;
        assert_eq!(
            fits_registrations(&seats, 0, 0, &reserving),
            Err(Refusal::CapacityBelowConfirmed { mode: Mode::Onsite, confirmed: 7 })
        );
        let mut online_only = draft();
        online_only.onsite = None;
        assert_eq!(
            fits_registrations(&seats, 0, 0, &online_only),
            Err(Refusal::ModeInUse { mode: Mode::Onsite })
        );
        seats.onsite_confirmed = 0;
        assert_eq!(
            fits_registrations(&seats, 0, 1, &online_only),
            Err(Refusal::ModeInUse { mode: Mode::Onsite })
        );
        assert_eq!(fits_registrations(&seats, 0, 0, &online_only), Ok(()));
    }

    #[test]
    fn registration_closes_at_start_or_earlier() {
        let starts = Utc.with_ymd_and_hms(2030, 1, 1, 10, 0, 0).unwrap();
        let before = starts - chrono::Duration::hours(1);
        assert!(registration_open(EventStatus::Published, starts, None, before));
        assert!(!registration_open(EventStatus::Published, starts, None, starts));
        assert!(!registration_open(EventStatus::Published, starts, Some(before), before));
        assert!(!registration_open(EventStatus::Draft, starts, None, before));
    }

    /// Every tag the server takes has the document's form; malformed ones have neither.
    #[test]
    fn the_language_tag_pattern_holds_every_tag_the_server_takes() {
        let pattern = regex::Regex::new(&format!("^{LANGUAGE_TAG_PATTERN}$")).unwrap();
        for tag in [
            "es",
            "ar",
            "ar-MA",
            "zh-Hant-TW",
            "sr-Latn",
            "es-419",
            "de-CH-1996",
            "en-US-x-twain",
            "x-private",
            "i-klingon",
            "en-GB-oed",
            "zh-min-nan",
            "sgn-BE-FR",
            "tzm-Tfng",
            "ber",
            "AR-ma",
            "sl-rozaj-biske",
        ] {
            assert!(pattern.is_match(tag), "{tag}");
            assert!(!is_language_tag(tag) || pattern.is_match(tag), "{tag}");
        }
        for malformed in
            ["", "e", "es_ES", "es-", "-es", "español", "es--ES", "es-ES-", "1es", "es ES", "toolongtag"]
        {
            assert!(!pattern.is_match(malformed), "{malformed}");
            assert!(!is_language_tag(malformed), "{malformed}");
        }
        assert!(pattern.is_match("zz") && !is_language_tag("zz"), "the registry decides beyond the form");
    }
}
