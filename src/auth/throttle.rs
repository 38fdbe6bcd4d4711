//! Failed-login counters in PostgreSQL, so the limits hold across restarts and processes.
//!
//! Each attempt is held to three counters, so that nobody can lock someone else out:
//! - the account *from this address* (LOGIN_MAX_FAILURES): a guesser slows down only itself;
//! - the address, for any accounts (LOGIN_MAX_FAILURES_PER_ADDRESS): one address cannot try a
//!   password against many accounts;
//! - the account from every address (LOGIN_MAX_FAILURES_PER_ACCOUNT), to which one address adds
//!   at most its own limit: only a guess spread over many addresses slows the account down
//!   for everyone.
//!
//! The account is the one the login lookup resolves (a user's or API client's id), or for an
//! unknown one the folded email or trimmed client id, so every spelling the lookup accepts
//! counts against one account.
//!
//! Past its limit a counter does not lock for a fixed time: it asks for a delay before the
//! next attempt, LOGIN_DELAY_SECONDS after the failure that reached the limit and doubling
//! with each further one, up to LOGIN_LOCKOUT_SECONDS. An attempt refused during a delay is not counted, and its
//! 429 says in `Retry-After` how long the delay still runs.
//!
//! An attempt is counted as a failure *before* its password is checked and forgiven when it
//! succeeds. Counting afterwards would let many attempts sent at the same moment all pass the
//! check while none had failed yet, and so guess far more often than the limit allows.

use std::net::IpAddr;

use diesel::sql_types::{BigInt, Bytea, Double, Integer, Nullable};
use diesel::OptionalExtension;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::config::Settings;
use crate::domain::text::fold;
use crate::error::{AppError, AppResult};

/// How long a counter at its limit refuses other attempts while one is being checked (the
/// check ends it, with the delay the verdict calls for). Longer than an Argon2 verification,
/// so attempts sent at the same moment cannot slip past the limit.
const VERDICT_HOLD_SECONDS: f64 = 10.0;

/// The account an attempt is for, as the login lookup resolved it.
pub struct Principal(String);

impl Principal {
    pub fn user(id: Uuid) -> Self {
        Self(format!("user:{id}"))
    }

    /// No user has this email: folded as users' emails are.
    pub fn unknown_email(email: &str) -> Self {
        Self(format!("email:{}", fold(email)))
    }

    pub fn client(id: Uuid) -> Self {
        Self(format!("client:{id}"))
    }

    /// No active API client has this id.
    pub fn unknown_client(client_id: &str) -> Self {
        Self(format!("client-id:{}", client_id.trim()))
    }
}

/// One counter: stored hashed (no email in the table), with its limit.
struct ThrottleKey {
    hash: Vec<u8>,
    max_failures: i32,
}

impl ThrottleKey {
    fn new(kind: &str, value: &str, max_failures: u32) -> Self {
        let hash = Sha256::new().chain_update(kind).chain_update(b":").chain_update(value).finalize();
        Self { hash: hash.to_vec(), max_failures: max_failures.clamp(1, i32::MAX as u32) as i32 }
    }
}

/// The counters one login attempt is held to.
pub struct LoginThrottle {
    pair: ThrottleKey,
    address: ThrottleKey,
    account: ThrottleKey,
    /// The first delay past a limit.
    delay_seconds: f64,
    /// The longest delay, and how long failures are remembered after a delay ends.
    max_delay_seconds: f64,
}

/// An attempt [`LoginThrottle::begin`] let through; its verdict goes back to the throttle.
#[must_use = "an attempt is settled with failed() or succeeded()"]
pub struct Attempt {
    /// Whether the account-wide counter counted it (only attempts within the pair's limit do).
    account_counted: bool,
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = Integer)]
    failures: i32,
}

#[derive(diesel::QueryableByName)]
struct Wait {
    #[diesel(sql_type = Nullable<BigInt>)]
    seconds: Option<i64>,
}

/// 429 from a counter that allows `max_failures` failures before it asks for a delay: its
/// `RateLimit-*` fields say that limit, nothing left, and the delay as the reset.
fn too_many_attempts(seconds: i64, max_failures: i32) -> AppError {
    AppError::TooManyRequests {
        code: "too_many_attempts",
        retry_after_seconds: seconds.max(1) as u64,
        limit: max_failures.max(1) as u32,
    }
}

impl LoginThrottle {
    pub fn new(principal: Principal, address: Option<IpAddr>, settings: &Settings) -> Self {
        let address = address.map_or_else(|| "unknown".to_owned(), |a| a.to_string());
        let Principal(account) = principal;
        Self {
            pair: ThrottleKey::new("pair", &format!("{account} from {address}"), settings.login_max_failures),
            address: ThrottleKey::new("addr", &address, settings.login_max_failures_per_address),
            account: ThrottleKey::new("account", &account, settings.login_max_failures_per_account),
            delay_seconds: settings.login_delay_seconds as f64,
            max_delay_seconds: settings.login_lockout_seconds as f64,
        }
    }

    fn counted(&self, attempt: &Attempt) -> Vec<&ThrottleKey> {
        let mut keys = vec![&self.pair, &self.address];
        if attempt.account_counted {
            keys.push(&self.account);
        }
        keys
    }

    /// Counts the attempt; 429 `too_many_attempts`, counting nothing, while any of its
    /// counters asks for a delay.
    pub async fn begin(&self, conn: &mut AsyncPgConnection) -> AppResult<Attempt> {
        // One transaction, so an attempt refused by its last counter leaves the others as
        // they were. Every attempt takes the row locks in the same order (pair, address,
        // account), so attempts at the same moment queue rather than deadlock.
        conn.transaction::<_, AppError, _>(async |conn| {
            let pair = self.count(conn, &self.pair).await?;
            self.count(conn, &self.address).await?;
            // Failures beyond the pair's limit are already slowed down by it; only those
            // within it count account-wide, so one address alone cannot reach that limit.
            let account_counted = pair <= self.pair.max_failures;
            if account_counted {
                self.count(conn, &self.account).await?;
            }
            Ok(Attempt { account_counted })
        })
        .await
    }

    /// Adds the attempt to `key` unless it is in a delay (then 429 with what remains of it).
    /// A counter reaching its limit refuses others until this attempt's verdict.
    async fn count(&self, conn: &mut AsyncPgConnection, key: &ThrottleKey) -> AppResult<i32> {
        // The row lock of the upsert orders attempts made at the same moment, so each sees
        // the count of those before it. Failures are forgotten once the counter has been
        // quiet for the longest delay after its last attempt or delay.
        let counted = diesel::sql_query(
            "INSERT INTO login_throttle AS t (key, failures, window_start, locked_until)
             VALUES ($1, 1, now(), CASE WHEN 1 >= $2 THEN now() + make_interval(secs => $4) END)
             ON CONFLICT (key) DO UPDATE SET
               failures = CASE WHEN greatest(t.window_start, t.locked_until) <= now() - make_interval(secs => $3)
                               THEN 1 ELSE t.failures + 1 END,
               window_start = now(),
               locked_until = CASE WHEN (CASE WHEN greatest(t.window_start, t.locked_until)
                                                   <= now() - make_interval(secs => $3)
                                              THEN 1 ELSE t.failures + 1 END) >= $2
                                   THEN now() + make_interval(secs => $4) END
             WHERE t.locked_until IS NULL OR t.locked_until <= now()
             RETURNING failures",
        )
        .bind::<Bytea, _>(&key.hash)
        .bind::<Integer, _>(key.max_failures)
        .bind::<Double, _>(self.max_delay_seconds)
        .bind::<Double, _>(VERDICT_HOLD_SECONDS)
        .get_result::<Count>(conn)
        .await
        .optional()?;
        if let Some(counted) = counted {
            return Ok(counted.failures);
        }
        let wait = diesel::sql_query(
            "SELECT ceil(extract(epoch FROM locked_until - now()))::bigint AS seconds
               FROM login_throttle WHERE key = $1",
        )
        .bind::<Bytea, _>(&key.hash)
        .get_result::<Wait>(conn)
        .await?;
        Err(too_many_attempts(wait.seconds.unwrap_or(1), key.max_failures))
    }

    /// The attempt failed: it stays counted, and each counter at or past its limit asks for
    /// its delay from now.
    pub async fn failed(&self, conn: &mut AsyncPgConnection, attempt: Attempt) -> AppResult<()> {
        for key in self.counted(&attempt) {
            // $4 at the limit, doubling with each failure beyond it, at most $3.
            diesel::sql_query(
                "UPDATE login_throttle
                    SET locked_until = now() + make_interval(secs =>
                          least($4 * power(2.0::float8, least(failures - $2, 40)), $3))
                  WHERE key = $1 AND failures >= $2",
            )
            .bind::<Bytea, _>(&key.hash)
            .bind::<Integer, _>(key.max_failures)
            .bind::<Double, _>(self.max_delay_seconds)
            .bind::<Double, _>(self.delay_seconds)
            .execute(conn)
            .await?;
        }
        Ok(())
    }

    /// The attempt succeeded: the account starts again from this address; the address and
    /// the account-wide counter are forgiven this one attempt (not their earlier failures,
    /// which may be someone else's), and their hold ends unless they remain past the limit.
    pub async fn succeeded(&self, conn: &mut AsyncPgConnection, attempt: Attempt) -> AppResult<()> {
        diesel::sql_query("DELETE FROM login_throttle WHERE key = $1")
            .bind::<Bytea, _>(&self.pair.hash)
            .execute(conn)
            .await?;
        for key in self.counted(&attempt).into_iter().skip(1) {
            // Still past the limit: no longer than the delay its remaining failures call for.
            diesel::sql_query(
                "UPDATE login_throttle SET
                   failures = greatest(failures - 1, 0),
                   locked_until = CASE WHEN failures - 1 < $2 OR locked_until IS NULL THEN NULL
                     ELSE least(locked_until, now() + make_interval(secs =>
                            least($4 * power(2.0::float8, least(failures - 1 - $2, 40)), $3))) END
                  WHERE key = $1",
            )
            .bind::<Bytea, _>(&key.hash)
            .bind::<Integer, _>(key.max_failures)
            .bind::<Double, _>(self.max_delay_seconds)
            .bind::<Double, _>(self.delay_seconds)
            .execute(conn)
            .await?;
        }
        Ok(())
    }
}
