//! Periodic clean-up inside the server process: idempotency keys older than 24 hours,
//! expired login counters, old rate-limit windows, and webhook deliveries settled more than 30 days
//! ago. Any process may run it; the statements are idempotent.

use diesel_async::RunQueryDsl;

use crate::db::DbPool;
use crate::startup::MAINTENANCE_INTERVAL;

pub fn spawn(pool: DbPool) {
    actix_web::rt::spawn(async move {
        let mut interval = actix_web::rt::time::interval(MAINTENANCE_INTERVAL);
        loop {
            interval.tick().await;
            if let Err(error) = run_once(&pool).await {
                tracing::warn!(%error, "maintenance round failed");
            }
        }
    });
}

pub async fn run_once(pool: &DbPool) -> anyhow::Result<()> {
    let mut conn = pool.get().await?;
    let keys =
        diesel::sql_query("DELETE FROM idempotency_keys WHERE created_at < now() - interval '24 hours'")
            .execute(&mut conn)
            .await?;
    // Counters quiet for two days: longer than the longest delay (LOGIN_LOCKOUT_SECONDS, at
    // most a day) and the memory after it, so no counter goes before it would be forgotten.
    diesel::sql_query(
        "DELETE FROM login_throttle WHERE greatest(window_start, locked_until) < now() - interval '2 days'",
    )
    .execute(&mut conn)
    .await?;
    // The webhook delivery log: a month of history is enough to answer a partner's question.
    diesel::sql_query(
        "DELETE FROM webhook_deliveries WHERE status <> 'pending' AND created_at < now() - interval '30 days'",
    )
    .execute(&mut conn)
    .await?;
    crate::db::rate_limits::prune(&mut conn).await?;
    if keys > 0 {
        tracing::info!(expired_idempotency_keys = keys, "maintenance");
    }
    Ok(())
}
