//! What a series report is built from (`domain::series_report`), read in one snapshot and
//! one round trip: the series with its organisation's suppression floor, its events in order,
//! their rooms, and their attended registrations grouped by first event, mode, room and
//! category, and their barriers.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::reports::{series_barrier_counts, BarrierCountsRow};
use crate::domain::events::EventStatus;
use crate::domain::seats::Mode;
use crate::domain::series_report::{AttendedGroup, RoomInfo};
use crate::error::AppResult;

/// The series, with its organisation's floor for small-count protection.
#[derive(Debug, Clone, QueryableByName)]
pub struct SeriesHead {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub organisation_id: Uuid,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub region: Option<String>,
    #[diesel(sql_type = Nullable<Integer>)]
    pub organisation_suppress_below: Option<i32>,
}

/// An event of the series: every one but drafts, which were never held or announced.
#[derive(Debug, Clone, QueryableByName)]
pub struct SeriesEventRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Timestamptz)]
    pub starts_at: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    pub status: EventStatus,
}

/// A room of an event of the series, with what the report names it by.
#[derive(Debug, Clone, QueryableByName)]
pub struct SeriesRoomRow {
    #[diesel(sql_type = SqlUuid)]
    pub event_id: Uuid,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub place_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    pub name: Option<String>,
    #[diesel(sql_type = Text)]
    pub kind: String,
}

#[derive(Debug, Clone, QueryableByName)]
struct AttendedRow {
    #[diesel(sql_type = SqlUuid)]
    event_id: Uuid,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    first_event_id: Option<Uuid>,
    #[diesel(sql_type = Text)]
    attendance_mode: Mode,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    place_id: Option<Uuid>,
    #[diesel(sql_type = Text)]
    stakeholder_category: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

const SERIES_HEAD: &str = "
SELECT s.id, s.organisation_id, s.name, s.region, o.report_suppress_below AS organisation_suppress_below
  FROM series s JOIN organisations o ON o.id = s.organisation_id
 WHERE s.id = $1";

const SERIES_EVENTS: &str = "
SELECT id, title, starts_at, status FROM events
 WHERE series_id = $1 AND status <> 'draft'
 ORDER BY starts_at, id";

const SERIES_ROOMS: &str = "
SELECT event_id, place_id, name, kind FROM (
  SELECT e.id AS event_id, NULL::uuid AS place_id, e.onsite_venue_name AS name, 'venue'::text AS kind,
         e.starts_at, 0::bigint AS position
    FROM events e
   WHERE e.series_id = $1 AND e.status <> 'draft' AND e.onsite_offered
  UNION ALL
  SELECT e.id, ep.place_id, p.name, p.kind, e.starts_at, ep.position
    FROM events e JOIN event_places ep ON ep.event_id = e.id JOIN places p ON p.id = ep.place_id
   WHERE e.series_id = $1 AND e.status <> 'draft'
) rooms
ORDER BY starts_at, event_id, place_id IS NOT NULL, position";

// Participants are the confirmed registrations that attended. A linked person is one
// participant of an event however many of its registrations hold their key (the first
// kept), and their first event is the earliest of the series they attended.
const SERIES_ATTENDED: &str = "
WITH attended AS (
  SELECT r.event_id, e.starts_at, r.person_key, r.attendance_mode, r.place_id, r.stakeholder_category,
         row_number() OVER (PARTITION BY r.event_id, r.person_key ORDER BY r.seq) AS nth
    FROM events e JOIN registrations r ON r.event_id = e.id
   WHERE e.series_id = $1 AND e.status <> 'draft'
     AND r.status = 'confirmed' AND r.checked_in_at IS NOT NULL
), people AS (
  SELECT * FROM attended WHERE person_key IS NULL OR nth = 1
), first_seen AS (
  SELECT DISTINCT ON (person_key) person_key, event_id AS first_event_id
    FROM people WHERE person_key IS NOT NULL
   ORDER BY person_key, starts_at, event_id
)
SELECT p.event_id, f.first_event_id, p.attendance_mode, p.place_id, p.stakeholder_category, count(*) AS n
  FROM people p LEFT JOIN first_seen f ON f.person_key = p.person_key
 GROUP BY p.event_id, f.first_event_id, p.attendance_mode, p.place_id, p.stakeholder_category";

/// What one series' report is built from.
#[derive(Debug, Clone)]
pub struct SeriesReportData {
    pub series: SeriesHead,
    pub events: Vec<SeriesEventRow>,
    pub rooms: Vec<SeriesRoomRow>,
    pub attended: Vec<AttendedGroup>,
    pub barriers: Vec<BarrierCountsRow>,
}

impl SeriesReportData {
    pub fn room_infos(&self) -> Vec<RoomInfo> {
        self.rooms.iter().map(|r| RoomInfo { event_id: r.event_id, place_id: r.place_id }).collect()
    }
}

async fn head(mut conn: &AsyncPgConnection, id: Uuid) -> AppResult<Option<SeriesHead>> {
    Ok(diesel::sql_query(SERIES_HEAD).bind::<SqlUuid, _>(id).get_result(&mut conn).await.optional()?)
}

async fn events(mut conn: &AsyncPgConnection, id: Uuid) -> AppResult<Vec<SeriesEventRow>> {
    Ok(diesel::sql_query(SERIES_EVENTS).bind::<SqlUuid, _>(id).load(&mut conn).await?)
}

async fn rooms(mut conn: &AsyncPgConnection, id: Uuid) -> AppResult<Vec<SeriesRoomRow>> {
    Ok(diesel::sql_query(SERIES_ROOMS).bind::<SqlUuid, _>(id).load(&mut conn).await?)
}

async fn attended(mut conn: &AsyncPgConnection, id: Uuid) -> AppResult<Vec<AttendedGroup>> {
    let rows: Vec<AttendedRow> =
        diesel::sql_query(SERIES_ATTENDED).bind::<SqlUuid, _>(id).load(&mut conn).await?;
    Ok(rows
        .into_iter()
        .map(|a| AttendedGroup {
            event_id: a.event_id,
            first_event_id: a.first_event_id,
            mode: a.attendance_mode,
            place_id: a.place_id,
            category: a.stakeholder_category,
            n: a.n,
        })
        .collect())
}

/// The series' report data in one read-only snapshot, its queries pipelined; None: no such
/// series.
pub async fn series_report_data(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> AppResult<Option<SeriesReportData>> {
    conn.build_transaction()
        .read_only()
        .repeatable_read()
        .run(async move |conn| {
            let shared: &AsyncPgConnection = conn;
            let (head, events, rooms, attended, barriers) = futures_util::future::try_join5(
                head(shared, id),
                events(shared, id),
                rooms(shared, id),
                attended(shared, id),
                series_barrier_counts(shared, id),
            )
            .await?;
            Ok(head.map(|series| SeriesReportData { series, events, rooms, attended, barriers }))
        })
        .await
}
