//! Consent purposes of an organisation: define one, publish a new version of its texts, read
//! them. Organisers of the organisation (and admins) define and publish; whoever may register
//! people for its events reads, since their front-ends show the texts.

use std::collections::BTreeMap;

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::app::managed_organisation;
use crate::auth::{Caller, Role};
use crate::db::consents::{self, PurposeWithVersions, VersionRow};
use crate::db::{accounts, trusts};
use crate::domain::consent::{check_new_purpose, check_texts};
use crate::domain::registrations::problems_to_error;
use crate::domain::text::is_slug;
use crate::domain::text::Problems;
use crate::error::{AppError, AppResult};

/// Defines a purpose with the texts of its version 1 (409 `consent_purpose_exists` when the
/// organisation has it; every organisation starts with `data_processing` and `contact`).
pub async fn define(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    organisation_id: Uuid,
    key: &str,
    required: Option<bool>,
    texts: &BTreeMap<String, String>,
) -> AppResult<PurposeWithVersions> {
    managed_organisation(conn, caller, organisation_id).await?;
    let new = check_new_purpose(key, required, texts)?;
    let purpose = consents::insert(conn, organisation_id, &new, caller.id).await?;
    tracing::info!(organisation = %organisation_id, purpose = %purpose.purpose, "consent purpose defined");
    let first = VersionRow {
        purpose: purpose.purpose.clone(),
        version: 1,
        texts: serde_json::to_value(&new.texts).expect("texts serialise"),
        created_at: purpose.created_at,
    };
    Ok(PurposeWithVersions { purpose, versions: vec![first] })
}

/// Publishes the next version of a purpose's texts; earlier versions stay as they were (404
/// for a purpose the organisation does not have).
pub async fn publish(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    organisation_id: Uuid,
    key: &str,
    texts: &BTreeMap<String, String>,
) -> AppResult<PurposeWithVersions> {
    managed_organisation(conn, caller, organisation_id).await?;
    if !is_slug(key) {
        return Err(AppError::NotFound);
    }
    let mut problems = Problems::default();
    let texts = check_texts(&mut problems, texts);
    if !problems.is_empty() {
        return Err(problems_to_error(problems.0));
    }
    let published =
        consents::publish(conn, organisation_id, key, &texts, caller.id).await?.ok_or(AppError::NotFound)?;
    tracing::info!(organisation = %organisation_id, purpose = key, version = published.current_version,
        "consent text published");
    let mut found = consents::find(conn, organisation_id, key).await?.ok_or(AppError::NotFound)?;
    // Read after the publication, in its own statement: show the version just published as
    // current even if another followed meanwhile.
    found.versions.retain(|v| v.version <= published.current_version);
    found.purpose = published;
    Ok(found)
}

/// 404 for an unknown organisation; 403 unless the caller may register people for its
/// events: admins, its organisers, its partners, and partners of organisations it trusts.
pub async fn require_reader(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    organisation_id: Uuid,
) -> AppResult<()> {
    accounts::find_organisation(conn, organisation_id).await?.ok_or(AppError::NotFound)?;
    let allowed = match (caller.role, caller.organisation_id) {
        (Role::Admin, _) => true,
        (_, Some(own)) if own == organisation_id => true,
        (Role::Partner, Some(own)) => trusts::trusts(conn, organisation_id, own).await?,
        _ => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// A page of the organisation's purposes, by key.
pub async fn list(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    organisation_id: Uuid,
    after: Option<String>,
    limit: i64,
) -> AppResult<Vec<PurposeWithVersions>> {
    require_reader(conn, caller, organisation_id).await?;
    consents::list(conn, organisation_id, after, limit).await
}

/// One purpose with its versions.
pub async fn find(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    organisation_id: Uuid,
    key: &str,
) -> AppResult<PurposeWithVersions> {
    require_reader(conn, caller, organisation_id).await?;
    if !is_slug(key) {
        return Err(AppError::NotFound);
    }
    consents::find(conn, organisation_id, key).await?.ok_or(AppError::NotFound)
}
