//! The outreach items the server emails (SMTP_URL set): found and claimed with `SKIP LOCKED`
//! so that several processes never take one item, then marked with how the try went. Used by
//! `app::outreach_email`, which owns the transactions.

use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::outreach::{items_where, ItemRow};
use crate::db::prepared::Prepared;
use crate::error::AppResult;

/// Open items that may be emailed now, locked until the transaction ends; items another
/// transaction holds are skipped, not waited for. Due, not waiting for a retry or held by a
/// claim (`next_attempt_at`), about a registration with an email and consent to be contacted
/// now, not erased, of an event that has not ended (a message about a past meeting tells
/// nobody anything). Whether each is emailed is then for `domain::outreach::channel`.
pub async fn lock_sendable(conn: &mut AsyncPgConnection, limit: i64) -> AppResult<Vec<ItemRow>> {
    Ok(Prepared(
        diesel::sql_query(items_where!(
            "o.status = 'open' AND o.due_at <= now()
                AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= now())
                AND r.email IS NOT NULL AND r.consent_contact AND r.erased_at IS NULL
                AND e.ends_at > now()
              ORDER BY o.next_attempt_at NULLS FIRST, o.seq
              LIMIT $1
                FOR UPDATE OF o SKIP LOCKED"
        ))
        .bind::<BigInt, _>(limit),
    )
    .load(conn)
    .await?)
}

#[derive(QueryableByName)]
struct Address {
    #[diesel(sql_type = Nullable<Text>)]
    email: Option<String>,
}

/// Holds the item for the process that sends it for `lease` (from the database's clock, the
/// one every process shares), and gives the address to send it to (`None` if erased
/// meanwhile, which the lock of `lock_sendable` rules out).
pub async fn claim(conn: &mut AsyncPgConnection, id: Uuid, lease: Duration) -> AppResult<Option<String>> {
    let address: Option<Address> = Prepared(
        diesel::sql_query(
            "WITH claimed AS (
                 UPDATE outreach_items SET next_attempt_at = now() + make_interval(secs => $2)
                  WHERE id = $1 RETURNING registration_id)
             SELECT r.email FROM claimed JOIN registrations r ON r.id = claimed.registration_id",
        )
        .bind::<SqlUuid, _>(id)
        .bind::<Double, _>(lease.as_secs_f64()),
    )
    .get_result(conn)
    .await
    .optional()?;
    Ok(address.and_then(|a| a.email))
}

/// Gives a claimed item back, untried (the mail server did not answer before anything was
/// sent): due again at once, with no attempt counted.
pub async fn release(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<()> {
    Prepared(
        diesel::sql_query(
            "UPDATE outreach_items SET next_attempt_at = NULL WHERE id = $1 AND status = 'open'",
        )
        .bind::<SqlUuid, _>(id),
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The mail server accepted the message: the item is done as `sent`. If it closed meanwhile
/// (superseded by a newer item, reported by the partner), it keeps how it closed, and only
/// records that the email went.
pub async fn mark_sent(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<()> {
    Prepared(
        diesel::sql_query(
            "UPDATE outreach_items
                SET sent_at = now(), attempts = attempts + 1, next_attempt_at = NULL,
                    result = CASE WHEN status = 'open' THEN 'sent' ELSE result END,
                    resolved_at = CASE WHEN status = 'open' THEN now() ELSE resolved_at END,
                    status = CASE WHEN status = 'open' THEN 'done' ELSE status END
              WHERE id = $1",
        )
        .bind::<SqlUuid, _>(id),
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A temporary failure: one more attempt counted, the next no sooner than `wait` from now.
pub async fn mark_deferred(conn: &mut AsyncPgConnection, id: Uuid, wait: Duration) -> AppResult<()> {
    Prepared(
        diesel::sql_query(
            "UPDATE outreach_items
                SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => $2)
              WHERE id = $1 AND status = 'open'",
        )
        .bind::<SqlUuid, _>(id)
        .bind::<Double, _>(wait.as_secs_f64()),
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Refused for good, or the last retry failed: the item fails as `undeliverable`, and the
/// partner sees that the person is to be reached another way.
pub async fn mark_undeliverable(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<()> {
    Prepared(
        diesel::sql_query(
            "UPDATE outreach_items
                SET attempts = attempts + 1, next_attempt_at = NULL, status = 'failed',
                    result = 'undeliverable', resolved_at = now()
              WHERE id = $1 AND status = 'open'",
        )
        .bind::<SqlUuid, _>(id),
    )
    .execute(conn)
    .await?;
    Ok(())
}
