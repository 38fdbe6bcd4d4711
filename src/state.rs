//! What every handler can reach: the pool, the token service, the settings and the metrics.

use std::sync::{Arc, Mutex};

use deadpool::managed::WeakPool;
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::AsyncPgConnection;

use prometheus::{IntCounterVec, IntGauge, Opts, Registry};

use crate::auth::jwt::TokenService;
use crate::auth::signing::Signer;
use crate::config::Settings;
use crate::db::DbPool;

pub struct AppState {
    /// The pool of the HTTP worker running the handler (each has its own; see `startup`).
    pub pool: DbPool,
    pub tokens: Arc<TokenService>,
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
    /// Every pool of the process (one per HTTP worker and the background one), summed. Weak:
    /// the gauges must not keep a stopped worker's pool, and its connections, open.
    pools: Arc<Mutex<Vec<WeakPool<AsyncDieselConnectionManager<AsyncPgConnection>>>>>,
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
        Ok(Self {
            registry,
            pool_size,
            pool_available,
            pool_waiting,
            registrations,
            pools: Default::default(),
        })
    }

    /// Counts `pool` in the pool gauges.
    pub fn watch_pool(&self, pool: &DbPool) {
        self.pools.lock().unwrap_or_else(|e| e.into_inner()).push(pool.weak());
    }

    /// Sets the pool gauges to the sums over every watched pool.
    pub fn observe_pools(&self) {
        let (mut size, mut available, mut waiting) = (0, 0, 0);
        // Forgets the pools of stopped workers on the way.
        self.pools.lock().unwrap_or_else(|e| e.into_inner()).retain(|pool| {
            let Some(pool) = pool.upgrade() else { return false };
            let status = pool.status();
            size += status.size as i64;
            available += status.available as i64;
            waiting += status.waiting as i64;
            true
        });
        self.pool_size.set(size);
        self.pool_available.set(available);
        self.pool_waiting.set(waiting);
    }
}
