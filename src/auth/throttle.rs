//! Failed-login counters in PostgreSQL, so the limit holds across restarts and processes.
//!
//! An attempt is counted as a failure *before* its password is checked and forgiven when it
//! succeeds. Counting afterwards would let many attempts sent at the same moment all pass the
//! check while none had failed yet, and so guess far more often than the limit allows.

use diesel::sql_types::{Array, BigInt, Bytea, Double, Integer, Nullable};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use sha2::{Digest, Sha256};

use crate::domain::text::fold;
use crate::error::{AppError, AppResult};

/// One thing failures are counted against: an email, an API client or a client address.
/// Stored hashed.
pub struct ThrottleKey {
    hash: Vec<u8>,
    max_failures: i32,
}

impl ThrottleKey {
    pub fn email(email: &str, max_failures: u32) -> Self {
        // Folded as users' emails are, so one account is one counter however it is typed.
        Self::new("email", &fold(email), max_failures)
    }

    pub fn client(client_id: &str, max_failures: u32) -> Self {
        Self::new("client", client_id.trim(), max_failures)
    }

    pub fn address(address: &str, max_failures: u32) -> Self {
        Self::new("addr", address, max_failures)
    }

    fn new(kind: &str, value: &str, max_failures: u32) -> Self {
        let hash = Sha256::new().chain_update(kind).chain_update(b":").chain_update(value).finalize();
        Self { hash: hash.to_vec(), max_failures: max_failures.max(1) as i32 }
    }
}

/// The counters one login attempt is held to: its principal (email or client id) and the
/// address it comes from.
pub struct LoginThrottle {
    pub principal: ThrottleKey,
    pub address: ThrottleKey,
    /// Window in which failures are counted, and length of a lock-out.
    pub window_seconds: u64,
}

#[derive(diesel::QueryableByName)]
struct Wait {
    #[diesel(sql_type = Nullable<BigInt>)]
    seconds: Option<i64>,
}

fn too_many_attempts(seconds: i64) -> AppError {
    AppError::TooManyRequests { code: "too_many_attempts", retry_after_seconds: seconds.max(1) as u64 }
}

impl LoginThrottle {
    fn keys(&self) -> [&ThrottleKey; 2] {
        [&self.principal, &self.address]
    }

    /// Counts the attempt against both keys; 429 `too_many_attempts` while either is locked
    /// out or already holds its limit of failures (finished or still being checked).
    pub async fn begin(&self, conn: &mut AsyncPgConnection) -> AppResult<()> {
        let hashes: Vec<Vec<u8>> = self.keys().iter().map(|k| k.hash.clone()).collect();
        let locked = diesel::sql_query(
            "SELECT max(ceil(extract(epoch FROM locked_until - now())))::bigint AS seconds
               FROM login_throttle WHERE key = ANY($1) AND locked_until > now()",
        )
        .bind::<Array<Bytea>, _>(hashes)
        .get_result::<Wait>(conn)
        .await?;
        if let Some(seconds) = locked.seconds {
            return Err(too_many_attempts(seconds));
        }
        let mut wait = None;
        for key in self.keys() {
            // The row lock of the upsert orders attempts made at the same moment, so each
            // sees the count of those before it.
            let over = diesel::sql_query(
                "INSERT INTO login_throttle AS t (key, failures, window_start) VALUES ($1, 1, now())
                 ON CONFLICT (key) DO UPDATE SET
                   failures = CASE WHEN t.window_start <= now() - make_interval(secs => $2)
                                   THEN 1 ELSE t.failures + 1 END,
                   window_start = CASE WHEN t.window_start <= now() - make_interval(secs => $2)
                                       THEN now() ELSE t.window_start END
                 RETURNING CASE WHEN failures > $3 THEN
                   ceil(extract(epoch FROM window_start + make_interval(secs => $2) - now()))::bigint
                 END AS seconds",
            )
            .bind::<Bytea, _>(&key.hash)
            .bind::<Double, _>(self.window_seconds as f64)
            .bind::<Integer, _>(key.max_failures)
            .get_result::<Wait>(conn)
            .await?;
            wait = wait.max(over.seconds);
        }
        match wait {
            Some(seconds) => Err(too_many_attempts(seconds)),
            None => Ok(()),
        }
    }

    /// The attempt failed: it stays counted, and a key that holds its limit is locked for
    /// `window_seconds`.
    pub async fn failed(&self, conn: &mut AsyncPgConnection) -> AppResult<()> {
        for key in self.keys() {
            diesel::sql_query(
                "UPDATE login_throttle SET locked_until = now() + make_interval(secs => $2)
                  WHERE key = $1 AND failures >= $3 AND (locked_until IS NULL OR locked_until <= now())",
            )
            .bind::<Bytea, _>(&key.hash)
            .bind::<Double, _>(self.window_seconds as f64)
            .bind::<Integer, _>(key.max_failures)
            .execute(conn)
            .await?;
        }
        Ok(())
    }

    /// The attempt succeeded: the principal's counter starts again, and the address is
    /// forgiven this one attempt (not its earlier failures, which may be someone else's).
    pub async fn succeeded(&self, conn: &mut AsyncPgConnection) -> AppResult<()> {
        diesel::sql_query("DELETE FROM login_throttle WHERE key = $1")
            .bind::<Bytea, _>(&self.principal.hash)
            .execute(conn)
            .await?;
        diesel::sql_query("UPDATE login_throttle SET failures = greatest(failures - 1, 0) WHERE key = $1")
            .bind::<Bytea, _>(&self.address.hash)
            .execute(conn)
            .await?;
        Ok(())
    }
}
