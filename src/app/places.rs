//! Places of an organisation: its venues and the hosted places where people without a
//! device follow a meeting. Its organisers and admins manage them (`managed_organisation`).
//! A place holds no participant's data and changes no registration, so it announces nothing
//! and writes no history entry.

use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

use crate::app::managed_organisation;
use crate::auth::Caller;
use crate::db::accounts;
use crate::db::places::{self, PlaceRow};
use crate::domain::places::{fits_offers, validate, PlaceDraft, PlacePatch, ValidPlace};
use crate::error::{AppError, AppResult};

/// The place, when the caller manages its organisation: 403 to partners, 404 for an unknown
/// place, 403 to organisers of another organisation, as for the organisation itself.
pub async fn find(conn: &mut AsyncPgConnection, caller: &Caller, id: Uuid) -> AppResult<PlaceRow> {
    caller.require_staff()?;
    let place = places::find(conn, id).await?.ok_or(AppError::NotFound)?;
    caller.require_manages_organisation(place.organisation_id)?;
    Ok(place)
}

/// Creates a place of `organisation_id`; a bad field changes nothing.
pub async fn create(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    organisation_id: Uuid,
    draft: PlaceDraft,
) -> AppResult<PlaceRow> {
    managed_organisation(conn, caller, organisation_id).await?;
    conn.transaction::<_, AppError, _>(async move |conn| {
        let place = checked(conn, draft).await?;
        let row = places::insert(conn, organisation_id, place).await?;
        tracing::info!(place = %row.id, organisation = %organisation_id, by = %caller.id, "created a place");
        Ok(row)
    })
    .await
}

/// A page of the organisation's places, newest first.
pub async fn list(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    organisation_id: Uuid,
    after: Option<Uuid>,
    limit: i64,
) -> AppResult<Vec<PlaceRow>> {
    managed_organisation(conn, caller, organisation_id).await?;
    places::list(conn, organisation_id, after, limit).await
}

/// Applies `patch` to the place, checked as a new place would be. Lowering a hosted place's
/// devices under the seats an event that has not ended offers there is 409
/// `devices_below_capacity`. The place stays locked from the read to the write, so two
/// changes (or a change and an event offering seats there) do not interleave.
pub async fn change(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
    patch: PlacePatch,
) -> AppResult<PlaceRow> {
    caller.require_staff()?;
    conn.transaction::<_, AppError, _>(async move |conn| {
        let (current, largest_offer) =
            places::lock_with_largest_offer(conn, id).await?.ok_or(AppError::NotFound)?;
        caller.require_manages_organisation(current.organisation_id)?;
        let place = checked(conn, patch.apply(current.to_draft())).await?;
        fits_offers((current.kind, current.devices), (place.kind, place.devices), largest_offer)?;
        if validate(current.to_draft()).is_ok_and(|stored| stored == place) {
            return Ok(current);
        }
        let row = places::update(conn, id, place).await?;
        tracing::info!(place = %id, by = %caller.id, "changed a place");
        Ok(row)
    })
    .await
}

/// The draft validated, and its host organisation found: every field error first, then
/// `unknown_organisation` (as for events).
async fn checked(conn: &mut AsyncPgConnection, draft: PlaceDraft) -> AppResult<ValidPlace> {
    let place = validate(draft).map_err(AppError::validation)?;
    if let Some(host) = place.host_organisation_id {
        if accounts::find_organisation(conn, host).await?.is_none() {
            return Err(AppError::invalid(
                "unknown_organisation",
                "host_organisation_id",
                "no such organisation",
            ));
        }
    }
    Ok(place)
}
