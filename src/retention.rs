//! The retention purge: a loop inside the server process that, every RETENTION_SWEEP_SECONDS,
//! erases the personal data of events past their retention (`app::erasure::purge_due_events`),
//! RETENTION_BATCH_SIZE registrations per transaction. Several processes may run it against
//! one database: each step locks its event with `SKIP LOCKED`, so two never purge the same
//! event at once. It stops when the pool is closed (at shutdown).

use std::time::Duration;

use crate::config::Settings;
use crate::db::DbPool;

#[derive(Debug, Clone, Copy)]
pub struct RetentionConfig {
    pub interval: Duration,
    pub batch: i64,
}

impl RetentionConfig {
    pub fn from_settings(settings: &Settings) -> Self {
        Self {
            interval: Duration::from_secs(settings.retention_sweep_seconds),
            batch: i64::from(settings.retention_batch_size),
        }
    }
}

/// Starts the purge loop on the current runtime; its first round runs at once.
pub fn spawn(pool: DbPool, settings: &Settings) {
    let config = RetentionConfig::from_settings(settings);
    crate::background::spawn_every(pool, config.interval, "retention purge", move |pool| async move {
        sweep(&pool, config.batch).await.map(drop)
    });
}

/// One round of the purge: every event due, `batch` registrations per transaction. Returns
/// the registrations erased.
pub async fn sweep(pool: &DbPool, batch: i64) -> anyhow::Result<i64> {
    let mut conn = pool.get().await?;
    let erased = crate::app::erasure::purge_due_events(&mut conn, batch).await?;
    if erased > 0 {
        tracing::info!(registrations = erased, "retention purge round");
    }
    Ok(erased)
}
