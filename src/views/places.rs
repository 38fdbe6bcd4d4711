//! Request and response types for places.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::places::PlaceRow;
use crate::domain::places::{AccessibilityFeature, PlaceDraft, PlaceKind, PlacePatch};
use crate::domain::translations::{best_translation, PlaceTranslations};
use crate::views::patch::{double_option, no_null};

/// A new place of the organisation.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Centro cívico de Almazán", "kind": "hosted", "address": "Plaza Mayor 1",
    "municipality": "Almazán", "region": "Soria", "devices": 6,
    "accessibility": ["step_free", "accessible_toilet"],
    "host_organisation_id": "0193a5b0-7c1e-7d2a-9f00-1a2b3c4d5e6f",
    "contact_phone": "+34 975 000 000", "notes": "Ask for Lucía at the desk.",
    "translations": {"ar": {"name": "المركز المدني في المازان", "notes": "اسأل عن لوسيا في مكتب الاستقبال."}}}))]
pub struct CreatePlace {
    /// One line, 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200, format = "line")]
    pub name: String,
    /// `venue`: where the meeting itself happens; `hosted`: a room where people follow it
    /// online on a provided screen, with a host who helps.
    pub kind: PlaceKind,
    /// One line, up to 200 characters.
    #[serde(default)]
    #[schema(max_length = 200, format = "line-or-blank")]
    pub address: Option<String>,
    /// One line, up to 200 characters, e.g. `Almazán`.
    #[serde(default)]
    #[schema(max_length = 200, format = "line-or-blank")]
    pub municipality: Option<String>,
    /// One line, up to 200 characters, e.g. `Soria`.
    #[serde(default)]
    #[schema(max_length = 200, format = "line-or-blank")]
    pub region: Option<String>,
    /// How many people can follow online there (0 to 10000); null when not counted. Must be
    /// null for a venue (`devices_at_venue`). Events offer no more seats at a hosted place.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 10000)]
    pub devices: Option<i64>,
    /// Up to 16 features; repeats are kept once.
    #[serde(default)]
    #[schema(value_type = Vec<AccessibilityFeature>, max_items = 16)]
    pub accessibility: Vec<String>,
    /// The organisation that hosts people there (a village association, a library), when
    /// not this one; it must exist (`unknown_organisation`).
    #[serde(default)]
    pub host_organisation_id: Option<Uuid>,
    /// Digits, spaces, `+`, `-`, `(`, `)` and `.`; 6 to 20 digits. Stored as typed.
    #[serde(default)]
    #[schema(max_length = 40, format = "phone-or-blank")]
    pub contact_phone: Option<String>,
    /// Up to 1000 characters; line breaks allowed.
    #[serde(default)]
    #[schema(max_length = 1000, format = "text-or-blank")]
    pub notes: Option<String>,
    /// The name and notes in more languages, by BCP 47 tag (at most 20), each checked as
    /// `name` and `notes` are (422 under `translations.<tag>.name`); participants read the
    /// place's name in their language.
    #[serde(default)]
    pub translations: PlaceTranslations,
}

impl CreatePlace {
    pub fn into_draft(self) -> PlaceDraft {
        PlaceDraft {
            name: self.name,
            kind: self.kind,
            address: self.address,
            municipality: self.municipality,
            region: self.region,
            devices: self.devices,
            accessibility: self.accessibility,
            host_organisation_id: self.host_organisation_id,
            contact_phone: self.contact_phone,
            notes: self.notes,
            translations: self.translations,
        }
    }
}

/// Changes to a place: absent fields stay as they are; `null` clears an optional one.
/// Checked as a new place is, so a venue keeps `devices` null.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"devices": 4, "notes": null}))]
pub struct PatchPlace {
    #[serde(default, deserialize_with = "no_null")]
    #[schema(nullable = false, min_length = 1, max_length = 200, format = "line")]
    pub name: Option<String>,
    /// A hosted place becomes a venue only with `devices` null.
    #[serde(default, deserialize_with = "no_null")]
    #[schema(nullable = false)]
    pub kind: Option<PlaceKind>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 200, format = "line-or-blank")]
    pub address: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 200, format = "line-or-blank")]
    pub municipality: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 200, format = "line-or-blank")]
    pub region: Option<Option<String>>,
    /// Lowering it under the seats an event that has not ended offers there is 409
    /// `devices_below_capacity`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 10000)]
    pub devices: Option<Option<i64>>,
    /// The whole list; `[]` clears it.
    #[serde(default, deserialize_with = "no_null")]
    #[schema(value_type = Option<Vec<AccessibilityFeature>>, nullable = false, max_items = 16)]
    pub accessibility: Option<Vec<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub host_organisation_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 40, format = "phone-or-blank")]
    pub contact_phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 1000, format = "text-or-blank")]
    pub notes: Option<Option<String>>,
    /// Replaces every translation (`{}` removes them all).
    #[serde(default, deserialize_with = "no_null")]
    #[schema(nullable = false)]
    pub translations: Option<PlaceTranslations>,
}

impl PatchPlace {
    pub fn into_patch(self) -> PlacePatch {
        PlacePatch {
            name: self.name,
            kind: self.kind,
            address: self.address,
            municipality: self.municipality,
            region: self.region,
            devices: self.devices,
            accessibility: self.accessibility,
            host_organisation_id: self.host_organisation_id,
            contact_phone: self.contact_phone,
            notes: self.notes,
            translations: self.translations,
        }
    }
}

/// A place of an organisation: a venue, or a hosted place where people without a device
/// follow the meeting on a provided screen.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5b1-0000-7000-8000-000000000001", "organisation_id": "0193a5b0-7c1e-7d2a-9f00-1a2b3c4d5e6f",
    "name": "Centro cívico de Almazán", "kind": "hosted", "address": "Plaza Mayor 1",
    "municipality": "Almazán", "region": "Soria", "devices": 6,
    "accessibility": ["step_free", "accessible_toilet"], "host_organisation_id": null,
    "contact_phone": "+34 975 000 000", "notes": "Ask for Lucía at the desk.",
    "translations": {"ar": {"name": "المركز المدني في المازان", "notes": null}}, "language": null,
    "created_at": "2026-11-29T10:00:00Z", "updated_at": "2026-11-29T10:00:00Z"}))]
pub struct Place {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub name: String,
    pub kind: PlaceKind,
    pub address: Option<String>,
    pub municipality: Option<String>,
    pub region: Option<String>,
    /// How many people can follow online there; null for a venue, or when not counted.
    pub devices: Option<i32>,
    #[schema(value_type = Vec<AccessibilityFeature>)]
    pub accessibility: Vec<String>,
    pub host_organisation_id: Option<Uuid>,
    pub contact_phone: Option<String>,
    pub notes: Option<String>,
    /// The name and notes in more languages, as written.
    pub translations: PlaceTranslations,
    /// The language of `name` and `notes` when a translation was chosen for the reader's
    /// `Accept-Language` (also the answer's `Content-Language` on `GET /places/{id}`); null:
    /// as written.
    #[schema(example = json!(null))]
    pub language: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Place {
    /// The name and notes in the translation the reader prefers (`wanted`, best first, from
    /// `Accept-Language`), when there is one: `language` says which.
    pub fn localise(&mut self, wanted: &[String]) {
        let Some((tag, text)) = best_translation(&self.translations, wanted) else { return };
        (self.name, self.notes) = (text.name.clone(), text.notes.clone());
        self.language = Some(tag.to_owned());
    }
}

impl From<PlaceRow> for Place {
    fn from(row: PlaceRow) -> Self {
        let translations = row.translations();
        Self {
            id: row.id,
            organisation_id: row.organisation_id,
            name: row.name,
            kind: row.kind,
            address: row.address,
            municipality: row.municipality,
            region: row.region,
            devices: row.devices,
            accessibility: row.accessibility,
            host_organisation_id: row.host_organisation_id,
            contact_phone: row.contact_phone,
            notes: row.notes,
            translations,
            language: None,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A page of an organisation's places, newest first.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"items": [], "next_cursor": null}))]
pub struct PlaceList {
    pub items: Vec<Place>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}
