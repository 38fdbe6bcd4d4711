//! Failed-login counters in PostgreSQL, so the limit holds across restarts and processes.

use diesel::sql_types::{Array, BigInt, Bytea, Integer, Nullable};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use sha2::{Digest, Sha256};

use crate::error::{AppError, AppResult};

/// One thing failures are counted against: an email or a client address. Stored hashed.
pub struct ThrottleKey {
    hash: Vec<u8>,
    max_failures: i32,
}

impl ThrottleKey {
    pub fn email(email: &str, max_failures: u32) -> Self {
        Self::new("email", &email.trim().to_lowercase(), max_failures)
    }

    pub fn address(address: &str, max_failures: u32) -> Self {
        Self::new("addr", address, max_failures)
    }

    fn new(kind: &str, value: &str, max_failures: u32) -> Self {
        let hash = Sha256::new().chain_update(kind).chain_update(b":").chain_update(value).finalize();
        Self { hash: hash.to_vec(), max_failures: max_failures.max(1) as i32 }
    }
}

#[derive(diesel::QueryableByName)]
struct Wait {
    #[diesel(sql_type = Nullable<BigInt>)]
    seconds: Option<i64>,
}

/// 429 `too_many_attempts` while any of `keys` is locked out.
pub async fn ensure_not_locked(conn: &mut AsyncPgConnection, keys: &[&ThrottleKey]) -> AppResult<()> {
    let hashes: Vec<Vec<u8>> = keys.iter().map(|k| k.hash.clone()).collect();
    let wait = diesel::sql_query(
        "SELECT max(ceil(extract(epoch FROM locked_until - now())))::bigint AS seconds
           FROM login_throttle WHERE key = ANY($1) AND locked_until > now()",
    )
    .bind::<Array<Bytea>, _>(hashes)
    .get_result::<Wait>(conn)
    .await?;
    match wait.seconds {
        Some(seconds) => Err(AppError::TooManyRequests {
            code: "too_many_attempts",
            retry_after_seconds: seconds.max(1) as u64,
        }),
        None => Ok(()),
    }
}

/// Counts a failure against each key; the one that reaches its limit is locked for
/// `window_seconds`, and failures older than the window are forgotten.
pub async fn record_failure(
    conn: &mut AsyncPgConnection,
    keys: &[&ThrottleKey],
    window_seconds: u64,
) -> AppResult<()> {
    for key in keys {
        diesel::sql_query(
            "INSERT INTO login_throttle (key, failures, window_start) VALUES ($1, 1, now())
             ON CONFLICT (key) DO UPDATE SET
               failures = CASE WHEN login_throttle.window_start < now() - make_interval(secs => $3)
                               THEN 1 ELSE login_throttle.failures + 1 END,
               window_start = CASE WHEN login_throttle.window_start < now() - make_interval(secs => $3)
                                   THEN now() ELSE login_throttle.window_start END,
               locked_until = CASE WHEN (CASE WHEN login_throttle.window_start < now() - make_interval(secs => $3)
                                              THEN 1 ELSE login_throttle.failures + 1 END) >= $2
                                   THEN now() + make_interval(secs => $3)
                                   ELSE login_throttle.locked_until END",
        )
        .bind::<Bytea, _>(&key.hash)
        .bind::<Integer, _>(key.max_failures)
        .bind::<diesel::sql_types::Double, _>(window_seconds as f64)
        .execute(conn)
        .await?;
    }
    Ok(())
}

/// A successful login clears the counter of its email (not of its address).
pub async fn record_success(conn: &mut AsyncPgConnection, key: &ThrottleKey) -> AppResult<()> {
    diesel::sql_query("DELETE FROM login_throttle WHERE key = $1")
        .bind::<Bytea, _>(&key.hash)
        .execute(conn)
        .await?;
    Ok(())
}
