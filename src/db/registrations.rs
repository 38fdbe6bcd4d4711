//! Registrations: rows and the queries of the seat transactions. The decisions are made in
//! `app::registrations` (with `domain::seats`) with the event row locked; the trigger keeps
//! the event's seat counters.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{Array, BigInt, Bool, Int4, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use futures_util::future::{join, ready, Either};
use futures_util::TryFutureExt;
use uuid::Uuid;

use crate::db::history::RegistrationEntry;
use crate::db::outbox::{self, Change};
use crate::db::pipelined::PipelinedTransaction;
use crate::db::prepared::Prepared;
use crate::db::schema::registrations;
use crate::domain::actors::ActorKind;
use crate::domain::attendance::{CheckIn, CheckInSource, NoShowReason};
use crate::domain::barriers::Barriers;
use crate::domain::consent::{Accepted, CONTACT};
use crate::domain::events::EventStatus;
use crate::domain::group_reservations::{group_of, GroupReservation, Seated};
use crate::domain::offers::SeatGiven;
use crate::domain::outreach::OutreachKind;
use crate::domain::refusal::Refusal;
use crate::domain::registrations::{RegistrationStatus, ValidRegistration};
use crate::domain::seats::{Mode, Promotion, Spot, Waiting};
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = registrations)]
pub struct RegistrationRow {
    pub id: Uuid,
    pub seq: i64,
    pub event_id: Uuid,
    pub status: RegistrationStatus,
    pub attendance_mode: Mode,
    pub needs_physical_space: bool,
    pub needs_transport: bool,
    pub interpretation_language: Option<String>,
    pub accessibility_notes: Option<String>,
    pub accept_online_fallback: bool,
    pub fallback_applied: bool,
    pub interests: Vec<String>,
    pub full_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub organisation_name: Option<String>,
    pub preferred_language: Option<String>,
    pub stakeholder_category: String,
    pub checked_in_at: Option<DateTime<Utc>>,
    pub created_by: Uuid,
    pub created_by_kind: ActorKind,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub erased_at: Option<DateTime<Utc>>,
    /// The place it attends (onsite only); `None`: the event's main venue, or online.
    pub place_id: Option<Uuid>,
    /// Other places of the event the person could reach, in order of preference.
    pub acceptable_place_ids: Vec<Uuid>,
    /// How the check-in was made; set exactly when `checked_in_at` is.
    pub check_in_source: Option<CheckInSource>,
    /// For online attendance, the minutes the person was there.
    pub check_in_minutes: Option<i32>,
    /// Why a confirmed person did not come; only without a check-in.
    pub no_show_reason: Option<NoShowReason>,
    /// Until when the seat offered is held; set exactly when the status is `offered`.
    pub offer_expires_at: Option<DateTime<Utc>>,
    /// The person's code across the organisation's events (`domain::people`); set exactly
    /// while the registration is linked (`person_key`, never read back, is the link).
    pub person_code: Option<String>,
    /// What keeps the person from taking part (`domain::barriers`), in the vocabulary's order.
    pub barriers: Barriers,
}

impl RegistrationRow {
    /// Where it attends (or waits to).
    pub fn spot(&self) -> Spot {
        Spot::of(self.attendance_mode, self.place_id)
    }

    /// The check-in, when there is one.
    pub fn check_in(&self) -> Option<CheckIn> {
        // The database keeps the time and the source together (check_in_has_its_source).
        Some(CheckIn {
            at: self.checked_in_at?,
            source: self.check_in_source?,
            minutes: self.check_in_minutes,
        })
    }
}

/// Maps the unique indexes of rule 5 to 409 `already_registered`.
fn one_person_once(error: DieselError) -> AppError {
    match &error {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info)
            if info.constraint_name().is_some_and(|c| c.starts_with("registrations_one_")) =>
        {
            Refusal::AlreadyRegistered.into()
        }
        _ => error.into(),
    }
}

/// New registrations (`$1`, a JSON array of [`Written`] rows, in the order they arrived),
/// each with the webhook deliveries announcing it and its outreach item's `outreach.created`
/// (see `db::outbox`), its history line, its consents and its outreach item, in one
/// statement: the other inserts ride along as data-modifying CTEs, so all are written or
/// none, and the database starts one statement however many registrations it writes. All
/// messages' deliveries are one insert over one scan of the subscriptions. The registrations
/// take their `seq` (their place in the waitlists) in the array's order. Written out rather
/// than built by diesel so that it is one constant text, prepared once per connection.
const INSERT_REGISTERED: &str = concat!(
    "WITH r AS (
         SELECT * FROM jsonb_to_recordset($1) AS r(
             n int4, id uuid, event_id uuid, status text, attendance_mode text,
             needs_physical_space bool, needs_transport bool, interpretation_language text,
             accessibility_notes text, accept_online_fallback bool, fallback_applied bool,
             interests text[], full_name text, email text, email_normalised text, phone text,
             phone_digits text, organisation_name text, preferred_language text,
             stakeholder_category text, consent_contact bool, created_by uuid, created_by_kind text,
             place_id uuid, acceptable_place_ids uuid[], person_key bytea, person_code text,
             barriers jsonb, organisation_id uuid, action text, actor_id uuid, actor_kind text,
             purposes text[], versions int4[], message_id uuid, event_type text, payload jsonb,
             partner uuid, outreach_id uuid, outreach_kind text, outreach_payload jsonb)),
     announced AS (",
    outbox::deliveries!(
        "m.id",
        "m.event_type",
        "m.payload",
        "m.organisation_id",
        "s.api_client_id = m.partner",
        "(SELECT message_id, event_type, payload, organisation_id, partner FROM r
           UNION ALL
          SELECT outreach_id, 'outreach.created', outreach_payload, organisation_id, partner FROM r)
             AS m(id, event_type, payload, organisation_id, partner),"
    ),
    "), audited AS (
         INSERT INTO registration_history
             (registration_id, event_id, action, actor_id, actor_kind, old_status, new_status, old_mode, new_mode)
         SELECT id, event_id, action, actor_id, actor_kind, NULL, status, NULL, attendance_mode FROM r),
     consented AS (
         INSERT INTO registration_consents (registration_id, organisation_id, purpose, version)
         SELECT r.id, r.organisation_id, c.purpose, c.version
           FROM r, unnest(r.purposes, r.versions) AS c(purpose, version)),
     told AS (
         INSERT INTO outreach_items (id, registration_id, event_id, organisation_id, partner_id, kind, due_at)
         SELECT outreach_id, id, event_id, organisation_id, outreach_partner(created_by, created_by_kind),
                outreach_kind, now()
           FROM r)
     INSERT INTO registrations (
         id, event_id, status, attendance_mode, needs_physical_space, needs_transport,
         interpretation_language, accessibility_notes, accept_online_fallback, fallback_applied,
         interests, full_name, email, email_normalised, phone, phone_digits, organisation_name,
         preferred_language, stakeholder_category, consent_data_processing, consent_contact,
         created_by, created_by_kind, place_id, acceptable_place_ids, person_key, person_code, barriers)
     SELECT id, event_id, status, attendance_mode, needs_physical_space, needs_transport,
            interpretation_language, accessibility_notes, accept_online_fallback, fallback_applied,
            interests, full_name, email, email_normalised, phone, phone_digits, organisation_name,
            preferred_language, stakeholder_category, true, consent_contact,
            created_by, created_by_kind, place_id, acceptable_place_ids, person_key, person_code, barriers
       FROM r ORDER BY n
     RETURNING *"
);

/// A new registration as decided: its seat, and what it announces and records.
pub struct NewRegistration<'a> {
    pub id: Uuid,
    pub event_id: Uuid,
    pub status: RegistrationStatus,
    pub spot: Spot,
    pub fallback_applied: bool,
    pub input: &'a ValidRegistration,
    pub stakeholder_category: &'a str,
    /// The event's organisation, whose purposes the consents are.
    pub organisation_id: Uuid,
    /// The consents accepted, checked against the organisation's purposes.
    pub consents: &'a [Accepted],
    pub created_by: Uuid,
    pub created_by_kind: ActorKind,
    /// The announcement, the history line and the outreach item of its transition
    /// (`app::transition`), with the item's announcement.
    pub announcement: &'a Change,
    pub entry: &'a RegistrationEntry,
    pub outreach: (Uuid, OutreachKind),
    pub outreach_announcement: &'a Change,
    /// Its person key and code, when it is linked across events (`domain::people`).
    pub person: Option<(&'a [u8], &'a str)>,
}

/// A row of [`INSERT_REGISTERED`]'s `$1`: a [`NewRegistration`] as the statement reads it.
#[derive(serde::Serialize)]
struct Written<'a> {
    n: usize,
    id: Uuid,
    event_id: Uuid,
    status: &'static str,
    attendance_mode: &'static str,
    needs_physical_space: bool,
    needs_transport: bool,
    interpretation_language: Option<&'a str>,
    accessibility_notes: Option<&'a str>,
    accept_online_fallback: bool,
    fallback_applied: bool,
    interests: &'a [String],
    full_name: &'a str,
    email: Option<&'a str>,
    email_normalised: Option<String>,
    phone: Option<&'a str>,
    phone_digits: Option<&'a str>,
    organisation_name: Option<&'a str>,
    preferred_language: Option<&'a str>,
    stakeholder_category: &'a str,
    consent_contact: bool,
    created_by: Uuid,
    created_by_kind: &'static str,
    place_id: Option<Uuid>,
    acceptable_place_ids: &'a [Uuid],
    /// bytea's text form (`\x` and hex digits).
    person_key: Option<String>,
    person_code: Option<&'a str>,
    barriers: &'a Barriers,
    organisation_id: Uuid,
    action: &'static str,
    actor_id: Option<Uuid>,
    actor_kind: &'static str,
    purposes: Vec<&'a str>,
    versions: Vec<i32>,
    message_id: Uuid,
    event_type: &'static str,
    payload: serde_json::Value,
    partner: Option<Uuid>,
    outreach_id: Uuid,
    outreach_kind: &'static str,
    outreach_payload: serde_json::Value,
}

impl<'a> Written<'a> {
    fn of(n: usize, new: &NewRegistration<'a>) -> Self {
        let message = outbox::Message::of(new.announcement);
        let told = outbox::Message::with_id(new.outreach.0, new.outreach_announcement);
        let input = new.input;
        let participant = &input.participant;
        Written {
            n,
            id: new.id,
            event_id: new.event_id,
            status: new.status.as_str(),
            attendance_mode: new.spot.mode().as_str(),
            needs_physical_space: input.needs_physical_space,
            needs_transport: input.needs_transport,
            interpretation_language: input.interpretation_language.as_deref(),
            accessibility_notes: input.accessibility_notes.as_deref(),
            accept_online_fallback: input.accept_online_fallback,
            fallback_applied: new.fallback_applied,
            interests: &input.interests,
            full_name: &participant.full_name,
            email: participant.email.as_ref().map(|e| e.as_str()),
            email_normalised: participant.email.as_ref().map(|e| e.normalised()),
            phone: participant.phone.as_ref().map(|p| p.as_str()),
            phone_digits: participant.phone.as_ref().map(|p| p.digits()),
            organisation_name: participant.organisation_name.as_deref(),
            preferred_language: participant.preferred_language.as_deref(),
            stakeholder_category: new.stakeholder_category,
            consent_contact: new.consents.iter().any(|c| c.purpose == CONTACT),
            created_by: new.created_by,
            created_by_kind: new.created_by_kind.as_str(),
            place_id: new.spot.place(),
            acceptable_place_ids: &input.acceptable_place_ids,
            person_key: new.person.map(|(key, _)| format!("\\x{}", hex::encode(key))),
            person_code: new.person.map(|(_, code)| code),
            barriers: &input.barriers,
            organisation_id: new.organisation_id,
            action: new.entry.action.as_str(),
            actor_id: new.entry.actor.id,
            actor_kind: new.entry.actor.kind.as_str(),
            purposes: new.consents.iter().map(|c| c.purpose.as_str()).collect(),
            versions: new.consents.iter().map(|c| c.version).collect(),
            message_id: message.id,
            event_type: message.event_type.as_str(),
            payload: message.payload,
            partner: message.partner_or_event,
            outreach_id: new.outreach.0,
            outreach_kind: new.outreach.1.as_str(),
            outreach_payload: told.payload,
        }
    }
}

/// Inserts registrations with their announcements, history lines, consents and outreach
/// items, in one statement and one round trip, in the order given; with `commit`, the
/// transaction's COMMIT goes in the same round trip (then nothing may follow). Both are
/// awaited, so the COMMIT is answered before this returns; an insert refused by rule 5
/// aborts the transaction (the COMMIT then rolls back) and its refusal is the one returned.
/// The rows come back in the order given.
pub async fn insert(
    tx: &PipelinedTransaction<'_>,
    new: &[NewRegistration<'_>],
    commit: bool,
) -> AppResult<Vec<RegistrationRow>> {
    let rows: Vec<Written> = new.iter().enumerate().map(|(n, new)| Written::of(n, new)).collect();
    let rows = serde_json::to_value(rows).map_err(|e| AppError::Unexpected(e.into()))?;
    let insert = Prepared(diesel::sql_query(INSERT_REGISTERED).bind::<Jsonb, _>(&rows));
    let commit = if commit { Either::Left(tx.commit()) } else { Either::Right(ready(Ok(()))) };
    let (written, committed) =
        join(insert.load::<RegistrationRow>(&mut tx.shared()).map_err(one_person_once), commit).await;
    let mut written = written?;
    committed?;
    // RETURNING gives the rows in the order written, which is not promised: put them back in
    // the order given.
    let order: std::collections::HashMap<Uuid, usize> =
        new.iter().enumerate().map(|(n, new)| (new.id, n)).collect();
    written.sort_by_key(|row| order.get(&row.id).copied().unwrap_or(usize::MAX));
    Ok(written)
}

/// Who created the registrations of the event that hold this email (normalised) or phone
/// (digits) and are not cancelled: those rule 5 compares a new registration with.
pub async fn creators_of(
    conn: &mut AsyncPgConnection,
    event_id: Uuid,
    email_normalised: Option<&str>,
    phone_digits: Option<&str>,
) -> AppResult<Vec<Uuid>> {
    Ok(registrations::table
        .filter(registrations::event_id.eq(event_id))
        .filter(registrations::status.ne(RegistrationStatus::Cancelled))
        .filter(
            registrations::email_normalised
                .eq(email_normalised)
                .or(registrations::phone_digits.eq(phone_digits))
                .assume_not_null(),
        )
        .select(registrations::created_by)
        .load(conn)
        .await?)
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<RegistrationRow>> {
    Ok(registrations::table.find(id).select(RegistrationRow::as_select()).first(conn).await.optional()?)
}

/// Those of `ids` that are registrations of the event.
pub async fn of_event(
    conn: &mut AsyncPgConnection,
    event_id: Uuid,
    ids: &[Uuid],
) -> AppResult<Vec<RegistrationRow>> {
    Ok(registrations::table
        .filter(registrations::event_id.eq(event_id))
        .filter(registrations::id.eq_any(ids))
        .select(RegistrationRow::as_select())
        .load(conn)
        .await?)
}

/// The event a registration belongs to: it never changes, so it may be read before the
/// event is locked.
pub async fn event_of(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<Uuid>> {
    Ok(registrations::table.find(id).select(registrations::event_id).first(conn).await.optional()?)
}

/// The registration, locked until the transaction ends. Lock its event first (the same
/// order everywhere, so no deadlock).
pub async fn lock(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<RegistrationRow> {
    Ok(registrations::table.find(id).select(RegistrationRow::as_select()).for_update().first(conn).await?)
}

#[derive(QueryableByName)]
struct Position {
    #[diesel(sql_type = BigInt)]
    position: i64,
}

/// 1-based position in the waitlist of its spot (online, the main venue or a place): people
/// with the need first, then arrival.
pub async fn waitlist_position(conn: &mut AsyncPgConnection, row: &RegistrationRow) -> AppResult<i64> {
    Ok(diesel::sql_query(
        "SELECT count(*) + 1 AS position FROM registrations
          WHERE event_id = $1 AND status = 'waitlisted' AND attendance_mode = $2
            AND place_id IS NOT DISTINCT FROM $5
            AND (needs_physical_space > $3 OR (needs_physical_space = $3 AND seq < $4))",
    )
    .bind::<SqlUuid, _>(row.event_id)
    .bind::<Text, _>(row.attendance_mode)
    .bind::<Bool, _>(row.needs_physical_space)
    .bind::<BigInt, _>(row.seq)
    .bind::<Nullable<SqlUuid>, _>(row.place_id)
    .get_result::<Position>(conn)
    .await?
    .position)
}

#[derive(QueryableByName)]
struct IdPosition {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = BigInt)]
    position: i64,
}

/// Waitlist positions of `ids` (those of them that are waitlisted) in one query.
pub async fn waitlist_positions(
    conn: &mut AsyncPgConnection,
    event_id: Uuid,
    ids: &[Uuid],
) -> AppResult<std::collections::HashMap<Uuid, i64>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let rows = diesel::sql_query(
        "SELECT id, position FROM (
            SELECT id, row_number() OVER (PARTITION BY attendance_mode, place_id ORDER BY needs_physical_space DESC, seq) AS position
              FROM registrations WHERE event_id = $1 AND status = 'waitlisted') w
          WHERE id = ANY($2)",
    )
    .bind::<SqlUuid, _>(event_id)
    .bind::<Array<SqlUuid>, _>(ids)
    .load::<IdPosition>(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.position)).collect())
}

#[derive(Debug, Default)]
pub struct RegistrationFilter {
    pub status: Option<RegistrationStatus>,
    pub mode: Option<Mode>,
    pub needs_physical_space: Option<bool>,
    pub place_id: Option<Uuid>,
    /// Only those this caller created (partners see their own).
    pub created_by: Option<Uuid>,
}

/// A page of an event's registrations, oldest first.
pub async fn list(
    conn: &mut AsyncPgConnection,
    event_id: Uuid,
    filter: &RegistrationFilter,
    after_seq: Option<i64>,
    limit: i64,
) -> AppResult<Vec<RegistrationRow>> {
    let mut query = registrations::table
        .filter(registrations::event_id.eq(event_id))
        .select(RegistrationRow::as_select())
        .into_boxed();
    if let Some(status) = filter.status {
        query = query.filter(registrations::status.eq(status));
    }
    if let Some(mode) = filter.mode {
        query = query.filter(registrations::attendance_mode.eq(mode));
    }
    if let Some(needs) = filter.needs_physical_space {
        query = query.filter(registrations::needs_physical_space.eq(needs));
    }
    if let Some(place) = filter.place_id {
        query = query.filter(registrations::place_id.eq(place));
    }
    if let Some(creator) = filter.created_by {
        query = query.filter(registrations::created_by.eq(creator));
    }
    if let Some(seq) = after_seq {
        query = query.filter(registrations::seq.gt(seq));
    }
    Ok(query.order(registrations::seq.asc()).limit(limit).load(conn).await?)
}

#[derive(QueryableByName)]
struct WaitingRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    attendance_mode: Mode,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    place_id: Option<Uuid>,
    #[diesel(sql_type = Bool)]
    needs_physical_space: bool,
    #[diesel(sql_type = Bool)]
    accept_online_fallback: bool,
    #[diesel(sql_type = Text)]
    stakeholder_category: String,
}

impl WaitingRow {
    /// As the promotion sees it, in the group of `reservations` its category is in.
    fn waiting(self, reservations: &[GroupReservation]) -> Waiting {
        Waiting {
            id: self.id,
            spot: Spot::of(self.attendance_mode, self.place_id),
            needs_physical_space: self.needs_physical_space,
            accept_online_fallback: self.accept_online_fallback,
            group: group_of(reservations, &self.stakeholder_category),
        }
    }
}

#[derive(QueryableByName)]
struct SeatedRow {
    #[diesel(sql_type = Nullable<SqlUuid>)]
    place_id: Option<Uuid>,
    #[diesel(sql_type = Bool)]
    needs_physical_space: bool,
    #[diesel(sql_type = Text)]
    stakeholder_category: String,
    #[diesel(sql_type = Int4)]
    count: i32,
}

/// Who holds a seat (confirmed, or offered) in the event's onsite rooms, by room, need and
/// stakeholder category, in one statement: what the seat rules of an event with group
/// reservations decide on. Call with the event locked, so the counts hold until the end of
/// the transaction. Takes a shared connection so that it can be pipelined.
pub async fn seated_by_kind(mut conn: &AsyncPgConnection, event_id: Uuid) -> AppResult<Vec<Seated>> {
    let rows: Vec<SeatedRow> = Prepared(
        diesel::sql_query(
            "SELECT place_id, needs_physical_space, stakeholder_category, count(*)::int4 AS count
               FROM registrations
              WHERE event_id = $1 AND status IN ('confirmed', 'offered') AND attendance_mode = 'onsite'
              GROUP BY place_id, needs_physical_space, stakeholder_category",
        )
        .bind::<SqlUuid, _>(event_id),
    )
    .load(&mut conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| Seated {
            spot: Spot::of(Mode::Onsite, row.place_id),
            needs_physical_space: row.needs_physical_space,
            category: row.stakeholder_category,
            count: row.count,
        })
        .collect())
}

/// The SQL copy of `domain::seats::may_fall_back_online`, for the waitlist query below; a
/// test (tests/api/seat_rules.rs) checks it against the Rust for every combination.
macro_rules! may_fall_back_online_sql {
    () => {
        "(attendance_mode = 'onsite' AND accept_online_fallback AND NOT needs_physical_space)"
    };
}
pub const MAY_FALL_BACK_ONLINE_SQL: &str = may_fall_back_online_sql!();

const VENUE_QUEUE: &str =
    "SELECT id, attendance_mode, place_id, needs_physical_space, accept_online_fallback, stakeholder_category
                             FROM registrations
                            WHERE event_id = $1 AND status = 'waitlisted' AND attendance_mode = 'onsite'
                              AND place_id IS NULL
                            ORDER BY needs_physical_space DESC, seq LIMIT $2";

const PLACE_QUEUE: &str =
    "SELECT id, attendance_mode, place_id, needs_physical_space, accept_online_fallback, stakeholder_category
                             FROM registrations
                            WHERE event_id = $1 AND status = 'waitlisted' AND attendance_mode = 'onsite'
                              AND (place_id = $3 OR $3 = ANY(acceptable_place_ids))
                            ORDER BY needs_physical_space DESC, seq LIMIT $2";

const ONLINE_QUEUE: &str = concat!(
    "SELECT id, attendance_mode, place_id, needs_physical_space, accept_online_fallback, stakeholder_category FROM registrations
      WHERE event_id = $1 AND status = 'waitlisted'
        AND (attendance_mode = 'online' OR ",
    may_fall_back_online_sql!(),
    ") ORDER BY seq LIMIT $2"
);

/// The first `limit` of the main venue's waitlist, in its order: the physical-space need
/// first, then arrival; each in the group of `reservations` its category is in.
pub async fn venue_queue(
    conn: &mut AsyncPgConnection,
    event_id: Uuid,
    limit: i64,
    reservations: &[GroupReservation],
) -> AppResult<Vec<Waiting>> {
    queue(conn, VENUE_QUEUE, event_id, limit, None, reservations).await
}

/// The first `limit` of those waiting who may take a seat at `place`: waiting for it, or
/// having listed it as acceptable; the physical-space need first, then arrival.
pub async fn place_queue(
    conn: &mut AsyncPgConnection,
    event_id: Uuid,
    place: Uuid,
    limit: i64,
    reservations: &[GroupReservation],
) -> AppResult<Vec<Waiting>> {
    queue(conn, PLACE_QUEUE, event_id, limit, Some(place), reservations).await
}

/// The first `limit` of those waiting who may take an online seat (the online waitlist, and
/// onsite registrations that accept the fallback), in arrival order.
pub async fn online_queue(
    conn: &mut AsyncPgConnection,
    event_id: Uuid,
    limit: i64,
) -> AppResult<Vec<Waiting>> {
    queue(conn, ONLINE_QUEUE, event_id, limit, None, &[]).await
}

async fn queue(
    conn: &mut AsyncPgConnection,
    sql: &str,
    event_id: Uuid,
    limit: i64,
    place: Option<Uuid>,
    reservations: &[GroupReservation],
) -> AppResult<Vec<Waiting>> {
    let query = diesel::sql_query(sql).bind::<SqlUuid, _>(event_id).bind::<BigInt, _>(limit);
    let rows = match place {
        Some(place) => query.bind::<SqlUuid, _>(place).load::<WaitingRow>(conn).await?,
        None => query.load::<WaitingRow>(conn).await?,
    };
    Ok(rows.into_iter().map(|row| row.waiting(reservations)).collect())
}

/// Gives the promoted registrations their seats in one statement, each as `given`
/// (confirmed, or offered until a deadline), and returns their rows.
pub async fn seat_promoted(
    conn: &mut AsyncPgConnection,
    promotions: &[Promotion],
    given: SeatGiven,
) -> AppResult<Vec<RegistrationRow>> {
    let (status, offer_expires_at) = match given {
        SeatGiven::Confirmed => (RegistrationStatus::Confirmed, None),
        SeatGiven::Offered { expires_at } => (RegistrationStatus::Offered, Some(expires_at)),
    };
    let ids: Vec<Uuid> = promotions.iter().map(|p| p.id).collect();
    let modes: Vec<Mode> = promotions.iter().map(|p| p.spot.mode()).collect();
    let places: Vec<Option<Uuid>> = promotions.iter().map(|p| p.spot.place()).collect();
    let fallbacks: Vec<bool> = promotions.iter().map(|p| p.fallback_applied).collect();
    Ok(diesel::sql_query(
        "UPDATE registrations r
            SET status = $5, offer_expires_at = $6, attendance_mode = p.mode, place_id = p.place,
                fallback_applied = p.fallback, updated_at = now()
           FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::bool[]) AS p(id, mode, place, fallback)
          WHERE r.id = p.id
      RETURNING r.*",
    )
    .bind::<Array<SqlUuid>, _>(&ids)
    .bind::<Array<Text>, _>(modes)
    .bind::<Array<Nullable<SqlUuid>>, _>(places)
    .bind::<Array<Bool>, _>(fallbacks)
    .bind::<Text, _>(status)
    .bind::<Nullable<Timestamptz>, _>(offer_expires_at)
    .load(conn)
    .await?)
}

/// Confirms the seat an offer held (the accepted offer's deadline goes with it).
pub async fn accept_offer(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<RegistrationRow> {
    Ok(diesel::update(registrations::table.find(id))
        .set((
            registrations::status.eq(RegistrationStatus::Confirmed),
            registrations::offer_expires_at.eq(None::<DateTime<Utc>>),
            registrations::updated_at.eq(diesel::dsl::now),
        ))
        .returning(RegistrationRow::as_returning())
        .get_result(conn)
        .await?)
}

/// The events holding offers past their deadline, oldest deadline first. A cancelled event's
/// registrations stay as they were when it was cancelled: its offers do not lapse (nor can
/// they be accepted after their deadline), and nobody is told anything more.
pub async fn events_with_expired_offers(conn: &mut AsyncPgConnection) -> AppResult<Vec<Uuid>> {
    use crate::db::schema::events;
    Ok(registrations::table
        .inner_join(events::table.on(events::id.eq(registrations::event_id)))
        .filter(events::status.ne(EventStatus::Cancelled))
        .filter(registrations::status.eq(RegistrationStatus::Offered))
        .filter(registrations::offer_expires_at.le(diesel::dsl::now))
        .group_by(registrations::event_id)
        .order(diesel::dsl::min(registrations::offer_expires_at))
        .select(registrations::event_id)
        .load(conn)
        .await?)
}

/// Cancels the registrations of a locked event whose offers are past their deadline, in one
/// statement, and returns them (cancelled, at the seat they were offered). Run twice, or by two
/// processes one after the other, the second finds none.
pub async fn expire_offers(conn: &mut AsyncPgConnection, event_id: Uuid) -> AppResult<Vec<RegistrationRow>> {
    Ok(diesel::sql_query(
        "WITH due AS (
             SELECT id FROM registrations
              WHERE event_id = $1 AND status = 'offered' AND offer_expires_at <= now()
              ORDER BY offer_expires_at, seq
                FOR UPDATE)
         UPDATE registrations r
            SET status = 'cancelled', offer_expires_at = NULL, cancelled_at = now(), updated_at = now()
           FROM due
          WHERE r.id = due.id
      RETURNING r.*",
    )
    .bind::<SqlUuid, _>(event_id)
    .load(conn)
    .await?)
}

pub async fn set_cancelled(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<RegistrationRow> {
    Ok(diesel::update(registrations::table.find(id))
        .set((
            registrations::status.eq(RegistrationStatus::Cancelled),
            registrations::offer_expires_at.eq(None::<DateTime<Utc>>),
            registrations::cancelled_at.eq(diesel::dsl::now),
            registrations::updated_at.eq(diesel::dsl::now),
        ))
        .returning(RegistrationRow::as_returning())
        .get_result(conn)
        .await?)
}

/// Everything a PATCH may set, already merged with the stored registration and checked.
#[derive(AsChangeset)]
#[diesel(table_name = registrations, treat_none_as_null = true)]
pub struct RegistrationChanges {
    pub attendance_mode: Mode,
    pub needs_physical_space: bool,
    pub needs_transport: bool,
    pub interpretation_language: Option<String>,
    pub accessibility_notes: Option<String>,
    pub full_name: Option<String>,
    pub email: Option<String>,
    pub email_normalised: Option<String>,
    pub phone: Option<String>,
    pub phone_digits: Option<String>,
    pub organisation_name: Option<String>,
    pub preferred_language: Option<String>,
    pub stakeholder_category: String,
    pub place_id: Option<Uuid>,
    pub acceptable_place_ids: Vec<Uuid>,
    pub barriers: Barriers,
}

/// Writes a PATCH with the seat decided for it. Rule 5 still holds: a new email or phone
/// already registered is `already_registered`.
pub async fn store_changes(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    changes: RegistrationChanges,
    status: RegistrationStatus,
    fallback_applied: bool,
) -> AppResult<RegistrationRow> {
    diesel::update(registrations::table.find(id))
        .set((
            changes,
            registrations::status.eq(status),
            registrations::fallback_applied.eq(fallback_applied),
            registrations::updated_at.eq(diesel::dsl::now),
        ))
        .returning(RegistrationRow::as_returning())
        .get_result(conn)
        .await
        .map_err(one_person_once)
}

/// Sets or clears why a confirmed person did not come.
pub async fn set_no_show_reason(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    reason: Option<NoShowReason>,
) -> AppResult<RegistrationRow> {
    Ok(diesel::update(registrations::table.find(id))
        .set((registrations::no_show_reason.eq(reason), registrations::updated_at.eq(diesel::dsl::now)))
        .returning(RegistrationRow::as_returning())
        .get_result(conn)
        .await?)
}

/// Sets or clears the check-in: its time, where it came from and its minutes. A check-in
/// clears any no-show reason (the person came after all; no_show_only_without_a_check_in).
pub async fn set_checked_in(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    check_in: Option<CheckIn>,
) -> AppResult<RegistrationRow> {
    Ok(diesel::update(registrations::table.find(id))
        .set((
            registrations::checked_in_at.eq(check_in.map(|c| c.at)),
            registrations::check_in_source.eq(check_in.map(|c| c.source)),
            registrations::check_in_minutes.eq(check_in.and_then(|c| c.minutes)),
            registrations::no_show_reason.eq(None::<NoShowReason>),
            registrations::updated_at.eq(diesel::dsl::now),
        ))
        .returning(RegistrationRow::as_returning())
        .get_result(conn)
        .await?)
}

/// A registration [`check_in_many`] checked in, with the no-show reason its check-in
/// cleared (the person came after all).
#[derive(Debug, Clone, QueryableByName)]
pub struct CheckedIn {
    #[diesel(embed)]
    pub registration: RegistrationRow,
    #[diesel(sql_type = Nullable<Text>)]
    pub cleared_no_show: Option<NoShowReason>,
}

/// Checks in those of `check_ins` that are confirmed registrations of the event and not
/// checked in yet, in one statement whatever their number, and returns them: the rest are
/// left as they are (a check-in at the door is never overwritten by a later list, nor a
/// first check-in by a repeat). Shared by `POST /events/{id}/check-ins` and the
/// participant-list import. Call with the event locked.
pub async fn check_in_many(
    conn: &mut AsyncPgConnection,
    event_id: Uuid,
    check_ins: &[(Uuid, CheckIn)],
) -> AppResult<Vec<CheckedIn>> {
    if check_ins.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = check_ins.iter().map(|(id, _)| *id).collect();
    let times: Vec<DateTime<Utc>> = check_ins.iter().map(|(_, c)| c.at).collect();
    let sources: Vec<CheckInSource> = check_ins.iter().map(|(_, c)| c.source).collect();
    let minutes: Vec<Option<i32>> = check_ins.iter().map(|(_, c)| c.minutes).collect();
    Ok(Prepared(
        diesel::sql_query(
            "UPDATE registrations r
                SET checked_in_at = c.at, check_in_source = c.source, check_in_minutes = c.minutes,
                    no_show_reason = NULL, updated_at = now()
               FROM unnest($2::uuid[], $3::timestamptz[], $4::text[], $5::int4[]) AS c(id, at, source, minutes)
               JOIN registrations before ON before.id = c.id
              WHERE r.id = c.id AND r.event_id = $1 AND r.status = 'confirmed' AND r.checked_in_at IS NULL
          RETURNING r.*, before.no_show_reason AS cleared_no_show",
        )
        .bind::<SqlUuid, _>(event_id)
        .bind::<Array<SqlUuid>, _>(ids)
        .bind::<Array<diesel::sql_types::Timestamptz>, _>(times)
        .bind::<Array<Text>, _>(sources)
        .bind::<Array<Nullable<Int4>>, _>(minutes),
    )
    .load(conn)
    .await?)
}

/// Which registrations [`erase_personal_data`] erases: those of them not erased yet.
#[derive(Debug, Clone, Copy)]
pub enum Erasure<'a> {
    /// These registrations of the event.
    Registrations { event_id: Uuid, ids: &'a [Uuid] },
    /// The event's registrations, at most `limit` of them, oldest first.
    Event { event_id: Uuid, limit: i64 },
}

/// The erasure of [`erase_personal_data`], for registrations chosen by `$chosen` (from `$1`
/// and `$2`), and the participant-list rows waiting for review that `$reviewed` chooses.
macro_rules! erase_personal_data_sql {
    ($chosen:literal, $reviewed:literal) => {
        concat!(
            "WITH erased AS (
                 UPDATE registrations
                    SET full_name = NULL, email = NULL, email_normalised = NULL, phone = NULL,
                        phone_digits = NULL, organisation_name = NULL, accessibility_notes = NULL,
                        person_key = NULL, person_code = NULL, erased_at = now(), updated_at = now()
                  WHERE id IN (",
            $chosen,
            ")
                 RETURNING *
             ), forgotten AS (
                 UPDATE idempotency_keys k SET request_hash = NULL, response_body = NULL
                   FROM erased WHERE k.registration_id = erased.id
             ), unreviewed AS (
                 UPDATE attendance_import_rows
                    SET platform_name = NULL, platform_email = NULL, platform_phone = NULL
                  WHERE (platform_name IS NOT NULL OR platform_email IS NOT NULL OR platform_phone IS NOT NULL)
                    AND ",
            $reviewed,
            "
             )
             SELECT * FROM erased ORDER BY seq"
        )
    };
}

const ERASE_REGISTRATIONS: &str = erase_personal_data_sql!(
    "SELECT id FROM registrations WHERE event_id = $1 AND id = ANY($2) AND erased_at IS NULL",
    // A name that fitted several registrations is theirs: it goes with any of them.
    "candidates && ARRAY(SELECT id FROM erased)"
);
const ERASE_OF_EVENT: &str = erase_personal_data_sql!(
    "SELECT id FROM registrations WHERE event_id = $1 AND erased_at IS NULL ORDER BY seq LIMIT $2",
    "import_id IN (SELECT id FROM attendance_imports WHERE event_id = $1)"
);

/// Erases the personal data of the registrations `which` chooses, in one statement, and
/// returns the rows erased now (those already erased are left out). Every erasure goes
/// through here: one registration (`DELETE /registrations/{id}/personal-data`), a whole
/// ended event (`DELETE /events/{id}/personal-data`), the retention purge, and a withdrawn
/// consent to data processing. Call with the registrations' event locked.
///
/// What it erases, wherever it is kept:
/// - the registration's name, email, phone (and their folded forms), organisation name,
///   accessibility notes and its link to the person's other registrations (`person_key`,
///   `person_code`); mode, status, needs, category, languages and interests stay, so
///   reports still count it;
/// - its idempotency key's stored answer (which repeats the participant) and the request's
///   fingerprint (`request_hash`, a SHA-256 of a body holding the name and email, which
///   could be confirmed from guessed values). The key row itself stays: a late retry with
///   the same key is still answered with the registration as it is now, instead of
///   registering the person again (`db::idempotency::stored`);
/// - the names, emails and phones of the video platform's participant lists kept for the
///   organiser's review (`attendance_import_rows`): of a row whose name fitted one of these
///   registrations, and, for a whole event (and the retention purge), of every row of its
///   imports.
///
/// Nothing else holds a participant's data: the histories and webhook payloads carry ids,
/// statuses, modes and counts only (`app::transition`), and logs never name anyone.
pub async fn erase_personal_data(
    conn: &mut AsyncPgConnection,
    which: Erasure<'_>,
) -> AppResult<Vec<RegistrationRow>> {
    Ok(match which {
        Erasure::Registrations { ids: [], .. } => Vec::new(),
        Erasure::Registrations { event_id, ids } => {
            Prepared(
                diesel::sql_query(ERASE_REGISTRATIONS)
                    .bind::<SqlUuid, _>(event_id)
                    .bind::<Array<SqlUuid>, _>(ids),
            )
            .load(conn)
            .await?
        }
        Erasure::Event { event_id, limit } => {
            Prepared(diesel::sql_query(ERASE_OF_EVENT).bind::<SqlUuid, _>(event_id).bind::<BigInt, _>(limit))
                .load(conn)
                .await?
        }
    })
}
