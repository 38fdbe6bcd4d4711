//! An event's outcome and its follow-up actions; the actions of a series across its events,
//! and those still to do from the events of a series before one.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Date, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::prepared::Prepared;
use crate::db::schema::{actions, event_outcomes, organisations};
use crate::domain::outcomes::{ActionStatus, Owner, ValidAction};
use crate::error::AppResult;

/// An event's outcome as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = event_outcomes)]
pub struct OutcomeRow {
    pub event_id: Uuid,
    pub topics: Vec<String>,
    pub summary: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An action with what its reads show of its event, and its owner's name (the organisation's
/// when it is a registered one).
#[derive(Debug, Clone, QueryableByName)]
pub struct ActionRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub event_id: Uuid,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub owner_organisation_id: Option<Uuid>,
    /// The name given, or the owner organisation's name.
    #[diesel(sql_type = Text)]
    pub owner_name: String,
    #[diesel(sql_type = Date)]
    pub due_on: NaiveDate,
    #[diesel(sql_type = Text)]
    pub status: ActionStatus,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub updated_at: DateTime<Utc>,
    #[diesel(sql_type = SqlUuid)]
    pub organisation_id: Uuid,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub series_id: Option<Uuid>,
    #[diesel(sql_type = Text)]
    pub event_title: String,
    #[diesel(sql_type = Timestamptz)]
    pub event_starts_at: DateTime<Utc>,
}

impl ActionRow {
    /// The action as its rules see it, for a PATCH to be applied to.
    pub fn to_valid(&self) -> ValidAction {
        ValidAction {
            title: self.title.clone(),
            owner: match self.owner_organisation_id {
                Some(id) => Owner::Organisation(id),
                None => Owner::Named(self.owner_name.clone()),
            },
            due_on: self.due_on,
            status: self.status,
        }
    }
}

/// Actions with their events and owners; a statement adds its conditions and order.
macro_rules! actions_query {
    ($rest:literal) => {
        concat!(
            "SELECT a.id, a.event_id, a.title, a.owner_organisation_id,
                    coalesce(o.name, a.owner_name) AS owner_name, a.due_on, a.status,
                    a.created_at, a.updated_at, e.organisation_id, e.series_id,
                    e.title AS event_title, e.starts_at AS event_starts_at
               FROM actions a
               JOIN events e ON e.id = a.event_id
               LEFT JOIN organisations o ON o.id = a.owner_organisation_id ",
            $rest
        )
    };
}

pub async fn find_outcome(mut conn: &AsyncPgConnection, event_id: Uuid) -> AppResult<Option<OutcomeRow>> {
    Ok(event_outcomes::table
        .find(event_id)
        .select(OutcomeRow::as_select())
        .first(&mut conn)
        .await
        .optional()?)
}

/// The event's outcome locked until the transaction ends, created empty when it has none;
/// `true` with it when it was created now.
pub async fn lock_outcome(conn: &mut AsyncPgConnection, event_id: Uuid) -> AppResult<(OutcomeRow, bool)> {
    let created = diesel::insert_into(event_outcomes::table)
        .values(event_outcomes::event_id.eq(event_id))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?
        == 1;
    let row =
        event_outcomes::table.find(event_id).select(OutcomeRow::as_select()).for_update().first(conn).await?;
    Ok((row, created))
}

pub async fn update_outcome(
    conn: &mut AsyncPgConnection,
    event_id: Uuid,
    topics: &[String],
    summary: Option<&str>,
) -> AppResult<()> {
    diesel::update(event_outcomes::table.find(event_id))
        .set((
            event_outcomes::topics.eq(topics),
            event_outcomes::summary.eq(summary),
            event_outcomes::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Of `ids`, those that name no organisation.
pub async fn unknown_organisations(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> AppResult<Vec<Uuid>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let known: Vec<Uuid> = organisations::table
        .filter(organisations::id.eq_any(ids))
        .select(organisations::id)
        .load(conn)
        .await?;
    Ok(ids.iter().copied().filter(|id| !known.contains(id)).collect())
}

pub async fn insert_actions(
    conn: &mut AsyncPgConnection,
    event_id: Uuid,
    new: &[(Uuid, ValidAction)],
) -> AppResult<()> {
    if new.is_empty() {
        return Ok(());
    }
    let rows: Vec<_> = new
        .iter()
        .map(|(id, action)| {
            (
                actions::id.eq(*id),
                actions::event_id.eq(event_id),
                actions::title.eq(&action.title),
                actions::owner_organisation_id.eq(action.owner.organisation_id()),
                actions::owner_name.eq(action.owner.name()),
                actions::due_on.eq(action.due_on),
                actions::status.eq(action.status),
            )
        })
        .collect();
    diesel::insert_into(actions::table).values(rows).execute(conn).await?;
    Ok(())
}

pub async fn update_action(conn: &mut AsyncPgConnection, id: Uuid, action: &ValidAction) -> AppResult<()> {
    diesel::update(actions::table.find(id))
        .set((
            actions::title.eq(&action.title),
            actions::owner_organisation_id.eq(action.owner.organisation_id()),
            actions::owner_name.eq(action.owner.name()),
            actions::due_on.eq(action.due_on),
            actions::status.eq(action.status),
            actions::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// The event's actions in the order they were recorded.
pub async fn event_actions(mut conn: &AsyncPgConnection, event_id: Uuid) -> AppResult<Vec<ActionRow>> {
    Ok(Prepared(
        diesel::sql_query(actions_query!("WHERE a.event_id = $1 ORDER BY a.id")).bind::<SqlUuid, _>(event_id),
    )
    .load(&mut conn)
    .await?)
}

pub async fn find_action(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<ActionRow>> {
    Ok(Prepared(diesel::sql_query(actions_query!("WHERE a.id = $1")).bind::<SqlUuid, _>(id))
        .get_result(conn)
        .await
        .optional()?)
}

/// The action locked until the transaction ends (its row only).
pub async fn lock_action(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<ActionRow>> {
    Ok(Prepared(diesel::sql_query(actions_query!("WHERE a.id = $1 FOR UPDATE OF a")).bind::<SqlUuid, _>(id))
        .get_result(conn)
        .await
        .optional()?)
}

/// Where a page of a series' actions starts after: the last (due date, event start, id) seen.
pub type SeriesKey = (NaiveDate, DateTime<Utc>, Uuid);

/// A page of the actions of the series' events by due date, then by their event's start,
/// then by id; only those of `statuses` (all when empty).
pub async fn series_actions(
    conn: &mut AsyncPgConnection,
    series_id: Uuid,
    statuses: &[ActionStatus],
    after: Option<SeriesKey>,
    limit: i64,
) -> AppResult<Vec<ActionRow>> {
    let (due, starts, id) = after.unzip3();
    Ok(Prepared(
        diesel::sql_query(actions_query!(
            "WHERE e.series_id = $1
            AND (cardinality($2::text[]) = 0 OR a.status = ANY ($2))
            AND ($3::date IS NULL OR (a.due_on, e.starts_at, a.id) > ($3, $4, $5))
          ORDER BY a.due_on, e.starts_at, a.id
          LIMIT $6"
        ))
        .bind::<SqlUuid, _>(series_id)
        .bind::<Array<Text>, _>(statuses.iter().map(|s| s.as_str()).collect::<Vec<_>>())
        .bind::<Nullable<Date>, _>(due)
        .bind::<Nullable<Timestamptz>, _>(starts)
        .bind::<Nullable<SqlUuid>, _>(id)
        .bind::<diesel::sql_types::BigInt, _>(limit),
    )
    .load(conn)
    .await?)
}

/// The actions still to do (`open`, `in_progress`) of the events of the event's series that
/// started before it, by due date, then by their event's start.
pub async fn previous_open_actions(
    mut conn: &AsyncPgConnection,
    event_id: Uuid,
) -> AppResult<Vec<ActionRow>> {
    Ok(Prepared(
        diesel::sql_query(actions_query!(
            "JOIN events this ON this.id = $1
              WHERE e.series_id = this.series_id AND e.starts_at < this.starts_at
                AND a.status IN ('open', 'in_progress')
              ORDER BY a.due_on, e.starts_at, a.id"
        ))
        .bind::<SqlUuid, _>(event_id),
    )
    .load(&mut conn)
    .await?)
}

/// An optional key in three optional parts, for the binds of a keyset condition.
trait Unzip3<A, B, C> {
    fn unzip3(self) -> (Option<A>, Option<B>, Option<C>);
}

impl<A, B, C> Unzip3<A, B, C> for Option<(A, B, C)> {
    fn unzip3(self) -> (Option<A>, Option<B>, Option<C>) {
        match self {
            Some((a, b, c)) => (Some(a), Some(b), Some(c)),
            None => (None, None, None),
        }
    }
}
