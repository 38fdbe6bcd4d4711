//! Request and response types for series.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::series::SeriesRow;
use crate::domain::series::{SeriesDraft, SeriesPatch};
use crate::views::patch::{double_option, no_null};

/// A new series of the organisation.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Plataforma regional de cooperación de Soria", "region": "Soria",
    "description": "Roundtables of migrants, refugees, NGOs and the administration, every three months."}))]
pub struct CreateSeries {
    /// One line, 1 to 200 characters; unique in the organisation whatever its case (409
    /// `series_name_taken`).
    #[schema(min_length = 1, max_length = 200, format = "line")]
    pub name: String,
    /// One line, up to 200 characters, e.g. `Soria`.
    #[serde(default)]
    #[schema(max_length = 200, format = "line-or-blank")]
    pub region: Option<String>,
    /// Up to 5000 characters; line breaks allowed.
    #[serde(default)]
    #[schema(max_length = 5000, format = "text-or-blank")]
    pub description: Option<String>,
}

impl CreateSeries {
    pub fn into_draft(self) -> SeriesDraft {
        SeriesDraft { name: self.name, region: self.region, description: self.description }
    }
}

/// Changes to a series: absent fields stay as they are; `null` clears an optional one. A new
/// name is written on every event of the series.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Plataforma regional de Soria", "description": null}))]
pub struct PatchSeries {
    /// Another series' name in the organisation (whatever its case) is 409
    /// `series_name_taken`.
    #[serde(default, deserialize_with = "no_null")]
    #[schema(nullable = false, min_length = 1, max_length = 200, format = "line")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 200, format = "line-or-blank")]
    pub region: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 5000, format = "text-or-blank")]
    pub description: Option<Option<String>>,
}

impl PatchSeries {
    pub fn into_patch(self) -> SeriesPatch {
        SeriesPatch { name: self.name, region: self.region, description: self.description }
    }
}

/// A series of an organisation: the sessions of one platform, e.g. a regional roundtable
/// that meets every few months. Its events name it in `series_id`, and its name in `series`.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5b2-0000-7000-8000-000000000001", "organisation_id": "0193a5b0-7c1e-7d2a-9f00-1a2b3c4d5e6f",
    "name": "Plataforma regional de cooperación de Soria", "region": "Soria",
    "description": "Roundtables of migrants, refugees, NGOs and the administration, every three months.",
    "created_at": "2026-11-29T10:00:00Z", "updated_at": "2026-11-29T10:00:00Z"}))]
pub struct Series {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub name: String,
    pub region: Option<String>,
    pub description: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<SeriesRow> for Series {
    fn from(row: SeriesRow) -> Self {
        Self {
            id: row.id,
            organisation_id: row.organisation_id,
            name: row.name,
            region: row.region,
            description: row.description,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A page of an organisation's series, by name.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"items": [], "next_cursor": null}))]
pub struct SeriesList {
    pub items: Vec<Series>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}
