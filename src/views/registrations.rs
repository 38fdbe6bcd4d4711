//! Request and response types for registrations.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use std::collections::BTreeMap;

use crate::db::consents::ConsentRow;
use crate::db::events::EventRow;
use crate::db::history::RegistrationHistoryRow;
use crate::db::places::PlaceRow;
use crate::db::registrations::RegistrationRow;
use crate::domain::attendance::NoShowReason;
use crate::domain::barriers::{self, Barrier};
use crate::domain::consent::{may_contact, ConsentChange, ConsentGiven};
use crate::domain::places::PlaceKind;
use crate::domain::registrations::RegistrationStatus as Status;
use crate::domain::registrations::{ParticipantDraft, RegistrationDraft};
use crate::domain::seats::Mode;
use crate::domain::translations::{best_translation, PlaceTranslations};
use crate::error::AppError;
use crate::views::attendance::CheckInView;
use crate::views::patch::{double_option, no_null};

/// How the participant attends.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
#[schema(example = json!("onsite"))]
pub enum AttendanceMode {
    Online,
    Onsite,
}

impl From<AttendanceMode> for Mode {
    fn from(mode: AttendanceMode) -> Self {
        match mode {
            AttendanceMode::Online => Mode::Online,
            AttendanceMode::Onsite => Mode::Onsite,
        }
    }
}

impl From<Mode> for AttendanceMode {
    fn from(mode: Mode) -> Self {
        match mode {
            Mode::Online => AttendanceMode::Online,
            Mode::Onsite => AttendanceMode::Onsite,
        }
    }
}

/// Which kind of stakeholder the participant is.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
#[schema(example = json!("refugee"))]
pub enum StakeholderCategory {
    Migrant,
    Refugee,
    MigrantLedOrganisation,
    Ngo,
    RegionalAuthority,
    PublicAgency,
    Volunteer,
    Other,
}

impl StakeholderCategory {
    /// The vocabulary, in the contract's order.
    pub const ALL: [StakeholderCategory; 8] = [
        StakeholderCategory::Migrant,
        StakeholderCategory::Refugee,
        StakeholderCategory::MigrantLedOrganisation,
        StakeholderCategory::Ngo,
        StakeholderCategory::RegionalAuthority,
        StakeholderCategory::PublicAgency,
        StakeholderCategory::Volunteer,
        StakeholderCategory::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StakeholderCategory::Migrant => "migrant",
            StakeholderCategory::Refugee => "refugee",
            StakeholderCategory::MigrantLedOrganisation => "migrant_led_organisation",
            StakeholderCategory::Ngo => "ngo",
            StakeholderCategory::RegionalAuthority => "regional_authority",
            StakeholderCategory::PublicAgency => "public_agency",
            StakeholderCategory::Volunteer => "volunteer",
            StakeholderCategory::Other => "other",
        }
    }

    pub fn parse(value: &str) -> Self {
        serde_json::from_value(serde_json::Value::String(value.to_owned()))
            .unwrap_or(StakeholderCategory::Other)
    }
}

/// `confirmed` (has a seat), `waitlisted`, `cancelled`, or `offered` (a seat that freed up
/// is kept for them until `offer_expires_at`, on events with `waitlist_promotion: offer`;
/// an addition to the v1 contract).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
#[schema(example = json!("confirmed"))]
pub enum RegistrationStatus {
    Confirmed,
    Waitlisted,
    Cancelled,
    Offered,
}

impl From<Status> for RegistrationStatus {
    fn from(status: Status) -> Self {
        match status {
            Status::Confirmed => RegistrationStatus::Confirmed,
            Status::Waitlisted => RegistrationStatus::Waitlisted,
            Status::Cancelled => RegistrationStatus::Cancelled,
            Status::Offered => RegistrationStatus::Offered,
        }
    }
}

impl From<RegistrationStatus> for Status {
    fn from(status: RegistrationStatus) -> Self {
        match status {
            RegistrationStatus::Confirmed => Status::Confirmed,
            RegistrationStatus::Waitlisted => Status::Waitlisted,
            RegistrationStatus::Cancelled => Status::Cancelled,
            RegistrationStatus::Offered => Status::Offered,
        }
    }
}

/// The person registered. Email and phone are optional: many participants have neither.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"full_name": "Amina", "email": null, "phone": "+34 600 000 000", "preferred_language": "ar", "stakeholder_category": "refugee", "organisation_name": null}))]
pub struct ParticipantInput {
    /// 1 to 200 characters.
    #[schema(max_length = 200, format = "line")]
    pub full_name: String,
    /// Optional: many participants have none.
    #[serde(default)]
    #[schema(max_length = 254, format = "email-or-blank")]
    pub email: Option<String>,
    /// Optional; compared by its digits.
    #[serde(default)]
    #[schema(max_length = 40, format = "phone-or-blank")]
    pub phone: Option<String>,
    /// BCP 47 tag, e.g. `ar`, with subtags IANA has registered (422 `invalid_language`
    /// otherwise; the pattern says the form).
    #[serde(default)]
    #[schema(format = "language-tag-or-blank")]
    pub preferred_language: Option<String>,
    pub stakeholder_category: StakeholderCategory,
    #[serde(default)]
    #[schema(max_length = 200, format = "line-or-blank")]
    pub organisation_name: Option<String>,
}

/// What the participant agreed to, as the first contract put it: the current versions of
/// the organisation's `data_processing` and `contact` texts. Prefer `consents`, which names
/// the version of each text shown.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"data_processing": true, "contact": false}))]
pub struct Consent {
    /// Must be true.
    pub data_processing: bool,
    /// Whether the participant may be contacted after the event.
    #[serde(default)]
    pub contact: bool,
}

/// A consent purpose the participant accepted, with the version of its text they were shown
/// (`GET /organisations/{id}/consent-purposes`).
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"purpose": "contact", "version": 2}))]
pub struct ConsentGrant {
    /// The purpose's key, e.g. `data_processing`, `contact`, `photos`.
    #[schema(example = "contact")]
    pub purpose: String,
    /// The version of the purpose's text accepted (1, 2, …); older versions stay valid.
    #[schema(minimum = 1)]
    pub version: i32,
}

/// A consent a registration holds or held.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"purpose": "contact", "version": 2, "granted_at": "2021-11-20T10:00:00Z", "withdrawn_at": null}))]
pub struct RegistrationConsent {
    pub purpose: String,
    /// The version of the purpose's text accepted.
    pub version: i32,
    pub granted_at: DateTime<Utc>,
    /// When it was withdrawn; null while it holds.
    pub withdrawn_at: Option<DateTime<Utc>>,
}

impl From<ConsentRow> for RegistrationConsent {
    fn from(row: ConsentRow) -> Self {
        Self {
            purpose: row.purpose,
            version: row.version,
            granted_at: row.granted_at,
            withdrawn_at: row.withdrawn_at,
        }
    }
}

/// A change of one consent in a PATCH: `false` withdraws it, `{"version": n}` grants it at
/// version `n` of its text (anew after a withdrawal, or replacing an older version).
#[derive(Deserialize, ToSchema)]
#[serde(untagged)]
#[schema(example = json!(false))]
pub enum ConsentPatch {
    /// `false`: withdraw. (`true` is refused: name the version of the text accepted.)
    Withdraw(bool),
    Grant(ConsentVersion),
}

/// The version of a purpose's text the participant accepted.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"version": 1}))]
pub struct ConsentVersion {
    #[schema(minimum = 1)]
    pub version: i32,
}

/// A registration for one participant. Send an `Idempotency-Key` header to retry safely.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "participant": {"full_name": "Amina", "email": null, "phone": "+34 600 000 000",
                    "preferred_language": "ar", "stakeholder_category": "refugee", "organisation_name": null},
    "attendance_mode": "onsite", "needs_physical_space": true, "needs_transport": true,
    "interpretation_language": "ar", "accessibility_notes": null, "accept_online_fallback": false,
    "consents": [{"purpose": "data_processing", "version": 1}, {"purpose": "contact", "version": 1}],
    "interests": ["entrepreneurship", "women_employment"]}))]
pub struct CreateRegistration {
    pub participant: ParticipantInput,
    pub attendance_mode: AttendanceMode,
    /// No device or internet: needs a place to attend in person (requires `onsite`: the main
    /// venue or any place of the event, a hosted place meets the need as well as the venue;
    /// 422 `physical_space_required` otherwise).
    #[serde(default)]
    pub needs_physical_space: bool,
    #[serde(default)]
    pub needs_transport: bool,
    /// BCP 47 tag of the language to interpret into, with subtags IANA has registered (422
    /// `invalid_language` otherwise; the pattern says the form).
    #[serde(default)]
    #[schema(format = "language-tag-or-blank")]
    pub interpretation_language: Option<String>,
    /// Up to 1000 characters; erased with the personal data.
    #[serde(default)]
    #[schema(max_length = 1000, format = "text-or-blank")]
    pub accessibility_notes: Option<String>,
    /// When onsite is full, take a free online seat instead of waiting.
    #[serde(default)]
    pub accept_online_fallback: bool,
    /// The first contract's form of consent; give either this or `consents` (422
    /// `consent_required` with neither, `validation_failed` with both).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub consent: Option<Consent>,
    /// The consent purposes accepted, each with the version of the text shown; must include
    /// `data_processing` and every purpose the organisation requires (422
    /// `consent_required`); 422 `unknown_consent_purpose` / `unknown_consent_version` for a
    /// purpose or version the organisation does not have.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub consents: Option<Vec<ConsentGrant>>,
    /// Up to 10 snake_case topics.
    #[serde(default)]
    #[schema(max_items = 10, format = "slug")]
    pub interests: Vec<String>,
    /// The place of the event to attend (`onsite` only, 422 `place_requires_onsite`
    /// otherwise); absent or null: the event's main venue (the `onsite` block). 422
    /// `place_not_offered` for a place the event does not offer.
    #[serde(default)]
    pub place_id: Option<Uuid>,
    /// Other places of the event the person could reach, in order of preference (at most
    /// 10): when the place asked for is full, the first of them with a seat is given before
    /// the online fallback; a seat freed at any of them later goes to the person too.
    #[serde(default)]
    pub acceptable_place_ids: Vec<Uuid>,
    /// Links this registration to the person's others in the event's organisation, for the
    /// series report's returning participants; only with the `link_across_events` consent
    /// (422 `link_consent_required` otherwise). Either the code on the person's card
    /// (`person_code`, `P-XXXX-XXXX`, any case; 422 `unknown_person_code` when the
    /// organisation has no such person) or the partner's own stable reference for the person
    /// (one line, up to 200 characters), which is stored only as a keyed hash. With the
    /// consent and no `person_ref`, the email, else the phone, links the person.
    #[serde(default)]
    #[schema(max_length = 200, example = "P-7K3M-Q9TX")]
    pub person_ref: Option<String>,
    /// What keeps the person from taking part, each barrier once, with where it stands and
    /// what was arranged (an addition to the v1 contract). `needs_transport: true` raises a
    /// `transport` barrier and `needs_physical_space: true` a `digital_gap` one when they are
    /// not listed; a listed `transport` barrier sets `needs_transport`.
    #[serde(default)]
    #[schema(max_items = 10)]
    pub barriers: Vec<Barrier>,
}

impl CreateRegistration {
    /// The consent given, in one of the two forms; neither or both is 422.
    fn consent_given(&self) -> Result<ConsentGiven, AppError> {
        match (&self.consent, &self.consents) {
            (Some(consent), None) => Ok(ConsentGiven::Booleans {
                data_processing: consent.data_processing,
                contact: consent.contact,
            }),
            (None, Some(consents)) => Ok(ConsentGiven::PerPurpose(
                consents.iter().map(|c| (c.purpose.clone(), c.version)).collect(),
            )),
            (None, None) => Err(AppError::invalid(
                "consent_required",
                "consents",
                "give the consents accepted (or the first contract's `consent`)",
            )),
            (Some(_), Some(_)) => Err(AppError::validation(vec![crate::error::FieldError::new(
                "consent",
                "conflicting_consent",
                "give either `consent` or `consents`, not both",
            )])),
        }
    }

    pub fn to_draft(&self) -> Result<RegistrationDraft, AppError> {
        Ok(RegistrationDraft {
            participant: ParticipantDraft {
                full_name: self.participant.full_name.clone(),
                email: self.participant.email.clone(),
                phone: self.participant.phone.clone(),
                preferred_language: self.participant.preferred_language.clone(),
                organisation_name: self.participant.organisation_name.clone(),
            },
            attendance_mode: self.attendance_mode.into(),
            needs_physical_space: self.needs_physical_space,
            needs_transport: self.needs_transport,
            interpretation_language: self.interpretation_language.clone(),
            accessibility_notes: self.accessibility_notes.clone(),
            accept_online_fallback: self.accept_online_fallback,
            consent: self.consent_given()?,
            interests: self.interests.clone(),
            place_id: self.place_id,
            acceptable_place_ids: self.acceptable_place_ids.clone(),
            person_ref: self.person_ref.clone(),
            barriers: self.barriers.clone(),
        })
    }
}

/// A partial update: absent fields stay as they are; `null` clears optional ones.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"attendance_mode": "online", "needs_transport": false}))]
pub struct PatchRegistration {
    /// A change needs a free seat in the new mode (409 `capacity_full` otherwise).
    #[serde(default, deserialize_with = "no_null")]
    #[schema(nullable = false)]
    pub attendance_mode: Option<AttendanceMode>,
    #[serde(default, deserialize_with = "no_null")]
    #[schema(nullable = false)]
    pub needs_physical_space: Option<bool>,
    #[serde(default, deserialize_with = "no_null")]
    #[schema(nullable = false)]
    pub needs_transport: Option<bool>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = "language-tag-or-blank")]
    pub interpretation_language: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 1000, format = "text-or-blank")]
    pub accessibility_notes: Option<Option<String>>,
    #[serde(default, deserialize_with = "no_null")]
    #[schema(nullable = false)]
    pub participant: Option<ParticipantPatch>,
    /// Move to this place of the event (onsite), or `null` for the main venue: atomic, 409
    /// `capacity_full` when a confirmed registration finds no seat there (nothing changes).
    /// A registration that turns `online` leaves its place unless one is given (422).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub place_id: Option<Option<Uuid>>,
    /// Replaces the acceptable places (order of preference).
    #[serde(default, deserialize_with = "no_null")]
    #[schema(nullable = false)]
    pub acceptable_place_ids: Option<Vec<Uuid>>,
    /// Consents to withdraw or grant, by purpose: `{"contact": false, "photos": {"version":
    /// 1}}`. Each change is a line of the history (`consent_changed`) and a
    /// `registration.consent_changed` message. Withdrawing `data_processing` withdraws every
    /// consent and erases the personal data, as `DELETE /registrations/{id}/personal-data`
    /// does (reports still count the registration).
    #[serde(default, deserialize_with = "no_null")]
    #[schema(nullable = false)]
    pub consents: Option<BTreeMap<String, ConsentPatch>>,
    /// Replaces the barriers (`[]`: none). Each change is a line of the history
    /// (`barriers_changed`). `needs_transport` follows the transport barrier; dropping the
    /// `digital_gap` barrier while `needs_physical_space` stays true is 422
    /// `barriers_contradict_needs`, as is listing `transport` with `needs_transport: false`.
    #[serde(default, deserialize_with = "no_null")]
    #[schema(nullable = false, max_items = 10)]
    pub barriers: Option<Vec<Barrier>>,
}

/// Changes to the participant; absent fields stay, `null` clears optional ones.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"phone": "+34 600 000 001"}))]
pub struct ParticipantPatch {
    #[serde(default, deserialize_with = "no_null")]
    #[schema(nullable = false, max_length = 200, format = "line")]
    pub full_name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 254, format = "email-or-blank")]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 40, format = "phone-or-blank")]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = "language-tag-or-blank")]
    pub preferred_language: Option<Option<String>>,
    #[serde(default, deserialize_with = "no_null")]
    #[schema(nullable = false)]
    pub stakeholder_category: Option<StakeholderCategory>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 200, format = "line-or-blank")]
    pub organisation_name: Option<Option<String>>,
}

/// The person registered; personal fields read null after erasure.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"full_name": "Amina", "email": null, "phone": "+34 600 000 000", "preferred_language": "ar", "stakeholder_category": "refugee", "organisation_name": null}))]
pub struct ParticipantView {
    /// Null after the personal data was erased.
    pub full_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub preferred_language: Option<String>,
    pub stakeholder_category: StakeholderCategory,
    pub organisation_name: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5b0-7c1e-7d2a-9f00-1a2b3c4d5e70", "event_id": "0193a5b0-7c1e-7d2a-9f00-1a2b3c4d5e6f",
    "status": "waitlisted", "attendance_mode": "onsite", "needs_physical_space": true, "needs_transport": true,
    "interpretation_language": "ar", "accessibility_notes": null, "interests": ["entrepreneurship"],
    "participant": {"full_name": "Amina", "email": null, "phone": "+34 600 000 000", "preferred_language": "ar",
                    "stakeholder_category": "refugee", "organisation_name": null},
    "waitlist_position": 1, "offer_expires_at": null, "fallback_applied": false, "join_url": null, "checked_in_at": null,
    "check_in": null, "no_show_reason": null, "created_by": "0193a5b0-7c1e-7d2a-9f00-1a2b3c4d5e71", "created_at": "2021-11-20T10:00:00Z",
    "updated_at": "2021-11-20T10:00:00Z", "accept_online_fallback": false, "personal_data_erased_at": null,
    "consents": [{"purpose": "data_processing", "version": 1, "granted_at": "2021-11-20T10:00:00Z", "withdrawn_at": null}],
    "may_contact": false, "place_id": "0193a5c0-0000-7000-8000-000000000001", "acceptable_place_ids": [],
    "place": {"id": "0193a5c0-0000-7000-8000-000000000001", "kind": "hosted", "name": "Centro cívico de Almazán",
              "address": "Plaza Mayor 1", "municipality": "Almazán", "contact_phone": "+34 975 000 000",
              "language": null}, "person_code": null,
    "barriers": [{"barrier": "transport", "status": "arranged", "arranged": ["transport_booked"]},
                 {"barrier": "digital_gap", "status": "raised", "arranged": []}]}))]
/// A registration for one participant of one event.
pub struct Registration {
    pub id: Uuid,
    pub event_id: Uuid,
    pub status: RegistrationStatus,
    pub attendance_mode: AttendanceMode,
    pub needs_physical_space: bool,
    pub needs_transport: bool,
    pub interpretation_language: Option<String>,
    pub accessibility_notes: Option<String>,
    pub interests: Vec<String>,
    pub participant: ParticipantView,
    /// 1-based place in the waitlist of its mode; only while waitlisted.
    pub waitlist_position: Option<i64>,
    /// Until when the seat offered is kept, while `status` is `offered`: accept it (`POST
    /// /registrations/{id}/accept-offer`) before then (an addition to the v1 contract).
    #[schema(example = json!(null))]
    pub offer_expires_at: Option<DateTime<Utc>>,
    /// Confirmed online because onsite was full and the participant accepted the fallback.
    pub fallback_applied: bool,
    /// The event's join link, only on a confirmed online registration.
    pub join_url: Option<String>,
    /// When the participant was checked in; the same time as `check_in.at`.
    pub checked_in_at: Option<DateTime<Utc>>,
    /// The check-in with its source and minutes; null when not checked in (an addition to
    /// the v1 contract).
    pub check_in: Option<CheckInView>,
    /// Why a confirmed participant did not attend, once recorded after the event (`PUT
    /// /registrations/{id}/no-show`); null otherwise (an addition to the v1 contract).
    pub no_show_reason: Option<NoShowReason>,
    /// The user or API client that made the registration.
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// An addition to the v1 contract.
    pub accept_online_fallback: bool,
    /// When the personal data was erased (an addition to the v1 contract).
    pub personal_data_erased_at: Option<DateTime<Utc>>,
    /// The consents it holds or held, by purpose (an addition to the v1 contract).
    pub consents: Vec<RegistrationConsent>,
    /// Whether the participant may be sent messages: `contact` is granted and not
    /// withdrawn, and the personal data is not erased (`domain::consent::may_contact`).
    pub may_contact: bool,
    /// The place of the event it attends or waits for; null: the main venue, or online (an
    /// addition to the v1 contract).
    pub place_id: Option<Uuid>,
    /// Other places of the event the person could reach, in order of preference.
    pub acceptable_place_ids: Vec<Uuid>,
    /// Where the person goes (or would go, while waitlisted or once cancelled): the place of
    /// `place_id`, or the event's main venue (`id` null); null for online attendance, whose
    /// way in is `join_url`. Also as a calendar entry: `GET /registrations/{id}/calendar.ics`.
    pub place: Option<RegistrationPlace>,
    /// The person's code in the event's organisation (`P-XXXX-XXXX`), printed on their card:
    /// given as `person_ref` at their next registration, it links the two for the series
    /// report. Null without the `link_across_events` consent, once it is withdrawn, and once
    /// the personal data is erased (an addition to the v1 contract).
    #[schema(example = "P-7K3M-Q9TX")]
    pub person_code: Option<String>,
    /// What keeps the person from taking part, in the vocabulary's order (an addition to the
    /// v1 contract); kept after erasure, as the needs are, for the reports.
    pub barriers: Vec<Barrier>,
}

/// Where an onsite registration attends.
#[derive(Serialize, ToSchema, Debug, PartialEq)]
#[schema(example = json!({"id": "0193a5c0-0000-7000-8000-000000000001", "kind": "hosted",
    "name": "Centro cívico de Almazán", "address": "Plaza Mayor 1", "municipality": "Almazán",
    "contact_phone": "+34 975 000 000", "language": null}))]
pub struct RegistrationPlace {
    /// The place of the organisation; null for the event's main venue (its `onsite` block).
    pub id: Option<Uuid>,
    /// `venue` for the main venue.
    pub kind: PlaceKind,
    /// Null only for a main venue the event gives no name. A place's name is in the
    /// translation the reader's `Accept-Language` prefers, when it has one.
    pub name: Option<String>,
    pub address: Option<String>,
    /// Null for the main venue, whose address says it.
    pub municipality: Option<String>,
    /// Whom to call there; null for the main venue.
    pub contact_phone: Option<String>,
    /// The language of `name` when a translation was chosen; null: as written.
    #[schema(example = json!(null))]
    pub language: Option<String>,
    /// The place's, to choose `name` by.
    #[serde(skip)]
    pub translations: PlaceTranslations,
}

/// The event's join link as a registration may show it: only once confirmed online.
pub fn join_url<'e>(row: &RegistrationRow, event: &'e EventRow) -> Option<&'e str> {
    (row.status == Status::Confirmed && row.attendance_mode == Mode::Online)
        .then_some(event.online_join_url.as_deref())
        .flatten()
}

/// A place's address with its municipality, unless the address names it already.
pub fn full_address(address: Option<&str>, municipality: Option<&str>) -> Option<String> {
    let municipality = municipality.filter(|m| !address.is_some_and(|a| a.contains(m)));
    let parts: Vec<&str> = [address, municipality].into_iter().flatten().collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

impl RegistrationPlace {
    /// The address and municipality, as [`full_address`] writes them.
    pub fn full_address(&self) -> Option<String> {
        full_address(self.address.as_deref(), self.municipality.as_deref())
    }

    /// The name in the translation a reader who ranks languages as `wanted` (best first)
    /// reads best, when the place has one: `language` says which. The main venue's name is
    /// the event's, as written.
    pub fn localise(&mut self, wanted: &[String]) {
        let Some((tag, text)) = best_translation(&self.translations, wanted) else { return };
        self.name = Some(text.name.clone());
        self.language = Some(tag.to_owned());
    }

    /// Where `row` attends: `place` must be the place of its `place_id` (when it has one).
    pub fn of(row: &RegistrationRow, event: &EventRow, place: Option<&PlaceRow>) -> Option<Self> {
        if row.attendance_mode == Mode::Online {
            return None;
        }
        match row.place_id {
            None => Some(Self {
                id: None,
                kind: PlaceKind::Venue,
                name: event.onsite_venue_name.clone(),
                address: event.onsite_address.clone(),
                municipality: None,
                contact_phone: None,
                language: None,
                translations: PlaceTranslations::default(),
            }),
            Some(id) => {
                let place = place.filter(|place| place.id == id);
                debug_assert!(place.is_some(), "a registration at a place is read with its place");
                place.map(|place| Self {
                    id: Some(place.id),
                    kind: place.kind,
                    name: Some(place.name.clone()),
                    address: place.address.clone(),
                    municipality: place.municipality.clone(),
                    contact_phone: place.contact_phone.clone(),
                    language: None,
                    translations: place.translations(),
                })
            }
        }
    }
}

impl Registration {
    /// The place's name as a reader who ranks languages as `wanted` reads it
    /// ([`RegistrationPlace::localise`]); the rest of a registration is the participant's own
    /// words, or codes.
    pub fn localise(&mut self, wanted: &[String]) {
        if let Some(place) = self.place.as_mut() {
            place.localise(wanted);
        }
    }

    /// The registration of `event`; `place` is the place of its `place_id`, when it has one.
    pub fn from_row(
        row: RegistrationRow,
        waitlist_position: Option<i64>,
        event: &EventRow,
        place: Option<&PlaceRow>,
        consents: Vec<ConsentRow>,
    ) -> Self {
        let place_view = RegistrationPlace::of(&row, event, place);
        let join_url = join_url(&row, event).map(str::to_owned);
        let held: Vec<_> = consents.iter().map(ConsentRow::held).collect();
        let may_contact = may_contact(row.erased_at.is_some(), &held);
        let status = RegistrationStatus::from(row.status);
        let mode = row.attendance_mode;
        let check_in = row.check_in().map(CheckInView::from);
        Self {
            id: row.id,
            event_id: row.event_id,
            status,
            attendance_mode: mode.into(),
            needs_physical_space: row.needs_physical_space,
            needs_transport: row.needs_transport,
            interpretation_language: row.interpretation_language,
            accessibility_notes: row.accessibility_notes,
            interests: row.interests,
            participant: ParticipantView {
                full_name: row.full_name,
                email: row.email,
                phone: row.phone,
                preferred_language: row.preferred_language,
                stakeholder_category: StakeholderCategory::parse(&row.stakeholder_category),
                organisation_name: row.organisation_name,
            },
            waitlist_position: if status == RegistrationStatus::Waitlisted {
                waitlist_position
            } else {
                None
            },
            offer_expires_at: row.offer_expires_at,
            fallback_applied: row.fallback_applied,
            join_url,
            checked_in_at: row.checked_in_at,
            check_in,
            no_show_reason: row.no_show_reason,
            created_by: row.created_by,
            created_at: row.created_at,
            updated_at: row.updated_at,
            accept_online_fallback: row.accept_online_fallback,
            personal_data_erased_at: row.erased_at,
            consents: consents.into_iter().map(RegistrationConsent::from).collect(),
            may_contact,
            place_id: row.place_id,
            acceptable_place_ids: row.acceptable_place_ids,
            place: place_view,
            person_code: row.person_code,
            barriers: row.barriers.0,
        }
    }
}

/// A page of registrations, oldest first.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"items": [], "next_cursor": null}))]
pub struct RegistrationList {
    pub items: Vec<Registration>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// Filters of `GET /events/{id}/registrations`, oldest first.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegistrationQuery {
    pub status: Option<RegistrationStatus>,
    pub mode: Option<AttendanceMode>,
    pub needs_physical_space: Option<bool>,
    /// Only those at (or waiting for) this place of the event: the list its host checks
    /// people in from.
    pub place_id: Option<Uuid>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// One change to a registration; no personal data.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"at": "2021-11-21T09:00:00Z", "action": "promoted", "actor_id": null, "actor_kind": "system",
                          "old_status": "waitlisted", "new_status": "confirmed", "old_mode": "onsite", "new_mode": "onsite", "changes": []}))]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    /// `created`, `promoted`, `mode_changed`, `cancelled`, `checked_in`, `check_in_undone`,
    /// `erased`, `consent_changed` or `updated`.
    pub action: String,
    pub actor_id: Option<Uuid>,
    /// `user`, `api_client`, or `system`.
    pub actor_kind: String,
    pub old_status: Option<String>,
    pub new_status: String,
    pub old_mode: Option<String>,
    pub new_mode: String,
    /// What else changed, as `{field, from, to}`: for `consent_changed`, the field
    /// `consents.<purpose>` from the version held before to the version held after (null:
    /// none held, so `to: null` is a withdrawal); for `place_changed`, `place_id`; for
    /// `checked_in` and `check_in_undone`, `check_in` (`{at, source, minutes}`, null: none),
    /// and `no_show_reason` when a check-in clears one. Empty for the other actions.
    #[schema(value_type = Vec<HistoryChange>)]
    pub changes: serde_json::Value,
}

/// One thing a history entry changed.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"field": "consents.contact", "from": 1, "to": null}))]
pub struct HistoryChange {
    pub field: String,
    /// The value before: for a consent, the version held (null: none); for `check_in`, the
    /// check-in undone.
    pub from: serde_json::Value,
    /// The value after: for a consent, the version held (null: none, withdrawn); for
    /// `check_in`, the check-in made.
    pub to: serde_json::Value,
}

impl From<RegistrationHistoryRow> for HistoryEntry {
    fn from(row: RegistrationHistoryRow) -> Self {
        Self {
            at: row.at,
            action: row.action.as_str().to_owned(),
            actor_id: row.actor_id,
            actor_kind: row.actor_kind.as_str().to_owned(),
            old_status: row.old_status.map(|s| s.as_str().to_owned()),
            new_status: row.new_status.as_str().to_owned(),
            old_mode: row.old_mode.map(|m| m.as_str().to_owned()),
            new_mode: row.new_mode.as_str().to_owned(),
            changes: row.changes,
        }
    }
}

/// The audit trail of a registration, oldest first.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"items": [{"at": "2021-11-20T10:00:00Z", "action": "created", "actor_id": null, "actor_kind": "api_client", "old_status": null, "new_status": "waitlisted", "old_mode": null, "new_mode": "onsite", "changes": []}]}))]
pub struct History {
    pub items: Vec<HistoryEntry>,
}

impl PatchRegistration {
    /// Whether the patch changes anything but consents (an empty patch counts as one that
    /// does, as it always has: it is answered and recorded as an update).
    pub fn touches_fields(&self) -> bool {
        self.consents.is_none()
            || self.attendance_mode.is_some()
            || self.needs_physical_space.is_some()
            || self.needs_transport.is_some()
            || self.interpretation_language.is_some()
            || self.accessibility_notes.is_some()
            || self.participant.is_some()
            || self.place_id.is_some()
            || self.acceptable_place_ids.is_some()
            || self.barriers.is_some()
    }

    /// Takes the consent changes out of the patch: 422 for `true`, which names no version.
    pub fn take_consents(&mut self) -> Result<Vec<(String, ConsentChange)>, AppError> {
        let Some(consents) = self.consents.take() else { return Ok(Vec::new()) };
        let mut problems = crate::domain::text::Problems::default();
        let mut asked = Vec::new();
        for (purpose, change) in consents {
            match change {
                ConsentPatch::Withdraw(false) => asked.push((purpose, ConsentChange::Withdraw)),
                ConsentPatch::Withdraw(true) => problems.add(
                    format!("consents.{purpose}"),
                    "consent_version_required",
                    "grant with the version of the text accepted: {\"version\": n}",
                ),
                ConsentPatch::Grant(ConsentVersion { version }) => {
                    asked.push((purpose, ConsentChange::Grant { version }))
                }
            }
        }
        if !problems.is_empty() {
            return Err(AppError::validation(problems.0));
        }
        Ok(asked)
    }

    /// The stored registration with this patch applied and checked.
    pub fn merge(
        self,
        row: &RegistrationRow,
    ) -> Result<crate::db::registrations::RegistrationChanges, crate::error::AppError> {
        use crate::domain::registrations::{
            check_needs, check_participant, check_places, problems_to_error, ParticipantDraft,
        };
        use crate::domain::text::Problems;

        let participant = self.participant.unwrap_or_default();
        let touches_personal_data = participant.full_name.is_some()
            || participant.email.is_some()
            || participant.phone.is_some()
            || participant.organisation_name.is_some()
            || matches!(self.accessibility_notes, Some(Some(_)));
        if row.erased_at.is_some() && touches_personal_data {
            return Err(crate::domain::refusal::Refusal::PersonalDataErased.into());
        }
        let mode = self.attendance_mode.map(Mode::from).unwrap_or(row.attendance_mode);
        let needs_physical_space = self.needs_physical_space.unwrap_or(row.needs_physical_space);
        let mut problems = Problems::default();
        // Turning online leaves the places behind, unless the patch names one (then 422).
        let (place_id, acceptable) = match (mode, self.place_id, self.acceptable_place_ids) {
            (Mode::Online, None, None) => (None, Vec::new()),
            (_, place, acceptable) => (
                place.unwrap_or(row.place_id),
                acceptable.unwrap_or_else(|| row.acceptable_place_ids.clone()),
            ),
        };
        let acceptable_place_ids = check_places(&mut problems, mode, place_id, acceptable);
        let asked = barriers::Asked {
            barriers: self.barriers.map(|listed| barriers::check(&mut problems, listed)),
            needs_physical_space: self.needs_physical_space,
            needs_transport: self.needs_transport,
        };
        let (barriers, needs_transport) =
            barriers::reconcile(&mut problems, asked, &row.barriers, needs_physical_space);
        let (interpretation_language, accessibility_notes) = check_needs(
            &mut problems,
            mode,
            needs_physical_space,
            self.interpretation_language.unwrap_or_else(|| row.interpretation_language.clone()),
            self.accessibility_notes.unwrap_or_else(|| row.accessibility_notes.clone()),
        );
        let stakeholder_category = participant
            .stakeholder_category
            .map(|c| c.as_str().to_owned())
            .unwrap_or_else(|| row.stakeholder_category.clone());
        let (full_name, email, phone, organisation_name, preferred_language) = if row.erased_at.is_some() {
            let language = participant.preferred_language.unwrap_or_else(|| row.preferred_language.clone());
            (None, None, None, None, language)
        } else {
            let checked = check_participant(
                &mut problems,
                ParticipantDraft {
                    full_name: participant.full_name.or_else(|| row.full_name.clone()).unwrap_or_default(),
                    email: participant.email.unwrap_or_else(|| row.email.clone()),
                    phone: participant.phone.unwrap_or_else(|| row.phone.clone()),
                    preferred_language: participant
                        .preferred_language
                        .unwrap_or_else(|| row.preferred_language.clone()),
                    organisation_name: participant
                        .organisation_name
                        .unwrap_or_else(|| row.organisation_name.clone()),
                },
            );
            (
                Some(checked.full_name),
                checked.email,
                checked.phone,
                checked.organisation_name,
                checked.preferred_language,
            )
        };
        if !problems.is_empty() {
            return Err(problems_to_error(problems.0));
        }
        Ok(crate::db::registrations::RegistrationChanges {
            attendance_mode: mode,
            needs_physical_space,
            needs_transport,
            interpretation_language,
            accessibility_notes,
            full_name,
            email_normalised: email.as_ref().map(|e| e.normalised()),
            email: email.map(|e| e.as_str().to_owned()),
            phone_digits: phone.as_ref().map(|p| p.digits().to_owned()),
            phone: phone.map(|p| p.as_str().to_owned()),
            organisation_name,
            preferred_language,
            stakeholder_category,
            place_id,
            acceptable_place_ids,
            barriers,
        })
    }
}
