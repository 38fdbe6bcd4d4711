//! Rule 7: the first answer to an `Idempotency-Key`, per caller, for 24 hours.

use diesel::prelude::*;
use diesel::sql_types::{Bytea, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;
use uuid::Uuid;

use crate::db::prepared::Prepared;
use crate::db::schema::idempotency_keys;
use crate::error::{AppError, AppResult};

/// The answer given to the first request with a key, to give again to a retry.
pub struct Replay {
    pub status: u16,
    /// `None` when the registration's personal data was erased since: render it afresh.
    pub body: Option<Value>,
    pub registration_id: Option<Uuid>,
}

/// Claims `key` for `caller` inside the caller's transaction: true when the key is new (or
/// expired) and now belongs to this request, to `remember` its answer; false when [`stored`]
/// holds the answer to give. A concurrent request with the same key waits here until the
/// first one commits. On a shared connection, so that it can be pipelined.
pub async fn try_claim(
    mut conn: &AsyncPgConnection,
    caller: Uuid,
    key: &str,
    request_hash: &[u8],
) -> AppResult<bool> {
    let claimed = Prepared(
        diesel::sql_query(
            "INSERT INTO idempotency_keys (caller_id, key, request_hash) VALUES ($1, $2, $3)
         ON CONFLICT (caller_id, key) DO UPDATE
            SET request_hash = EXCLUDED.request_hash, response_status = NULL, response_body = NULL,
                registration_id = NULL, created_at = now()
          WHERE idempotency_keys.created_at < now() - interval '24 hours'",
        )
        .bind::<SqlUuid, _>(caller)
        .bind::<Text, _>(key)
        .bind::<Bytea, _>(request_hash),
    )
    .execute(&mut conn)
    .await?;
    Ok(claimed == 1)
}

/// The answer stored for a key already used, or 422 when it was used with a different body.
pub async fn stored(
    conn: &mut AsyncPgConnection,
    caller: Uuid,
    key: &str,
    request_hash: &[u8],
) -> AppResult<Replay> {
    let (stored_hash, status, body, registration_id): (Option<Vec<u8>>, _, _, _) = idempotency_keys::table
        .find((caller, key))
        .select((
            idempotency_keys::request_hash,
            idempotency_keys::response_status,
            idempotency_keys::response_body,
            idempotency_keys::registration_id,
        ))
        .first::<(Option<Vec<u8>>, Option<i32>, Option<Value>, Option<Uuid>)>(conn)
        .await?;
    // No fingerprint: the registration's personal data was erased, and with it what the
    // first request could be compared with. Its answer holds nothing personal any more.
    if stored_hash.is_some_and(|stored| stored != request_hash) {
        return Err(AppError::invalid(
            "idempotency_key_reused",
            "Idempotency-Key",
            "this key was used with a different request body",
        ));
    }
    Ok(Replay { status: status.unwrap_or(201) as u16, body, registration_id })
}

/// Keeps the answer to the request that claimed `key`; `registration_id` names the
/// registration it created, whose erasure must also forget the answer.
pub async fn remember(
    conn: &mut AsyncPgConnection,
    caller: Uuid,
    key: &str,
    status: u16,
    body: &Value,
    registration_id: Option<Uuid>,
) -> AppResult<()> {
    diesel::update(idempotency_keys::table.find((caller, key)))
        .set((
            idempotency_keys::response_status.eq(status as i32),
            idempotency_keys::response_body.eq(body),
            idempotency_keys::registration_id.eq(registration_id),
        ))
        .execute(conn)
        .await?;
    Ok(())
}
