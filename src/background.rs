//! The loops every server process runs beside the HTTP server (reminders, the retention
//! purge, email): one round at start-up, then one every interval, until the pool is closed
//! (at shutdown). Each is safe to run from several processes at once; how is each round's
//! own business. A failing round is logged once, at warn, until one succeeds again, so a
//! database or mail server that is down does not fill the log.

use std::future::Future;
use std::time::Duration;

use crate::db::DbPool;

/// Starts `round` on the current runtime, every `every`; `what` names it in the log.
pub fn spawn_every<F, R>(pool: DbPool, every: Duration, what: &'static str, mut round: F)
where
    F: FnMut(DbPool) -> R + 'static,
    R: Future<Output = anyhow::Result<()>> + 'static,
{
    actix_web::rt::spawn(async move {
        let mut interval = actix_web::rt::time::interval(every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut healthy = true;
        while !pool.is_closed() {
            interval.tick().await;
            match round(pool.clone()).await {
                Ok(()) => healthy = true,
                Err(error) if pool.is_closed() => tracing::debug!(%error, what, "stopping"),
                Err(error) => {
                    if healthy {
                        tracing::warn!(
                            error = format!("{error:#}"),
                            what,
                            "round failed; tried again next round"
                        );
                    }
                    healthy = false;
                }
            }
        }
    });
}
