//! The reminders: a loop inside the server process that, every REMINDER_SWEEP_SECONDS, makes
//! the outreach items of the reminders that have fallen due (`app::outreach::remind`).
//! Several processes may run it against one database: a unique index lets each reminder be
//! made once, by whichever comes first. It stops when the pool is closed (at shutdown).

use std::time::Duration;

use crate::config::Settings;
use crate::db::DbPool;

/// Starts the loop on the current runtime; its first round runs at once.
pub fn spawn(pool: DbPool, settings: &Settings) {
    let every = Duration::from_secs(settings.reminder_sweep_seconds);
    crate::background::spawn_every(pool, every, "reminders", async |pool| sweep(&pool).await.map(drop));
}

/// One round: every reminder due. Returns how many were made.
pub async fn sweep(pool: &DbPool) -> anyhow::Result<usize> {
    let mut conn = pool.get().await?;
    let made = crate::app::outreach::remind(&mut conn).await?;
    if made > 0 {
        tracing::info!(reminders = made, "reminders made");
    }
    Ok(made)
}
