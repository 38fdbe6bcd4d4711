//! Reads from a streaming replica of the database (DATABASE_REPLICA_URL).
//!
//! What may be read there: reports (an event's JSON, CSV and page; the cross-event and series
//! reports) and anonymous reads of published events. Everything that writes, and every read
//! inside a use case that decides something, uses the primary: they never ask this module.
//!
//! When a read goes there, [`Reads::source`] decides, in this order:
//! 1. the replica's lag, measured by each process every [`ReplicaHealth::interval`] (a cache
//!    of a measurement, never authoritative state): unknown, too old, above
//!    REPLICA_MAX_LAG_MS, or the replica not answering → the primary;
//! 2. read-your-own-writes: what the read covers (an event, a series' events, an
//!    organisation's events) must not have changed within the last `lag + margin`, by the
//!    primary's own record (`events.changed_at`, moved by every write of the event's
//!    registrations, outcome and actions, and `events.updated_at`, by the event's edits),
//!    else → the primary. So an organiser who
//!    just checked someone in or changed the event, in any process, sees it in the report:
//!    the rule needs nothing of the caller, only what the primary keeps. The margin covers
//!    what the marks do not say exactly: `changed_at` moves at most once a second, it is the
//!    time a transaction started (not when it committed), and the lag may have grown since
//!    it was measured;
//! 3. else → the replica, and a replica that does not hand out a connection → the primary.
//!
//! The lag is `now() - pg_last_xact_replay_timestamp()` on the replica: how old the last
//! transaction it replayed is. On a primary with nothing to write that would grow without
//! bound, so each process commits an empty transaction (with a transaction id, so it leaves
//! a commit record) on the primary at each measurement: the heartbeat.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use diesel::sql_types::{Double, Nullable, Timestamptz, Uuid as SqlUuid};
use diesel::QueryableByName;
use diesel_async::{RunQueryDsl, SimpleAsyncConnection};
use prometheus::{Gauge, IntCounter, IntGauge};
use uuid::Uuid;

use crate::db::{DbConn, DbPool};
use crate::error::{AppError, AppResult};

/// What reads are covered by a change younger than the lag plus this go to the primary.
pub const READ_YOUR_WRITES_MARGIN: Duration = Duration::from_secs(3);

/// Where a read was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Primary,
    Replica,
}

/// The last measurement of the replica.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Measurement {
    /// Not measured yet (or too long ago to count).
    Unknown,
    /// It did not answer.
    Down,
    /// It answered, this far behind the primary.
    Lag(Duration),
}

/// Why reads go where they go, for /readyz.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Verdict {
    pub measurement: Measurement,
    /// True when stale-tolerant reads go to the replica.
    pub in_use: bool,
}

/// The process's view of the replica, shared by its HTTP workers and refreshed by
/// [`spawn_watch`].
pub struct ReplicaHealth {
    max_lag: Duration,
    last: Mutex<(Measurement, Instant)>,
}

impl ReplicaHealth {
    pub fn new(max_lag: Duration) -> Self {
        Self { max_lag, last: Mutex::new((Measurement::Unknown, Instant::now())) }
    }

    /// How often the lag is measured (and the heartbeat written): a quarter of the largest
    /// lag allowed, between 50 ms and a second, so that a replica falls behind the limit
    /// within a fraction of it before reads leave it.
    pub fn interval(&self) -> Duration {
        (self.max_lag / 4).clamp(Duration::from_millis(50), Duration::from_secs(1))
    }

    pub fn max_lag(&self) -> Duration {
        self.max_lag
    }

    pub fn record(&self, measurement: Measurement) {
        *self.last.lock().unwrap_or_else(|e| e.into_inner()) = (measurement, Instant::now());
    }

    /// The last measurement, or `Unknown` when it is older than three intervals and a second
    /// (the watch stopped, or hangs on a replica that does not answer).
    pub fn current(&self) -> Measurement {
        let (measurement, at) = *self.last.lock().unwrap_or_else(|e| e.into_inner());
        if at.elapsed() > self.interval() * 3 + Duration::from_secs(1) {
            Measurement::Unknown
        } else {
            measurement
        }
    }

    /// The lag when reads may go to the replica at all.
    pub fn usable_lag(&self) -> Option<Duration> {
        match self.current() {
            Measurement::Lag(lag) if lag <= self.max_lag => Some(lag),
            _ => None,
        }
    }

    pub fn verdict(&self) -> Verdict {
        Verdict { measurement: self.current(), in_use: self.usable_lag().is_some() }
    }
}

/// The rule of the module documentation, steps 1 and 2: `lag` the usable lag (None: the
/// replica may not be used), `changed_ago` how long ago what the read covers last changed
/// (None: nothing to wait for, as for anonymous readers, who write nothing they read).
pub fn choose(lag: Option<Duration>, changed_ago: Option<Duration>) -> Source {
    match (lag, changed_ago) {
        (None, _) => Source::Primary,
        (Some(lag), Some(ago)) if ago < lag + READ_YOUR_WRITES_MARGIN => Source::Primary,
        (Some(_), _) => Source::Replica,
    }
}

/// What a stale-tolerant read covers, for read-your-own-writes.
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    /// One event and its registrations.
    Event(Uuid),
    /// The events of a series.
    Series(Uuid),
    /// The events of an organisation, or every event (`None`).
    Events(Option<Uuid>),
}

/// Each HTTP worker's way to the database for stale-tolerant reads.
#[derive(Clone)]
pub struct Reads {
    primary: DbPool,
    replica: Option<Replica>,
}

#[derive(Clone)]
struct Replica {
    pool: DbPool,
    health: Arc<ReplicaHealth>,
    /// Counts the reads the replica could not answer, answered by the primary.
    retried: IntCounter,
}

/// A connection for a stale-tolerant read, and where it leads.
pub struct ReadConn {
    pub conn: DbConn,
    pub source: Source,
}

impl Reads {
    /// Every read on the primary (no DATABASE_REPLICA_URL).
    pub fn primary_only(primary: DbPool) -> Self {
        Self { primary, replica: None }
    }

    pub fn with_replica(
        primary: DbPool,
        replica: DbPool,
        health: Arc<ReplicaHealth>,
        retried: IntCounter,
    ) -> Self {
        Self { primary, replica: Some(Replica { pool: replica, health, retried }) }
    }

    /// Where a read covering `scope` goes. `primary` is a connection the caller already
    /// holds (it authorised the request there); without a replica nothing is asked of it.
    pub async fn source(&self, primary: &mut DbConn, scope: Scope) -> AppResult<Source> {
        let Some(Replica { health, .. }) = &self.replica else { return Ok(Source::Primary) };
        let Some(lag) = health.usable_lag() else { return Ok(Source::Primary) };
        let changed_ago = changed_ago(primary, scope).await?;
        Ok(choose(Some(lag), changed_ago))
    }

    /// The pool of `source`.
    pub fn pool(&self, source: Source) -> &DbPool {
        match (&self.replica, source) {
            (Some(replica), Source::Replica) => &replica.pool,
            _ => &self.primary,
        }
    }

    /// A connection to `source`: `primary` itself for the primary; for the replica a
    /// connection of its pool, or `primary` when the replica hands out none.
    pub async fn connection(&self, primary: DbConn, source: Source) -> ReadConn {
        if source == Source::Replica {
            if let Some(conn) = self.replica_connection().await {
                return ReadConn { conn, source };
            }
        }
        ReadConn { conn: primary, source: Source::Primary }
    }

    /// A connection for an anonymous reader of published events: the replica whenever its
    /// lag allows (they wrote nothing they could miss), without asking the primary anything.
    pub async fn anonymous(&self) -> AppResult<ReadConn> {
        if self.replica.as_ref().is_some_and(|r| r.health.usable_lag().is_some()) {
            if let Some(conn) = self.replica_connection().await {
                return Ok(ReadConn { conn, source: Source::Replica });
            }
        }
        Ok(ReadConn { conn: self.primary.get().await?, source: Source::Primary })
    }

    /// A connection of the replica's pool; `None` without a replica, or when it hands out
    /// none (it is then counted down until the next measurement says otherwise).
    async fn replica_connection(&self) -> Option<DbConn> {
        let replica = self.replica.as_ref()?;
        match replica.pool.get().await {
            Ok(conn) => Some(conn),
            Err(error) => {
                tracing::warn!(%error, "the replica gave no connection; reading on the primary");
                replica.health.record(Measurement::Down);
                None
            }
        }
    }

    /// [`Self::source`] then [`Self::connection`].
    pub async fn read(&self, mut primary: DbConn, scope: Scope) -> AppResult<ReadConn> {
        let source = self.source(&mut primary, scope).await?;
        Ok(self.connection(primary, source).await)
    }

    /// Runs `read` on `on`; when that is the replica and the replica could not answer, runs
    /// it again on the primary. A hot standby cancels a query that stands in replay's way (it
    /// holds a lock or a page replay needs, or its snapshot sees rows replay removes) once
    /// max_standby_streaming_delay has passed, or at once when they wait on each other; a
    /// replica can also restart or go away mid-read. None of that is the reader's concern:
    /// the primary answers. `read` gets where it runs, for what its answer says of freshness.
    pub async fn run<T>(
        &self,
        on: ReadConn,
        mut read: impl AsyncFnMut(&mut DbConn, Source) -> AppResult<T>,
    ) -> AppResult<T> {
        let ReadConn { mut conn, source } = on;
        match read(&mut conn, source).await {
            Err(error) if source == Source::Replica && replica_could_not_answer(&error) => {
                drop(conn);
                tracing::warn!(%error, "the replica could not answer a read; reading on the primary");
                if let Some(replica) = &self.replica {
                    replica.retried.inc();
                }
                let mut conn = self.primary.get().await?;
                read(&mut conn, Source::Primary).await
            }
            answered => answered,
        }
    }

    /// [`Self::read`] then [`Self::run`].
    pub async fn answer<T>(
        &self,
        primary: DbConn,
        scope: Scope,
        read: impl AsyncFnMut(&mut DbConn, Source) -> AppResult<T>,
    ) -> AppResult<T> {
        let on = self.read(primary, scope).await?;
        self.run(on, read).await
    }

    /// [`Self::run`] on a connection of its own to `source` (the primary's when the replica
    /// gives none): one page of a list sent page by page.
    pub async fn run_on<T>(
        &self,
        source: Source,
        read: impl AsyncFnMut(&mut DbConn, Source) -> AppResult<T>,
    ) -> AppResult<T> {
        let replica = match source {
            Source::Replica => self.replica_connection().await,
            Source::Primary => None,
        };
        let on = match replica {
            Some(conn) => ReadConn { conn, source: Source::Replica },
            None => ReadConn { conn: self.primary.get().await?, source: Source::Primary },
        };
        self.run(on, read).await
    }

    /// [`Self::anonymous`] then [`Self::run`].
    pub async fn answer_anonymous<T>(
        &self,
        read: impl AsyncFnMut(&mut DbConn, Source) -> AppResult<T>,
    ) -> AppResult<T> {
        let on = self.anonymous().await?;
        self.run(on, read).await
    }
}

/// A replica's read that the primary may answer instead: the replica cancelled it, or went
/// away (503 otherwise). A statement or lock timeout is not retried: the primary would most
/// likely take as long, and the request has already waited that long.
fn replica_could_not_answer(error: &AppError) -> bool {
    matches!(error, AppError::Unavailable(cause) if !cause.contains("timeout"))
}

#[derive(QueryableByName)]
struct Age {
    #[diesel(sql_type = Nullable<Double>)]
    seconds: Option<f64>,
}

/// How long ago what `scope` covers last changed, by the primary's clock.
async fn changed_ago(conn: &mut DbConn, scope: Scope) -> AppResult<Option<Duration>> {
    const AGE: &str =
        "SELECT extract(epoch FROM now() - max(GREATEST(updated_at, changed_at)))::float8 AS seconds
                         FROM events";
    let age = match scope {
        Scope::Event(id) => {
            diesel::sql_query(format!("{AGE} WHERE id = $1"))
                .bind::<SqlUuid, _>(id)
                .get_result::<Age>(conn)
                .await?
        }
        Scope::Series(id) => {
            diesel::sql_query(format!("{AGE} WHERE series_id = $1"))
                .bind::<SqlUuid, _>(id)
                .get_result::<Age>(conn)
                .await?
        }
        Scope::Events(Some(org)) => {
            diesel::sql_query(format!("{AGE} WHERE organisation_id = $1"))
                .bind::<SqlUuid, _>(org)
                .get_result::<Age>(conn)
                .await?
        }
        Scope::Events(None) => diesel::sql_query(AGE).get_result::<Age>(conn).await?,
    };
    // A change "in the future" (clocks of two transactions): as recent as can be.
    Ok(age.seconds.map(|s| Duration::from_secs_f64(s.max(0.0))))
}

#[derive(QueryableByName)]
struct AsOf {
    #[diesel(sql_type = Timestamptz)]
    at: DateTime<Utc>,
}

/// Every change committed on the primary up to this time is in what `conn` reads from now on,
/// when `conn` leads to the replica: the commit time of the last transaction it replayed.
/// Read before the report, so that a report is at least this fresh. `None` on the primary,
/// which asks nothing: a report read there is as of its own reading (`generated_at`).
pub async fn data_as_of(conn: &mut DbConn, source: Source) -> AppResult<Option<DateTime<Utc>>> {
    match source {
        Source::Primary => Ok(None),
        // A replica URL that leads to a primary (nothing replayed): now.
        Source::Replica => Ok(Some(
            diesel::sql_query("SELECT coalesce(pg_last_xact_replay_timestamp(), now()) AS at")
                .get_result::<AsOf>(conn)
                .await?
                .at,
        )),
    }
}

/// The replica's gauges (registered only with a replica).
#[derive(Clone)]
pub struct ReplicaGauges {
    pub up: IntGauge,
    pub in_use: IntGauge,
    pub lag_seconds: Gauge,
    pub reads_retried: IntCounter,
}

#[derive(QueryableByName)]
struct Lag {
    #[diesel(sql_type = Nullable<Double>)]
    seconds: Option<f64>,
}

/// One measurement: the heartbeat on the primary, then the lag on the replica.
async fn measure(primary: &DbPool, replica: &DbPool) -> (Measurement, anyhow::Result<()>) {
    let heartbeat = async {
        let mut conn = primary.get().await?;
        // Committed synchronously, whatever the server's synchronous_commit: an asynchronous
        // commit reaches the WAL, and so the replica, only at the WAL writer's next round (up
        // to three times wal_writer_delay later), which would read as lag.
        conn.batch_execute("BEGIN; SET LOCAL synchronous_commit = on; SELECT pg_current_xact_id(); COMMIT")
            .await?;
        anyhow::Ok(())
    };
    let heartbeat = match tokio::time::timeout(Duration::from_secs(1), heartbeat).await {
        Ok(result) => result,
        Err(_) => Err(anyhow::anyhow!("the heartbeat took more than a second")),
    };
    let lag = async {
        let mut conn = replica.get().await?;
        // Not in recovery: a primary given as replica, never behind itself.
        let lag = diesel::sql_query(
            "SELECT CASE WHEN pg_is_in_recovery()
                         THEN extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8
                         ELSE 0 END AS seconds",
        )
        .get_result::<Lag>(&mut conn)
        .await?;
        anyhow::Ok(lag.seconds)
    };
    match tokio::time::timeout(Duration::from_secs(1), lag).await {
        // Nothing replayed since it started: how far behind is not known.
        Ok(Ok(None)) => (Measurement::Unknown, heartbeat),
        Ok(Ok(Some(seconds))) => (Measurement::Lag(Duration::from_secs_f64(seconds.max(0.0))), heartbeat),
        Ok(Err(error)) => {
            (Measurement::Down, heartbeat.and(Err(error.context("measuring the replica's lag"))))
        }
        Err(_) => (
            Measurement::Down,
            heartbeat.and(Err(anyhow::anyhow!("the replica did not answer within a second"))),
        ),
    }
}

/// Measures the replica every [`ReplicaHealth::interval`] on the current runtime until
/// `primary` is closed (at shutdown), keeping `health` and the gauges up to date.
pub fn spawn_watch(primary: DbPool, replica: DbPool, health: Arc<ReplicaHealth>, gauges: ReplicaGauges) {
    let every = health.interval();
    crate::background::spawn_every(primary, every, "replica lag", move |primary| {
        let (replica, health, gauges) = (replica.clone(), health.clone(), gauges.clone());
        async move {
            let (measurement, result) = measure(&primary, &replica).await;
            health.record(measurement);
            gauges.up.set(i64::from(!matches!(measurement, Measurement::Down)));
            if let Measurement::Lag(lag) = measurement {
                gauges.lag_seconds.set(lag.as_secs_f64());
            }
            gauges.in_use.set(i64::from(health.usable_lag().is_some()));
            result
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(ms: u64) -> Duration {
        Duration::from_millis(ms)
    }

    #[test]
    fn the_primary_answers_what_the_replica_cancelled_or_lost_but_not_a_timeout() {
        let unavailable = |cause: &str| AppError::Unavailable(cause.to_owned());
        assert!(replica_could_not_answer(&unavailable("canceling statement due to conflict with recovery")));
        assert!(replica_could_not_answer(&unavailable("deadlock detected")));
        assert!(replica_could_not_answer(&unavailable("connection closed")));
        assert!(!replica_could_not_answer(&unavailable("canceling statement due to statement timeout")));
        assert!(!replica_could_not_answer(&AppError::NotFound));
        assert!(!replica_could_not_answer(&AppError::Unexpected(anyhow::anyhow!("a bug"))));
    }

    #[test]
    fn without_a_usable_lag_every_read_is_on_the_primary() {
        assert_eq!(choose(None, None), Source::Primary);
        assert_eq!(choose(None, Some(Duration::from_secs(3600))), Source::Primary);
    }

    #[test]
    fn a_change_younger_than_the_lag_and_the_margin_is_read_on_the_primary() {
        let lag = ms(400);
        assert_eq!(choose(Some(lag), Some(ms(0))), Source::Primary);
        assert_eq!(choose(Some(lag), Some(lag + READ_YOUR_WRITES_MARGIN - ms(1))), Source::Primary);
        assert_eq!(choose(Some(lag), Some(lag + READ_YOUR_WRITES_MARGIN)), Source::Replica);
        assert_eq!(choose(Some(lag), None), Source::Replica, "anonymous: nothing of theirs to see");
    }

    #[test]
    fn the_lag_counts_only_under_the_limit_and_while_fresh() {
        let health = ReplicaHealth::new(ms(200));
        assert_eq!(health.interval(), ms(50));
        assert_eq!(health.usable_lag(), None, "not measured yet");
        health.record(Measurement::Lag(ms(150)));
        assert_eq!(health.usable_lag(), Some(ms(150)));
        health.record(Measurement::Lag(ms(250)));
        assert_eq!(health.usable_lag(), None);
        assert!(!health.verdict().in_use);
        health.record(Measurement::Down);
        assert_eq!(health.usable_lag(), None);
        *health.last.lock().unwrap() = (Measurement::Lag(ms(10)), Instant::now() - Duration::from_secs(2));
        assert_eq!(health.current(), Measurement::Unknown, "a measurement too old to count");
        assert_eq!(ReplicaHealth::new(Duration::from_secs(60)).interval(), Duration::from_secs(1));
    }
}
