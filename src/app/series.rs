//! Series of an organisation: the sessions of one platform. Its organisers and admins manage
//! them (`managed_organisation`), as they manage its places. Renaming a series renames it on
//! its events in the same transaction, so event reads and the reports that group by `series`
//! stay consistent. A series holds no participant's data, so it announces nothing and writes
//! no history entry.

use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

use crate::app::managed_organisation;
use crate::auth::Caller;
use crate::db::series::{self, SeriesRow};
use crate::domain::events::EventDraft;
use crate::domain::series::{check_agrees, validate, SeriesDraft, SeriesPatch};
use crate::error::{AppError, AppResult};

/// The series, when the caller manages its organisation: 403 to partners, 404 for an unknown
/// series, 403 to organisers of another organisation, as for places.
pub async fn find(conn: &mut AsyncPgConnection, caller: &Caller, id: Uuid) -> AppResult<SeriesRow> {
    caller.require_staff()?;
    let row = series::find(conn, id).await?.ok_or(AppError::NotFound)?;
    caller.require_manages_organisation(row.organisation_id)?;
    Ok(row)
}

/// Creates a series of `organisation_id`; a bad field, or a name the organisation has
/// (409 `series_name_taken`), changes nothing.
pub async fn create(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    organisation_id: Uuid,
    draft: SeriesDraft,
) -> AppResult<SeriesRow> {
    managed_organisation(conn, caller, organisation_id).await?;
    let fields = validate(draft).map_err(AppError::validation)?;
    let row = series::insert(conn, organisation_id, fields).await?;
    tracing::info!(series = %row.id, organisation = %organisation_id, by = %caller.id, "created a series");
    Ok(row)
}

/// A page of the organisation's series, by name.
pub async fn list(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    organisation_id: Uuid,
    after: Option<(String, Uuid)>,
    limit: i64,
) -> AppResult<Vec<SeriesRow>> {
    managed_organisation(conn, caller, organisation_id).await?;
    series::list(conn, organisation_id, after, limit).await
}

/// Applies `patch` to the series, checked as a new series would be; a new name is written
/// on its events in the same transaction (409 `series_name_taken` when the organisation has
/// another series of that name).
pub async fn change(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
    patch: SeriesPatch,
) -> AppResult<SeriesRow> {
    caller.require_staff()?;
    conn.transaction::<_, AppError, _>(async move |conn| {
        let current = series::lock_with_events(conn, id).await?.ok_or(AppError::NotFound)?;
        caller.require_manages_organisation(current.organisation_id)?;
        let fields = validate(patch.apply(current.to_draft())).map_err(AppError::validation)?;
        if validate(current.to_draft()).is_ok_and(|stored| stored == fields) {
            return Ok(current);
        }
        let row = series::update(conn, id, fields).await?;
        tracing::info!(series = %id, by = %caller.id, "changed a series");
        Ok(row)
    })
    .await
}

/// Links the event of `draft` to its series, inside the event's transaction: the one
/// `series_id` names (422 `unknown_series` unless it is of the event's organisation; 422
/// `series_mismatch` when `series` names another), or the organisation's series named
/// `series` whatever its case, created when there is none. The draft's `series` becomes the
/// series' name.
pub async fn link(conn: &mut AsyncPgConnection, draft: &mut EventDraft) -> AppResult<()> {
    match (draft.series_id, draft.series.as_deref()) {
        (Some(id), given) => {
            let row = series::find_share_locked(conn, id)
                .await?
                .filter(|row| row.organisation_id == draft.organisation_id)
                .ok_or_else(|| {
                    AppError::invalid(
                        "unknown_series",
                        "series_id",
                        "the event's organisation has no series with this id",
                    )
                })?;
            if let Some(given) = given {
                check_agrees(given, &row.name).map_err(|e| AppError::validation(vec![e]))?;
            }
            draft.series = Some(row.name);
        }
        (None, Some(name)) => {
            let row = series::find_or_create(conn, draft.organisation_id, name).await?;
            draft.series_id = Some(row.id);
            draft.series = Some(row.name);
        }
        (None, None) => {}
    }
    Ok(())
}
