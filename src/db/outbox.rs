//! The transactional outbox of webhook deliveries. `enqueue` runs inside the transaction of
//! the change it reports, so a message exists exactly when its change committed; the worker
//! (`crate::webhooks`) claims due rows with `FOR UPDATE SKIP LOCKED`, posts them outside any
//! transaction and records the result.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Integer, Jsonb, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::json;
use uuid::Uuid;

use crate::db::prepared::Prepared;
use crate::db::schema::webhook_deliveries;
use crate::domain::webhooks::{Audience, EventType};
use crate::error::AppResult;

/// One change that subscribers may want to hear about. Ids and statuses only, never personal
/// data. Made from a transition (`app::transition`).
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub event_type: EventType,
    pub event_id: Uuid,
    /// The event's organisation.
    pub organisation_id: Uuid,
    pub registration_id: Option<Uuid>,
    /// The caller that created the registration (an API client id for partners, or a user id).
    pub registration_created_by: Option<Uuid>,
    /// e.g. `{"status":"confirmed","attendance_mode":"onsite","previous_status":"waitlisted"}`.
    pub data: serde_json::Value,
}

/// The delivery insert of one message or of many: the message's id, type, payload and
/// organisation as SQL expressions, the condition choosing the partners that hear, and what
/// to read the messages from (empty for one message given as parameters).
macro_rules! deliveries {
    ($message:literal, $type:literal, $payload:literal, $organisation:literal, $partners:literal, $from:literal) => {
        concat!(
            "INSERT INTO webhook_deliveries (message_id, subscription_id, event_type, payload)
             SELECT ",
            $message,
            ", s.id, ",
            $type,
            ", ",
            $payload,
            "
               FROM ",
            $from,
            " webhook_subscriptions s
              WHERE s.deleted_at IS NULL
                AND ",
            $type,
            " = ANY (s.event_types)
                AND ((s.owner_kind = 'organisation' AND s.organisation_id = ",
            $organisation,
            ")
                  OR (s.owner_kind = 'api_client' AND ",
            $partners,
            "       AND NOT EXISTS (SELECT 1 FROM api_clients c
                                     WHERE c.id = s.api_client_id AND c.revoked_at IS NOT NULL)))"
        )
    };
}

/// The delivery insert of [`enqueue`], for one way of choosing the partners that hear.
macro_rules! deliveries_to_partners {
    ($partners:literal) => {
        $crate::db::outbox::deliveries!("$1", "$2", "$3", "$4", $partners, "")
    };
}

/// `registration.*`: the partner that created the registration (`$5`). (The insert of a new
/// registration writes its deliveries with [`deliveries`] itself, with its outreach item's.)
macro_rules! deliveries_to_the_registrations_partner {
    () => {
        $crate::db::outbox::deliveries_to_partners!("s.api_client_id = $5")
    };
}
pub(crate) use {deliveries, deliveries_to_partners};

const DELIVERIES_TO_THE_REGISTRATIONS_PARTNER: &str = deliveries_to_the_registrations_partner!();

/// `event.*`: the partners holding a registration for the event (`$5`).
const DELIVERIES_TO_THE_EVENTS_PARTNERS: &str = deliveries_to_partners!(
    "s.api_client_id IN (SELECT r.created_by FROM registrations r
                          WHERE r.event_id = $5 AND r.created_by_kind = 'api_client'
                            AND r.status <> 'cancelled')"
);

/// `action.*`: no partner, only the organisation's subscriptions.
const DELIVERIES_TO_THE_ORGANISATION: &str = deliveries_to_partners!("$5::uuid IS NOT NULL AND FALSE");

/// Writes one delivery per matching active subscription, in ONE statement, inside the
/// caller's transaction; nothing when none matches.
///
/// Who receives what: an organisation's subscription hears everything about its
/// organisation's events. A partner's subscription hears `registration.*` only for the
/// registrations that partner created, and `event.*` for events where it holds at least one
/// non-cancelled registration (so report `event.cancelled` before cancelling registrations);
/// `action.*` goes to the organisation's subscriptions only. Subscriptions of revoked API clients hear nothing.
///
/// Takes a shared connection, so that it can also be pipelined with other statements.
#[tracing::instrument(skip_all, fields(event_type = change.event_type.as_str(), event_id = %change.event_id))]
pub async fn enqueue(mut conn: &AsyncPgConnection, change: &Change) -> AppResult<()> {
    let message = Message::of(change);
    // Two statements rather than one with a switch: with a boolean parameter choosing the
    // partners' branch, PostgreSQL's plan for the switch folded in (a custom plan) looked so
    // much cheaper than the plan for any value (the generic one, which counts on scanning the
    // event's registrations) that it planned the statement afresh at every registration, a
    // sixth of the database's time in the registration benchmark.
    let sql = match message.event_type.audience() {
        Audience::RegistrationsPartner => DELIVERIES_TO_THE_REGISTRATIONS_PARTNER,
        Audience::EventsPartners => DELIVERIES_TO_THE_EVENTS_PARTNERS,
        Audience::OrganisationOnly => DELIVERIES_TO_THE_ORGANISATION,
    };
    let written = Prepared(
        diesel::sql_query(sql)
            .bind::<SqlUuid, _>(message.id)
            .bind::<Text, _>(message.event_type)
            .bind::<Jsonb, _>(&message.payload)
            .bind::<SqlUuid, _>(message.organisation_id)
            .bind::<Nullable<SqlUuid>, _>(message.partner_or_event),
    )
    .execute(&mut conn)
    .await?;
    tracing::debug!(message_id = %message.id, deliveries = written, "enqueued webhook message");
    Ok(())
}

/// [`enqueue`] for many messages about registrations (`registration.*`, `outreach.created`),
/// in one statement whatever their number: an event's cancellation makes one per person.
pub async fn enqueue_all(conn: &mut AsyncPgConnection, messages: &[Message]) -> AppResult<()> {
    if messages.is_empty() {
        return Ok(());
    }
    debug_assert!(messages.iter().all(|m| m.event_type.is_about_a_registration()));
    let written = Prepared(
        diesel::sql_query(deliveries!(
            "m.id",
            "m.event_type",
            "m.payload",
            "m.organisation_id",
            "s.api_client_id = m.partner",
            "unnest($1::uuid[], $2::text[], $3::jsonb[], $4::uuid[], $5::uuid[])
                  AS m(id, event_type, payload, organisation_id, partner),"
        ))
        .bind::<Array<SqlUuid>, _>(messages.iter().map(|m| m.id).collect::<Vec<_>>())
        .bind::<Array<Text>, _>(messages.iter().map(|m| m.event_type).collect::<Vec<_>>())
        .bind::<Array<Jsonb>, _>(messages.iter().map(|m| &m.payload).collect::<Vec<_>>())
        .bind::<Array<SqlUuid>, _>(messages.iter().map(|m| m.organisation_id).collect::<Vec<_>>())
        .bind::<Array<Nullable<SqlUuid>>, _>(messages.iter().map(|m| m.partner_or_event).collect::<Vec<_>>()),
    )
    .execute(conn)
    .await?;
    tracing::debug!(messages = messages.len(), deliveries = written, "enqueued webhook messages");
    Ok(())
}

/// The parameters `$1` to `$5` of the delivery inserts, for one change.
pub struct Message {
    pub id: Uuid,
    pub event_type: EventType,
    pub payload: serde_json::Value,
    pub organisation_id: Uuid,
    /// `$5`: the partner that created the registration (`registration.*`), or the event
    /// (`event.*`).
    pub partner_or_event: Option<Uuid>,
}

impl Message {
    pub fn of(change: &Change) -> Self {
        Self::with_id(Uuid::now_v7(), change)
    }

    /// The message of `change` under a chosen id: an outreach item's announcement carries the
    /// item's.
    pub fn with_id(id: Uuid, change: &Change) -> Self {
        let payload = json!({
            "id": id,
            "type": change.event_type.as_str(),
            "occurred_at": Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
            "event_id": change.event_id,
            "registration_id": change.registration_id,
            "data": change.data,
        });
        Self {
            id,
            event_type: change.event_type,
            payload,
            organisation_id: change.organisation_id,
            partner_or_event: match change.event_type.audience() {
                Audience::RegistrationsPartner => change.registration_created_by,
                Audience::EventsPartners | Audience::OrganisationOnly => Some(change.event_id),
            },
        }
    }
}

/// A delivery a worker has claimed: its lease runs until it records the result.
#[derive(QueryableByName)]
pub struct Claimed {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub message_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub subscription_id: Uuid,
    #[diesel(sql_type = Text)]
    pub event_type: EventType,
    #[diesel(sql_type = Jsonb)]
    pub payload: serde_json::Value,
    /// Attempts including this one.
    #[diesel(sql_type = Integer)]
    pub attempts: i32,
    #[diesel(sql_type = Text)]
    pub url: String,
    /// The signing key; never logged.
    #[diesel(sql_type = Text)]
    pub secret: String,
}

/// `last_error` of the deliveries of a revoked API client.
pub const REVOKED: &str = "the API client was revoked";

/// Claims up to `limit` due deliveries and leases them for `lease`, in one statement (its
/// own transaction): rows another worker holds are skipped, and a claimed row is not due
/// again until the lease runs out, so a crashed worker's rows are retried after it.
///
/// A due delivery of a revoked API client is cancelled instead of claimed. Revocation
/// cancels them itself ([`cancel_for_revoked_client`]); this catches a message written by a
/// transaction that committed while the revocation was under way.
pub async fn claim_due(conn: &mut AsyncPgConnection, limit: i64, lease: Duration) -> AppResult<Vec<Claimed>> {
    Ok(diesel::sql_query(
        "WITH due AS (
             SELECT d.id, c.revoked_at IS NOT NULL AS revoked
               FROM webhook_deliveries d
               JOIN webhook_subscriptions s ON s.id = d.subscription_id
               LEFT JOIN api_clients c ON c.id = s.api_client_id
              WHERE d.status = 'pending' AND d.next_attempt_at <= now()
              ORDER BY d.next_attempt_at, d.seq
              LIMIT $1
              FOR UPDATE OF d SKIP LOCKED),
         cancelled AS (
             UPDATE webhook_deliveries d
                SET status = 'cancelled', last_error = $3
               FROM due
              WHERE d.id = due.id AND due.revoked)
         UPDATE webhook_deliveries d
            SET attempts = d.attempts + 1,
                last_attempt_at = now(),
                next_attempt_at = now() + $2 * interval '1 millisecond'
           FROM due, webhook_subscriptions s
          WHERE d.id = due.id AND NOT due.revoked AND s.id = d.subscription_id
      RETURNING d.id, d.message_id, d.subscription_id, d.event_type, d.payload, d.attempts, s.url, s.secret",
    )
    .bind::<BigInt, _>(limit)
    .bind::<BigInt, _>(millis(lease))
    .bind::<Text, _>(REVOKED)
    .load(conn)
    .await?)
}

/// Cancels the deliveries still waiting for the subscriptions of the API client `id`, so
/// that no worker posts them any more; they stay in the delivery log, status `cancelled`.
/// Run in the transaction that revokes the client. Returns how many were cancelled.
pub async fn cancel_for_revoked_client(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<usize> {
    use crate::db::schema::webhook_subscriptions;
    Ok(diesel::update(
        webhook_deliveries::table.filter(webhook_deliveries::status.eq("pending")).filter(
            webhook_deliveries::subscription_id.eq_any(
                webhook_subscriptions::table
                    .filter(webhook_subscriptions::api_client_id.eq(id))
                    .select(webhook_subscriptions::id),
            ),
        ),
    )
    .set((webhook_deliveries::status.eq("cancelled"), webhook_deliveries::last_error.eq(REVOKED)))
    .execute(conn)
    .await?)
}

/// Marks a delivery done, whichever attempt succeeded.
pub async fn record_success(conn: &mut AsyncPgConnection, id: Uuid, status_code: u16) -> AppResult<()> {
    diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::id.eq(id))
            .filter(webhook_deliveries::status.eq("pending")),
    )
    .set((
        webhook_deliveries::status.eq("delivered"),
        webhook_deliveries::delivered_at.eq(diesel::dsl::now),
        webhook_deliveries::last_status_code.eq(Some(i32::from(status_code))),
        webhook_deliveries::last_error.eq(None::<String>),
    ))
    .execute(conn)
    .await?;
    Ok(())
}

/// Schedules the next attempt after `retry_in`, or marks the delivery failed once it is older
/// than `window`. Ignored when a later attempt has claimed the row since (its lease stands).
pub async fn record_failure(
    conn: &mut AsyncPgConnection,
    claimed: &Claimed,
    status_code: Option<u16>,
    error: &str,
    retry_in: Duration,
    window: Duration,
) -> AppResult<bool> {
    #[derive(QueryableByName)]
    struct Outcome {
        #[diesel(sql_type = Text)]
        status: String,
    }
    let outcome: Option<Outcome> = diesel::sql_query(
        "UPDATE webhook_deliveries
            SET status = CASE WHEN now() >= created_at + $5 * interval '1 millisecond'
                              THEN 'failed' ELSE 'pending' END,
                next_attempt_at = now() + $4 * interval '1 millisecond',
                last_status_code = $2,
                last_error = $3
          WHERE id = $1 AND status = 'pending' AND attempts = $6
      RETURNING status",
    )
    .bind::<SqlUuid, _>(claimed.id)
    .bind::<Nullable<Integer>, _>(status_code.map(i32::from))
    .bind::<Text, _>(error)
    .bind::<BigInt, _>(millis(retry_in))
    .bind::<BigInt, _>(millis(window))
    .bind::<Integer, _>(claimed.attempts)
    .get_result(conn)
    .await
    .optional()?;
    Ok(outcome.is_some_and(|o| o.status == "failed"))
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// A row of a subscription's delivery log.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
pub struct DeliveryRow {
    pub id: Uuid,
    pub seq: i64,
    pub message_id: Uuid,
    pub event_type: EventType,
    pub payload: serde_json::Value,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A page of one subscription's deliveries, newest first; `after` is the last `seq` seen.
pub async fn list_deliveries(
    conn: &mut AsyncPgConnection,
    subscription_id: Uuid,
    after: Option<i64>,
    limit: i64,
) -> AppResult<Vec<DeliveryRow>> {
    let mut query = webhook_deliveries::table
        .filter(webhook_deliveries::subscription_id.eq(subscription_id))
        .select(DeliveryRow::as_select())
        .into_boxed();
    if let Some(seq) = after {
        query = query.filter(webhook_deliveries::seq.lt(seq));
    }
    Ok(query.order(webhook_deliveries::seq.desc()).limit(limit).load(conn).await?)
}

/// How far behind the webhook worker is: pending deliveries, and the age in seconds of the
/// oldest (0 without any). One scan of the pending rows' partial index, made per scrape.
#[derive(diesel::QueryableByName, Debug, Clone, Copy)]
pub struct Backlog {
    #[diesel(sql_type = BigInt)]
    pub pending: i64,
    #[diesel(sql_type = diesel::sql_types::Double)]
    pub oldest_age_seconds: f64,
}

pub async fn backlog(conn: &mut AsyncPgConnection) -> AppResult<Backlog> {
    Ok(diesel::sql_query(
        "SELECT count(*)::bigint AS pending,
                coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 AS oldest_age_seconds
           FROM webhook_deliveries
          WHERE status = 'pending'",
    )
    .get_result(conn)
    .await?)
}
