//! Attendance reports, counted by PostgreSQL: the database aggregates, so no report ever loads
//! an event's registrations into memory. The attendance list is read in keyset pages.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{
    Array, BigInt, Bool, Double, Integer, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid,
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::outcomes::{self, ActionRow, OutcomeRow};
use crate::db::schema::{events, places, registrations};
use crate::domain::attendance::{CheckInSource, NoShowReason};
use crate::domain::events::EventStatus;
use crate::domain::group_reservations::GroupReservation;
use crate::domain::registrations::RegistrationStatus;
use crate::domain::seats::Mode;
use crate::error::AppResult;

/// Who may see an event's reports depends on these two columns.
/// One event with its scalar counts. `generated_at` and `ended` come from the database clock,
/// so every process agrees on whether an event is over.
#[derive(Debug, Clone, QueryableByName)]
pub struct EventCountsRow {
    #[diesel(sql_type = SqlUuid)]
    pub event_id: Uuid,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub region: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub series: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    pub starts_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub ends_at: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    pub timezone: String,
    #[diesel(sql_type = Text)]
    pub status: EventStatus,
    #[diesel(sql_type = Timestamptz)]
    pub generated_at: DateTime<Utc>,
    #[diesel(sql_type = Bool)]
    pub ended: bool,
    #[diesel(sql_type = Bool)]
    pub online_offered: bool,
    #[diesel(sql_type = Nullable<Integer>)]
    pub online_capacity: Option<i32>,
    #[diesel(sql_type = Bool)]
    pub onsite_offered: bool,
    #[diesel(sql_type = Nullable<Integer>)]
    pub onsite_capacity: Option<i32>,
    #[diesel(sql_type = BigInt)]
    pub online_confirmed: i64,
    #[diesel(sql_type = BigInt)]
    pub online_waitlisted: i64,
    #[diesel(sql_type = BigInt)]
    pub online_attended: i64,
    #[diesel(sql_type = BigInt)]
    pub onsite_confirmed: i64,
    #[diesel(sql_type = BigInt)]
    pub onsite_waitlisted: i64,
    #[diesel(sql_type = BigInt)]
    pub onsite_attended: i64,
    #[diesel(sql_type = BigInt)]
    pub cancelled: i64,
    #[diesel(sql_type = BigInt)]
    pub fallback_applied: i64,
    #[diesel(sql_type = BigInt)]
    pub physical_space_requested: i64,
    #[diesel(sql_type = BigInt)]
    pub physical_space_seated: i64,
    #[diesel(sql_type = BigInt)]
    pub physical_space_waitlisted: i64,
    #[diesel(sql_type = BigInt)]
    pub transport: i64,
    #[diesel(sql_type = BigInt)]
    pub accessibility: i64,
    /// Attended (confirmed, checked in) by how the check-in was made: at the door of a room,
    /// from the platform's participant list, by an organiser's hand.
    #[diesel(sql_type = BigInt)]
    pub attended_onsite_source: i64,
    #[diesel(sql_type = BigInt)]
    pub attended_online_import: i64,
    #[diesel(sql_type = BigInt)]
    pub attended_manual: i64,
    /// The minutes of online attendance that count as attended at this event.
    #[diesel(sql_type = Integer)]
    pub online_attendance_min_minutes: i32,
    /// Online check-ins whose minutes are known, and of those, at or above the minimum.
    #[diesel(sql_type = BigInt)]
    pub online_with_minutes: i64,
    #[diesel(sql_type = BigInt)]
    pub online_at_or_above_minimum: i64,
    /// The median of their minutes; null when none is known.
    #[diesel(sql_type = Nullable<Double>)]
    pub online_minutes_median: Option<f64>,
    /// The organisation's `report_suppress_below`: a floor under every report of the event.
    #[diesel(sql_type = Nullable<Integer>)]
    pub organisation_suppress_below: Option<i32>,
    /// The event's `group_reservations` as stored (`domain::group_reservations`).
    #[diesel(sql_type = Jsonb)]
    pub group_reservations: serde_json::Value,
}

/// One keyed count of an event: `kind` is `interpretation` (key: language), `category` (key:
/// stakeholder category; `n` confirmed, `attended`) or `interest` (key: topic).
#[derive(Debug, Clone, QueryableByName)]
pub struct BreakdownRow {
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Text)]
    pub key: String,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
    #[diesel(sql_type = BigInt)]
    pub attended: i64,
}

/// Where a report's counts come from: the tallies that the registrations' triggers keep (what
/// every report reads), or the same grouping made afresh from the registrations (the
/// `registration_tallies_recount` view of migration 000300), which the tests hold the tallies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountedFrom {
    Tallies,
    Registrations,
}

/// One report query, over the tallies and over their recount.
struct Counted {
    tallies: &'static str,
    recounted: &'static str,
}

impl Counted {
    fn sql(&self, from: CountedFrom) -> &'static str {
        match from {
            CountedFrom::Tallies => self.tallies,
            CountedFrom::Registrations => self.recounted,
        }
    }
}

/// The one event's cells, as a FROM item: `$event` is the SQL that gives the event's id.
macro_rules! cells {
    (Tallies, $event:literal) => {
        concat!("(SELECT * FROM registration_tallies WHERE event_id = ", $event, ")")
    };
    (Registrations, $event:literal) => {
        concat!("(SELECT * FROM registration_tallies_recount WHERE event_id = ", $event, ")")
    };
}

/// How many registrations of the cells `t` meet a condition.
macro_rules! tally {
    ($condition:literal) => {
        concat!("coalesce(sum(t.n) FILTER (WHERE ", $condition, "), 0)::bigint")
    };
}

// "Counts cover non-cancelled registrations unless named cancelled"; erased registrations
// keep every column counted here, so they still count. The minimum of online attendance is
// `domain::attendance::min_minutes` (the event's own, else a quarter of its length rounded
// up, 1 to 1440), which event reads show: the two must agree. The median of the minutes is
// percentile_cont's (the middle one, or the mean of the two middle ones) taken from their
// counts: the values at positions (total + 1) / 2 and total / 2 + 1 in order.
macro_rules! event_counts {
    ($from:ident) => {
        concat!(
            "
SELECT e.id AS event_id, e.title, e.region, e.series, e.starts_at, e.ends_at, e.timezone, e.status,
       now() AS generated_at, e.ends_at < now() AS ended,
       e.online_offered, e.online_capacity, e.onsite_offered, e.onsite_capacity,
       m.minimum AS online_attendance_min_minutes, e.group_reservations,
       c.*, md.online_minutes_median,
       (SELECT o.report_suppress_below FROM organisations o WHERE o.id = e.organisation_id)
         AS organisation_suppress_below
  FROM events e
  CROSS JOIN LATERAL (
    SELECT coalesce(e.online_attendance_min_minutes,
                    least(1440, greatest(1, ceil(extract(epoch FROM e.ends_at - e.starts_at) / 240)))::integer)
           AS minimum
  ) m
  CROSS JOIN LATERAL (
    SELECT
      ", tally!("t.status = 'confirmed' AND t.attendance_mode = 'online'"), " AS online_confirmed,
      ", tally!("t.status = 'waitlisted' AND t.attendance_mode = 'online'"), " AS online_waitlisted,
      ", tally!("t.status = 'confirmed' AND t.attendance_mode = 'online' AND t.checked_in"), " AS online_attended,
      ", tally!("t.status = 'confirmed' AND t.attendance_mode = 'onsite'"), " AS onsite_confirmed,
      ", tally!("t.status = 'waitlisted' AND t.attendance_mode = 'onsite'"), " AS onsite_waitlisted,
      ", tally!("t.status = 'confirmed' AND t.attendance_mode = 'onsite' AND t.checked_in"), " AS onsite_attended,
      ", tally!("t.status = 'cancelled'"), " AS cancelled,
      ", tally!("t.status = 'confirmed' AND t.fallback_applied"), " AS fallback_applied,
      ", tally!("t.status <> 'cancelled' AND t.needs_physical_space"), " AS physical_space_requested,
      ", tally!("t.status = 'confirmed' AND t.needs_physical_space"), " AS physical_space_seated,
      ", tally!("t.status = 'waitlisted' AND t.needs_physical_space"), " AS physical_space_waitlisted,
      ", tally!("t.status <> 'cancelled' AND t.needs_transport"), " AS transport,
      ", tally!("t.status <> 'cancelled' AND t.accessibility_requested"), " AS accessibility,
      ", tally!("t.status = 'confirmed' AND t.check_in_source = 'onsite'"), " AS attended_onsite_source,
      ", tally!("t.status = 'confirmed' AND t.check_in_source = 'online_import'"), " AS attended_online_import,
      ", tally!("t.status = 'confirmed' AND t.check_in_source = 'manual'"), " AS attended_manual,
      -- Minutes are kept only with a check-in (minutes_only_with_a_check_in).
      ", tally!("t.status = 'confirmed' AND t.attendance_mode = 'online' AND t.check_in_minutes IS NOT NULL"),
            " AS online_with_minutes,
      ", tally!("t.status = 'confirmed' AND t.attendance_mode = 'online' AND t.check_in_minutes >= m.minimum"),
            " AS online_at_or_above_minimum
    FROM ", cells!($from, "e.id"), " t
  ) c
  CROSS JOIN LATERAL (
    SELECT (min(x.minutes) FILTER (WHERE x.upto >= (x.total + 1) / 2)
            + min(x.minutes) FILTER (WHERE x.upto >= x.total / 2 + 1)) / 2.0::double precision
           AS online_minutes_median
      FROM (SELECT k.minutes, (sum(k.n) OVER (ORDER BY k.minutes))::bigint AS upto,
                   (sum(k.n) OVER ())::bigint AS total
              FROM (SELECT t.check_in_minutes AS minutes, sum(t.n) AS n
                      FROM ", cells!($from, "e.id"), " t
                     WHERE t.status = 'confirmed' AND t.attendance_mode = 'online'
                       AND t.check_in_minutes IS NOT NULL
                     GROUP BY t.check_in_minutes
                    HAVING sum(t.n) > 0) k) x
  ) md
 WHERE e.id = $1"
        )
    };
}

const EVENT_COUNTS: Counted =
    Counted { tallies: event_counts!(Tallies), recounted: event_counts!(Registrations) };

// Groups with no registration (cells at zero) have no row, as in a count of the table.
macro_rules! event_breakdown {
    ($from:ident) => {
        concat!(
            "
SELECT 'interpretation' AS kind, t.interpretation_language AS key, sum(t.n)::bigint AS n, 0::bigint AS attended
  FROM ", cells!($from, "$1"), " t
 WHERE t.status <> 'cancelled' AND t.interpretation_language IS NOT NULL
 GROUP BY t.interpretation_language
HAVING sum(t.n) > 0
UNION ALL
SELECT 'category', t.stakeholder_category, ", tally!("t.status = 'confirmed'"), ",
       ", tally!("t.status = 'confirmed' AND t.checked_in"), "
  FROM ", cells!($from, "$1"), " t
 WHERE t.status <> 'cancelled'
 GROUP BY t.stakeholder_category
HAVING sum(t.n) > 0
UNION ALL
SELECT 'interest', u.topic, sum(t.n)::bigint, 0
  FROM ", cells!($from, "$1"), " t
  CROSS JOIN LATERAL (SELECT DISTINCT x.topic FROM unnest(t.interests) AS x(topic)) u
 WHERE t.status <> 'cancelled'
 GROUP BY u.topic
HAVING sum(t.n) > 0
ORDER BY 1, 2"
        )
    };
}

const EVENT_BREAKDOWN: Counted =
    Counted { tallies: event_breakdown!(Tallies), recounted: event_breakdown!(Registrations) };

/// How many non-cancelled registrations of an event (or of each event of a series) list one
/// barrier, and of them, how many with it arranged and how many unresolved (the rest are
/// still raised). Kinds nobody lists have no row.
#[derive(Debug, Clone, QueryableByName)]
pub struct BarrierCountsRow {
    #[diesel(sql_type = SqlUuid)]
    pub event_id: Uuid,
    #[diesel(sql_type = Text)]
    pub barrier: String,
    #[diesel(sql_type = BigInt)]
    pub raised: i64,
    #[diesel(sql_type = BigInt)]
    pub arranged: i64,
    #[diesel(sql_type = BigInt)]
    pub unresolved: i64,
}

/// The barrier counts of the events `$events` picks, as [`BarrierCountsRow`]s: the barriers
/// (`kind=status`) listed in the cells (`$table`) of their registrations not cancelled.
macro_rules! barrier_counts_of {
    ($table:literal, $events:literal) => {
        concat!(
            "SELECT t.event_id, split_part(b.listed, '=', 1) AS barrier, sum(t.n)::bigint AS raised, ",
            tally!("split_part(b.listed, '=', 2) = 'arranged'"),
            " AS arranged, ",
            tally!("split_part(b.listed, '=', 2) = 'unresolved'"),
            " AS unresolved
               FROM ",
            $table,
            " t CROSS JOIN LATERAL unnest(t.barrier_statuses) AS b(listed)
              WHERE t.event_id IN (",
            $events,
            ") AND t.status <> 'cancelled'
              GROUP BY t.event_id, split_part(b.listed, '=', 1)
             HAVING sum(t.n) > 0"
        )
    };
}

const EVENT_BARRIER_COUNTS: Counted = Counted {
    tallies: barrier_counts_of!("registration_tallies", "$1"),
    recounted: barrier_counts_of!("registration_tallies_recount", "$1"),
};
/// The events a series report shows: every one but drafts (as `db::series_report`).
const SERIES_BARRIER_COUNTS: &str = barrier_counts_of!(
    "registration_tallies",
    "SELECT e.id FROM events e WHERE e.series_id = $1 AND e.status <> 'draft'"
);

/// The barrier counts of one event.
pub async fn event_barrier_counts(
    mut conn: &AsyncPgConnection,
    event_id: Uuid,
    from: CountedFrom,
) -> AppResult<Vec<BarrierCountsRow>> {
    Ok(diesel::sql_query(EVENT_BARRIER_COUNTS.sql(from)).bind::<SqlUuid, _>(event_id).load(&mut conn).await?)
}

/// The barrier counts of every event of a series' report.
pub async fn series_barrier_counts(
    mut conn: &AsyncPgConnection,
    series_id: Uuid,
) -> AppResult<Vec<BarrierCountsRow>> {
    Ok(diesel::sql_query(SERIES_BARRIER_COUNTS).bind::<SqlUuid, _>(series_id).load(&mut conn).await?)
}

/// One room of an event with its counts: the main venue (`place_id` null, `kind` venue, named
/// by the event's venue) or a place the event offers. Counts cover non-cancelled onsite
/// registrations there.
#[derive(Debug, Clone, QueryableByName)]
pub struct PlaceCountsRow {
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub place_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    pub name: Option<String>,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub municipality: Option<String>,
    #[diesel(sql_type = Nullable<Integer>)]
    pub capacity: Option<i32>,
    #[diesel(sql_type = BigInt)]
    pub confirmed: i64,
    #[diesel(sql_type = BigInt)]
    pub waitlisted: i64,
    #[diesel(sql_type = BigInt)]
    pub attended: i64,
    #[diesel(sql_type = BigInt)]
    pub physical_space_requested: i64,
    #[diesel(sql_type = BigInt)]
    pub physical_space_seated: i64,
    #[diesel(sql_type = BigInt)]
    pub transport: i64,
}

// The event's cells are grouped by place and joined to its rooms: the cost does not grow
// with the number of places. The main venue is listed when onsite is offered, and also when
// someone is still there after it was withdrawn, so that the rooms always add up to the
// onsite counts.
macro_rules! event_places {
    ($from:ident) => {
        concat!(
            "
WITH counts AS (
  SELECT t.place_id,
         ",
            tally!("t.status = 'confirmed'"),
            " AS confirmed,
         ",
            tally!("t.status = 'waitlisted'"),
            " AS waitlisted,
         ",
            tally!("t.status = 'confirmed' AND t.checked_in"),
            " AS attended,
         ",
            tally!("t.needs_physical_space"),
            " AS physical_space_requested,
         ",
            tally!("t.status = 'confirmed' AND t.needs_physical_space"),
            " AS physical_space_seated,
         ",
            tally!("t.needs_transport"),
            " AS transport
    FROM ",
            cells!($from, "$1"),
            " t
   WHERE t.attendance_mode = 'onsite' AND t.status <> 'cancelled'
   GROUP BY t.place_id
  HAVING sum(t.n) > 0
), rooms AS (
  SELECT NULL::uuid AS place_id, e.onsite_venue_name AS name, 'venue'::text AS kind,
         NULL::text AS municipality, e.onsite_capacity AS capacity, 0::bigint AS position
    FROM events e
   WHERE e.id = $1 AND (e.onsite_offered OR EXISTS (SELECT 1 FROM counts c WHERE c.place_id IS NULL))
  UNION ALL
  SELECT ep.place_id, p.name, p.kind, p.municipality, ep.capacity, ep.position
    FROM event_places ep JOIN places p ON p.id = ep.place_id
   WHERE ep.event_id = $1
)
SELECT rooms.place_id, rooms.name, rooms.kind, rooms.municipality, rooms.capacity,
       coalesce(c.confirmed, 0) AS confirmed, coalesce(c.waitlisted, 0) AS waitlisted,
       coalesce(c.attended, 0) AS attended,
       coalesce(c.physical_space_requested, 0) AS physical_space_requested,
       coalesce(c.physical_space_seated, 0) AS physical_space_seated,
       coalesce(c.transport, 0) AS transport
  FROM rooms LEFT JOIN counts c ON c.place_id IS NOT DISTINCT FROM rooms.place_id
 ORDER BY rooms.place_id IS NOT NULL, rooms.position"
        )
    };
}

const EVENT_PLACES: Counted =
    Counted { tallies: event_places!(Tallies), recounted: event_places!(Registrations) };

/// How many confirmed registrations of one mode (and, onsite, one room: `place_id` null is the
/// main venue) were given one no-show reason.
#[derive(Debug, Clone, QueryableByName)]
pub struct NoShowReasonRow {
    #[diesel(sql_type = Text)]
    pub attendance_mode: Mode,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub place_id: Option<Uuid>,
    #[diesel(sql_type = Text)]
    pub reason: NoShowReason,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

// Reasons are few beside the registrations: the partial index registrations_no_show_idx
// holds only those, so this reads them and nothing else. A reason is only ever kept without
// a check-in (no_show_only_without_a_check_in).
const EVENT_NO_SHOW_REASONS: &str = "
SELECT r.attendance_mode, r.place_id, r.no_show_reason AS reason, count(*) AS n
  FROM registrations r
 WHERE r.event_id = $1 AND r.no_show_reason IS NOT NULL AND r.status = 'confirmed'
 GROUP BY r.attendance_mode, r.place_id, r.no_show_reason";

/// The confirmed registrations of one room and stakeholder category, online or onsite,
/// that a message reached before the event started (see `EVENT_REACHED`).
#[derive(Debug, Clone, QueryableByName)]
pub struct ReachedRow {
    #[diesel(sql_type = Text)]
    pub attendance_mode: Mode,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub place_id: Option<Uuid>,
    #[diesel(sql_type = Text)]
    pub stakeholder_category: String,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

// Reached: a partner reported `reached`, or the mail server accepted the server's email
// (`sent`), before the start. Only the registrations reached are read (the partial index
// outreach_items_reported, then each by its key), so the report of a large event costs no
// more than the people reached.
const EVENT_REACHED: &str = "
SELECT r.attendance_mode, r.place_id, r.stakeholder_category, count(*) AS n
  FROM (SELECT DISTINCT o.registration_id
          FROM outreach_items o JOIN events e ON e.id = o.event_id
         WHERE o.event_id = $1 AND o.result IN ('reached', 'sent') AND o.resolved_at < e.starts_at) x
  JOIN registrations r ON r.id = x.registration_id
 WHERE r.status = 'confirmed'
 GROUP BY r.attendance_mode, r.place_id, r.stakeholder_category";

/// The confirmed registrations of one room (online: `place_id` null, onsite: null is the main
/// venue) and stakeholder category, and of them those checked in: what the report counts of
/// each group reservation's members where it holds seats, and the cross of rooms and
/// categories that its suppression must reckon with.
#[derive(Debug, Clone, QueryableByName)]
pub struct RoomCategoryRow {
    #[diesel(sql_type = Text)]
    pub attendance_mode: Mode,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub place_id: Option<Uuid>,
    #[diesel(sql_type = Text)]
    pub stakeholder_category: String,
    #[diesel(sql_type = BigInt)]
    pub confirmed: i64,
    #[diesel(sql_type = BigInt)]
    pub attended: i64,
}

// Read only for an event that reserves seats for groups: the others' reports never show it.
macro_rules! event_room_categories {
    ($from:ident) => {
        concat!(
            "
SELECT t.attendance_mode, t.place_id, t.stakeholder_category, sum(t.n)::bigint AS confirmed,
       ",
            tally!("t.checked_in"),
            " AS attended
  FROM ",
            cells!($from, "$1"),
            " t
 WHERE t.status = 'confirmed'
   AND EXISTS (SELECT 1 FROM events e WHERE e.id = $1 AND e.group_reservations <> '[]'::jsonb)
 GROUP BY t.attendance_mode, t.place_id, t.stakeholder_category
HAVING sum(t.n) > 0"
        )
    };
}

const EVENT_ROOM_CATEGORIES: Counted =
    Counted { tallies: event_room_categories!(Tallies), recounted: event_room_categories!(Registrations) };

#[tracing::instrument(skip(conn))]
pub async fn event_room_categories(
    mut conn: &AsyncPgConnection,
    event_id: Uuid,
    from: CountedFrom,
) -> AppResult<Vec<RoomCategoryRow>> {
    Ok(diesel::sql_query(EVENT_ROOM_CATEGORIES.sql(from))
        .bind::<SqlUuid, _>(event_id)
        .load(&mut conn)
        .await?)
}

/// What became of an event's offers and reminders.
#[derive(Debug, Clone, QueryableByName)]
pub struct OutreachCountsRow {
    /// Seats offered (history `offered`), and how the offers ended.
    #[diesel(sql_type = BigInt)]
    pub offers_made: i64,
    #[diesel(sql_type = BigInt)]
    pub offers_accepted: i64,
    #[diesel(sql_type = BigInt)]
    pub offers_declined: i64,
    #[diesel(sql_type = BigInt)]
    pub offers_expired: i64,
    /// Registrations holding an offer now.
    #[diesel(sql_type = BigInt)]
    pub offers_open: i64,
    /// Reminder items made, and how they stand.
    #[diesel(sql_type = BigInt)]
    pub reminders_created: i64,
    #[diesel(sql_type = BigInt)]
    pub reminders_reached: i64,
    #[diesel(sql_type = BigInt)]
    pub reminders_failed: i64,
    #[diesel(sql_type = BigInt)]
    pub reminders_open: i64,
}

// Each count through a partial index that holds only what it counts
// (registration_history_offers, registrations_offers_due, outreach_items_reported).
const EVENT_OUTREACH: &str = "
SELECT h.offers_made, h.offers_accepted, h.offers_declined, h.offers_expired,
       (SELECT count(*) FROM registrations r WHERE r.event_id = $1 AND r.status = 'offered') AS offers_open,
       m.*
  FROM (SELECT count(*) FILTER (WHERE h.action = 'offered') AS offers_made,
               count(*) FILTER (WHERE h.action = 'offer_accepted') AS offers_accepted,
               count(*) FILTER (WHERE h.action = 'offer_declined') AS offers_declined,
               count(*) FILTER (WHERE h.action = 'offer_expired') AS offers_expired
          FROM registration_history h
         WHERE h.event_id = $1
           AND h.action IN ('offered', 'offer_accepted', 'offer_declined', 'offer_expired')) h
 CROSS JOIN (SELECT count(*) AS reminders_created,
                    count(*) FILTER (WHERE o.result IN ('reached', 'sent')) AS reminders_reached,
                    count(*) FILTER (WHERE o.status = 'failed') AS reminders_failed,
                    count(*) FILTER (WHERE o.status = 'open') AS reminders_open
               FROM outreach_items o
              WHERE o.event_id = $1 AND o.kind = 'reminder') m";

#[tracing::instrument(skip(conn))]
pub async fn event_reached(mut conn: &AsyncPgConnection, event_id: Uuid) -> AppResult<Vec<ReachedRow>> {
    Ok(diesel::sql_query(EVENT_REACHED).bind::<SqlUuid, _>(event_id).load(&mut conn).await?)
}

#[tracing::instrument(skip(conn))]
pub async fn event_outreach(mut conn: &AsyncPgConnection, event_id: Uuid) -> AppResult<OutreachCountsRow> {
    Ok(diesel::sql_query(EVENT_OUTREACH).bind::<SqlUuid, _>(event_id).get_result(&mut conn).await?)
}

#[tracing::instrument(skip(conn))]
pub async fn event_counts(
    mut conn: &AsyncPgConnection,
    event_id: Uuid,
    from: CountedFrom,
) -> AppResult<Option<EventCountsRow>> {
    Ok(diesel::sql_query(EVENT_COUNTS.sql(from))
        .bind::<SqlUuid, _>(event_id)
        .get_result::<EventCountsRow>(&mut conn)
        .await
        .optional()?)
}

#[tracing::instrument(skip(conn))]
pub async fn event_breakdown(
    mut conn: &AsyncPgConnection,
    event_id: Uuid,
    from: CountedFrom,
) -> AppResult<Vec<BreakdownRow>> {
    Ok(diesel::sql_query(EVENT_BREAKDOWN.sql(from)).bind::<SqlUuid, _>(event_id).load(&mut conn).await?)
}

/// The main venue and each place of an event, in the order of its reads.
#[tracing::instrument(skip(conn))]
pub async fn event_places(
    mut conn: &AsyncPgConnection,
    event_id: Uuid,
    from: CountedFrom,
) -> AppResult<Vec<PlaceCountsRow>> {
    Ok(diesel::sql_query(EVENT_PLACES.sql(from)).bind::<SqlUuid, _>(event_id).load(&mut conn).await?)
}

#[tracing::instrument(skip(conn))]
pub async fn event_no_show_reasons(
    mut conn: &AsyncPgConnection,
    event_id: Uuid,
) -> AppResult<Vec<NoShowReasonRow>> {
    Ok(diesel::sql_query(EVENT_NO_SHOW_REASONS).bind::<SqlUuid, _>(event_id).load(&mut conn).await?)
}

/// What one event's report is built from.
#[derive(Debug, Clone)]
pub struct EventReportData {
    pub counts: EventCountsRow,
    pub breakdown: Vec<BreakdownRow>,
    pub places: Vec<PlaceCountsRow>,
    pub no_show_reasons: Vec<NoShowReasonRow>,
    pub reached: Vec<ReachedRow>,
    pub outreach: OutreachCountsRow,
    pub follow_up: FollowUp,
    pub barriers: Vec<BarrierCountsRow>,
    /// The event's group reservations (empty for most events).
    pub group_reservations: Vec<GroupReservation>,
    /// Confirmed by room and category; read only when there are group reservations.
    pub room_categories: Vec<RoomCategoryRow>,
}

/// What a report shows of the meeting's decisions: the event's outcome and actions, and the
/// actions still to do from the earlier events of its series. No count: nothing to protect.
#[derive(Debug, Clone, Default)]
pub struct FollowUp {
    pub outcome: Option<OutcomeRow>,
    pub actions: Vec<ActionRow>,
    pub previous_open_actions: Vec<ActionRow>,
}

/// The event's [`FollowUp`], on a shared connection to be pipelined with the counts.
async fn follow_up(conn: &AsyncPgConnection, event_id: Uuid) -> AppResult<FollowUp> {
    let (outcome, actions, previous_open_actions) = futures_util::future::try_join3(
        outcomes::find_outcome(conn, event_id),
        outcomes::event_actions(conn, event_id),
        outcomes::previous_open_actions(conn, event_id),
    )
    .await?;
    Ok(FollowUp { outcome, actions, previous_open_actions })
}

/// The queries of one event's report, in one read-only snapshot so that they agree, and
/// pipelined: sent together, so the report costs one round trip however many there are.
pub async fn event_report_data(
    conn: &mut AsyncPgConnection,
    event_id: Uuid,
    from: CountedFrom,
) -> AppResult<Option<EventReportData>> {
    conn.build_transaction()
        .read_only()
        .repeatable_read()
        .run(async move |conn| {
            let shared: &AsyncPgConnection = conn;
            let (
                (counts, breakdown, places, no_show_reasons),
                (reached, outreach, room_categories, barriers),
                follow_up,
            ) = futures_util::future::try_join3(
                futures_util::future::try_join4(
                    event_counts(shared, event_id, from),
                    event_breakdown(shared, event_id, from),
                    event_places(shared, event_id, from),
                    event_no_show_reasons(shared, event_id),
                ),
                futures_util::future::try_join4(
                    event_reached(shared, event_id),
                    event_outreach(shared, event_id),
                    event_room_categories(shared, event_id, from),
                    event_barrier_counts(shared, event_id, from),
                ),
                follow_up(shared, event_id),
            )
            .await?;
            Ok(counts.map(|counts| EventReportData {
                group_reservations: serde_json::from_value(counts.group_reservations.clone())
                    .unwrap_or_default(),
                room_categories,
                counts,
                breakdown,
                places,
                no_show_reasons,
                reached,
                outreach,
                follow_up,
                barriers,
            }))
        })
        .await
}

/// One line of the attendance list. `full_name` is null once the person's data is erased.
#[derive(Debug, Clone, Queryable)]
pub struct AttendanceRow {
    pub seq: i64,
    pub id: Uuid,
    pub full_name: Option<String>,
    pub stakeholder_category: String,
    pub attendance_mode: Mode,
    pub status: RegistrationStatus,
    pub needs_physical_space: bool,
    pub needs_transport: bool,
    pub interpretation_language: Option<String>,
    pub checked_in_at: Option<DateTime<Utc>>,
    /// The name of the place the registration has, when it has one.
    pub place_name: Option<String>,
    /// The name of the event's main venue.
    pub venue_name: Option<String>,
    pub check_in_source: Option<CheckInSource>,
    pub check_in_minutes: Option<i32>,
    pub no_show_reason: Option<NoShowReason>,
}

impl AttendanceRow {
    /// Where the person attends: the place's name, the main venue's for onsite there, none
    /// online.
    pub fn place(&self) -> Option<&str> {
        match self.attendance_mode {
            Mode::Online => None,
            Mode::Onsite => self.place_name.as_deref().or(self.venue_name.as_deref()),
        }
    }
}

/// The next `limit` registrations of an event in arrival order after `after_seq` (keyset
/// pagination on the `(event_id, seq)` index: each page costs the same however deep it is).
pub async fn attendance_page(
    conn: &mut AsyncPgConnection,
    event_id: Uuid,
    after_seq: i64,
    limit: i64,
) -> AppResult<Vec<AttendanceRow>> {
    Ok(registrations::table
        .inner_join(events::table)
        .left_join(places::table)
        .filter(registrations::event_id.eq(event_id))
        .filter(registrations::seq.gt(after_seq))
        .order(registrations::seq)
        .limit(limit)
        .select((
            registrations::seq,
            registrations::id,
            registrations::full_name,
            registrations::stakeholder_category,
            registrations::attendance_mode,
            registrations::status,
            registrations::needs_physical_space,
            registrations::needs_transport,
            registrations::interpretation_language,
            registrations::checked_in_at,
            places::name.nullable(),
            events::onsite_venue_name,
            registrations::check_in_source,
            registrations::check_in_minutes,
            registrations::no_show_reason,
        ))
        .load(conn)
        .await?)
}

/// Which events the aggregated report covers. `organisation_id` narrows to one organisation;
/// `visible_to` is the organisation an organiser is limited to (None for admins).
#[derive(Debug, Clone, Default)]
pub struct SummaryFilter {
    pub region: Option<String>,
    pub series: Option<String>,
    /// The series by id (`db::series`), beside its name in `series`.
    pub series_id: Option<Uuid>,
    pub organisation_id: Option<Uuid>,
    pub visible_to: Option<Uuid>,
    pub status: Option<EventStatus>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, QueryableByName)]
pub struct EventSummaryRow {
    #[diesel(sql_type = SqlUuid)]
    pub event_id: Uuid,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub region: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub series: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    pub starts_at: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    pub timezone: String,
    #[diesel(sql_type = Text)]
    pub status: EventStatus,
    #[diesel(sql_type = BigInt)]
    pub online_confirmed: i64,
    #[diesel(sql_type = BigInt)]
    pub online_attended: i64,
    #[diesel(sql_type = BigInt)]
    pub onsite_confirmed: i64,
    #[diesel(sql_type = BigInt)]
    pub onsite_attended: i64,
    #[diesel(sql_type = BigInt)]
    pub physical_space_requested: i64,
    #[diesel(sql_type = BigInt)]
    pub physical_space_seated: i64,
    /// Confirmed at the event's hosted places (places of kind `hosted`), and of those
    /// checked in: also counted in `onsite_*`.
    #[diesel(sql_type = BigInt)]
    pub hosted_confirmed: i64,
    #[diesel(sql_type = BigInt)]
    pub hosted_attended: i64,
    /// Confirmed registrations given each no-show reason, in the order of
    /// `NoShowReason::ALL`.
    #[diesel(sql_type = Array<BigInt>)]
    pub no_show_reasons: Vec<i64>,
}

/// The sums over every event of a filter (not one page of it).
#[derive(Debug, Clone, QueryableByName)]
pub struct SummaryTotalsRow {
    #[diesel(sql_type = BigInt)]
    pub events: i64,
    #[diesel(sql_type = BigInt)]
    pub online_confirmed: i64,
    #[diesel(sql_type = BigInt)]
    pub online_attended: i64,
    #[diesel(sql_type = BigInt)]
    pub onsite_confirmed: i64,
    #[diesel(sql_type = BigInt)]
    pub onsite_attended: i64,
    #[diesel(sql_type = BigInt)]
    pub hosted_confirmed: i64,
    #[diesel(sql_type = BigInt)]
    pub hosted_attended: i64,
    /// As `EventSummaryRow::no_show_reasons`.
    #[diesel(sql_type = Array<BigInt>)]
    pub no_show_reasons: Vec<i64>,
}

/// Confirmed registrations given each no-show reason, in the order of `NoShowReason::ALL`
/// (a test reads each back by name).
macro_rules! no_show_reasons {
    () => {
        "ARRAY[
         count(*) FILTER (WHERE r.status = 'confirmed' AND r.no_show_reason = 'transport'),
         count(*) FILTER (WHERE r.status = 'confirmed' AND r.no_show_reason = 'connection'),
         count(*) FILTER (WHERE r.status = 'confirmed' AND r.no_show_reason = 'device'),
         count(*) FILTER (WHERE r.status = 'confirmed' AND r.no_show_reason = 'schedule'),
         count(*) FILTER (WHERE r.status = 'confirmed' AND r.no_show_reason = 'illness'),
         count(*) FILTER (WHERE r.status = 'confirmed' AND r.no_show_reason = 'care_duties'),
         count(*) FILTER (WHERE r.status = 'confirmed' AND r.no_show_reason = 'language'),
         count(*) FILTER (WHERE r.status = 'confirmed' AND r.no_show_reason = 'not_informed'),
         count(*) FILTER (WHERE r.status = 'confirmed' AND r.no_show_reason = 'other'),
         count(*) FILTER (WHERE r.status = 'confirmed' AND r.no_show_reason = 'unknown')] AS no_show_reasons"
    };
}

/// The events of a `SummaryFilter`: $1 organisation_id, $2 visible_to, $3 region, $4 series,
/// $5 status, $6 from, $7 to, $8 series_id. An absent filter is a NULL parameter, which keeps each query one
/// statement.
macro_rules! summary_filter {
    () => {
        "($1::uuid IS NULL OR e.organisation_id = $1)
   AND ($2::uuid IS NULL OR e.organisation_id = $2)
   AND ($3::text IS NULL OR e.region = $3)
   AND ($4::text IS NULL OR e.series = $4)
   AND ($5::text IS NULL OR e.status = $5)
   AND ($6::timestamptz IS NULL OR e.starts_at >= $6)
   AND ($7::timestamptz IS NULL OR e.starts_at < $7)
   AND ($8::uuid IS NULL OR e.series_id = $8)"
    };
}

/// Binds a `SummaryFilter` as the $1 to $8 of `summary_filter!`.
macro_rules! bind_summary_filter {
    ($query:expr, $filter:expr) => {
        $query
            .bind::<Nullable<SqlUuid>, _>($filter.organisation_id)
            .bind::<Nullable<SqlUuid>, _>($filter.visible_to)
            .bind::<Nullable<Text>, _>($filter.region.as_deref())
            .bind::<Nullable<Text>, _>($filter.series.as_deref())
            .bind::<Nullable<Text>, _>($filter.status)
            .bind::<Nullable<Timestamptz>, _>($filter.from)
            .bind::<Nullable<Timestamptz>, _>($filter.to)
            .bind::<Nullable<SqlUuid>, _>($filter.series_id)
    };
}

// The same definitions as EVENT_COUNTS, so the rows add up to the per-event reports. A page
// of events by (starts_at, id) after the key ($9, $10), then each one's counts: only the page's
// registrations are counted, however many events the filter matches.
const SUMMARY_PAGE: &str = concat!(
    "
SELECT e.id AS event_id, e.title, e.region, e.series, e.starts_at, e.timezone, e.status, c.*
  FROM (SELECT e.id, e.title, e.region, e.series, e.starts_at, e.timezone, e.status
          FROM events e
         WHERE ",
    summary_filter!(),
    "
           AND ($9::timestamptz IS NULL OR (e.starts_at, e.id) > ($9, $10::uuid))
         ORDER BY e.starts_at, e.id
         LIMIT $11) e
  CROSS JOIN LATERAL (
    SELECT
      count(*) FILTER (WHERE r.status = 'confirmed' AND r.attendance_mode = 'online') AS online_confirmed,
      count(*) FILTER (WHERE r.status = 'confirmed' AND r.attendance_mode = 'online'
                         AND r.checked_in_at IS NOT NULL) AS online_attended,
      count(*) FILTER (WHERE r.status = 'confirmed' AND r.attendance_mode = 'onsite') AS onsite_confirmed,
      count(*) FILTER (WHERE r.status = 'confirmed' AND r.attendance_mode = 'onsite'
                         AND r.checked_in_at IS NOT NULL) AS onsite_attended,
      count(*) FILTER (WHERE r.status <> 'cancelled' AND r.needs_physical_space) AS physical_space_requested,
      count(*) FILTER (WHERE r.status = 'confirmed' AND r.needs_physical_space) AS physical_space_seated,
      count(*) FILTER (WHERE r.status = 'confirmed' AND p.kind = 'hosted') AS hosted_confirmed,
      count(*) FILTER (WHERE r.status = 'confirmed' AND p.kind = 'hosted'
                         AND r.checked_in_at IS NOT NULL) AS hosted_attended,
      ",
    no_show_reasons!(),
    "
    FROM registrations r LEFT JOIN places p ON p.id = r.place_id
   WHERE r.event_id = e.id
  ) c
 ORDER BY e.starts_at, e.id"
);

// The sums of SUMMARY_PAGE's columns over every event of the filter, counted by PostgreSQL.
const SUMMARY_TOTALS: &str = concat!(
    "
WITH matching AS (SELECT e.id FROM events e WHERE ",
    summary_filter!(),
    ")
SELECT (SELECT count(*) FROM matching) AS events,
       count(*) FILTER (WHERE r.status = 'confirmed' AND r.attendance_mode = 'online') AS online_confirmed,
       count(*) FILTER (WHERE r.status = 'confirmed' AND r.attendance_mode = 'online'
                          AND r.checked_in_at IS NOT NULL) AS online_attended,
       count(*) FILTER (WHERE r.status = 'confirmed' AND r.attendance_mode = 'onsite') AS onsite_confirmed,
       count(*) FILTER (WHERE r.status = 'confirmed' AND r.attendance_mode = 'onsite'
                          AND r.checked_in_at IS NOT NULL) AS onsite_attended,
       count(*) FILTER (WHERE r.status = 'confirmed' AND p.kind = 'hosted') AS hosted_confirmed,
       count(*) FILTER (WHERE r.status = 'confirmed' AND p.kind = 'hosted'
                          AND r.checked_in_at IS NOT NULL) AS hosted_attended,
       ",
    no_show_reasons!(),
    "
  FROM registrations r LEFT JOIN places p ON p.id = r.place_id
 WHERE r.event_id IN (SELECT id FROM matching)"
);

/// Up to `limit` events of the filter after `after` (the (starts_at, id) of the previous
/// page's last event), by (starts_at, id), with their counts.
#[tracing::instrument(skip(conn))]
pub async fn attendance_summary_page(
    conn: &mut AsyncPgConnection,
    filter: &SummaryFilter,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> AppResult<Vec<EventSummaryRow>> {
    Ok(bind_summary_filter!(diesel::sql_query(SUMMARY_PAGE), filter)
        .bind::<Nullable<Timestamptz>, _>(after.map(|(starts_at, _)| starts_at))
        .bind::<Nullable<SqlUuid>, _>(after.map(|(_, id)| id))
        .bind::<BigInt, _>(limit)
        .load(conn)
        .await?)
}

#[tracing::instrument(skip(conn))]
pub async fn attendance_summary_totals(
    conn: &mut AsyncPgConnection,
    filter: &SummaryFilter,
) -> AppResult<SummaryTotalsRow> {
    Ok(bind_summary_filter!(diesel::sql_query(SUMMARY_TOTALS), filter).get_result(conn).await?)
}

// The highest `report_suppress_below` among the organisations whose events the filter
// matches: the floor of the summary, so that no organisation's threshold is undercut by a
// report that also covers others.
const SUMMARY_SUPPRESS_FLOOR: &str = concat!(
    "
SELECT max(o.report_suppress_below) AS floor
  FROM organisations o
 WHERE o.id IN (SELECT e.organisation_id FROM events e WHERE ",
    summary_filter!(),
    ")"
);

#[derive(QueryableByName)]
struct Floor {
    #[diesel(sql_type = Nullable<Integer>)]
    floor: Option<i32>,
}

/// The suppression floor of a summary (see SUMMARY_SUPPRESS_FLOOR).
#[tracing::instrument(skip(conn))]
pub async fn summary_suppress_floor(
    conn: &mut AsyncPgConnection,
    filter: &SummaryFilter,
) -> AppResult<Option<i64>> {
    let row: Floor =
        bind_summary_filter!(diesel::sql_query(SUMMARY_SUPPRESS_FLOOR), filter).get_result(conn).await?;
    Ok(row.floor.map(i64::from))
}

/// A page of the summary and the totals of its whole filter, in one read-only snapshot so
/// that they agree.
pub async fn attendance_summary(
    conn: &mut AsyncPgConnection,
    filter: &SummaryFilter,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> AppResult<(Vec<EventSummaryRow>, SummaryTotalsRow)> {
    let filter = filter.clone();
    conn.build_transaction()
        .read_only()
        .repeatable_read()
        .run(async move |conn| {
            let rows = attendance_summary_page(conn, &filter, after, limit).await?;
            let totals = attendance_summary_totals(conn, &filter).await?;
            Ok((rows, totals))
        })
        .await
}
