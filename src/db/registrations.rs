//! Registrations and the seat transactions. Every change that can move a seat locks the
//! event row first (`events::lock_as`), decides with `domain::seats`, writes, and promotes
//! the waitlist, all in one transaction; the trigger keeps the event's counters and the
//! audit trail.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{Array, BigInt, Bool, Jsonb, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use futures_util::future::{join, ready, Either};
use futures_util::TryFutureExt;
use uuid::Uuid;

use crate::db::events::{self, Actor, EventRow};
use crate::db::outbox::{self, Change};
use crate::db::pipelined::PipelinedTransaction;
use crate::db::prepared::Prepared;
use crate::db::schema::{registration_history, registrations};
use crate::domain::registrations::ValidRegistration;
use crate::domain::seats::{self, Mode, Placement, Promotion, Waiting};
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = registrations)]
pub struct RegistrationRow {
    pub id: Uuid,
    pub seq: i64,
    pub event_id: Uuid,
    pub status: String,
    pub attendance_mode: String,
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
    pub created_by_kind: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub erased_at: Option<DateTime<Utc>>,
}

impl RegistrationRow {
    pub fn mode(&self) -> Mode {
        Mode::parse(&self.attendance_mode).unwrap_or(Mode::Online)
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = registration_history)]
pub struct HistoryRow {
    pub at: DateTime<Utc>,
    pub action: String,
    pub actor_id: Option<Uuid>,
    pub actor_kind: String,
    pub old_status: Option<String>,
    pub new_status: String,
    pub old_mode: Option<String>,
    pub new_mode: String,
}

/// Maps the unique indexes of rule 5 to 409 `already_registered`.
fn one_person_once(error: DieselError) -> AppError {
    match &error {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info)
            if info.constraint_name().is_some_and(|c| c.starts_with("registrations_one_")) =>
        {
            AppError::conflict("already_registered", "This person is already registered for this event.")
        }
        _ => error.into(),
    }
}

/// Tells webhook subscribers about a change to `row`, in the caller's transaction.
async fn announce(
    conn: &mut AsyncPgConnection,
    organisation_id: Uuid,
    row: &RegistrationRow,
    event_type: &'static str,
    previous_status: Option<&str>,
) -> AppResult<()> {
    outbox::enqueue(
        conn,
        &Change {
            event_type,
            event_id: row.event_id,
            organisation_id,
            registration_id: Some(row.id),
            registration_created_by: Some(row.created_by),
            data: change_data(&row.status, &row.attendance_mode, row.fallback_applied, previous_status),
        },
    )
    .await
}

/// What subscribers hear about a registration's change: statuses only, nothing personal.
fn change_data(
    status: &str,
    mode: &str,
    fallback_applied: bool,
    previous_status: Option<&str>,
) -> serde_json::Value {
    serde_json::json!({
        "status": status,
        "attendance_mode": mode,
        "fallback_applied": fallback_applied,
        "previous_status": previous_status,
    })
}

/// A new registration (`$6` to `$28`) and the webhook deliveries announcing it (`$1` to `$5`,
/// see `db::outbox`), in one statement: the deliveries' insert rides along as a
/// data-modifying CTE, so both are written or neither, and the database starts one statement
/// instead of two. Written out rather than built by diesel so that it is one constant text,
/// prepared once per connection.
const INSERT_ANNOUNCED: &str = concat!(
    "WITH announced AS (",
    outbox::deliveries_to_the_registrations_partner!(),
    ")
     INSERT INTO registrations (
         id, event_id, status, attendance_mode, needs_physical_space, needs_transport,
         interpretation_language, accessibility_notes, accept_online_fallback, fallback_applied,
         interests, full_name, email, email_normalised, phone, phone_digits, organisation_name,
         preferred_language, stakeholder_category, consent_data_processing, consent_contact,
         created_by, created_by_kind)
     VALUES ($6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22,
             $23, $24, true, $25, $26, $27)
     RETURNING *"
);

pub struct Created {
    pub registration: RegistrationRow,
    pub waitlist_position: Option<i64>,
    pub event: EventRow,
}

/// Rules 1 to 6 for one new registration into `event`, which `tx` has locked
/// (`events::lock_as_standing`) and the caller may register for. The writes go to the database in one
/// batch; with `commit`, the transaction's COMMIT goes with them (then nothing may follow).
pub async fn create(
    tx: &PipelinedTransaction<'_>,
    event: EventRow,
    actor: Actor,
    input: &ValidRegistration,
    stakeholder_category: &str,
    consent_contact: bool,
    commit: bool,
) -> AppResult<Created> {
    let event_id = event.id;
    if !crate::domain::events::registration_open(
        event.status(),
        event.starts_at,
        event.registration_closes_at,
        Utc::now(),
    ) {
        return Err(AppError::conflict("registration_closed", "This event does not take registrations now."));
    }
    let placement = seats::place(
        &event.seats(),
        input.attendance_mode,
        input.needs_physical_space,
        input.accept_online_fallback,
    );
    let (status, mode, fallback_applied) = match placement {
        Placement::Confirmed { mode, fallback_applied } => ("confirmed", mode, fallback_applied),
        Placement::Waitlisted { mode } => ("waitlisted", mode, false),
    };
    let participant = &input.participant;
    let id = Uuid::now_v7();
    let message = outbox::Message::of(&Change {
        event_type: if status == "confirmed" { "registration.confirmed" } else { "registration.waitlisted" },
        event_id,
        organisation_id: event.organisation_id,
        registration_id: Some(id),
        registration_created_by: Some(actor.id),
        data: change_data(status, mode.as_str(), fallback_applied, None),
    })?;
    let insert = Prepared(
        diesel::sql_query(INSERT_ANNOUNCED)
            .bind::<SqlUuid, _>(message.id)
            .bind::<Text, _>(message.event_type)
            .bind::<Jsonb, _>(&message.payload)
            .bind::<SqlUuid, _>(message.organisation_id)
            .bind::<Nullable<SqlUuid>, _>(message.partner_or_event)
            .bind::<SqlUuid, _>(id)
            .bind::<SqlUuid, _>(event_id)
            .bind::<Text, _>(status)
            .bind::<Text, _>(mode.as_str())
            .bind::<Bool, _>(input.needs_physical_space)
            .bind::<Bool, _>(input.needs_transport)
            .bind::<Nullable<Text>, _>(&input.interpretation_language)
            .bind::<Nullable<Text>, _>(&input.accessibility_notes)
            .bind::<Bool, _>(input.accept_online_fallback)
            .bind::<Bool, _>(fallback_applied)
            .bind::<Array<Text>, _>(&input.interests)
            .bind::<Text, _>(&participant.full_name)
            .bind::<Nullable<Text>, _>(participant.email.as_ref().map(|e| e.as_str()))
            .bind::<Nullable<Text>, _>(participant.email.as_ref().map(|e| e.normalised()))
            .bind::<Nullable<Text>, _>(participant.phone.as_ref().map(|p| p.as_str()))
            .bind::<Nullable<Text>, _>(participant.phone.as_ref().map(|p| p.digits()))
            .bind::<Nullable<Text>, _>(&participant.organisation_name)
            .bind::<Nullable<Text>, _>(&participant.preferred_language)
            .bind::<Text, _>(stakeholder_category)
            .bind::<Bool, _>(consent_contact)
            .bind::<SqlUuid, _>(actor.id)
            .bind::<Text, _>(actor.kind),
    );
    let waitlist_position = match placement {
        Placement::Waitlisted { mode } => Some(joining_waitlist_at(&event, mode, input.needs_physical_space)),
        Placement::Confirmed { .. } => None,
    };
    // The insert (with its announcement) and the COMMIT, when asked, go in one round trip
    // while the event is locked. Both are awaited, so the COMMIT is answered before this
    // returns; an insert refused by rule 5 aborts the transaction (the COMMIT then rolls
    // back) and its error is the one returned.
    let commit = if commit { Either::Left(tx.commit()) } else { Either::Right(ready(Ok(()))) };
    let (registration, committed) =
        join(insert.get_result::<RegistrationRow>(&mut tx.shared()).map_err(one_person_once), commit).await;
    let registration = registration?;
    committed?;
    Ok(Created { registration, waitlist_position, event })
}

/// The place of a registration joining the waitlist of `mode` now, read from the counters of
/// the locked `event`: with the event locked it is the last to arrive, so it comes behind
/// everyone waiting with the physical-space need when it has the need (rule 4), and behind
/// everyone waiting otherwise.
fn joining_waitlist_at(event: &EventRow, mode: Mode, needs_physical_space: bool) -> i64 {
    let ahead = match mode {
        Mode::Online => event.online_waitlisted,
        Mode::Onsite if needs_physical_space => event.onsite_waitlisted_physical_space,
        Mode::Onsite => event.onsite_waitlisted,
    };
    i64::from(ahead) + 1
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<RegistrationRow>> {
    Ok(registrations::table.find(id).select(RegistrationRow::as_select()).first(conn).await.optional()?)
}

async fn find_for_update(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<RegistrationRow> {
    Ok(registrations::table.find(id).select(RegistrationRow::as_select()).for_update().first(conn).await?)
}

#[derive(QueryableByName)]
struct Position {
    #[diesel(sql_type = BigInt)]
    position: i64,
}

/// 1-based place in the waitlist of its mode: people with the need first, then arrival.
pub async fn waitlist_position(conn: &mut AsyncPgConnection, row: &RegistrationRow) -> AppResult<i64> {
    Ok(diesel::sql_query(
        "SELECT count(*) + 1 AS position FROM registrations
          WHERE event_id = $1 AND status = 'waitlisted' AND attendance_mode = $2
            AND (needs_physical_space > $3 OR (needs_physical_space = $3 AND seq < $4))",
    )
    .bind::<SqlUuid, _>(row.event_id)
    .bind::<Text, _>(&row.attendance_mode)
    .bind::<Bool, _>(row.needs_physical_space)
    .bind::<BigInt, _>(row.seq)
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
            SELECT id, row_number() OVER (PARTITION BY attendance_mode ORDER BY needs_physical_space DESC, seq) AS position
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
    pub status: Option<&'static str>,
    pub mode: Option<Mode>,
    pub needs_physical_space: Option<bool>,
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
        query = query.filter(registrations::attendance_mode.eq(mode.as_str()));
    }
    if let Some(needs) = filter.needs_physical_space {
        query = query.filter(registrations::needs_physical_space.eq(needs));
    }
    if let Some(creator) = filter.created_by {
        query = query.filter(registrations::created_by.eq(creator));
    }
    if let Some(seq) = after_seq {
        query = query.filter(registrations::seq.gt(seq));
    }
    Ok(query.order(registrations::seq.asc()).limit(limit).load(conn).await?)
}

pub async fn history(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Vec<HistoryRow>> {
    Ok(registration_history::table
        .filter(registration_history::registration_id.eq(id))
        .order(registration_history::id.asc())
        .select(HistoryRow::as_select())
        .load(conn)
        .await?)
}

#[derive(QueryableByName)]
struct WaitingRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    attendance_mode: String,
    #[diesel(sql_type = Bool)]
    needs_physical_space: bool,
    #[diesel(sql_type = Bool)]
    accept_online_fallback: bool,
}

impl From<WaitingRow> for Waiting {
    fn from(row: WaitingRow) -> Self {
        Waiting {
            id: row.id,
            mode: Mode::parse(&row.attendance_mode).unwrap_or(Mode::Online),
            needs_physical_space: row.needs_physical_space,
            accept_online_fallback: row.accept_online_fallback,
        }
    }
}

/// Rule 4: fills every seat that is free with the first waitlisted registrations that may
/// take it. Call with the event locked, after the change that freed seats; reads the
/// event's counters afresh.
pub async fn promote_waitlist(conn: &mut AsyncPgConnection, event_id: Uuid) -> AppResult<Vec<Promotion>> {
    let event = events::find(conn, event_id).await?.ok_or(AppError::NotFound)?;
    let mut seats = event.seats();
    let onsite_free = seats.onsite_free() as i64;
    let online_free = seats.online_free().map(i64::from);
    let waiting = event.online_waitlisted + event.onsite_waitlisted;
    if waiting == 0 || (onsite_free == 0 && online_free == Some(0)) {
        return Ok(Vec::new());
    }
    let onsite_queue: Vec<Waiting> = if onsite_free > 0 && event.onsite_waitlisted > 0 {
        diesel::sql_query(
            "SELECT id, attendance_mode, needs_physical_space, accept_online_fallback FROM registrations
              WHERE event_id = $1 AND status = 'waitlisted' AND attendance_mode = 'onsite'
              ORDER BY needs_physical_space DESC, seq LIMIT $2",
        )
        .bind::<SqlUuid, _>(event_id)
        .bind::<BigInt, _>(onsite_free)
        .load::<WaitingRow>(conn)
        .await?
        .into_iter()
        .map(Waiting::from)
        .collect()
    } else {
        Vec::new()
    };
    let online_queue: Vec<Waiting> = if online_free != Some(0) {
        // Onsite promotions above may take some of these; fetch that many more.
        let limit = online_free.map_or(i64::MAX, |free| free + onsite_queue.len() as i64);
        diesel::sql_query(
            "SELECT id, attendance_mode, needs_physical_space, accept_online_fallback FROM registrations
              WHERE event_id = $1 AND status = 'waitlisted'
                AND (attendance_mode = 'online'
                     OR (attendance_mode = 'onsite' AND accept_online_fallback AND NOT needs_physical_space))
              ORDER BY seq LIMIT $2",
        )
        .bind::<SqlUuid, _>(event_id)
        .bind::<BigInt, _>(limit)
        .load::<WaitingRow>(conn)
        .await?
        .into_iter()
        .map(Waiting::from)
        .collect()
    } else {
        Vec::new()
    };
    let promotions = seats::promote(&mut seats, &onsite_queue, &online_queue);
    if !promotions.is_empty() {
        let ids: Vec<Uuid> = promotions.iter().map(|p| p.id).collect();
        let modes: Vec<&str> = promotions.iter().map(|p| p.mode.as_str()).collect();
        let fallbacks: Vec<bool> = promotions.iter().map(|p| p.fallback_applied).collect();
        diesel::sql_query(
            "UPDATE registrations r
                SET status = 'confirmed', attendance_mode = p.mode, fallback_applied = p.fallback, updated_at = now()
               FROM unnest($1::uuid[], $2::text[], $3::bool[]) AS p(id, mode, fallback)
              WHERE r.id = p.id",
        )
        .bind::<Array<SqlUuid>, _>(&ids)
        .bind::<Array<Text>, _>(modes)
        .bind::<Array<Bool>, _>(fallbacks)
        .execute(conn)
        .await?;
        let promoted: Vec<RegistrationRow> = registrations::table
            .filter(registrations::id.eq_any(&ids))
            .select(RegistrationRow::as_select())
            .load(conn)
            .await?;
        for row in &promoted {
            announce(conn, event.organisation_id, row, "registration.promoted", Some("waitlisted")).await?;
        }
    }
    Ok(promotions)
}

/// A registration after a change, with what the change set off.
pub struct Changed {
    pub registration: RegistrationRow,
    pub event: EventRow,
    pub promotions: Vec<Promotion>,
    /// The status and mode before the change.
    pub before: (String, String),
}

/// Locks the registration's event, then the registration, and checks `authorize`.
async fn lock_both(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    actor: Actor,
    authorize: impl FnOnce(&RegistrationRow, &EventRow) -> AppResult<()>,
) -> AppResult<(RegistrationRow, EventRow)> {
    // The event id never changes, so reading it before taking the locks is safe; the lock
    // order (event, then registration) is the same everywhere, so no deadlock.
    let event_id = find(conn, id).await?.ok_or(AppError::NotFound)?.event_id;
    let event = events::lock_as(conn, event_id, actor).await?.ok_or(AppError::NotFound)?;
    let registration = find_for_update(conn, id).await?;
    authorize(&registration, &event)?;
    Ok((registration, event))
}

/// Cancels (idempotently) and gives the seat to the waitlist. Call inside a transaction.
pub async fn cancel(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    actor: Actor,
    authorize: impl FnOnce(&RegistrationRow, &EventRow) -> AppResult<()>,
) -> AppResult<Changed> {
    let (registration, event) = lock_both(conn, id, actor, authorize).await?;
    let before = (registration.status.clone(), registration.attendance_mode.clone());
    if registration.status == "cancelled" {
        return Ok(Changed { registration, event, promotions: Vec::new(), before });
    }
    let registration = diesel::update(registrations::table.find(id))
        .set((
            registrations::status.eq("cancelled"),
            registrations::cancelled_at.eq(diesel::dsl::now),
            registrations::updated_at.eq(diesel::dsl::now),
        ))
        .returning(RegistrationRow::as_returning())
        .get_result(conn)
        .await?;
    let promotions =
        if before.0 == "confirmed" { promote_waitlist(conn, event.id).await? } else { Vec::new() };
    Ok(Changed { registration, event, promotions, before })
}

/// Everything a PATCH may set, already merged with the stored registration and checked.
#[derive(AsChangeset)]
#[diesel(table_name = registrations, treat_none_as_null = true)]
pub struct RegistrationChanges {
    pub attendance_mode: String,
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
}

/// Applies a PATCH. A change of mode or of the physical-space need re-seats the
/// registration: a confirmed one keeps a seat only if the new mode has one (else 409
/// `capacity_full`, nothing changed); a waitlisted one is confirmed if it can be, else it
/// waits in the new mode's queue. Seats freed this way go to the waitlist.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    actor: Actor,
    authorize: impl FnOnce(&RegistrationRow, &EventRow) -> AppResult<()>,
    merge: impl FnOnce(&RegistrationRow) -> AppResult<RegistrationChanges>,
) -> AppResult<Changed> {
    let (current, event) = lock_both(conn, id, actor, authorize).await?;
    let changes = merge(&current)?;
    let before = (current.status.clone(), current.attendance_mode.clone());
    let new_mode = Mode::parse(&changes.attendance_mode).unwrap_or(Mode::Online);
    let reseat = current.status != "cancelled"
        && (new_mode != current.mode() || changes.needs_physical_space != current.needs_physical_space);
    let (status, fallback_applied) = if reseat {
        let mut seats = event.seats();
        if current.status == "confirmed" {
            seats.release(current.mode(), current.needs_physical_space);
        }
        if seats.has_seat(new_mode, changes.needs_physical_space) {
            ("confirmed", false)
        } else if current.status == "confirmed" {
            return Err(AppError::conflict("capacity_full", "There is no free seat in that mode."));
        } else {
            ("waitlisted", false)
        }
    } else {
        (current.status.as_str(), current.fallback_applied)
    };
    let registration = diesel::update(registrations::table.find(id))
        .set((
            changes,
            registrations::status.eq(status),
            registrations::fallback_applied.eq(fallback_applied),
            registrations::updated_at.eq(diesel::dsl::now),
        ))
        .returning(RegistrationRow::as_returning())
        .get_result(conn)
        .await
        .map_err(one_person_once)?;
    if reseat {
        let event_type = if before.1 != registration.attendance_mode {
            "registration.mode_changed"
        } else if before.0 != registration.status {
            "registration.confirmed"
        } else {
            ""
        };
        if !event_type.is_empty() {
            announce(conn, event.organisation_id, &registration, event_type, Some(&before.0)).await?;
        }
    }
    let promotions = if reseat { promote_waitlist(conn, event.id).await? } else { Vec::new() };
    Ok(Changed { registration, event, promotions, before })
}

/// Marks a confirmed registration as attended (idempotently; the first time is kept).
pub async fn check_in(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    actor: Actor,
    authorize: impl FnOnce(&RegistrationRow, &EventRow) -> AppResult<()>,
) -> AppResult<(RegistrationRow, EventRow)> {
    let (registration, event) = lock_both(conn, id, actor, authorize).await?;
    if registration.status != "confirmed" {
        return Err(AppError::conflict("not_confirmed", "Only a confirmed registration can be checked in."));
    }
    if registration.checked_in_at.is_some() {
        return Ok((registration, event));
    }
    let registration = diesel::update(registrations::table.find(id))
        .set((
            registrations::checked_in_at.eq(diesel::dsl::now),
            registrations::updated_at.eq(diesel::dsl::now),
        ))
        .returning(RegistrationRow::as_returning())
        .get_result(conn)
        .await?;
    Ok((registration, event))
}

/// Erases the personal data, keeping what reports count. Frees no seat. Also forgets the
/// answer stored for an idempotent retry, which held the same data.
pub async fn erase(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    actor: Actor,
    authorize: impl FnOnce(&RegistrationRow, &EventRow) -> AppResult<()>,
) -> AppResult<()> {
    let (registration, _event) = lock_both(conn, id, actor, authorize).await?;
    if registration.erased_at.is_some() {
        return Ok(());
    }
    diesel::update(registrations::table.find(id))
        .set((
            registrations::full_name.eq(None::<String>),
            registrations::email.eq(None::<String>),
            registrations::email_normalised.eq(None::<String>),
            registrations::phone.eq(None::<String>),
            registrations::phone_digits.eq(None::<String>),
            registrations::organisation_name.eq(None::<String>),
            registrations::accessibility_notes.eq(None::<String>),
            registrations::erased_at.eq(diesel::dsl::now),
            registrations::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    crate::db::idempotency::forget_answer(conn, id).await?;
    Ok(())
}
