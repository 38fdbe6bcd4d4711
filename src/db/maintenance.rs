//! Periodic clean-up inside the server process: idempotency keys older than 24 hours,
//! expired login counters, and webhook deliveries settled more than 30 days ago. Any process may run it; the statements are idempotent.

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
    diesel::sql_query(
        "DELETE FROM login_throttle
          WHERE (locked_until IS NULL OR locked_until < now())
            AND window_start < now() - interval '1 day'",
    )
    .execute(&mut conn)
    .await?;
    // The webhook delivery log: a month of history is enough to answer a partner's question.
    diesel::sql_query(
        "DELETE FROM webhook_deliveries WHERE status <> 'pending' AND created_at < now() - interval '30 days'",
    )
    .execute(&mut conn)
    .await?;
    if keys > 0 {
        tracing::info!(expired_idempotency_keys = keys, "maintenance");
    }
    Ok(())
}
