//! Request and response types for auth, organisations, users and API clients.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::{PrincipalKind, Role};
use crate::db::accounts::{ApiClientRow, OrganisationRow, UserRow};
use crate::db::trusts::TrustedRow;

/// A person's credentials.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "organiser@cepaim.example", "password": "a long passphrase"}))]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// A partner program's credentials (an API client).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"client_id": "hec_3f1c…", "client_secret": "…"}))]
pub struct TokenRequest {
    /// The public id of the API client.
    pub client_id: String,
    /// The secret shown once when the client was created.
    pub client_secret: String,
}

/// An access token.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"access_token": "eyJhbGciOiJIUzI1NiJ9…", "token_type": "Bearer", "expires_in": 3600}))]
pub struct TokenResponse {
    /// An HS256 JWT to send as `Authorization: Bearer <token>`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the token expires.
    pub expires_in: u64,
}

/// Who the token belongs to.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a5b1-2222-7ccc-8ddd-1e1f20212223", "kind": "user", "role": "organiser",
    "organisation_id": "0193a5b0-7c1e-7d2a-9f00-1a2b3c4d5e6f", "email": "organiser@cepaim.example"}))]
pub struct Me {
    pub id: Uuid,
    pub kind: PrincipalKind,
    pub role: Role,
    pub organisation_id: Option<Uuid>,
    /// The user's email; null for API clients.
    pub email: Option<String>,
}

/// What kind of body an organisation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(example = "ngo")]
pub enum OrganisationKind {
    RegionalAuthority,
    PublicAgency,
    Ngo,
    MigrantLedOrganisation,
    InternationalOrganisation,
    VolunteerGroup,
    Other,
}

impl OrganisationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OrganisationKind::RegionalAuthority => "regional_authority",
            OrganisationKind::PublicAgency => "public_agency",
            OrganisationKind::Ngo => "ngo",
            OrganisationKind::MigrantLedOrganisation => "migrant_led_organisation",
            OrganisationKind::InternationalOrganisation => "international_organisation",
            OrganisationKind::VolunteerGroup => "volunteer_group",
            OrganisationKind::Other => "other",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(value.to_owned())).ok()
    }
}

/// A new organisation.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Fundación CEPAIM", "kind": "ngo"}))]
pub struct CreateOrganisation {
    /// Unique, case-insensitively; 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200, format = "line")]
    pub name: String,
    pub kind: OrganisationKind,
}

/// An organisation that runs events or registers participants, with its privacy settings.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a5b0-7c1e-7d2a-9f00-1a2b3c4d5e6f", "name": "Fundación CEPAIM", "kind": "ngo",
    "created_at": "2026-11-29T10:00:00Z", "report_suppress_below": 5, "retention_days": 365}))]
pub struct Organisation {
    pub id: Uuid,
    pub name: String,
    pub kind: OrganisationKind,
    pub created_at: DateTime<Utc>,
    /// The small-count threshold its event reports use by default (1 to 1000); null: none.
    pub report_suppress_below: Option<i32>,
    /// Days after an event ends that its participants' personal data is kept before it is
    /// purged (1 to 36500, default 365), unless the event sets its own `retention_days`.
    pub retention_days: i32,
}

impl From<OrganisationRow> for Organisation {
    fn from(row: OrganisationRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            kind: OrganisationKind::parse(&row.kind).unwrap_or(OrganisationKind::Other),
            created_at: row.created_at,
            report_suppress_below: row.report_suppress_below,
            retention_days: row.retention_days,
        }
    }
}

/// Changes to an organisation's privacy settings; absent fields stay as they are.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"report_suppress_below": 5, "retention_days": 180}))]
pub struct PatchOrganisation {
    /// 1 to 1000: counts below it are hidden in its events' reports unless a report asks for
    /// a threshold itself; null clears it.
    #[serde(default, deserialize_with = "crate::views::patch::double_option")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 1000)]
    pub report_suppress_below: Option<Option<i64>>,
    /// 1 to 36500 days after an event ends.
    #[serde(default, deserialize_with = "crate::views::patch::no_null")]
    #[schema(nullable = false, minimum = 1, maximum = 36500)]
    pub retention_days: Option<i64>,
}

/// A page of organisations, newest first.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"items": [{"id": "0193a5b0-7c1e-7d2a-9f00-1a2b3c4d5e6f", "name": "Fundación CEPAIM", "kind": "ngo",
    "created_at": "2026-11-29T10:00:00Z", "report_suppress_below": 5, "retention_days": 365}], "next_cursor": null}))]
pub struct OrganisationList {
    pub items: Vec<Organisation>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// The role of a person: `admin`, or `organiser` of one organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(example = "organiser")]
pub enum UserRole {
    Admin,
    Organiser,
}

impl UserRole {
    pub fn as_str(self) -> &'static str {
        Role::from(self).as_str()
    }
}

impl From<UserRole> for Role {
    fn from(role: UserRole) -> Self {
        match role {
            UserRole::Admin => Role::Admin,
            UserRole::Organiser => Role::Organiser,
        }
    }
}

/// A new user: an admin, or an organiser of one organisation.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "organiser@cepaim.example", "password": "a long passphrase", "role": "organiser", "organisation_id": "0193a5b0-7c1e-7d2a-9f00-1a2b3c4d5e6f"}))]
pub struct CreateUser {
    #[schema(max_length = 254, format = "email")]
    pub email: String,
    /// At least 12 characters.
    #[schema(min_length = 12)]
    pub password: String,
    pub role: UserRole,
    /// Required for organisers.
    #[serde(default)]
    pub organisation_id: Option<Uuid>,
}

/// A person who signs in: an admin or an organiser.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a5b1-2222-7ccc-8ddd-1e1f20212223", "email": "organiser@cepaim.example",
    "role": "organiser", "organisation_id": "0193a5b0-7c1e-7d2a-9f00-1a2b3c4d5e6f", "created_at": "2026-11-29T10:00:00Z"}))]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub role: UserRole,
    pub organisation_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        Self {
            id: row.id,
            email: row.email,
            role: match row.role {
                Role::Admin => UserRole::Admin,
                // The users table holds admins and organisers only (a CHECK constraint).
                Role::Organiser | Role::Partner => UserRole::Organiser,
            },
            organisation_id: row.organisation_id,
            created_at: row.created_at,
        }
    }
}

/// A new API client for a partner front-end.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Registration tablet, Soria office"}))]
pub struct CreateApiClient {
    /// What the client is, for the organisation's own records; 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200, format = "line")]
    pub name: String,
}

/// A new API client. `client_secret` is shown only in this answer: store it now.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a5b1-2222-7ccc-8ddd-1e1f20212223", "name": "Registration tablet, Soria office",
    "organisation_id": "0193a5b0-7c1e-7d2a-9f00-1a2b3c4d5e6f", "client_id": "hec_3f1c2a9b8d7e6f5a4b3c2d1e",
    "client_secret": "9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b"}))]
pub struct ApiClientCreated {
    pub id: Uuid,
    pub name: String,
    pub organisation_id: Uuid,
    pub client_id: String,
    pub client_secret: String,
}

/// An API client of a partner front-end (its secret is never shown again).
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a5b1-2222-7ccc-8ddd-1e1f20212223", "name": "Registration tablet, Soria office",
    "organisation_id": "0193a5b0-7c1e-7d2a-9f00-1a2b3c4d5e6f", "client_id": "hec_3f1c2a9b8d7e6f5a4b3c2d1e",
    "created_at": "2026-11-29T10:00:00Z", "revoked_at": null}))]
pub struct ApiClient {
    pub id: Uuid,
    pub name: String,
    pub organisation_id: Uuid,
    pub client_id: String,
    pub created_at: DateTime<Utc>,
    /// When the client was revoked; its tokens stopped working then.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<ApiClientRow> for ApiClient {
    fn from(row: ApiClientRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            organisation_id: row.organisation_id,
            client_id: row.client_id,
            created_at: row.created_at,
            revoked_at: row.revoked_at,
        }
    }
}

/// A page of API clients, newest first.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"items": [{"id": "0193a5b1-2222-7ccc-8ddd-1e1f20212223",
    "name": "Registration tablet, Soria office", "organisation_id": "0193a5b0-7c1e-7d2a-9f00-1a2b3c4d5e6f",
    "client_id": "hec_3f1c2a9b8d7e6f5a4b3c2d1e", "created_at": "2026-11-29T10:00:00Z", "revoked_at": null}],
    "next_cursor": null}))]
pub struct ApiClientList {
    pub items: Vec<ApiClient>,
    pub next_cursor: Option<String>,
}

/// An organisation whose partners may register people for the events of the organisation
/// that trusts it (`organisation_id`), as that organisation's own partners do.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"organisation_id": "0193a5b0-7c1e-7d2a-9f00-1a2b3c4d5e6f",
    "trusted_organisation_id": "0193a5b0-8d2f-7e3b-a011-2b3c4d5e6f70", "name": "Accem", "kind": "ngo",
    "created_at": "2026-11-29T10:00:00Z", "created_by": "0193a5b1-2222-7ccc-8ddd-1e1f20212223"}))]
pub struct TrustedOrganisation {
    /// The organisation that trusts.
    pub organisation_id: Uuid,
    /// The organisation trusted: its partners may register people for `organisation_id`'s events.
    pub trusted_organisation_id: Uuid,
    /// The trusted organisation's name.
    pub name: String,
    /// The trusted organisation's kind.
    pub kind: OrganisationKind,
    /// When the trust was given.
    pub created_at: DateTime<Utc>,
    /// The admin or organiser who gave it.
    pub created_by: Uuid,
}

impl From<TrustedRow> for TrustedOrganisation {
    fn from(row: TrustedRow) -> Self {
        Self {
            organisation_id: row.trust.organisation_id,
            trusted_organisation_id: row.trust.trusted_organisation_id,
            name: row.name,
            kind: OrganisationKind::parse(&row.kind).unwrap_or(OrganisationKind::Other),
            created_at: row.trust.created_at,
            created_by: row.trust.created_by,
        }
    }
}

/// A page of the organisations an organisation trusts, newest trust first.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"items": [{"organisation_id": "0193a5b0-7c1e-7d2a-9f00-1a2b3c4d5e6f",
    "trusted_organisation_id": "0193a5b0-8d2f-7e3b-a011-2b3c4d5e6f70", "name": "Accem", "kind": "ngo",
    "created_at": "2026-11-29T10:00:00Z", "created_by": "0193a5b1-2222-7ccc-8ddd-1e1f20212223"}],
    "next_cursor": null}))]
pub struct TrustedOrganisationList {
    pub items: Vec<TrustedOrganisation>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}
