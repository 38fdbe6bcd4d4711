//! What every handler can reach: the pool, the token service, the settings and the metrics.

use std::sync::Arc;

use prometheus::{IntCounterVec, IntGauge, Opts, Registry};

use crate::auth::jwt::TokenService;
use crate::auth::signing::Signer;
use crate::config::Settings;
use crate::db::DbPool;

pub struct AppState {
    pub pool: DbPool,
    pub tokens: TokenService,
    pub signer: Signer,
    pub settings: Arc<Settings>,
    pub metrics: Metrics,
    /// Base of the absolute URLs the API hands out (report links).
    pub public_base_url: String,
}

#[derive(Clone)]
pub struct Metrics {
    pub registry: Registry,
    pub pool_size: IntGauge,
    pub pool_available: IntGauge,
    pub pool_waiting: IntGauge,
    /// Registrations created, by outcome (`confirmed`, `waitlisted`, `fallback`).
    pub registrations: IntCounterVec,
}

impl Metrics {
    pub fn new(registry: Registry) -> anyhow::Result<Self> {
        let pool_size = IntGauge::new("db_pool_connections", "Connections open in the pool")?;
        let pool_available = IntGauge::new("db_pool_idle", "Idle connections in the pool")?;
        let pool_waiting = IntGauge::new("db_pool_waiting", "Requests waiting for a connection")?;
        let registrations = IntCounterVec::new(
            Opts::new("registrations_created_total", "Registrations created, by outcome"),
            &["outcome"],
        )?;
        registry.register(Box::new(pool_size.clone()))?;
        registry.register(Box::new(pool_available.clone()))?;
        registry.register(Box::new(pool_waiting.clone()))?;
        registry.register(Box::new(registrations.clone()))?;
        Ok(Self { registry, pool_size, pool_available, pool_waiting, registrations })
    }

    pub fn observe_pool(&self, pool: &DbPool) {
        let status = pool.status();
        self.pool_size.set(status.size as i64);
        self.pool_available.set(status.available as i64);
        self.pool_waiting.set(status.waiting as i64);
    }
}
