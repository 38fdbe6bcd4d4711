//! Per-caller rate limits, counted in PostgreSQL (the server keeps no state of its own), in
//! fixed one-minute windows: one upsert per request.

use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::domain::rate_limit::RateLimit;
use crate::error::{AppError, AppResult};

#[derive(diesel::QueryableByName)]
struct Window {
    #[diesel(sql_type = BigInt)]
    count: i64,
    #[diesel(sql_type = BigInt)]
    reset_seconds: i64,
}

/// Counts one registration created by `caller` in the current minute; 429 `rate_limited`
/// (with the seconds left in the window) when that makes more than `per_minute`, else where
/// the caller stands (for the `RateLimit-*` fields; the same statement, no round trip more).
/// A limit of 0 turns it off (`None`).
///
/// Run it as the last statement of the transaction that creates the registration: a refusal
/// rolls the registration and the count back together, and the counter row stays locked
/// only until the commit that follows (it orders one caller's concurrent requests, so
/// none slips past the limit).
pub async fn count_registration(
    conn: &mut AsyncPgConnection,
    caller: Uuid,
    per_minute: u32,
) -> AppResult<Option<RateLimit>> {
    if per_minute == 0 {
        return Ok(None);
    }
    let window = diesel::sql_query(
        "INSERT INTO rate_limits AS r (key, window_start, count)
              VALUES ($1, date_trunc('minute', now()), 1)
         ON CONFLICT (key) DO UPDATE SET
              count = CASE WHEN r.window_start = EXCLUDED.window_start THEN r.count + 1 ELSE 1 END,
              window_start = EXCLUDED.window_start
         RETURNING count::bigint AS count,
              greatest(1, ceil(extract(epoch FROM window_start + interval '1 minute' - now())))::bigint
                  AS reset_seconds",
    )
    .bind::<Text, _>(format!("registrations:{caller}"))
    .get_result::<Window>(conn)
    .await?;
    if window.count > i64::from(per_minute) {
        return Err(AppError::TooManyRequests {
            code: "rate_limited",
            retry_after_seconds: window.reset_seconds.max(1) as u64,
            limit: per_minute,
        });
    }
    Ok(Some(RateLimit::after(per_minute, window.count, window.reset_seconds)))
}

/// The key of a partner's counter of duplicate answers (`count_duplicate_refusal`).
pub fn duplicates_key(caller: Uuid) -> String {
    format!("duplicates:{caller}")
}

/// A partner's duplicate answers in the current hour, with this one.
#[derive(diesel::QueryableByName)]
pub struct Counted {
    #[diesel(sql_type = BigInt)]
    pub count: i64,
    /// Seconds until the hour ends.
    #[diesel(sql_type = BigInt)]
    pub retry_after_seconds: i64,
}

/// Counts one `already_registered` answered to the partner `caller` for a registration it did
/// not create, in the current hour (a fixed window, as the registration limit's minute). The
/// answer decides by the count (`domain::privacy::duplicate_answer`); the statement that
/// locks the event reads whether the count reached the limit, so a partner past it is
/// refused before its next registration reaches the duplicate check.
pub async fn count_duplicate_refusal(conn: &mut AsyncPgConnection, caller: Uuid) -> AppResult<Counted> {
    Ok(diesel::sql_query(
        "INSERT INTO rate_limits AS r (key, window_start, count)
              VALUES ($1, date_trunc('hour', now()), 1)
         ON CONFLICT (key) DO UPDATE SET
              count = CASE WHEN r.window_start = EXCLUDED.window_start THEN r.count + 1 ELSE 1 END,
              window_start = EXCLUDED.window_start
         RETURNING count::bigint AS count,
              greatest(1, ceil(extract(epoch FROM window_start + interval '1 hour' - now())))::bigint
                  AS retry_after_seconds",
    )
    .bind::<Text, _>(duplicates_key(caller))
    .get_result(conn)
    .await?)
}

/// Drops the counters of windows that ended long ago.
pub async fn prune(conn: &mut AsyncPgConnection) -> AppResult<usize> {
    Ok(diesel::sql_query("DELETE FROM rate_limits WHERE window_start < now() - interval '1 hour'")
        .execute(conn)
        .await?)
}
