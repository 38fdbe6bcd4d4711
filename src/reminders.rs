//! The deadlines of outreach: a loop inside the server process that, every
//! REMINDER_SWEEP_SECONDS, makes the outreach items of the reminders that have fallen due
//! (`app::outreach::remind`) and lets the offers of seats past their deadline lapse
//! (`app::registrations::expire_offers`). Several processes may run it against one database:
//! a unique index lets each reminder be made once, and the event's lock each offer lapse once,
//! by whichever comes first. It stops when the pool is closed (at shutdown).

use std::time::Duration;

use crate::config::Settings;
use crate::db::DbPool;

/// Starts the loop on the current runtime; its first round runs at once.
pub fn spawn(pool: DbPool, settings: &Settings) {
    let every = Duration::from_secs(settings.reminder_sweep_seconds);
    crate::background::spawn_every(pool, every, "reminders and offers", async |pool| {
        // The offers lapse even when the reminders fail, and the other way round.
        let (reminded, lapsed) = (sweep(&pool).await, lapse_offers(&pool).await);
        reminded.and(lapsed).map(drop)
    });
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

/// One round of offers: every offer past its deadline lapses, and its seat goes on. Returns
/// how many lapsed.
pub async fn lapse_offers(pool: &DbPool) -> anyhow::Result<usize> {
    let mut conn = pool.get().await?;
    let lapsed = crate::app::registrations::expire_offers(&mut conn).await?;
    if lapsed > 0 {
        tracing::info!(offers = lapsed, "offers lapsed");
    }
    Ok(lapsed)
}
