//! Request and response types for events.

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::db::events::EventRow;
use crate::db::history::EventHistoryRow;
use crate::db::places::{EventPlaceRow, OfferedPlace};
use crate::domain::attendance::min_minutes;
use crate::domain::event_places::OfferDraft;
use crate::domain::events::{EventDraft, EventStatus, OnlineDraft, OnsiteDraft};
use crate::domain::group_reservations::GroupReservation;
use crate::domain::history::FieldChange;
use crate::domain::offers::{WaitlistPromotion, DEFAULT_OFFER_HOURS};
use crate::domain::outreach::DEFAULT_REMINDERS_HOURS_BEFORE;
use crate::domain::places::PlaceKind;
use crate::domain::seats::Seats;
use crate::domain::series::series_after_request;
use crate::domain::translations::{best_translation, EventTranslations, PlaceTranslations};
use crate::error::FieldError;
use crate::views::patch::{double_option, no_null};
use crate::views::registrations::StakeholderCategory;

/// A new event (status `draft`).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": "Third regional roundtable", "description": "Migrants' participation in forums and activities",
    "organisation_id": "0193a5b0-7c1e-7d2a-9f00-1a2b3c4d5e6f", "region": "Soria",
    "series": "Regional cooperation platform", "starts_at": "2021-11-24T10:00:00+01:00",
    "ends_at": "2021-11-24T13:00:00+01:00", "timezone": "Europe/Madrid", "languages": ["es"],
    "registration_closes_at": null,
    "online": {"join_url": "https://meet.example.org/abc", "capacity": null},
    "onsite": {"venue_name": "CEPAIM Soria", "address": "Calle Example 1, Soria", "capacity": 10,
               "reserved_for_physical_space_need": 3}}))]
pub struct CreateEvent {
    /// 1 to 200 characters.
    #[schema(max_length = 200, format = "line")]
    pub title: String,
    /// Up to 5000 characters.
    #[serde(default)]
    #[schema(max_length = 5000, format = "text-or-blank")]
    pub description: Option<String>,
    /// The organisation that owns the event; organisers may only use their own.
    pub organisation_id: Uuid,
    /// 1 to 100 characters, e.g. `Soria`.
    #[schema(max_length = 100, format = "line")]
    pub region: String,
    /// The name of its series, e.g. `Regional cooperation platform`: the organisation's
    /// series of that name (whatever its case) is joined, or created. With `series_id`, it
    /// must be that series' name (422, field code `series_mismatch`).
    #[serde(default)]
    #[schema(max_length = 200, format = "line-or-blank")]
    pub series: Option<String>,
    /// Its series (`GET /organisations/{id}/series`), one of `organisation_id` (422
    /// `unknown_series` otherwise) (an addition to the v1 contract).
    #[serde(default)]
    pub series_id: Option<Uuid>,
    /// RFC 3339 with offset.
    pub starts_at: DateTime<FixedOffset>,
    /// RFC 3339 with offset; after `starts_at`.
    pub ends_at: DateTime<FixedOffset>,
    /// IANA time zone of the venue, e.g. `Europe/Madrid`.
    #[schema(format = "time-zone")]
    pub timezone: String,
    /// BCP 47 tags of the languages spoken, e.g. `["es", "ar"]`, with subtags IANA has
    /// registered (422 `invalid_language` otherwise; the pattern says the form).
    #[serde(default)]
    #[schema(max_items = 20, format = "language-tag")]
    pub languages: Vec<String>,
    /// Registrations close then (and in any case at `starts_at`).
    #[serde(default)]
    pub registration_closes_at: Option<DateTime<FixedOffset>>,
    /// Days after the end that the participants' personal data is kept before it is purged
    /// (1 to 36500); null or absent: the organisation's `retention_days`.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 36500)]
    pub retention_days: Option<i64>,
    /// Minutes someone must attend online (by the video platform's participant list) to
    /// count as attended (1 to 1440); null or absent: a quarter of the event's length.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 1440)]
    pub online_attendance_min_minutes: Option<i64>,
    /// Whom participants call with a question, e.g. `+34 975 000 000`: printed in every
    /// message to them (`GET /outreach`).
    #[serde(default)]
    #[schema(max_length = 40, format = "phone-or-blank")]
    pub contact_phone: Option<String>,
    /// Hours before the start at which confirmed people are reminded (an outreach item
    /// each): at most 5, each 1 to 720, default `[48, 3]`; `[]`: no reminders.
    #[serde(default)]
    #[schema(max_items = 5, example = json!([48, 3]))]
    pub reminders_hours_before: Option<Vec<i64>>,
    /// The title and description in more languages, by BCP 47 tag (at most 20): readers
    /// get the one their `Accept-Language` prefers, and participants' messages the one of
    /// their language.
    #[serde(default)]
    #[schema(example = json!({"ar": {"title": "الطاولة المستديرة الإقليمية الثالثة", "description": null}}))]
    pub translations: Option<EventTranslations>,
    /// How a seat that frees up goes to the waitlist: `automatic` (default: the first waiting
    /// person is confirmed) or `offer` (they are offered it until `offer_expires_at`, and
    /// accept or decline it).
    #[serde(default)]
    pub waitlist_promotion: Option<WaitlistPromotion>,
    /// How long an offer holds the seat, in hours (1 to 720, default 48); an offer ends two
    /// hours before the start at the latest, and with less time left the seat is confirmed.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 720, example = 48)]
    pub offer_hours: Option<i64>,
    /// Seats reserved for groups of stakeholder categories (at most 4 reservations; each
    /// category in one): only the group's members may take them, beside the seats reserved
    /// for the physical-space need (an addition to the v1 contract).
    #[serde(default)]
    #[schema(max_items = 4)]
    pub group_reservations: Option<Vec<GroupReservationInput>>,
    /// Online attendance, or null when not offered.
    #[serde(default)]
    pub online: Option<OnlineInput>,
    /// Onsite attendance, or null when not offered.
    #[serde(default)]
    pub onsite: Option<OnsiteInput>,
}

/// Seats reserved for a group of stakeholder categories.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"categories": ["migrant", "refugee"], "seats": 5, "places": null}))]
pub struct GroupReservationInput {
    /// The group: one or more stakeholder categories, none of them in another reservation
    /// of the event (422, field code `category_in_two_reservations`).
    #[schema(min_items = 1, max_items = 8)]
    pub categories: Vec<StakeholderCategory>,
    /// Seats reserved in each room it holds in (1 to 1000000); with the seats reserved for
    /// the physical-space need, at most the room's capacity (422, field code
    /// `reserved_above_capacity`).
    #[schema(minimum = 1, maximum = 1000000)]
    pub seats: i64,
    /// Null or absent: the event's main venue (`onsite`). Else places the event offers
    /// (`place_id`s of its `places`; 422, field code `place_not_offered`), `seats` in each.
    #[serde(default)]
    #[schema(min_items = 1)]
    pub places: Option<Vec<Uuid>>,
}

impl GroupReservationInput {
    pub fn into_domain(self) -> GroupReservation {
        GroupReservation {
            categories: self.categories.iter().map(|c| c.as_str().to_owned()).collect(),
            seats: self.seats,
            places: self.places,
        }
    }
}

/// Seats an event reserves for a group of stakeholder categories.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"categories": ["migrant", "refugee"], "seats": 5, "places": null}))]
pub struct GroupReservationView {
    pub categories: Vec<String>,
    /// Seats reserved in each room it holds in.
    pub seats: i64,
    /// Null: the main venue; else the places of the event it holds seats in.
    pub places: Option<Vec<Uuid>>,
}

impl From<GroupReservation> for GroupReservationView {
    fn from(r: GroupReservation) -> Self {
        Self { categories: r.categories, seats: r.seats, places: r.places }
    }
}

/// Online attendance of a new event.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"join_url": "https://meet.example.org/abc", "capacity": null}))]
pub struct OnlineInput {
    /// An https URL; shown only to the event's organisers and on confirmed online registrations.
    #[serde(default)]
    #[schema(max_length = 2000, format = "https-url-or-blank")]
    pub join_url: Option<String>,
    /// Null: unlimited.
    #[serde(default)]
    pub capacity: Option<i64>,
}

/// Onsite attendance of a new event.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"venue_name": "CEPAIM Soria", "address": "Calle Example 1, Soria", "capacity": 10, "reserved_for_physical_space_need": 3}))]
pub struct OnsiteInput {
    #[serde(default)]
    #[schema(max_length = 200, format = "line-or-blank")]
    pub venue_name: Option<String>,
    #[serde(default)]
    #[schema(max_length = 500, format = "line-or-blank")]
    pub address: Option<String>,
    /// Seats in the room.
    pub capacity: i64,
    /// Seats only people without a device or internet (`needs_physical_space`) may take; ≤ capacity, default 0.
    #[serde(default)]
    pub reserved_for_physical_space_need: Option<i64>,
}

impl CreateEvent {
    pub fn into_draft(self) -> EventDraft {
        EventDraft {
            title: self.title,
            description: self.description,
            organisation_id: self.organisation_id,
            region: self.region,
            series: self.series,
            series_id: self.series_id,
            starts_at: self.starts_at.with_timezone(&Utc),
            ends_at: self.ends_at.with_timezone(&Utc),
            timezone: self.timezone,
            languages: self.languages,
            registration_closes_at: self.registration_closes_at.map(|t| t.with_timezone(&Utc)),
            retention_days: self.retention_days,
            online_attendance_min_minutes: self.online_attendance_min_minutes,
            contact_phone: self.contact_phone,
            reminders_hours_before: self
                .reminders_hours_before
                .unwrap_or_else(|| DEFAULT_REMINDERS_HOURS_BEFORE.to_vec()),
            translations: self.translations.unwrap_or_default(),
            waitlist_promotion: self.waitlist_promotion.unwrap_or_default(),
            offer_hours: self.offer_hours.unwrap_or(DEFAULT_OFFER_HOURS),
            group_reservations: self
                .group_reservations
                .unwrap_or_default()
                .into_iter()
                .map(GroupReservationInput::into_domain)
                .collect(),
            online: self.online.map(|o| OnlineDraft { join_url: o.join_url, capacity: o.capacity }),
            onsite: self.onsite.map(|o| OnsiteDraft {
                venue_name: o.venue_name,
                address: o.address,
                capacity: Some(o.capacity),
                reserved_for_physical_space_need: o.reserved_for_physical_space_need.unwrap_or(0),
            }),
        }
    }
}

/// A partial update: absent fields stay as they are; `null` clears what may be cleared
/// (`online: null` or `onsite: null` withdraws that mode while nobody is registered for it).
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"onsite": {"capacity": 12}, "registration_closes_at": "2021-11-23T18:00:00+01:00"}))]
pub struct PatchEvent {
    #[serde(default, deserialize_with = "no_null")]
    #[schema(nullable = false, max_length = 200, format = "line")]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 5000, format = "text-or-blank")]
    pub description: Option<Option<String>>,
    /// Moving an event to another organisation needs the right to manage both.
    #[serde(default, deserialize_with = "no_null")]
    #[schema(nullable = false)]
    pub organisation_id: Option<Uuid>,
    #[serde(default, deserialize_with = "no_null")]
    #[schema(nullable = false, max_length = 100, format = "line")]
    pub region: Option<String>,
    /// The name of a series of the organisation, joined or created; null detaches the
    /// event from its series.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 200, format = "line-or-blank")]
    pub series: Option<Option<String>>,
    /// A series of the organisation; null detaches the event from its series. Given with
    /// `series`, both must name the same series (or both be null). Moving the event to
    /// another organisation without either joins (or creates) the series of the same name
    /// there.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub series_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "no_null")]
    #[schema(nullable = false)]
    pub starts_at: Option<DateTime<FixedOffset>>,
    #[serde(default, deserialize_with = "no_null")]
    #[schema(nullable = false)]
    pub ends_at: Option<DateTime<FixedOffset>>,
    #[serde(default, deserialize_with = "no_null")]
    #[schema(nullable = false, format = "time-zone")]
    pub timezone: Option<String>,
    #[serde(default, deserialize_with = "no_null")]
    #[schema(nullable = false, max_items = 20, format = "language-tag")]
    pub languages: Option<Vec<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<DateTime<FixedOffset>>)]
    pub registration_closes_at: Option<Option<DateTime<FixedOffset>>>,
    /// Null: back to the organisation's `retention_days`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 36500)]
    pub retention_days: Option<Option<i64>>,
    /// Null: back to a quarter of the event's length.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 1440)]
    pub online_attendance_min_minutes: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 40, format = "phone-or-blank")]
    pub contact_phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "no_null")]
    #[schema(nullable = false, max_items = 5)]
    pub reminders_hours_before: Option<Vec<i64>>,
    /// Replaces every translation (`{}` removes them all).
    #[serde(default, deserialize_with = "no_null")]
    #[schema(nullable = false)]
    pub translations: Option<EventTranslations>,
    /// Offers already made keep their deadlines when this changes.
    #[serde(default, deserialize_with = "no_null")]
    #[schema(nullable = false)]
    pub waitlist_promotion: Option<WaitlistPromotion>,
    /// Offers already made keep their deadlines when this changes.
    #[serde(default, deserialize_with = "no_null")]
    #[schema(nullable = false, minimum = 1, maximum = 720)]
    pub offer_hours: Option<i64>,
    /// Replaces every group reservation (`[]` removes them all); 409
    /// `capacity_below_confirmed` when someone confirmed would be left without a seat they
    /// may take.
    #[serde(default, deserialize_with = "no_null")]
    #[schema(nullable = false, max_items = 4)]
    pub group_reservations: Option<Vec<GroupReservationInput>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<OnlinePatch>)]
    pub online: Option<Option<OnlinePatch>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<OnsitePatch>)]
    pub onsite: Option<Option<OnsitePatch>>,
}

/// Changes to online attendance; absent fields stay.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"capacity": 50}))]
pub struct OnlinePatch {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 2000, format = "https-url-or-blank")]
    pub join_url: Option<Option<String>>,
    /// Null: unlimited. Raising it confirms waitlisted registrations at once.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub capacity: Option<Option<i64>>,
}

/// Changes to onsite attendance; absent fields stay.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"capacity": 12, "reserved_for_physical_space_need": 4}))]
pub struct OnsitePatch {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 200, format = "line-or-blank")]
    pub venue_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 500, format = "line-or-blank")]
    pub address: Option<Option<String>>,
    /// Raising it confirms waitlisted registrations at once; below the confirmed seats is 409.
    #[serde(default, deserialize_with = "no_null")]
    #[schema(nullable = false)]
    pub capacity: Option<i64>,
    #[serde(default, deserialize_with = "no_null")]
    #[schema(nullable = false)]
    pub reserved_for_physical_space_need: Option<i64>,
}

impl PatchEvent {
    /// The stored event with this patch applied, ready to be validated like a new one; a
    /// `series` and a `series_id` that cannot name one series are refused.
    pub fn apply(self, mut draft: EventDraft) -> Result<EventDraft, FieldError> {
        let organisation_changed = self.organisation_id.is_some_and(|id| id != draft.organisation_id);
        (draft.series, draft.series_id) = series_after_request(
            (draft.series.take(), draft.series_id),
            organisation_changed,
            self.series,
            self.series_id,
        )?;
        macro_rules! set {
            ($field:ident) => {
                if let Some(value) = self.$field {
                    draft.$field = value;
                }
            };
        }
        set!(title);
        set!(description);
        set!(organisation_id);
        set!(region);
        set!(timezone);
        set!(languages);
        set!(contact_phone);
        set!(reminders_hours_before);
        set!(translations);
        set!(waitlist_promotion);
        set!(offer_hours);
        if let Some(reservations) = self.group_reservations {
            draft.group_reservations =
                reservations.into_iter().map(GroupReservationInput::into_domain).collect();
        }
        if let Some(starts_at) = self.starts_at {
            draft.starts_at = starts_at.with_timezone(&Utc);
        }
        if let Some(ends_at) = self.ends_at {
            draft.ends_at = ends_at.with_timezone(&Utc);
        }
        if let Some(closes) = self.registration_closes_at {
            draft.registration_closes_at = closes.map(|t| t.with_timezone(&Utc));
        }
        if let Some(days) = self.retention_days {
            draft.retention_days = days;
        }
        if let Some(minutes) = self.online_attendance_min_minutes {
            draft.online_attendance_min_minutes = minutes;
        }
        match self.online {
            None => {}
            Some(None) => draft.online = None,
            Some(Some(patch)) => {
                let online = draft.online.get_or_insert(OnlineDraft { join_url: None, capacity: None });
                if let Some(join_url) = patch.join_url {
                    online.join_url = join_url;
                }
                if let Some(capacity) = patch.capacity {
                    online.capacity = capacity;
                }
            }
        }
        match self.onsite {
            None => {}
            Some(None) => draft.onsite = None,
            Some(Some(patch)) => {
                let onsite = draft.onsite.get_or_insert(OnsiteDraft {
                    venue_name: None,
                    address: None,
                    capacity: None,
                    reserved_for_physical_space_need: 0,
                });
                if let Some(venue_name) = patch.venue_name {
                    onsite.venue_name = venue_name;
                }
                if let Some(address) = patch.address {
                    onsite.address = address;
                }
                if let Some(capacity) = patch.capacity {
                    onsite.capacity = Some(capacity);
                }
                if let Some(reserved) = patch.reserved_for_physical_space_need {
                    onsite.reserved_for_physical_space_need = reserved;
                }
            }
        }
        Ok(draft)
    }
}

/// `draft` (visible only to its organisers), `published`, or `cancelled`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
#[schema(example = json!("published"))]
pub enum EventStatusView {
    Draft,
    Published,
    Cancelled,
}

impl From<EventStatus> for EventStatusView {
    fn from(status: EventStatus) -> Self {
        match status {
            EventStatus::Draft => EventStatusView::Draft,
            EventStatus::Published => EventStatusView::Published,
            EventStatus::Cancelled => EventStatusView::Cancelled,
        }
    }
}

impl From<EventStatusView> for EventStatus {
    fn from(status: EventStatusView) -> Self {
        match status {
            EventStatusView::Draft => EventStatus::Draft,
            EventStatusView::Published => EventStatus::Published,
            EventStatusView::Cancelled => EventStatus::Cancelled,
        }
    }
}

/// An event with its seat counters, always equal to what the registrations say.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a5b0-7c1e-7d2a-9f00-1a2b3c4d5e6f", "title": "Third regional roundtable", "description": null, "organisation_id": "0193a5b0-7c1e-7d2a-9f00-1a2b3c4d5e60", "region": "Soria", "series": "Regional cooperation platform", "series_id": "0193a5b2-0000-7000-8000-000000000001", "starts_at": "2021-11-24T09:00:00Z", "ends_at": "2021-11-24T12:00:00Z", "timezone": "Europe/Madrid", "languages": ["es"], "status": "published", "registration_closes_at": null, "online_attendance_min_minutes": null, "effective_online_attendance_min_minutes": 45, "contact_phone": "+34 975 000 000", "reminders_hours_before": [48, 3], "waitlist_promotion": "automatic", "offer_hours": 48, "translations": {}, "language": null, "created_at": "2021-11-01T10:00:00Z", "updated_at": "2021-11-01T10:00:00Z", "online": {"capacity": null, "confirmed": 18, "waitlisted": 0, "available": null, "join_url": null}, "onsite": {"venue_name": "CEPAIM Soria", "address": null, "capacity": 10, "reserved_for_physical_space_need": 3, "confirmed": 3, "waitlisted": 0, "available": 7, "available_without_physical_space_need": 7}, "places": [], "group_reservations": [{"categories": ["migrant", "refugee"], "seats": 3, "places": null}]}))]
pub struct Event {
    pub id: Uuid,
    pub title: String,
    pub description: Option<String>,
    pub organisation_id: Uuid,
    pub region: String,
    /// The name of its series.
    pub series: Option<String>,
    /// Its series (`GET /series/{id}`); null: none (an addition to the v1 contract).
    pub series_id: Option<Uuid>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub timezone: String,
    pub languages: Vec<String>,
    pub status: EventStatusView,
    pub registration_closes_at: Option<DateTime<Utc>>,
    /// Days after the end that the participants' personal data is kept; null: the
    /// organisation's `retention_days` applies.
    pub retention_days: Option<i32>,
    /// Minutes of online attendance that count as attended, as set; null: a quarter of the
    /// event's length (an addition to the v1 contract).
    pub online_attendance_min_minutes: Option<i32>,
    /// Whom participants call with a question (an addition to the v1 contract).
    #[schema(example = "+34 975 000 000")]
    pub contact_phone: Option<String>,
    /// Hours before the start at which confirmed people are reminded, latest first.
    #[schema(example = json!([48, 3]))]
    pub reminders_hours_before: Vec<i32>,
    /// How a seat that frees up goes to the waitlist (an addition to the v1 contract).
    pub waitlist_promotion: WaitlistPromotion,
    /// How long an offer holds a seat, in hours.
    #[schema(example = 48)]
    pub offer_hours: i32,
    /// The title and description in more languages, as written.
    pub translations: EventTranslations,
    /// The language of `title` and `description` when a translation was chosen for the
    /// reader's `Accept-Language` (also the answer's `Content-Language`); null: as written.
    #[schema(example = json!(null))]
    pub language: Option<String>,
    /// The minimum that applies: `online_attendance_min_minutes`, or a quarter of the
    /// event's length (rounded up, 1 to 1440) when that is null.
    pub effective_online_attendance_min_minutes: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Null when online attendance is not offered.
    pub online: Option<OnlineView>,
    /// Null when onsite attendance is not offered. The event's main venue.
    pub onsite: Option<OnsiteView>,
    /// The places the event offers beside its main venue (hosted places near people's
    /// homes, other venues), each with its own seats, in the order they were added (an
    /// addition to the v1 contract).
    pub places: Vec<EventPlaceView>,
    /// Seats reserved for groups of stakeholder categories, in the order given (an addition
    /// to the v1 contract).
    pub group_reservations: Vec<GroupReservationView>,
}

/// A place an event offers, with its own seats.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"place_id": "0193a5c0-0000-7000-8000-000000000001", "name": "Centro cívico de Almazán",
    "kind": "hosted", "address": "Plaza Mayor 1, Almazán", "municipality": "Almazán", "region": "Soria",
    "accessibility": ["step_free"], "capacity": 4, "reserved_for_physical_space_need": 2, "confirmed": 1,
    "waitlisted": 0, "available": 3, "available_without_physical_space_need": 1, "language": null}))]
pub struct EventPlaceView {
    pub place_id: Uuid,
    /// In the translation the reader's `Accept-Language` prefers, when the place has one.
    pub name: String,
    /// The language of `name` when a translation was chosen; null: as written.
    #[schema(example = json!(null))]
    pub language: Option<String>,
    /// Kept to choose `name` by; places are read with their own translations at `GET
    /// /places/{id}`.
    #[serde(skip)]
    translations: PlaceTranslations,
    pub kind: PlaceKind,
    pub address: Option<String>,
    pub municipality: Option<String>,
    pub region: Option<String>,
    pub accessibility: Vec<String>,
    pub capacity: i32,
    /// Seats only registrations with `needs_physical_space` may take.
    pub reserved_for_physical_space_need: i32,
    /// Seats taken: confirmed registrations, and seats held by an offer (`offered`).
    pub confirmed: i32,
    /// Waiting for this place.
    pub waitlisted: i32,
    /// Free seats of any kind.
    pub available: i32,
    /// Of `available`, the seats someone without `needs_physical_space` may take.
    pub available_without_physical_space_need: i32,
}

impl EventPlaceView {
    /// The name in the translation the reader prefers (`wanted`), when the place has one.
    pub fn localise(&mut self, wanted: &[String]) {
        let Some((tag, text)) = best_translation(&self.translations, wanted) else { return };
        self.name = text.name.clone();
        self.language = Some(tag.to_owned());
    }
}

impl From<&OfferedPlace> for EventPlaceView {
    fn from(offered: &OfferedPlace) -> Self {
        let (seats, place) = (&offered.seats, &offered.place);
        let room = seats.seats().room;
        Self {
            place_id: place.id,
            name: place.name.clone(),
            language: None,
            translations: place.translations(),
            kind: place.kind,
            address: place.address.clone(),
            municipality: place.municipality.clone(),
            region: place.region.clone(),
            accessibility: place.accessibility.clone(),
            capacity: seats.capacity,
            reserved_for_physical_space_need: seats.reserved,
            confirmed: seats.confirmed,
            waitlisted: seats.waitlisted,
            available: room.free(),
            available_without_physical_space_need: room.free_unreserved(),
        }
    }
}

/// A place offered at an event, with its seats.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"place_id": "0193a5c0-0000-7000-8000-000000000001", "capacity": 4,
    "reserved_for_physical_space_need": 2}))]
pub struct OfferPlace {
    /// One of the places of the event's organisation (422 `unknown_place` otherwise).
    pub place_id: Uuid,
    /// 0 to 100000; a hosted place with `devices` seats at most that many (422
    /// `capacity_exceeds_devices`).
    pub capacity: i64,
    /// Seats only registrations with `needs_physical_space` may take; at most `capacity`.
    #[serde(default)]
    pub reserved_for_physical_space_need: i64,
}

/// New seats at a place an event offers; absent fields stay.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"capacity": 6}))]
pub struct PatchEventPlace {
    /// Below the people confirmed there: 409 `capacity_below_confirmed`; raising it confirms
    /// people waiting for the place (or accepting it) in the same transaction.
    #[serde(default, deserialize_with = "no_null")]
    #[schema(nullable = false)]
    pub capacity: Option<i64>,
    #[serde(default, deserialize_with = "no_null")]
    #[schema(nullable = false)]
    pub reserved_for_physical_space_need: Option<i64>,
}

impl PatchEventPlace {
    pub fn apply(self, current: &EventPlaceRow) -> OfferDraft {
        OfferDraft {
            capacity: self.capacity.unwrap_or(i64::from(current.capacity)),
            reserved_for_physical_space_need: self
                .reserved_for_physical_space_need
                .unwrap_or(i64::from(current.reserved)),
        }
    }
}

/// Online seats of an event.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"capacity": null, "confirmed": 18, "waitlisted": 0, "available": null, "join_url": null}))]
pub struct OnlineView {
    /// Null: unlimited.
    pub capacity: Option<i32>,
    /// Seats taken: confirmed registrations, and seats held by an offer (`offered`).
    pub confirmed: i32,
    pub waitlisted: i32,
    /// Free seats; null when unlimited.
    pub available: Option<i32>,
    /// Shown only to the event's organisers and admins; null to everyone else.
    pub join_url: Option<String>,
}

/// Onsite seats of an event.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"venue_name": "CEPAIM Soria", "address": null, "capacity": 10, "reserved_for_physical_space_need": 3, "confirmed": 3, "waitlisted": 0, "available": 7, "available_without_physical_space_need": 7}))]
pub struct OnsiteView {
    pub venue_name: Option<String>,
    pub address: Option<String>,
    pub capacity: i32,
    pub reserved_for_physical_space_need: i32,
    /// Seats taken: confirmed registrations, and seats held by an offer (`offered`).
    pub confirmed: i32,
    pub waitlisted: i32,
    /// Free seats of any kind.
    pub available: i32,
    /// Of `available`, the seats someone without `needs_physical_space` may take
    /// (an addition to the v1 contract).
    pub available_without_physical_space_need: i32,
}

impl Event {
    /// The title and description in the translation the reader prefers (`wanted`, best first,
    /// from `Accept-Language`), when there is one: `language` says which.
    /// Each place's name is chosen the same way, on its own.
    pub fn localise(&mut self, wanted: &[String]) {
        self.places.iter_mut().for_each(|place| place.localise(wanted));
        let Some((tag, text)) = best_translation(&self.translations, wanted) else { return };
        (self.title, self.description) = (text.title.clone(), text.description.clone());
        self.language = Some(tag.to_owned());
    }

    /// The event with the places it offers (`offered` may hold other events' places too).
    pub fn from_row(row: EventRow, show_join_url: bool, offered: &[OfferedPlace]) -> Self {
        let seats: Seats = row.seats();
        let status = row.status.into();
        let translations = row.translations();
        let group_reservations =
            row.group_reservations().into_iter().map(GroupReservationView::from).collect();
        Self {
            group_reservations,
            online: row.online_offered.then(|| OnlineView {
                capacity: row.online_capacity,
                confirmed: row.online_confirmed,
                waitlisted: row.online_waitlisted,
                available: seats.online_free(),
                join_url: if show_join_url { row.online_join_url.clone() } else { None },
            }),
            onsite: row.onsite_offered.then(|| OnsiteView {
                venue_name: row.onsite_venue_name.clone(),
                address: row.onsite_address.clone(),
                capacity: row.onsite_capacity.unwrap_or(0),
                reserved_for_physical_space_need: row.onsite_reserved,
                confirmed: row.onsite_confirmed,
                waitlisted: row.onsite_waitlisted,
                available: seats.onsite_free(),
                available_without_physical_space_need: seats.onsite_free_unreserved(),
            }),
            id: row.id,
            title: row.title,
            description: row.description,
            organisation_id: row.organisation_id,
            region: row.region,
            series: row.series,
            series_id: row.series_id,
            starts_at: row.starts_at,
            ends_at: row.ends_at,
            timezone: row.timezone,
            languages: row.languages,
            status,
            registration_closes_at: row.registration_closes_at,
            retention_days: row.retention_days,
            online_attendance_min_minutes: row.online_attendance_min_minutes,
            contact_phone: row.contact_phone,
            reminders_hours_before: row.reminders_hours_before,
            waitlist_promotion: row.waitlist_promotion,
            offer_hours: row.offer_hours,
            translations,
            language: None,
            effective_online_attendance_min_minutes: min_minutes(
                row.online_attendance_min_minutes,
                row.starts_at,
                row.ends_at,
            ),
            created_at: row.created_at,
            updated_at: row.updated_at,
            places: offered.iter().filter(|o| o.seats.event_id == row.id).map(EventPlaceView::from).collect(),
        }
    }
}

/// A page of events, by `starts_at` ascending.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"items": [], "next_cursor": null}))]
pub struct EventList {
    pub items: Vec<Event>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ModeFilter {
    Online,
    Onsite,
}

/// Filters of `GET /events`, ordered by `starts_at` ascending.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// Non-organisers only ever see published events.
    pub status: Option<EventStatusView>,
    pub region: Option<String>,
    /// The series' name, as events show it in `series`.
    pub series: Option<String>,
    /// Events of this series (`GET /organisations/{id}/series`); an addition to the v1
    /// contract, beside `series`.
    pub series_id: Option<Uuid>,
    pub organisation_id: Option<Uuid>,
    /// Events starting at or after this time (RFC 3339).
    pub from: Option<DateTime<FixedOffset>>,
    /// Events starting before this time (RFC 3339).
    pub to: Option<DateTime<FixedOffset>>,
    /// Events that offer this mode.
    #[param(inline)]
    pub mode: Option<ModeFilter>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// One field of an event that changed, from what to what. The join link and the description
/// are named without their values (`withheld`).
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"field": "onsite.capacity", "from": 10, "to": 12}))]
pub struct EventFieldChange {
    /// Dotted, as in the create body: `onsite.capacity`, `starts_at`, `status`.
    pub field: String,
    /// The value before (absent when withheld).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<serde_json::Value>,
    /// The value after (absent when withheld).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<serde_json::Value>,
    /// Present (true) only for fields whose values the history does not keep.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    #[schema(required = false)]
    pub withheld: bool,
}

/// One change to an event: who, when, which fields from what to what. No personal data.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"at": "2021-11-20T10:00:00Z", "action": "updated", "actor_id": "0193a5b1-2222-7ccc-8ddd-1e1f20212223",
    "actor_kind": "user", "changes": [{"field": "onsite.capacity", "from": 10, "to": 12}]}))]
pub struct EventHistoryEntry {
    pub at: DateTime<Utc>,
    /// `created`, `updated`, `published`, `cancelled`, `duplicates_refused` (registrations
    /// refused to the partner `actor_id` as duplicates in the hour from `at`; the count is
    /// `changes[0].to`), `personal_data_erased` or `retention_purged` (with the count of
    /// registrations erased), `places_changed`, `outcome_recorded`, `action_created` or
    /// `action_updated` (the outcome's topics, and each follow-up action by
    /// `actions.<id>[.<field>]`).
    pub action: String,
    pub actor_id: Option<Uuid>,
    /// `user`, `api_client`, or `system`.
    pub actor_kind: String,
    pub changes: Vec<EventFieldChange>,
}

impl TryFrom<EventHistoryRow> for EventHistoryEntry {
    type Error = serde_json::Error;

    fn try_from(row: EventHistoryRow) -> Result<Self, Self::Error> {
        let changes: Vec<FieldChange> = serde_json::from_value(row.changes)?;
        Ok(Self {
            at: row.at,
            action: row.action.as_str().to_owned(),
            actor_id: row.actor_id,
            actor_kind: row.actor_kind.as_str().to_owned(),
            changes: changes
                .into_iter()
                // A stored `null` reads back as `None`: only a withheld value is absent.
                .map(|c| EventFieldChange {
                    from: (!c.withheld).then(|| c.from.unwrap_or_default()),
                    to: (!c.withheld).then(|| c.to.unwrap_or_default()),
                    field: c.field,
                    withheld: c.withheld,
                })
                .collect(),
        })
    }
}

/// The audit trail of an event, oldest first.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"items": [{"at": "2021-11-01T10:00:00Z", "action": "created", "actor_id": "0193a5b1-2222-7ccc-8ddd-1e1f20212223",
    "actor_kind": "user", "changes": [{"field": "status", "from": null, "to": "draft"}]}]}))]
pub struct EventHistory {
    pub items: Vec<EventHistoryEntry>,
}
