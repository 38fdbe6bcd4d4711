//! Series of an organisation, and the link of its events to them.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{events, series};
use crate::domain::series::{SeriesDraft, ValidSeries};
use crate::domain::text::fold;
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = series)]
pub struct SeriesRow {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub name: String,
    pub region: Option<String>,
    pub description: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl SeriesRow {
    /// The series as a draft, for a PATCH to be applied to.
    pub fn to_draft(&self) -> SeriesDraft {
        SeriesDraft {
            name: self.name.clone(),
            region: self.region.clone(),
            description: self.description.clone(),
        }
    }
}

/// The stored form of a validated series, with the key its name is unique by.
#[derive(AsChangeset, Insertable)]
#[diesel(table_name = series, treat_none_as_null = true)]
struct SeriesFields {
    name_key: String,
    name: String,
    region: Option<String>,
    description: Option<String>,
}

impl From<ValidSeries> for SeriesFields {
    fn from(series: ValidSeries) -> Self {
        Self {
            name_key: fold(&series.name),
            name: series.name,
            region: series.region,
            description: series.description,
        }
    }
}

/// 409 `series_name_taken` for the unique index on the organisation's names.
fn name_taken(error: DieselError) -> AppError {
    match error {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => AppError::conflict(
            "series_name_taken",
            "The organisation has a series with this name (whatever its case).",
        ),
        other => other.into(),
    }
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    organisation_id: Uuid,
    fields: ValidSeries,
) -> AppResult<SeriesRow> {
    diesel::insert_into(series::table)
        .values((
            series::id.eq(Uuid::now_v7()),
            series::organisation_id.eq(organisation_id),
            SeriesFields::from(fields),
        ))
        .returning(SeriesRow::as_returning())
        .get_result(conn)
        .await
        .map_err(name_taken)
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<SeriesRow>> {
    Ok(series::table.find(id).select(SeriesRow::as_select()).first(conn).await.optional()?)
}

/// The series, share-locked until the transaction ends: an event joining it takes its name,
/// which a rename (holding the row FOR UPDATE) must not change meanwhile.
pub async fn find_share_locked(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<SeriesRow>> {
    Ok(series::table.find(id).select(SeriesRow::as_select()).for_share().first(conn).await.optional()?)
}

/// The organisation's series of this name (whatever its case), share-locked as
/// [`find_share_locked`]; created when there is none. Two transactions creating the same name
/// at once end up with one series: the loser of the insert (`ON CONFLICT DO NOTHING` waits
/// for the winner to commit) reads the winner's row.
pub async fn find_or_create(
    conn: &mut AsyncPgConnection,
    organisation_id: Uuid,
    name: &str,
) -> AppResult<SeriesRow> {
    let key = fold(name);
    let by_key = || {
        series::table
            .filter(series::organisation_id.eq(organisation_id))
            .filter(series::name_key.eq(key.clone()))
            .select(SeriesRow::as_select())
            .for_share()
    };
    if let Some(found) = by_key().first(conn).await.optional()? {
        return Ok(found);
    }
    let created = diesel::insert_into(series::table)
        .values((
            series::id.eq(Uuid::now_v7()),
            series::organisation_id.eq(organisation_id),
            series::name_key.eq(&key),
            series::name.eq(name.trim()),
        ))
        .on_conflict((series::organisation_id, series::name_key))
        .do_nothing()
        .returning(SeriesRow::as_returning())
        .get_result(conn)
        .await
        .optional()?;
    match created {
        Some(row) => Ok(row),
        None => Ok(by_key().first(conn).await?),
    }
}

/// The series locked until the transaction ends, after its events: a rename rewrites their
/// `series` text, and an event being changed is locked before its series (`app::events`), so
/// taking the events first keeps one order and no deadlock.
pub async fn lock_with_events(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<SeriesRow>> {
    events::table.filter(events::series_id.eq(id)).select(events::id).for_update().load::<Uuid>(conn).await?;
    Ok(series::table.find(id).select(SeriesRow::as_select()).for_update().first(conn).await.optional()?)
}

/// Writes the series; its events' `series` text follows its name.
pub async fn update(conn: &mut AsyncPgConnection, id: Uuid, fields: ValidSeries) -> AppResult<SeriesRow> {
    let row = diesel::update(series::table.find(id))
        .set((SeriesFields::from(fields), series::updated_at.eq(diesel::dsl::now)))
        .returning(SeriesRow::as_returning())
        .get_result(conn)
        .await
        .map_err(name_taken)?;
    diesel::update(events::table.filter(events::series_id.eq(id)))
        .filter(events::series.ne(&row.name).or(events::series.is_null()))
        .set(events::series.eq(&row.name))
        .execute(conn)
        .await?;
    Ok(row)
}

/// A page of the organisation's series by name (then id); `after` is the last (name, id) seen.
pub async fn list(
    conn: &mut AsyncPgConnection,
    organisation_id: Uuid,
    after: Option<(String, Uuid)>,
    limit: i64,
) -> AppResult<Vec<SeriesRow>> {
    let mut query = series::table
        .filter(series::organisation_id.eq(organisation_id))
        .select(SeriesRow::as_select())
        .into_boxed();
    if let Some((name, id)) = after {
        query = query.filter(series::name.gt(name.clone()).or(series::name.eq(name).and(series::id.gt(id))));
    }
    Ok(query.order((series::name.asc(), series::id.asc())).limit(limit).load(conn).await?)
}
