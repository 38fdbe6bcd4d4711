//! Request and response types of consent purposes.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::consents::{PurposeWithVersions, VersionRow};
use crate::error::{AppError, AppResult};

/// A new consent purpose, with the texts of its version 1.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"purpose": "photos", "required": false,
    "texts": {"en": "I agree to be photographed at the event.", "es": "Acepto que me fotografíen durante el evento."}}))]
pub struct CreateConsentPurpose {
    /// A slug: a-z first, then a-z, 0-9 and single underscores, at most 40 characters
    /// (`photos`, `link_across_events`).
    #[schema(example = "photos", format = "slug")]
    pub purpose: String,
    /// Whether registering requires it (default false). `data_processing` is always
    /// required; `contact` never is.
    #[serde(default)]
    pub required: Option<bool>,
    /// The text per BCP 47 language tag, at least one, each at most 4000 characters.
    pub texts: BTreeMap<String, String>,
}

/// The texts of a purpose's next version.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"texts": {"en": "I agree to be photographed at the event and in its report.",
                                     "ar": "أوافق على التقاط صور لي خلال الفعالية."}}))]
pub struct PublishConsentTexts {
    /// The text per BCP 47 language tag, at least one, each at most 4000 characters.
    pub texts: BTreeMap<String, String>,
}

/// One version of a purpose's texts; never changed once published.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"version": 1, "texts": {"en": "I agree to be photographed at the event."}, "created_at": "2021-11-01T10:00:00Z"}))]
pub struct ConsentPurposeVersion {
    pub version: i32,
    /// The text per language tag.
    pub texts: BTreeMap<String, String>,
    pub created_at: DateTime<Utc>,
}

/// A consent purpose of an organisation, with every version of its texts (oldest first).
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"purpose": "photos", "required": false, "current_version": 1, "created_at": "2021-11-01T10:00:00Z",
    "versions": [{"version": 1, "texts": {"en": "I agree to be photographed at the event."}, "created_at": "2021-11-01T10:00:00Z"}]}))]
pub struct ConsentPurpose {
    pub purpose: String,
    /// Registering requires it (422 `consent_required` without it).
    pub required: bool,
    /// The newest version: the one to show. Registrations may name any version up to it.
    pub current_version: i32,
    pub created_at: DateTime<Utc>,
    pub versions: Vec<ConsentPurposeVersion>,
}

impl TryFrom<VersionRow> for ConsentPurposeVersion {
    type Error = AppError;

    fn try_from(row: VersionRow) -> AppResult<Self> {
        let texts = serde_json::from_value(row.texts)
            .map_err(|e| AppError::Unexpected(anyhow::anyhow!("stored consent texts: {e}")))?;
        Ok(Self { version: row.version, texts, created_at: row.created_at })
    }
}

impl TryFrom<PurposeWithVersions> for ConsentPurpose {
    type Error = AppError;

    fn try_from(found: PurposeWithVersions) -> AppResult<Self> {
        Ok(Self {
            purpose: found.purpose.purpose,
            required: found.purpose.required,
            current_version: found.purpose.current_version,
            created_at: found.purpose.created_at,
            versions: found
                .versions
                .into_iter()
                .map(ConsentPurposeVersion::try_from)
                .collect::<AppResult<_>>()?,
        })
    }
}

/// A page of an organisation's consent purposes, by key.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"items": [], "next_cursor": null}))]
pub struct ConsentPurposeList {
    pub items: Vec<ConsentPurpose>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}
