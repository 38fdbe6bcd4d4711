//! Consent purposes, their versioned texts, and the consents registrations hold. The rules
//! are `domain::consent`'s; a registration's consents are written with it
//! (`db::registrations::insert`) and changed with the registration locked
//! (`app::registrations::change`).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{Array, Jsonb, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{consent_purpose_versions, consent_purposes, registration_consents, registrations};
use crate::domain::consent::{ConsentStep, Held, NewPurpose, Purpose, CONTACT, DATA_PROCESSING};
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = consent_purposes)]
pub struct PurposeRow {
    pub organisation_id: Uuid,
    pub purpose: String,
    pub required: bool,
    pub current_version: i32,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<Uuid>,
}

impl PurposeRow {
    pub fn rule(&self) -> Purpose {
        Purpose { key: self.purpose.clone(), required: self.required, current_version: self.current_version }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = consent_purpose_versions)]
pub struct VersionRow {
    pub purpose: String,
    pub version: i32,
    pub texts: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

/// A purpose with all its versions, oldest first.
pub struct PurposeWithVersions {
    pub purpose: PurposeRow,
    pub versions: Vec<VersionRow>,
}

/// A consent a registration holds or held.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = registration_consents)]
pub struct ConsentRow {
    pub registration_id: Uuid,
    pub purpose: String,
    pub version: i32,
    pub granted_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
}

impl ConsentRow {
    pub fn held(&self) -> Held {
        Held { purpose: self.purpose.clone(), version: self.version, withdrawn: self.withdrawn_at.is_some() }
    }
}

pub async fn purposes(conn: &mut AsyncPgConnection, organisation_id: Uuid) -> AppResult<Vec<Purpose>> {
    Ok(consent_purposes::table
        .filter(consent_purposes::organisation_id.eq(organisation_id))
        .select(PurposeRow::as_select())
        .load::<PurposeRow>(conn)
        .await?
        .iter()
        .map(PurposeRow::rule)
        .collect())
}

/// A page of an organisation's purposes with their versions, by key; `after` is the last
/// key seen.
pub async fn list(
    conn: &mut AsyncPgConnection,
    organisation_id: Uuid,
    after: Option<String>,
    limit: i64,
) -> AppResult<Vec<PurposeWithVersions>> {
    let mut query = consent_purposes::table
        .filter(consent_purposes::organisation_id.eq(organisation_id))
        .select(PurposeRow::as_select())
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(consent_purposes::purpose.gt(after));
    }
    let purposes: Vec<PurposeRow> =
        query.order(consent_purposes::purpose.asc()).limit(limit).load(conn).await?;
    let keys: Vec<&str> = purposes.iter().map(|p| p.purpose.as_str()).collect();
    let versions = versions(conn, organisation_id, &keys).await?;
    Ok(with_versions(purposes, versions))
}

async fn versions(
    conn: &mut AsyncPgConnection,
    organisation_id: Uuid,
    keys: &[&str],
) -> AppResult<Vec<VersionRow>> {
    Ok(consent_purpose_versions::table
        .filter(consent_purpose_versions::organisation_id.eq(organisation_id))
        .filter(consent_purpose_versions::purpose.eq_any(keys))
        .order((consent_purpose_versions::purpose.asc(), consent_purpose_versions::version.asc()))
        .select(VersionRow::as_select())
        .load(conn)
        .await?)
}

fn with_versions(purposes: Vec<PurposeRow>, versions: Vec<VersionRow>) -> Vec<PurposeWithVersions> {
    let mut by_key: HashMap<String, Vec<VersionRow>> = HashMap::new();
    for version in versions {
        by_key.entry(version.purpose.clone()).or_default().push(version);
    }
    purposes
        .into_iter()
        .map(|purpose| {
            let versions = by_key.remove(&purpose.purpose).unwrap_or_default();
            PurposeWithVersions { purpose, versions }
        })
        .collect()
}

/// One purpose with its versions.
pub async fn find(
    conn: &mut AsyncPgConnection,
    organisation_id: Uuid,
    purpose: &str,
) -> AppResult<Option<PurposeWithVersions>> {
    let Some(row) = consent_purposes::table
        .find((organisation_id, purpose))
        .select(PurposeRow::as_select())
        .first::<PurposeRow>(conn)
        .await
        .optional()?
    else {
        return Ok(None);
    };
    let versions = versions(conn, organisation_id, &[purpose]).await?;
    Ok(with_versions(vec![row], versions).pop())
}

/// A new purpose with its version 1, in one statement; 409 `consent_purpose_exists` when the
/// organisation has it already.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    organisation_id: Uuid,
    new: &NewPurpose,
    by: Uuid,
) -> AppResult<PurposeRow> {
    diesel::sql_query(
        "WITH purpose AS (
             INSERT INTO consent_purposes (organisation_id, purpose, required, created_by)
             VALUES ($1, $2, $3, $4) RETURNING *),
         version AS (
             INSERT INTO consent_purpose_versions (organisation_id, purpose, version, texts, created_by)
             SELECT organisation_id, purpose, 1, $5, created_by FROM purpose)
         SELECT * FROM purpose",
    )
    .bind::<SqlUuid, _>(organisation_id)
    .bind::<Text, _>(&new.key)
    .bind::<diesel::sql_types::Bool, _>(new.required)
    .bind::<SqlUuid, _>(by)
    .bind::<Jsonb, _>(texts_json(&new.texts))
    .get_result(conn)
    .await
    .map_err(|error| match error {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => AppError::conflict(
            "consent_purpose_exists",
            "This organisation has this consent purpose already: publish a new version of its text instead.",
        ),
        other => other.into(),
    })
}

/// Publishes the next version of a purpose's texts, in one statement that locks the purpose
/// (concurrent publications get consecutive numbers); `None` for an unknown purpose.
pub async fn publish(
    conn: &mut AsyncPgConnection,
    organisation_id: Uuid,
    purpose: &str,
    texts: &BTreeMap<String, String>,
    by: Uuid,
) -> AppResult<Option<PurposeRow>> {
    Ok(diesel::sql_query(
        "WITH purpose AS (
             UPDATE consent_purposes SET current_version = current_version + 1
              WHERE organisation_id = $1 AND purpose = $2 RETURNING *),
         version AS (
             INSERT INTO consent_purpose_versions (organisation_id, purpose, version, texts, created_by)
             SELECT organisation_id, purpose, current_version, $3, $4 FROM purpose)
         SELECT * FROM purpose",
    )
    .bind::<SqlUuid, _>(organisation_id)
    .bind::<Text, _>(purpose)
    .bind::<Jsonb, _>(texts_json(texts))
    .bind::<SqlUuid, _>(by)
    .get_result(conn)
    .await
    .optional()?)
}

fn texts_json(texts: &BTreeMap<String, String>) -> serde_json::Value {
    serde_json::to_value(texts).expect("texts serialise")
}

/// The consents of one registration, by purpose.
pub async fn of_registration(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Vec<ConsentRow>> {
    Ok(registration_consents::table
        .filter(registration_consents::registration_id.eq(id))
        .order(registration_consents::purpose.asc())
        .select(ConsentRow::as_select())
        .load(conn)
        .await?)
}

/// The consents of several registrations in one query, by purpose.
pub async fn of_registrations(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<ConsentRow>>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<ConsentRow> = registration_consents::table
        .filter(registration_consents::registration_id.eq_any(ids))
        .order((registration_consents::registration_id, registration_consents::purpose.asc()))
        .select(ConsentRow::as_select())
        .load(conn)
        .await?;
    let mut by_registration: HashMap<Uuid, Vec<ConsentRow>> = HashMap::new();
    for row in rows {
        by_registration.entry(row.registration_id).or_default().push(row);
    }
    Ok(by_registration)
}

/// Writes decided consent changes of a locked registration: grants (anew, replacing a
/// withdrawn or older one) and withdrawals, then keeps the registration's two consent
/// booleans of the first contract equal to what is held.
pub async fn apply(
    conn: &mut AsyncPgConnection,
    registration_id: Uuid,
    organisation_id: Uuid,
    steps: &[ConsentStep],
) -> AppResult<()> {
    let (granted, withdrawn): (Vec<&ConsentStep>, Vec<&ConsentStep>) =
        steps.iter().partition(|step| step.after.is_some());
    if !granted.is_empty() {
        diesel::sql_query(
            "INSERT INTO registration_consents (registration_id, organisation_id, purpose, version)
             SELECT $1, $2, purpose, version FROM unnest($3::text[], $4::int4[]) AS c(purpose, version)
             ON CONFLICT (registration_id, purpose) DO UPDATE
                SET version = EXCLUDED.version, granted_at = now(), withdrawn_at = NULL",
        )
        .bind::<SqlUuid, _>(registration_id)
        .bind::<SqlUuid, _>(organisation_id)
        .bind::<Array<Text>, _>(granted.iter().map(|s| s.purpose.as_str()).collect::<Vec<_>>())
        .bind::<Array<Nullable<diesel::sql_types::Int4>>, _>(
            granted.iter().map(|s| s.after).collect::<Vec<_>>(),
        )
        .execute(conn)
        .await?;
    }
    if !withdrawn.is_empty() {
        diesel::update(
            registration_consents::table
                .filter(registration_consents::registration_id.eq(registration_id))
                .filter(registration_consents::purpose.eq_any(withdrawn.iter().map(|s| s.purpose.as_str())))
                .filter(registration_consents::withdrawn_at.is_null()),
        )
        .set(registration_consents::withdrawn_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
    }
    let holds = |purpose: &str| {
        registration_consents::table
            .filter(registration_consents::registration_id.eq(registration_id))
            .filter(registration_consents::purpose.eq(purpose.to_owned()))
            .filter(registration_consents::withdrawn_at.is_null())
    };
    diesel::update(registrations::table.find(registration_id))
        .set((
            registrations::consent_data_processing.eq(diesel::dsl::exists(holds(DATA_PROCESSING))),
            registrations::consent_contact.eq(diesel::dsl::exists(holds(CONTACT))),
            registrations::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}
