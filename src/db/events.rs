//! Events: rows, queries and the transactions that change them.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::accounts::Standing;
use crate::db::places::EventPlaceRow;
use crate::db::prepared::Prepared;
use crate::db::schema::events;
use crate::domain::actors::ActorKind;
use crate::domain::consent::Purpose;
use crate::domain::events::{EventDraft, EventStatus, OnlineDraft, OnsiteDraft};
use crate::domain::group_reservations::GroupReservation;
use crate::domain::offers::WaitlistPromotion;
use crate::domain::seats::{Seating, Seats};
use crate::domain::translations::{title_in, EventTranslations};
use crate::error::AppResult;

#[derive(Debug, Clone, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = events)]
pub struct EventRow {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub title: String,
    pub description: Option<String>,
    pub region: String,
    pub series: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub timezone: String,
    pub languages: Vec<String>,
    pub status: EventStatus,
    pub registration_closes_at: Option<DateTime<Utc>>,
    pub online_offered: bool,
    pub online_join_url: Option<String>,
    pub online_capacity: Option<i32>,
    pub onsite_offered: bool,
    pub onsite_venue_name: Option<String>,
    pub onsite_address: Option<String>,
    pub onsite_capacity: Option<i32>,
    pub onsite_reserved: i32,
    pub online_confirmed: i32,
    pub online_waitlisted: i32,
    pub onsite_confirmed: i32,
    pub onsite_confirmed_physical_space: i32,
    pub onsite_waitlisted: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Of `onsite_waitlisted`, those with the physical-space need (first in that waitlist).
    pub onsite_waitlisted_physical_space: i32,
    /// When it was first published; `None` while it never was (see `auth::event_access`).
    pub published_at: Option<DateTime<Utc>>,
    /// Days after the end that its personal data is kept; `None`: its organisation's.
    pub retention_days: Option<i32>,
    /// Minutes of online attendance that count as attended; `None`: a quarter of the length
    /// (`domain::attendance::min_minutes`).
    pub online_attendance_min_minutes: Option<i32>,
    /// Whom participants call with a question.
    pub contact_phone: Option<String>,
    /// Hours before the start at which confirmed people are reminded, latest first.
    pub reminders_hours_before: Vec<i32>,
    /// The title and description in more languages (`domain::translations::EventTranslations`).
    pub translations: serde_json::Value,
    /// How a freed seat goes to the waitlist (`domain::offers`).
    pub waitlist_promotion: WaitlistPromotion,
    /// How long an offer of a seat is held, in hours.
    pub offer_hours: i32,
    /// Its series (`db::series`); `series` is that series' name.
    pub series_id: Option<Uuid>,
    /// Seats reserved for groups of stakeholder categories
    /// (`domain::group_reservations::GroupReservation`); `[]`: none.
    pub group_reservations: serde_json::Value,
}

impl EventRow {
    pub fn seats(&self) -> Seats {
        Seats {
            online_offered: self.online_offered,
            online_capacity: self.online_capacity,
            online_confirmed: self.online_confirmed,
            onsite_offered: self.onsite_offered,
            onsite_capacity: self.onsite_capacity.unwrap_or(0),
            onsite_reserved: self.onsite_reserved,
            onsite_confirmed: self.onsite_confirmed,
            onsite_confirmed_physical_space: self.onsite_confirmed_physical_space,
        }
    }

    /// Every seat of the event: its own, and those of the places it offers (`places`, in the
    /// event's order). Without the group reservations' rooms, which need a count of who sits
    /// where (`app::registrations::seating_with_groups`).
    pub fn seating<'a>(&self, places: impl IntoIterator<Item = &'a EventPlaceRow>) -> Seating {
        Seating {
            seats: self.seats(),
            places: places.into_iter().map(EventPlaceRow::seats).collect(),
            groups: None,
        }
    }

    /// The group reservations as stored; only the server writes them, checked.
    pub fn group_reservations(&self) -> Vec<GroupReservation> {
        if !self.has_group_reservations() {
            return Vec::new();
        }
        serde_json::from_value(self.group_reservations.clone()).unwrap_or_default()
    }

    /// Whether it reserves seats for any group: the seat rules then count who sits where.
    pub fn has_group_reservations(&self) -> bool {
        self.group_reservations.as_array().is_some_and(|list| !list.is_empty())
    }

    /// The translations as stored; only the server writes them, checked.
    pub fn translations(&self) -> EventTranslations {
        serde_json::from_value(self.translations.clone()).unwrap_or_default()
    }

    /// The title for someone reading `language` (`domain::translations::title_in`).
    pub fn title_in(&self, language: &str) -> String {
        title_in(&self.title, &self.translations(), language).to_owned()
    }

    pub fn to_draft(&self) -> EventDraft {
        EventDraft {
            title: self.title.clone(),
            description: self.description.clone(),
            organisation_id: self.organisation_id,
            region: self.region.clone(),
            series: self.series.clone(),
            series_id: self.series_id,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            timezone: self.timezone.clone(),
            languages: self.languages.clone(),
            registration_closes_at: self.registration_closes_at,
            retention_days: self.retention_days.map(i64::from),
            online_attendance_min_minutes: self.online_attendance_min_minutes.map(i64::from),
            contact_phone: self.contact_phone.clone(),
            reminders_hours_before: self.reminders_hours_before.iter().copied().map(i64::from).collect(),
            translations: self.translations(),
            group_reservations: self.group_reservations(),
            waitlist_promotion: self.waitlist_promotion,
            offer_hours: self.offer_hours.into(),
            online: self.online_offered.then(|| OnlineDraft {
                join_url: self.online_join_url.clone(),
                capacity: self.online_capacity.map(i64::from),
            }),
            onsite: self.onsite_offered.then(|| OnsiteDraft {
                venue_name: self.onsite_venue_name.clone(),
                address: self.onsite_address.clone(),
                capacity: self.onsite_capacity.map(i64::from),
                reserved_for_physical_space_need: self.onsite_reserved.into(),
            }),
        }
    }
}

/// The stored form of a validated draft (everything an organiser may set).
#[derive(AsChangeset, Insertable)]
#[diesel(table_name = events, treat_none_as_null = true)]
struct EventFields {
    organisation_id: Uuid,
    title: String,
    description: Option<String>,
    region: String,
    series: Option<String>,
    series_id: Option<Uuid>,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    timezone: String,
    languages: Vec<String>,
    registration_closes_at: Option<DateTime<Utc>>,
    retention_days: Option<i32>,
    online_attendance_min_minutes: Option<i32>,
    contact_phone: Option<String>,
    reminders_hours_before: Vec<i32>,
    translations: serde_json::Value,
    group_reservations: serde_json::Value,
    waitlist_promotion: WaitlistPromotion,
    offer_hours: i32,
    online_offered: bool,
    online_join_url: Option<String>,
    online_capacity: Option<i32>,
    onsite_offered: bool,
    onsite_venue_name: Option<String>,
    onsite_address: Option<String>,
    onsite_capacity: Option<i32>,
    onsite_reserved: i32,
}

impl From<EventDraft> for EventFields {
    /// The draft must have been validated (capacities within i32).
    fn from(draft: EventDraft) -> Self {
        let (online, onsite) = (draft.online, draft.onsite);
        Self {
            organisation_id: draft.organisation_id,
            title: draft.title,
            description: draft.description,
            region: draft.region,
            series: draft.series,
            series_id: draft.series_id,
            starts_at: draft.starts_at,
            ends_at: draft.ends_at,
            timezone: draft.timezone,
            languages: draft.languages,
            registration_closes_at: draft.registration_closes_at,
            retention_days: draft.retention_days.map(|d| d as i32),
            online_attendance_min_minutes: draft.online_attendance_min_minutes.map(|m| m as i32),
            contact_phone: draft.contact_phone,
            reminders_hours_before: draft.reminders_hours_before.iter().map(|h| *h as i32).collect(),
            translations: serde_json::to_value(&draft.translations).expect("translations serialise"),
            group_reservations: serde_json::to_value(&draft.group_reservations)
                .expect("group reservations serialise"),
            waitlist_promotion: draft.waitlist_promotion,
            offer_hours: draft.offer_hours as i32,
            online_offered: online.is_some(),
            online_join_url: online.as_ref().and_then(|o| o.join_url.clone()),
            online_capacity: online.as_ref().and_then(|o| o.capacity).map(|c| c as i32),
            onsite_offered: onsite.is_some(),
            onsite_venue_name: onsite.as_ref().and_then(|o| o.venue_name.clone()),
            onsite_address: onsite.as_ref().and_then(|o| o.address.clone()),
            onsite_capacity: onsite.as_ref().and_then(|o| o.capacity).map(|c| c as i32),
            onsite_reserved: onsite.as_ref().map_or(0, |o| o.reserved_for_physical_space_need as i32),
        }
    }
}

pub async fn insert(conn: &mut AsyncPgConnection, draft: EventDraft) -> AppResult<EventRow> {
    Ok(diesel::insert_into(events::table)
        .values((events::id.eq(Uuid::now_v7()), EventFields::from(draft)))
        .returning(EventRow::as_returning())
        .get_result(conn)
        .await?)
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<EventRow>> {
    Ok(events::table.find(id).select(EventRow::as_select()).first(conn).await.optional()?)
}

/// [`find`] on a shared connection, to be pipelined with other reads (see `db::pipelined`).
pub async fn find_shared(mut conn: &AsyncPgConnection, id: Uuid) -> AppResult<Option<EventRow>> {
    Ok(events::table.find(id).select(EventRow::as_select()).first(&mut conn).await.optional()?)
}

/// The event row, locked until the transaction ends: every change to its seats goes
/// through this lock, so seat decisions never race.
pub async fn lock(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<EventRow>> {
    Ok(events::table.find(id).select(EventRow::as_select()).for_update().first(conn).await.optional()?)
}

/// An event locked for a registration, with what the same statement read about its caller.
#[derive(Debug)]
pub struct LockedForCaller {
    pub event: EventRow,
    pub standing: Standing,
    /// Whether the event's organisation trusts the organisation of the calling partner
    /// (`db::trusts`); always false for a user.
    pub trusted: bool,
    /// Whether the calling partner had its `already_registered` answers for this hour
    /// (`db::rate_limits::count_duplicate_refusal`); always false for a user.
    pub duplicates_exhausted: bool,
    /// The consent purposes of the event's organisation, which a registration is checked
    /// against.
    pub purposes: Vec<Purpose>,
}

/// The consent purposes of the locked event's organisation, read back from their column of
/// the lock's statement (a statement of their own cost PostgreSQL a seventh of a
/// registration's instructions: bench/README.md, "A lighter registration write").
fn purposes_from(column: serde_json::Value) -> AppResult<Vec<Purpose>> {
    let rows: Vec<(String, bool, i32)> = serde_json::from_value(column)
        .map_err(|e| anyhow::anyhow!("consent purposes of the lock's statement: {e}"))?;
    Ok(rows
        .into_iter()
        .map(|(key, required, current_version)| Purpose { key, required, current_version })
        .collect())
}

/// [`lock`] for registrations: each event of `pairs` (event, caller, caller's kind) locked in
/// one statement, in the order of the events' ids (as any transaction that locks several, so
/// none waits for another in a circle), and with each, what the same statement read about
/// its caller: whether it still stands (a partner not revoked, a user not deleted; see
/// `accounts::Standing`) and, for a partner, whether the event's organisation trusts the
/// partner's and whether it had its duplicate answers for the hour. A registration, or a
/// group of them, checks its callers and locks its events in one statement: each statement
/// costs PostgreSQL more than the rows it reads (bench/README). An event that does not exist
/// is missing from the answer, which says nothing about its callers.
///
/// Takes a shared connection so that it can be pipelined behind `BEGIN` (see
/// `db::pipelined`).
pub async fn lock_for_callers(
    mut conn: &AsyncPgConnection,
    pairs: &[(Uuid, Uuid, ActorKind)],
    duplicates_per_hour: u32,
) -> AppResult<Vec<(Uuid, LockedForCaller)>> {
    use diesel::sql_types::{Array, Int4, Nullable, Text, Uuid as SqlUuid};
    let events: Vec<Uuid> = pairs.iter().map(|(event, _, _)| *event).collect();
    let callers: Vec<Uuid> = pairs.iter().map(|(_, caller, _)| *caller).collect();
    let kinds: Vec<&str> = pairs.iter().map(|(_, _, kind)| kind.as_str()).collect();
    let duplicates: Vec<Option<String>> = pairs
        .iter()
        .map(|(_, caller, kind)| {
            (*kind == ActorKind::ApiClient).then(|| crate::db::rate_limits::duplicates_key(*caller))
        })
        .collect();
    let rows: Vec<LockedRow> = Prepared(
        diesel::sql_query(LOCK_FOR_CALLERS)
            .bind::<Array<SqlUuid>, _>(&events)
            .bind::<Array<SqlUuid>, _>(&callers)
            .bind::<Array<Text>, _>(&kinds)
            .bind::<Array<Nullable<Text>>, _>(&duplicates)
            .bind::<Int4, _>(i32::try_from(duplicates_per_hour).unwrap_or(i32::MAX)),
    )
    .load(&mut conn)
    .await?;
    rows.into_iter()
        .map(|row| {
            let standing = match row.kind.as_str() {
                "api_client" => Standing::of_partner(row.partner_organisation),
                _ => Standing::of_user(row.user_role, row.user_organisation),
            };
            Ok((
                row.locked_for,
                LockedForCaller {
                    event: row.event,
                    standing,
                    trusted: row.trusted,
                    duplicates_exhausted: row.duplicates_exhausted,
                    purposes: purposes_from(row.purposes)?,
                },
            ))
        })
        .collect()
}

/// The statement of [`lock_for_callers`]: `$1` to `$4` the pairs' events, callers, kinds and
/// keys of their duplicate counters, `$5` DUPLICATE_PROBE_LIMIT_PER_HOUR.
const LOCK_FOR_CALLERS: &str = "WITH locked AS MATERIALIZED (
         SELECT e.* FROM events e WHERE e.id = ANY ($1::uuid[]) ORDER BY e.id FOR UPDATE)
 SELECT e.*, p.caller AS locked_for, p.kind, a.partner_organisation,
        (SELECT u.role FROM users u WHERE p.kind = 'user' AND u.id = p.caller) AS user_role,
        (SELECT u.organisation_id FROM users u WHERE p.kind = 'user' AND u.id = p.caller) AS user_organisation,
        coalesce(e.organisation_id IN (SELECT t.organisation_id FROM organisation_trusts t
                                        WHERE t.trusted_organisation_id = a.partner_organisation), false) AS trusted,
        EXISTS (SELECT 1 FROM rate_limits r
                 WHERE r.key = p.duplicates AND r.window_start + interval '1 hour' > now() AND r.count >= $5)
            AS duplicates_exhausted,
        (SELECT coalesce(json_agg(json_build_array(cp.purpose, cp.required, cp.current_version)), '[]')
           FROM consent_purposes cp WHERE cp.organisation_id = e.organisation_id) AS purposes
   FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[]) AS p(event_id, caller, kind, duplicates)
   JOIN locked e ON e.id = p.event_id
  CROSS JOIN LATERAL (SELECT (SELECT c.organisation_id FROM api_clients c
                               WHERE p.kind = 'api_client' AND c.id = p.caller AND c.revoked_at IS NULL)
                                  AS partner_organisation) a";

#[derive(QueryableByName)]
struct LockedRow {
    #[diesel(embed)]
    event: EventRow,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    locked_for: Uuid,
    #[diesel(sql_type = diesel::sql_types::Text)]
    kind: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Uuid>)]
    partner_organisation: Option<Uuid>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    user_role: Option<crate::domain::actors::Role>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Uuid>)]
    user_organisation: Option<Uuid>,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    trusted: bool,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    duplicates_exhausted: bool,
    #[diesel(sql_type = diesel::sql_types::Json)]
    purposes: serde_json::Value,
}

/// [`lock_for_callers`] for one event and one caller.
pub async fn lock_as_standing(
    conn: &AsyncPgConnection,
    id: Uuid,
    caller: Uuid,
    kind: ActorKind,
    duplicates_per_hour: u32,
) -> AppResult<Option<LockedForCaller>> {
    Ok(lock_for_callers(conn, &[(id, caller, kind)], duplicates_per_hour)
        .await?
        .pop()
        .map(|(_, locked)| locked))
}

/// Writes a validated draft over the event.
pub async fn store(conn: &mut AsyncPgConnection, id: Uuid, draft: EventDraft) -> AppResult<EventRow> {
    Ok(diesel::update(events::table.find(id))
        .set((EventFields::from(draft), events::updated_at.eq(diesel::dsl::now)))
        .returning(EventRow::as_returning())
        .get_result(conn)
        .await?)
}

/// Moves the event to `status`. Publishing also records when: only a draft may be published,
/// and a draft never was, so this is its first publication; a later cancellation keeps it.
pub async fn set_status(conn: &mut AsyncPgConnection, id: Uuid, status: EventStatus) -> AppResult<EventRow> {
    use diesel::dsl::now;
    let event = diesel::update(events::table.find(id));
    Ok(if status == EventStatus::Published {
        event
            .set((events::status.eq(status), events::updated_at.eq(now), events::published_at.eq(now)))
            .returning(EventRow::as_returning())
            .get_result(conn)
            .await?
    } else {
        event
            .set((events::status.eq(status), events::updated_at.eq(now)))
            .returning(EventRow::as_returning())
            .get_result(conn)
            .await?
    })
}

/// Which events a caller may list.
#[derive(Debug, Clone, Copy)]
pub enum Visibility {
    PublishedOnly,
    /// Published events, and every event of this organisation.
    PublishedOrOwn(Uuid),
    All,
}

#[derive(Debug, Default)]
pub struct EventFilter {
    pub status: Option<EventStatus>,
    pub region: Option<String>,
    pub series: Option<String>,
    pub series_id: Option<Uuid>,
    pub organisation_id: Option<Uuid>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub online: Option<bool>,
    pub onsite: Option<bool>,
}

/// A page of events ordered by (starts_at, id); `after` is the last key of the previous page,
/// so pages stay stable while events are added.
pub async fn list(
    conn: &mut AsyncPgConnection,
    visibility: Visibility,
    filter: &EventFilter,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> AppResult<Vec<EventRow>> {
    let mut query = events::table.select(EventRow::as_select()).into_boxed();
    query = match visibility {
        Visibility::PublishedOnly => query.filter(events::status.eq(EventStatus::Published)),
        Visibility::PublishedOrOwn(org) => {
            query.filter(events::status.eq(EventStatus::Published).or(events::organisation_id.eq(org)))
        }
        Visibility::All => query,
    };
    if let Some(status) = filter.status {
        query = query.filter(events::status.eq(status));
    }
    if let Some(region) = &filter.region {
        query = query.filter(events::region.eq(region.clone()));
    }
    if let Some(series) = &filter.series {
        query = query.filter(events::series.eq(series.clone()));
    }
    if let Some(series_id) = filter.series_id {
        query = query.filter(events::series_id.eq(series_id));
    }
    if let Some(org) = filter.organisation_id {
        query = query.filter(events::organisation_id.eq(org));
    }
    if let Some(from) = filter.from {
        query = query.filter(events::starts_at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(events::starts_at.lt(to));
    }
    if let Some(online) = filter.online {
        query = query.filter(events::online_offered.eq(online));
    }
    if let Some(onsite) = filter.onsite {
        query = query.filter(events::onsite_offered.eq(onsite));
    }
    if let Some((starts_at, id)) = after {
        query = query.filter(
            events::starts_at.gt(starts_at).or(events::starts_at.eq(starts_at).and(events::id.gt(id))),
        );
    }
    Ok(query.order((events::starts_at.asc(), events::id.asc())).limit(limit).load(conn).await?)
}

#[derive(QueryableByName)]
struct DueForPurge {
    #[diesel(embed)]
    event: EventRow,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    effective_retention_days: i32,
}

/// The next event whose personal data is past its retention (its own `retention_days`, else
/// its organisation's, counted from `ends_at`) and which still has registrations that are not
/// erased, or participant-list rows that still hold a platform's name, locked, with the retention that applies to it. Events locked by another
/// transaction are skipped (`SKIP LOCKED`): several processes purge side by side, and a purge
/// never waits behind a request.
pub async fn lock_next_due_for_purge(conn: &mut AsyncPgConnection) -> AppResult<Option<(EventRow, i32)>> {
    let due = crate::db::prepared::Prepared(diesel::sql_query(
        "SELECT e.*, coalesce(e.retention_days, o.retention_days) AS effective_retention_days
           FROM events e JOIN organisations o ON o.id = e.organisation_id
          WHERE e.ends_at + make_interval(days => coalesce(e.retention_days, o.retention_days)) <= now()
            AND (EXISTS (SELECT FROM registrations r WHERE r.event_id = e.id AND r.erased_at IS NULL)
                 OR EXISTS (SELECT FROM attendance_imports i JOIN attendance_import_rows w ON w.import_id = i.id
                             WHERE i.event_id = e.id
                               AND (w.platform_name IS NOT NULL OR w.platform_email IS NOT NULL
                                    OR w.platform_phone IS NOT NULL)))
          ORDER BY e.ends_at, e.id
          LIMIT 1
            FOR UPDATE OF e SKIP LOCKED",
    ))
    .get_result::<DueForPurge>(conn)
    .await
    .optional()?;
    Ok(due.map(|due| (due.event, due.effective_retention_days)))
}

/// The series the event belongs to, if any.
pub async fn series_of(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<Uuid>> {
    Ok(events::table
        .find(id)
        .select(events::series_id)
        .first::<Option<Uuid>>(conn)
        .await
        .optional()?
        .flatten())
}
