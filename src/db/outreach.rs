//! Outreach items: what a person must be told, for the partner that registered them or the
//! event's organisers. Written by `app::record` (and in the registration's own statement, by
//! `db::registrations::insert`) in the transaction of the change; read with what their
//! message needs.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::prepared::Prepared;
use crate::domain::actors::ActorKind;
use crate::domain::outreach::{OutreachKind, OutreachResult, OutreachStatus, Reach, Reachable};
use crate::domain::registrations::RegistrationStatus;
use crate::domain::seats::Mode;
use crate::error::AppResult;

/// An item just written: what its `outreach.created` message says.
#[derive(Debug, Clone, QueryableByName)]
pub struct Created {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub registration_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub event_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub organisation_id: Uuid,
    /// The API client it is assigned to; `None`: the event's organisers.
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub partner_id: Option<Uuid>,
    #[diesel(sql_type = Text)]
    pub kind: OutreachKind,
}

/// One item for each of `items` (its id, registration and kind), for registrations not
/// erased. At most one item per registration: the caller passes the last one of a change.
///
/// Here and in [`create_for_event`], the open items of the same registrations close as
/// `superseded`: the newest item says what holds now, and its message is written from the
/// registration as it is, so one open item per registration is all a partner has to act on.
pub async fn create_for_registrations(
    conn: &mut AsyncPgConnection,
    items: &[(Uuid, Uuid, OutreachKind)],
) -> AppResult<Vec<Created>> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = items.iter().map(|(id, _, _)| *id).collect();
    let registrations: Vec<Uuid> = items.iter().map(|(_, registration, _)| *registration).collect();
    let kinds: Vec<OutreachKind> = items.iter().map(|(_, _, kind)| *kind).collect();
    Ok(Prepared(
        diesel::sql_query(
            "WITH superseded AS (
                 UPDATE outreach_items
                    SET status = 'done', result = 'superseded', resolved_at = now()
                  WHERE registration_id = ANY ($2) AND status = 'open')
             INSERT INTO outreach_items (id, registration_id, event_id, organisation_id, partner_id, kind, due_at)
             SELECT n.id, r.id, r.event_id, e.organisation_id,
                    outreach_partner(r.created_by, r.created_by_kind), n.kind, now()
               FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS n(id, registration_id, kind)
               JOIN registrations r ON r.id = n.registration_id
               JOIN events e ON e.id = r.event_id
              WHERE r.erased_at IS NULL
          RETURNING id, registration_id, event_id, organisation_id, partner_id, kind",
        )
        .bind::<Array<SqlUuid>, _>(&ids)
        .bind::<Array<SqlUuid>, _>(&registrations)
        .bind::<Array<Text>, _>(&kinds),
    )
    .load(conn)
    .await?)
}

/// One item of `kind` for each confirmed or waitlisted registration of the event, not
/// erased, that `reach` covers.
pub async fn create_for_event(
    conn: &mut AsyncPgConnection,
    event_id: Uuid,
    kind: OutreachKind,
    reach: Reach,
    details: &serde_json::Value,
) -> AppResult<Vec<Created>> {
    Ok(Prepared(
        diesel::sql_query(
            "WITH reached AS (
                 SELECT r.id, r.event_id, r.created_by, r.created_by_kind
                   FROM registrations r
                  WHERE r.event_id = $1 AND r.status IN ('confirmed', 'offered', 'waitlisted') AND r.erased_at IS NULL
                    AND ($3 OR ($4 AND r.attendance_mode = 'onsite' AND r.place_id IS NULL)
                            OR ($5 AND r.attendance_mode = 'online'))),
             superseded AS (
                 UPDATE outreach_items o
                    SET status = 'done', result = 'superseded', resolved_at = now()
                   FROM reached
                  WHERE o.registration_id = reached.id AND o.status = 'open')
             INSERT INTO outreach_items
                 (id, registration_id, event_id, organisation_id, partner_id, kind, due_at, details)
             SELECT gen_random_uuid(), r.id, r.event_id, e.organisation_id,
                    outreach_partner(r.created_by, r.created_by_kind), $2, now(), $6
               FROM reached r JOIN events e ON e.id = r.event_id
          RETURNING id, registration_id, event_id, organisation_id, partner_id, kind",
        )
        .bind::<SqlUuid, _>(event_id)
        .bind::<Text, _>(kind)
        .bind::<Bool, _>(reach.everyone)
        .bind::<Bool, _>(reach.venue)
        .bind::<Bool, _>(reach.online)
        .bind::<Jsonb, _>(details),
    )
    .load(conn)
    .await?)
}

/// The reminders that have fallen due, one item each, exactly once whichever process runs
/// this first (a unique index per registration and hour): for confirmed registrations of
/// published events that have not started, the latest of the event's reminders whose time
/// has come, when the registration was made before that time (someone registered the day
/// before is not reminded two days before). A reminder whose time passed before the next
/// one's came is not made late. Like every new item, a reminder closes the registration's
/// open one as `superseded`: it says what holds now.
pub async fn create_due_reminders(conn: &mut AsyncPgConnection) -> AppResult<Vec<Created>> {
    Ok(Prepared(diesel::sql_query(
        "WITH due AS (
             SELECT r.id AS registration_id, e.id AS event_id, e.organisation_id,
                    outreach_partner(r.created_by, r.created_by_kind) AS partner_id,
                    e.starts_at - make_interval(hours => d.hours) AS due_at, d.hours
               FROM events e
              CROSS JOIN LATERAL (
                    SELECT min(h) AS hours FROM unnest(e.reminders_hours_before) AS h
                     WHERE e.starts_at - make_interval(hours => h) <= now()) AS d
               JOIN registrations r ON r.event_id = e.id
              WHERE e.status = 'published' AND e.starts_at > now()
                AND e.starts_at <= now() + interval '720 hours'
                AND d.hours IS NOT NULL
                AND r.status = 'confirmed' AND r.erased_at IS NULL
                AND r.created_at < e.starts_at - make_interval(hours => d.hours)),
         made AS (
             INSERT INTO outreach_items
                 (id, registration_id, event_id, organisation_id, partner_id, kind, due_at, reminder_hours)
             SELECT gen_random_uuid(), registration_id, event_id, organisation_id, partner_id, 'reminder',
                    due_at, hours
               FROM due
             ON CONFLICT DO NOTHING
             RETURNING id, registration_id, event_id, organisation_id, partner_id, kind),
         superseded AS (
             UPDATE outreach_items o
                SET status = 'done', result = 'superseded', resolved_at = now()
               FROM made
              WHERE o.registration_id = made.registration_id AND o.status = 'open')
         SELECT * FROM made",
    ))
    .load(conn)
    .await?)
}

/// An item with what its message and its reader need.
#[derive(Debug, Clone, QueryableByName)]
pub struct ItemRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = BigInt)]
    pub seq: i64,
    #[diesel(sql_type = SqlUuid)]
    pub registration_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub event_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub organisation_id: Uuid,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub partner_id: Option<Uuid>,
    #[diesel(sql_type = Text)]
    pub kind: OutreachKind,
    #[diesel(sql_type = Timestamptz)]
    pub due_at: DateTime<Utc>,
    #[diesel(sql_type = Jsonb)]
    pub details: serde_json::Value,
    #[diesel(sql_type = Text)]
    pub status: OutreachStatus,
    #[diesel(sql_type = Nullable<Text>)]
    pub result: Option<OutreachResult>,
    #[diesel(sql_type = Nullable<Text>)]
    pub note: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub attempts: i32,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub resolved_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    /// When the server may next try to email it (SMTP_URL set; `email::sweep`).
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When the mail server accepted the server's email of it.
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub sent_at: Option<DateTime<Utc>>,
    // The registration, as it is now.
    #[diesel(sql_type = Text)]
    pub registration_status: RegistrationStatus,
    #[diesel(sql_type = Text)]
    pub attendance_mode: Mode,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub place_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    pub preferred_language: Option<String>,
    #[diesel(sql_type = Bool)]
    pub has_email: bool,
    #[diesel(sql_type = Bool)]
    pub has_phone: bool,
    #[diesel(sql_type = Bool)]
    pub consent_contact: bool,
    #[diesel(sql_type = SqlUuid)]
    pub created_by: Uuid,
    #[diesel(sql_type = Text)]
    pub created_by_kind: ActorKind,
    /// Until when the seat offered is kept, while the registration holds an offer.
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub offer_expires_at: Option<DateTime<Utc>>,
    // The event.
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Jsonb)]
    pub translations: serde_json::Value,
    #[diesel(sql_type = Timestamptz)]
    pub starts_at: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    pub timezone: String,
    #[diesel(sql_type = Array<Text>)]
    pub languages: Vec<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub venue_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub venue_address: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub event_contact_phone: Option<String>,
    // The place it attends, if any.
    #[diesel(sql_type = Nullable<Text>)]
    pub place_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub place_address: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub place_municipality: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub place_contact_phone: Option<String>,
    /// Its name and notes in more languages (`domain::translations::PlaceTranslations`).
    #[diesel(sql_type = Nullable<Jsonb>)]
    pub place_translations: Option<serde_json::Value>,
}

impl ItemRow {
    /// What can reach the person now, for [`crate::domain::outreach::channel`].
    pub fn reachable(&self) -> Reachable {
        Reachable { email: self.has_email, phone: self.has_phone, consented_to_contact: self.consent_contact }
    }
}

macro_rules! items_where {
    ($condition:literal) => {
        concat!(
            "SELECT o.id, o.seq, o.registration_id, o.event_id, o.organisation_id, o.partner_id, o.kind,
                    o.due_at, o.details, o.status, o.result, o.note, o.attempts, o.resolved_at,
                    o.created_at, o.next_attempt_at, o.sent_at,
                    r.status AS registration_status, r.attendance_mode, r.place_id, r.preferred_language,
                    r.email IS NOT NULL AS has_email, r.phone IS NOT NULL AS has_phone,
                    r.consent_contact, r.created_by, r.created_by_kind, r.offer_expires_at,
                    e.title, e.translations, e.starts_at, e.timezone, e.languages,
                    e.onsite_venue_name AS venue_name, e.onsite_address AS venue_address,
                    e.contact_phone AS event_contact_phone,
                    p.name AS place_name, p.address AS place_address,
                    p.municipality AS place_municipality, p.contact_phone AS place_contact_phone,
                    p.translations AS place_translations
               FROM outreach_items o
               JOIN registrations r ON r.id = o.registration_id
               JOIN events e ON e.id = o.event_id
               LEFT JOIN places p ON p.id = r.place_id
              WHERE ",
            $condition
        )
    };
}
pub(crate) use items_where;

/// Whose items a list shows.
#[derive(Debug, Clone, Copy)]
pub enum Assigned {
    /// The items assigned to this API client.
    ToPartner(Uuid),
    /// Every item of the organisation's events.
    InOrganisation(Uuid),
    /// Every item (admins).
    Everywhere,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct ItemFilter {
    pub status: Option<OutreachStatus>,
    pub event_id: Option<Uuid>,
    pub kind: Option<OutreachKind>,
}

/// A page of items, oldest first, after `after` (a `seq`).
pub async fn list(
    conn: &mut AsyncPgConnection,
    assigned: Assigned,
    filter: ItemFilter,
    after: Option<i64>,
    limit: i64,
) -> AppResult<Vec<ItemRow>> {
    let (partner, organisation) = match assigned {
        Assigned::ToPartner(id) => (Some(id), None),
        Assigned::InOrganisation(id) => (None, Some(id)),
        Assigned::Everywhere => (None, None),
    };
    Ok(Prepared(
        diesel::sql_query(items_where!(
            "($1::uuid IS NULL OR o.partner_id = $1)
                AND ($2::uuid IS NULL OR o.organisation_id = $2)
                AND ($3::text IS NULL OR o.status = $3)
                AND ($4::uuid IS NULL OR o.event_id = $4)
                AND ($5::text IS NULL OR o.kind = $5)
                AND o.seq > $6
              ORDER BY o.seq
              LIMIT $7"
        ))
        .bind::<Nullable<SqlUuid>, _>(partner)
        .bind::<Nullable<SqlUuid>, _>(organisation)
        .bind::<Nullable<Text>, _>(filter.status)
        .bind::<Nullable<SqlUuid>, _>(filter.event_id)
        .bind::<Nullable<Text>, _>(filter.kind)
        .bind::<BigInt, _>(after.unwrap_or(0))
        .bind::<BigInt, _>(limit),
    )
    .load(conn)
    .await?)
}

/// The item, with what its message needs.
pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<ItemRow>> {
    Ok(Prepared(diesel::sql_query(items_where!("o.id = $1")).bind::<SqlUuid, _>(id))
        .get_result(conn)
        .await
        .optional()?)
}

/// The registration an item is about: it never changes, so it may be read before anything
/// is locked.
pub async fn registration_of(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<Uuid>> {
    use crate::db::schema::outreach_items;
    Ok(outreach_items::table.find(id).select(outreach_items::registration_id).first(conn).await.optional()?)
}

/// The item's status, locked until the transaction ends (after its registration).
pub async fn lock_status(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<OutreachStatus> {
    use crate::db::schema::outreach_items;
    Ok(outreach_items::table.find(id).select(outreach_items::status).for_update().first(conn).await?)
}

/// Records a partner's report of an attempt.
pub async fn record_result(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    status: OutreachStatus,
    result: OutreachResult,
    note: Option<&str>,
    by: Uuid,
) -> AppResult<()> {
    Prepared(
        diesel::sql_query(
            "UPDATE outreach_items
                SET status = $2, result = $3, note = $4, attempts = attempts + 1,
                    resolved_at = CASE WHEN $2 = 'open' THEN NULL ELSE now() END,
                    resolved_by = $5
              WHERE id = $1",
        )
        .bind::<SqlUuid, _>(id)
        .bind::<Text, _>(status)
        .bind::<Text, _>(result)
        .bind::<Nullable<Text>, _>(note)
        .bind::<SqlUuid, _>(by),
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Closes the open items of these registrations with `result`: there is nothing left to tell.
pub async fn close(
    conn: &mut AsyncPgConnection,
    registration_ids: &[Uuid],
    result: OutreachResult,
) -> AppResult<()> {
    if registration_ids.is_empty() {
        return Ok(());
    }
    Prepared(
        diesel::sql_query(
            "UPDATE outreach_items SET status = 'done', result = $2, resolved_at = now()
              WHERE registration_id = ANY ($1) AND status = 'open'",
        )
        .bind::<Array<SqlUuid>, _>(registration_ids)
        .bind::<Text, _>(result),
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Erasure: the partners' notes go, and what was still open for these registrations closes as
/// `erased` (there is no one left to reach).
pub async fn erase(conn: &mut AsyncPgConnection, registration_ids: &[Uuid]) -> AppResult<()> {
    Prepared(
        diesel::sql_query(
            "UPDATE outreach_items
                SET note = NULL,
                    status = CASE WHEN status = 'open' THEN 'failed' ELSE status END,
                    result = CASE WHEN status = 'open' THEN 'erased' ELSE result END,
                    resolved_at = COALESCE(resolved_at, now())
              WHERE registration_id = ANY ($1) AND (note IS NOT NULL OR status = 'open')",
        )
        .bind::<Array<SqlUuid>, _>(registration_ids),
    )
    .execute(conn)
    .await?;
    Ok(())
}
