//! Per-caller rate limits, counted in PostgreSQL (the server keeps no state of its own), in
//! fixed one-minute windows: one upsert per request.

use diesel::sql_types::{BigInt, Int4, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::domain::rate_limit::RateLimit;
use crate::error::{AppError, AppResult};

#[derive(diesel::QueryableByName)]
struct Counter {
    #[diesel(sql_type = BigInt)]
    count: i64,
    #[diesel(sql_type = BigInt)]
    reset_seconds: i64,
}

/// A caller's registrations counted in the current minute, with the last `n` just counted.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    per_minute: u32,
    count: i64,
    reset_seconds: i64,
}

impl Window {
    /// Where the `nth` (from 1) of the `n` registrations just counted stands: as if each had
    /// been counted on its own, in order.
    pub fn of(self, n: u32, nth: u32) -> RateLimit {
        RateLimit::after(self.per_minute, self.count - i64::from(n) + i64::from(nth), self.reset_seconds)
    }
}

/// Counts `n` registrations created by `caller` in the current minute; 429 `rate_limited`
/// (with the seconds left in the window) when that makes more than `per_minute`, else where
/// the caller stands (for the `RateLimit-*` fields; the same statement, no round trip more).
/// A limit of 0 turns it off (`None`).
///
/// Run it as the last statement of the transaction that creates the registrations: a refusal
/// rolls them and the count back together, and the counter row stays locked only until the
/// commit that follows (it orders one caller's concurrent requests, so none slips past the
/// limit).
pub async fn count_registration(
    conn: &mut AsyncPgConnection,
    caller: Uuid,
    per_minute: u32,
    n: u32,
) -> AppResult<Option<Window>> {
    if per_minute == 0 {
        return Ok(None);
    }
    let counter = diesel::sql_query(
        "INSERT INTO rate_limits AS r (key, window_start, count)
              VALUES ($1, date_trunc('minute', now()), $2)
         ON CONFLICT (key) DO UPDATE SET
              count = CASE WHEN r.window_start = EXCLUDED.window_start THEN r.count + EXCLUDED.count
                           ELSE EXCLUDED.count END,
              window_start = EXCLUDED.window_start
         RETURNING count::bigint AS count,
              greatest(1, ceil(extract(epoch FROM window_start + interval '1 minute' - now())))::bigint
                  AS reset_seconds",
    )
    .bind::<Text, _>(format!("registrations:{caller}"))
    .bind::<Int4, _>(i32::try_from(n).unwrap_or(i32::MAX))
    .get_result::<Counter>(conn)
    .await?;
    if counter.count > i64::from(per_minute) {
        return Err(AppError::TooManyRequests {
            code: "rate_limited",
            retry_after_seconds: counter.reset_seconds.max(1) as u64,
            limit: per_minute,
        });
    }
    Ok(Some(Window { per_minute, count: counter.count, reset_seconds: counter.reset_seconds }))
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
