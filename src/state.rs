//! What every handler can reach: the pool, the token service, the settings and the metrics.

use std::sync::{Arc, Mutex};

use deadpool::managed::WeakPool;
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::AsyncPgConnection;

use prometheus::{
    Gauge, Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
};

use crate::auth::jwt::TokenService;
use crate::auth::signing::Signer;
use crate::config::Settings;
use crate::db::replica::{Reads, ReplicaGauges, ReplicaHealth};
use crate::db::DbPool;

pub struct AppState {
    /// The pool of the HTTP worker running the handler (each has its own; see `startup`).
    pub pool: DbPool,
    /// Stale-tolerant reads (reports, anonymous event reads): the replica when there is one
    /// and it may be used, else `pool` (see `db::replica`).
    pub reads: Reads,
    /// The worker's registration writers, on `pool` (`group_commit`).
    pub writers: crate::group_commit::Writers,
    /// The process's view of the replica, when DATABASE_REPLICA_URL is set (for /readyz).
    pub replica: Option<Arc<ReplicaHealth>>,
    pub tokens: Arc<TokenService>,
    pub signer: Signer,
    pub settings: Arc<Settings>,
    pub metrics: Metrics,
    /// Base of the absolute URLs the API hands out (report links).
    pub public_base_url: String,
}

/// The application's own metrics, all named `hybrid_events_*` (the request metrics of
/// actix-web-prom too, by its namespace in `startup`); the process metrics keep the standard
/// `process_*` names that dashboards and alerts expect.
#[derive(Clone)]
pub struct Metrics {
    pub registry: Registry,
    pub pool_size: IntGauge,
    pub pool_available: IntGauge,
    pub pool_waiting: IntGauge,
    /// Registrations created, by outcome (`confirmed`, `waitlisted`, `fallback`).
    pub registrations: IntCounterVec,
    /// Registrations waiting in their writer's queue (`group_commit`).
    pub registrations_waiting: IntGauge,
    /// Registrations written in one transaction, per transaction (`group_commit`).
    pub registrations_per_group: Histogram,
    /// Webhook deliveries waiting to be posted (or posted again), set at each scrape.
    pub outbox_pending: IntGauge,
    /// Age of the oldest of them (0 when there is none), set at each scrape.
    pub outbox_oldest_pending_age: Gauge,
    /// Every pool of the process (one per HTTP worker and the background one), summed. Weak:
    /// the gauges must not keep a stopped worker's pool, and its connections, open.
    pools: Arc<Mutex<Vec<WeakPool<AsyncDieselConnectionManager<AsyncPgConnection>>>>>,
}

/// The prefix of the application's metrics.
pub const METRICS_NAMESPACE: &str = "hybrid_events";

impl Metrics {
    pub fn new(registry: Registry) -> anyhow::Result<Self> {
        let opts = |name: &str, help: &str| Opts::new(name, help).namespace(METRICS_NAMESPACE);
        let pool_size = IntGauge::with_opts(opts("db_pool_connections", "Connections open in the pools"))?;
        let pool_available =
            IntGauge::with_opts(opts("db_pool_idle_connections", "Idle connections in the pools"))?;
        let pool_waiting =
            IntGauge::with_opts(opts("db_pool_waiting_requests", "Requests waiting for a connection"))?;
        let registrations = IntCounterVec::new(
            opts("registrations_created_total", "Registrations created, by outcome"),
            &["outcome"],
        )?;
        let registrations_waiting = IntGauge::with_opts(opts(
            "registrations_waiting",
            "Registrations waiting for their writer, to be written with those that arrive with them",
        ))?;
        let registrations_per_group = Histogram::with_opts(
            HistogramOpts::new(
                "registrations_per_group",
                "Registrations written together in one transaction",
            )
            .namespace(METRICS_NAMESPACE)
            .buckets(vec![1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0]),
        )?;
        let outbox_pending = IntGauge::with_opts(opts(
            "webhook_outbox_pending",
            "Webhook deliveries waiting to be posted or retried",
        ))?;
        let outbox_oldest_pending_age = Gauge::with_opts(opts(
            "webhook_outbox_oldest_pending_age_seconds",
            "Age of the oldest webhook delivery still pending (0 when none is)",
        ))?;
        let build_info = IntGaugeVec::new(
            opts("build_info", "The running build: always 1, its version as a label"),
            &["version"],
        )?;
        build_info.with_label_values(&[env!("CARGO_PKG_VERSION")]).set(1);
        registry.register(Box::new(pool_size.clone()))?;
        registry.register(Box::new(pool_available.clone()))?;
        registry.register(Box::new(pool_waiting.clone()))?;
        registry.register(Box::new(registrations.clone()))?;
        registry.register(Box::new(registrations_waiting.clone()))?;
        registry.register(Box::new(registrations_per_group.clone()))?;
        registry.register(Box::new(outbox_pending.clone()))?;
        registry.register(Box::new(outbox_oldest_pending_age.clone()))?;
        registry.register(Box::new(build_info))?;
        // CPU, memory, open files, start time of this process (read from /proc).
        #[cfg(target_os = "linux")]
        registry.register(Box::new(prometheus::process_collector::ProcessCollector::for_self()))?;
        Ok(Self {
            registry,
            pool_size,
            pool_available,
            pool_waiting,
            registrations,
            registrations_waiting,
            registrations_per_group,
            outbox_pending,
            outbox_oldest_pending_age,
            pools: Default::default(),
        })
    }

    /// Registers the replica's gauges (only with DATABASE_REPLICA_URL: without it the
    /// metrics are what they were).
    pub fn replica_gauges(&self) -> anyhow::Result<ReplicaGauges> {
        let opts = |name: &str, help: &str| Opts::new(name, help).namespace(METRICS_NAMESPACE);
        let gauges = ReplicaGauges {
            up: IntGauge::with_opts(opts("replica_up", "1 when the replica answered the last measurement"))?,
            in_use: IntGauge::with_opts(opts(
                "replica_in_use",
                "1 when reports and anonymous reads go to the replica, 0 when they fall back to the primary",
            ))?,
            lag_seconds: Gauge::with_opts(opts(
                "replica_lag_seconds",
                "How far the replica was behind the primary at its last answer",
            ))?,
            reads_retried: IntCounter::with_opts(opts(
                "replica_reads_retried_total",
                "Reads the replica could not answer (cancelled for replay, or the replica went away), \
                 answered by the primary",
            ))?,
        };
        self.registry.register(Box::new(gauges.up.clone()))?;
        self.registry.register(Box::new(gauges.in_use.clone()))?;
        self.registry.register(Box::new(gauges.lag_seconds.clone()))?;
        self.registry.register(Box::new(gauges.reads_retried.clone()))?;
        Ok(gauges)
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
