//! The audit trails of registrations and events: append-only, written in the transaction of
//! the change they record (`app::record`), never holding personal data.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Jsonb, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{event_history, registration_history};
use crate::domain::actors::{Actor, ActorKind};
use crate::domain::history::{EventAction, FieldChange, RegistrationAction};
use crate::domain::registrations::RegistrationStatus;
use crate::domain::seats::Mode;
use crate::error::AppResult;

/// One line of a registration's history, as written.
#[derive(Debug, Clone, PartialEq)]
pub struct RegistrationEntry {
    pub registration_id: Uuid,
    pub event_id: Uuid,
    pub action: RegistrationAction,
    pub actor: Actor,
    pub old_status: Option<RegistrationStatus>,
    pub new_status: RegistrationStatus,
    pub old_mode: Option<Mode>,
    pub new_mode: Mode,
    /// What else changed (a consent: `consents.<purpose>` from one version to another, null
    /// when none is held); empty for most actions.
    pub changes: Vec<FieldChange>,
}

/// One line of an event's history, as written.
#[derive(Debug, Clone, PartialEq)]
pub struct EventEntry {
    pub event_id: Uuid,
    pub action: EventAction,
    pub actor: Actor,
    pub changes: Vec<FieldChange>,
}

/// One more registration refused as a duplicate to the partner `actor` for the event: the
/// event's `duplicates_refused` entry of this partner and hour counts it (`changes[0].to`),
/// so a partner fishing shows as one line an hour, not one line a probe.
#[derive(Debug, Clone, PartialEq)]
pub struct DuplicateTally {
    pub event_id: Uuid,
    pub actor: Actor,
}

/// Counts `tally` in its hour's entry, which the first refusal of the hour creates.
pub async fn count_duplicate_refused(conn: &mut AsyncPgConnection, tally: &DuplicateTally) -> AppResult<()> {
    diesel::sql_query(
        "INSERT INTO event_history (event_id, action, actor_id, actor_kind, changes)
         VALUES ($1, 'duplicates_refused', $2, $3, '[{\"field\": \"duplicates_refused\", \"to\": 1}]')
         ON CONFLICT (event_id, actor_id, (date_trunc('hour', at AT TIME ZONE 'UTC')))
            WHERE action = 'duplicates_refused'
         DO UPDATE SET changes = jsonb_build_array(jsonb_build_object(
             'field', 'duplicates_refused',
             'to', (event_history.changes -> 0 ->> 'to')::bigint + 1))",
    )
    .bind::<SqlUuid, _>(tally.event_id)
    .bind::<Nullable<SqlUuid>, _>(tally.actor.id)
    .bind::<Text, _>(tally.actor.kind)
    .execute(conn)
    .await?;
    Ok(())
}

/// Writes `entries` in one statement.
pub async fn append_registration_entries(
    conn: &mut AsyncPgConnection,
    entries: &[RegistrationEntry],
) -> AppResult<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let column =
        |f: fn(&RegistrationEntry) -> Option<&'static str>| entries.iter().map(f).collect::<Vec<_>>();
    diesel::sql_query(
        "INSERT INTO registration_history
             (registration_id, event_id, action, actor_id, actor_kind, old_status, new_status, old_mode, new_mode,
              changes)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::uuid[], $5::text[], $6::text[],
                              $7::text[], $8::text[], $9::text[], $10::jsonb[])",
    )
    .bind::<Array<SqlUuid>, _>(entries.iter().map(|e| e.registration_id).collect::<Vec<_>>())
    .bind::<Array<SqlUuid>, _>(entries.iter().map(|e| e.event_id).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(entries.iter().map(|e| e.action).collect::<Vec<_>>())
    .bind::<Array<Nullable<SqlUuid>>, _>(entries.iter().map(|e| e.actor.id).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(entries.iter().map(|e| e.actor.kind).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(column(|e| e.old_status.map(|s| s.as_str())))
    .bind::<Array<Text>, _>(entries.iter().map(|e| e.new_status).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(column(|e| e.old_mode.map(|m| m.as_str())))
    .bind::<Array<Text>, _>(entries.iter().map(|e| e.new_mode).collect::<Vec<_>>())
    .bind::<Array<Jsonb>, _>(
        entries
            .iter()
            .map(|e| serde_json::to_value(&e.changes).expect("changes serialise"))
            .collect::<Vec<_>>(),
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn append_event_entry(conn: &mut AsyncPgConnection, entry: &EventEntry) -> AppResult<()> {
    diesel::insert_into(event_history::table)
        .values((
            event_history::event_id.eq(entry.event_id),
            event_history::action.eq(entry.action),
            event_history::actor_id.eq(entry.actor.id),
            event_history::actor_kind.eq(entry.actor.kind),
            event_history::changes.eq(serde_json::to_value(&entry.changes).expect("changes serialise")),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// A line of a registration's history, as read back.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = registration_history)]
pub struct RegistrationHistoryRow {
    pub at: DateTime<Utc>,
    pub action: RegistrationAction,
    pub actor_id: Option<Uuid>,
    pub actor_kind: ActorKind,
    pub old_status: Option<RegistrationStatus>,
    pub new_status: RegistrationStatus,
    pub old_mode: Option<Mode>,
    pub new_mode: Mode,
    pub changes: serde_json::Value,
}

pub async fn of_registration(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> AppResult<Vec<RegistrationHistoryRow>> {
    Ok(registration_history::table
        .filter(registration_history::registration_id.eq(id))
        .order(registration_history::id.asc())
        .select(RegistrationHistoryRow::as_select())
        .load(conn)
        .await?)
}

/// When the registration's last offer lapsed unanswered, if that is the last thing that
/// happened to it.
pub async fn offer_lapsed_at(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<DateTime<Utc>>> {
    let last: Option<(RegistrationAction, DateTime<Utc>)> = registration_history::table
        .filter(registration_history::registration_id.eq(id))
        .order(registration_history::id.desc())
        .select((registration_history::action, registration_history::at))
        .first(conn)
        .await
        .optional()?;
    Ok(last.and_then(|(action, at)| (action == RegistrationAction::OfferExpired).then_some(at)))
}

/// A line of an event's history, as read back.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = event_history)]
pub struct EventHistoryRow {
    pub at: DateTime<Utc>,
    pub action: EventAction,
    pub actor_id: Option<Uuid>,
    pub actor_kind: ActorKind,
    pub changes: serde_json::Value,
}

pub async fn of_event(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Vec<EventHistoryRow>> {
    Ok(event_history::table
        .filter(event_history::event_id.eq(id))
        .order(event_history::id.asc())
        .select(EventHistoryRow::as_select())
        .load(conn)
        .await?)
}
