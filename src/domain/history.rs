//! The audit trail's vocabulary: what happened to a registration or an event, and which
//! fields of an event changed from what to what. Never personal data.

use serde::Serialize;
use serde_json::Value;

use crate::domain::events::EventDraft;

/// What happened to a registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RegistrationAction {
    Created,
    Updated,
    ModeChanged,
    Promoted,
    Cancelled,
    CheckedIn,
    CheckInUndone,
    Erased,
    /// A consent granted or withdrawn: the entry's `changes` name the purpose and the
    /// versions from and to.
    ConsentChanged,
    /// Moved between the places of its event (the main venue is one): the entry's `changes`
    /// hold `place_id` from and to.
    PlaceChanged,
    /// Why a confirmed person did not come, recorded or changed: `changes` hold
    /// `no_show_reason` from and to.
    NoShowRecorded,
    /// A no-show reason cleared (a mistake undone): `changes` hold `no_show_reason` to null.
    NoShowCleared,
    /// Offered a seat that freed up, until a deadline (`domain::offers`).
    Offered,
    /// The offer accepted: the seat is confirmed.
    OfferAccepted,
    /// The offer declined: the registration is cancelled and the seat goes on.
    OfferDeclined,
    /// The offer left unanswered past its deadline: the registration is cancelled and the
    /// seat goes on.
    OfferExpired,
    /// Barriers listed, changed or removed: `changes` hold `barriers.<kind>` from and to
    /// `{status, arranged}` (null: not listed).
    BarriersChanged,
}

impl RegistrationAction {
    pub const ALL: [RegistrationAction; 17] = [
        RegistrationAction::Created,
        RegistrationAction::Updated,
        RegistrationAction::ModeChanged,
        RegistrationAction::Promoted,
        RegistrationAction::Cancelled,
        RegistrationAction::CheckedIn,
        RegistrationAction::CheckInUndone,
        RegistrationAction::Erased,
        RegistrationAction::ConsentChanged,
        RegistrationAction::PlaceChanged,
        RegistrationAction::NoShowRecorded,
        RegistrationAction::NoShowCleared,
        RegistrationAction::Offered,
        RegistrationAction::OfferAccepted,
        RegistrationAction::OfferDeclined,
        RegistrationAction::OfferExpired,
        RegistrationAction::BarriersChanged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RegistrationAction::Created => "created",
            RegistrationAction::Updated => "updated",
            RegistrationAction::ModeChanged => "mode_changed",
            RegistrationAction::Promoted => "promoted",
            RegistrationAction::Cancelled => "cancelled",
            RegistrationAction::CheckedIn => "checked_in",
            RegistrationAction::CheckInUndone => "check_in_undone",
            RegistrationAction::Erased => "erased",
            RegistrationAction::ConsentChanged => "consent_changed",
            RegistrationAction::PlaceChanged => "place_changed",
            RegistrationAction::NoShowRecorded => "no_show_recorded",
            RegistrationAction::NoShowCleared => "no_show_cleared",
            RegistrationAction::Offered => "offered",
            RegistrationAction::OfferAccepted => "offer_accepted",
            RegistrationAction::OfferDeclined => "offer_declined",
            RegistrationAction::OfferExpired => "offer_expired",
            RegistrationAction::BarriersChanged => "barriers_changed",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|action| action.as_str() == value)
    }
}

/// What happened to an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventAction {
    Created,
    Updated,
    Published,
    Cancelled,
    /// Registrations refused to a partner as duplicates: one entry per partner and hour,
    /// whose count grows through the hour (never the probed email or phone).
    DuplicatesRefused,
    /// Every registration of the ended event erased at once, by an organiser or admin.
    PersonalDataErased,
    /// Registrations erased by the retention purge.
    RetentionPurged,
    /// A place offered, its seats changed, or withdrawn: `changes` hold `places.<id>` from
    /// and to (`{capacity, reserved_for_physical_space_need}`, null when not offered).
    PlacesChanged,
    /// The outcome's topics or summary recorded or replaced: `changes` hold `outcome.topics`
    /// from and to, and `outcome.summary` named without its text.
    OutcomeRecorded,
    /// A follow-up action recorded: `changes` hold `actions.<id>` from null to its status,
    /// due date and owner organisation.
    ActionCreated,
    /// A follow-up action changed: `changes` hold `actions.<id>.<field>` from and to (title
    /// and owner name named without their text).
    ActionUpdated,
}

impl EventAction {
    pub const ALL: [EventAction; 11] = [
        EventAction::Created,
        EventAction::Updated,
        EventAction::Published,
        EventAction::Cancelled,
        EventAction::DuplicatesRefused,
        EventAction::PersonalDataErased,
        EventAction::RetentionPurged,
        EventAction::PlacesChanged,
        EventAction::OutcomeRecorded,
        EventAction::ActionCreated,
        EventAction::ActionUpdated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventAction::Created => "created",
            EventAction::Updated => "updated",
            EventAction::Published => "published",
            EventAction::Cancelled => "cancelled",
            EventAction::DuplicatesRefused => "duplicates_refused",
            EventAction::PersonalDataErased => "personal_data_erased",
            EventAction::RetentionPurged => "retention_purged",
            EventAction::PlacesChanged => "places_changed",
            EventAction::OutcomeRecorded => "outcome_recorded",
            EventAction::ActionCreated => "action_created",
            EventAction::ActionUpdated => "action_updated",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|action| action.as_str() == value)
    }
}

/// One field of an event that changed. `from` and `to` are left out for fields whose values
/// are not for an audit trail (the join link, which admits anyone holding it, and the free
/// text of the description).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct FieldChange {
    pub field: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Value>,
    /// True when the values are withheld.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub withheld: bool,
}

impl FieldChange {
    pub fn new(field: &str, from: Value, to: Value) -> Self {
        Self { field: field.to_owned(), from: Some(from), to: Some(to), withheld: false }
    }

    /// A count (registrations erased, duplicates refused): recorded as `to`, with no `from`.
    pub fn count(field: &str, n: i64) -> Self {
        Self { field: field.to_owned(), from: None, to: Some(Value::from(n)), withheld: false }
    }

    pub fn withheld(field: &str) -> Self {
        Self { field: field.to_owned(), from: None, to: None, withheld: true }
    }
}

/// The fields that differ between two versions of an event, in the order of the create body.
pub fn event_changes(before: &EventDraft, after: &EventDraft) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    let mut compare = |field: &str, from: Value, to: Value| {
        if from != to {
            changes.push(FieldChange::new(field, from, to));
        }
    };
    let time = |t: &chrono::DateTime<chrono::Utc>| {
        Value::from(t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
    };
    compare("title", before.title.clone().into(), after.title.clone().into());
    compare(
        "organisation_id",
        before.organisation_id.to_string().into(),
        after.organisation_id.to_string().into(),
    );
    compare("region", before.region.clone().into(), after.region.clone().into());
    compare("series", before.series.clone().into(), after.series.clone().into());
    compare(
        "series_id",
        before.series_id.map(|id| id.to_string()).into(),
        after.series_id.map(|id| id.to_string()).into(),
    );
    compare("starts_at", time(&before.starts_at), time(&after.starts_at));
    compare("ends_at", time(&before.ends_at), time(&after.ends_at));
    compare("timezone", before.timezone.clone().into(), after.timezone.clone().into());
    compare("languages", before.languages.clone().into(), after.languages.clone().into());
    compare(
        "registration_closes_at",
        before.registration_closes_at.as_ref().map(time).into(),
        after.registration_closes_at.as_ref().map(time).into(),
    );
    compare("retention_days", before.retention_days.into(), after.retention_days.into());
    compare(
        "online_attendance_min_minutes",
        before.online_attendance_min_minutes.into(),
        after.online_attendance_min_minutes.into(),
    );
    compare("contact_phone", before.contact_phone.clone().into(), after.contact_phone.clone().into());
    compare(
        "translations",
        serde_json::to_value(&before.translations).unwrap_or_default(),
        serde_json::to_value(&after.translations).unwrap_or_default(),
    );
    compare(
        "reminders_hours_before",
        before.reminders_hours_before.clone().into(),
        after.reminders_hours_before.clone().into(),
    );
    compare(
        "waitlist_promotion",
        before.waitlist_promotion.as_str().into(),
        after.waitlist_promotion.as_str().into(),
    );
    compare("offer_hours", before.offer_hours.into(), after.offer_hours.into());
    compare(
        "group_reservations",
        serde_json::to_value(&before.group_reservations).unwrap_or_default(),
        serde_json::to_value(&after.group_reservations).unwrap_or_default(),
    );
    compare("online", before.online.is_some().into(), after.online.is_some().into());
    let online_capacity = |d: &EventDraft| d.online.as_ref().and_then(|o| o.capacity).into();
    compare("online.capacity", online_capacity(before), online_capacity(after));
    compare("onsite", before.onsite.is_some().into(), after.onsite.is_some().into());
    let onsite = |d: &EventDraft, pick: fn(&crate::domain::events::OnsiteDraft) -> Value| {
        d.onsite.as_ref().map(pick).unwrap_or(Value::Null)
    };
    compare(
        "onsite.venue_name",
        onsite(before, |o| o.venue_name.clone().into()),
        onsite(after, |o| o.venue_name.clone().into()),
    );
    compare(
        "onsite.address",
        onsite(before, |o| o.address.clone().into()),
        onsite(after, |o| o.address.clone().into()),
    );
    compare("onsite.capacity", onsite(before, |o| o.capacity.into()), onsite(after, |o| o.capacity.into()));
    compare(
        "onsite.reserved_for_physical_space_need",
        onsite(before, |o| o.reserved_for_physical_space_need.into()),
        onsite(after, |o| o.reserved_for_physical_space_need.into()),
    );
    if before.description != after.description {
        changes.push(FieldChange::withheld("description"));
    }
    let join_url = |d: &EventDraft| d.online.as_ref().and_then(|o| o.join_url.clone());
    if join_url(before) != join_url(after) {
        changes.push(FieldChange::withheld("online.join_url"));
    }
    changes
}

/// The fields of an event that say when and where it is, as `event_changes` names them.
const SCHEDULE_FIELDS: [&str; 6] =
    ["starts_at", "ends_at", "timezone", "onsite", "onsite.venue_name", "onsite.address"];

/// Whether an entry of an event's history changed what its calendar entry says about when or
/// where it is, or cancelled it: each such entry raises the entry's SEQUENCE, so that calendar
/// programs that imported it before take the new one (RFC 5546 2.1.4). Hosted places are not
/// in the event's entry, so changes to them do not count here.
pub fn reschedules_event(action: EventAction, changes: &[FieldChange]) -> bool {
    match action {
        EventAction::Updated => changes.iter().any(|c| SCHEDULE_FIELDS.contains(&c.field.as_str())),
        EventAction::Cancelled => true,
        EventAction::Created
        | EventAction::Published
        | EventAction::DuplicatesRefused
        | EventAction::PersonalDataErased
        | EventAction::RetentionPurged
        | EventAction::PlacesChanged
        | EventAction::OutcomeRecorded
        | EventAction::ActionCreated
        | EventAction::ActionUpdated => false,
    }
}

/// Whether an entry of a registration's history changed where the person goes or whether
/// their seat holds (their calendar entry's LOCATION or STATUS), on top of the event's own
/// changes.
pub fn reschedules_registration(action: RegistrationAction) -> bool {
    match action {
        RegistrationAction::ModeChanged
        | RegistrationAction::PlaceChanged
        | RegistrationAction::Promoted
        | RegistrationAction::Cancelled
        | RegistrationAction::Offered
        | RegistrationAction::OfferAccepted
        | RegistrationAction::OfferDeclined
        | RegistrationAction::OfferExpired => true,
        RegistrationAction::Created
        | RegistrationAction::Updated
        | RegistrationAction::CheckedIn
        | RegistrationAction::CheckInUndone
        | RegistrationAction::Erased
        | RegistrationAction::ConsentChanged
        | RegistrationAction::NoShowRecorded
        | RegistrationAction::NoShowCleared
        | RegistrationAction::BarriersChanged => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::events::{OnlineDraft, OnsiteDraft};
    use chrono::TimeZone;
    use serde_json::json;

    fn roundtable() -> EventDraft {
        let starts = chrono::Utc.with_ymd_and_hms(2021, 11, 24, 9, 0, 0).unwrap();
        EventDraft {
            title: "Third regional roundtable".into(),
            description: None,
            organisation_id: uuid::Uuid::nil(),
            region: "Soria".into(),
            series: None,
            series_id: None,
            starts_at: starts,
            ends_at: starts + chrono::Duration::hours(3),
            timezone: "Europe/Madrid".into(),
            languages: vec!["es".into()],
            registration_closes_at: None,
            retention_days: None,
            online_attendance_min_minutes: None,
            contact_phone: None,
            reminders_hours_before: vec![48, 3],
            translations: Default::default(),
            waitlist_promotion: crate::domain::offers::WaitlistPromotion::Automatic,
            offer_hours: 48,
            group_reservations: Vec::new(),
            online: Some(OnlineDraft { join_url: Some("https://meet.example.org/a".into()), capacity: None }),
            onsite: Some(OnsiteDraft {
                venue_name: Some("CEPAIM Soria".into()),
                address: None,
                capacity: Some(10),
                reserved_for_physical_space_need: 3,
            }),
        }
    }

    #[test]
    fn an_unchanged_event_has_no_changes() {
        assert_eq!(event_changes(&roundtable(), &roundtable()), vec![]);
    }

    #[test]
    fn capacities_and_times_are_recorded_from_and_to() {
        let before = roundtable();
        let mut after = roundtable();
        after.onsite.as_mut().unwrap().capacity = Some(12);
        after.onsite.as_mut().unwrap().reserved_for_physical_space_need = 2;
        after.starts_at += chrono::Duration::hours(1);
        after.online.as_mut().unwrap().capacity = Some(18);
        assert_eq!(
            event_changes(&before, &after),
            vec![
                FieldChange::new("starts_at", json!("2021-11-24T09:00:00Z"), json!("2021-11-24T10:00:00Z")),
                FieldChange::new("online.capacity", json!(null), json!(18)),
                FieldChange::new("onsite.capacity", json!(10), json!(12)),
                FieldChange::new("onsite.reserved_for_physical_space_need", json!(3), json!(2)),
            ]
        );
    }

    #[test]
    fn the_join_link_and_description_are_named_but_not_copied() {
        let before = roundtable();
        let mut after = roundtable();
        after.online.as_mut().unwrap().join_url = Some("https://meet.example.org/secret".into());
        after.description = Some("Agenda".into());
        let changes = event_changes(&before, &after);
        assert_eq!(
            changes.iter().map(|c| c.field.as_str()).collect::<Vec<_>>(),
            ["description", "online.join_url"]
        );
        let text = serde_json::to_string(&changes).unwrap();
        assert!(!text.contains("secret") && !text.contains("Agenda"), "{text}");
    }

    #[test]
    fn a_change_of_time_or_venue_reschedules_the_event_and_a_change_of_seats_does_not() {
        let before = roundtable();
        let changed = |change: fn(&mut EventDraft)| {
            let mut after = roundtable();
            change(&mut after);
            reschedules_event(EventAction::Updated, &event_changes(&before, &after))
        };
        assert!(changed(|e| e.starts_at += chrono::Duration::hours(1)));
        assert!(changed(|e| e.ends_at += chrono::Duration::hours(1)));
        assert!(changed(|e| e.timezone = "Europe/Lisbon".into()));
        assert!(changed(|e| e.onsite.as_mut().unwrap().address = Some("Calle Mayor 1".into())));
        assert!(changed(|e| e.onsite.as_mut().unwrap().venue_name = None));
        assert!(changed(|e| e.onsite = None));
        assert!(!changed(|e| e.onsite.as_mut().unwrap().capacity = Some(12)));
        assert!(!changed(|e| e.title = "Fourth roundtable".into()));
        assert!(reschedules_event(EventAction::Cancelled, &[]));
        assert!(!reschedules_event(EventAction::Published, &[]));
        let place = [FieldChange::new("places.x", Value::Null, Value::from(3))];
        assert!(!reschedules_event(EventAction::PlacesChanged, &place));
    }

    #[test]
    fn a_registration_is_rescheduled_when_its_place_or_seat_changes() {
        let rescheduling: Vec<_> = RegistrationAction::ALL
            .into_iter()
            .filter(|a| reschedules_registration(*a))
            .map(|a| a.as_str())
            .collect();
        assert_eq!(
            rescheduling,
            [
                "mode_changed",
                "promoted",
                "cancelled",
                "place_changed",
                "offered",
                "offer_accepted",
                "offer_declined",
                "offer_expired"
            ]
        );
    }

    #[test]
    fn actions_read_back_what_they_write() {
        for action in RegistrationAction::ALL {
            assert_eq!(RegistrationAction::parse(action.as_str()), Some(action));
        }
        for action in EventAction::ALL {
            assert_eq!(EventAction::parse(action.as_str()), Some(action));
        }
    }
}
