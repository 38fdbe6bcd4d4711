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
    actix_web::rt::spawn(run(pool, Duration::from_secs(settings.reminder_sweep_seconds)));
}

async fn run(pool: DbPool, every: Duration) {
    let mut interval = actix_web::rt::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut healthy = true;
    while !pool.is_closed() {
        interval.tick().await;
        match sweep(&pool).await.and(lapse_offers(&pool).await) {
            Ok(_) => healthy = true,
            Err(error) if pool.is_closed() => tracing::debug!(%error, "deadlines stopping"),
            Err(error) => {
                if healthy {
                    tracing::warn!(%error, "reminders or offer deadlines failed; they are tried again next round");
                }
                healthy = false;
            }
        }
    }
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
