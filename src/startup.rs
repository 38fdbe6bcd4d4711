//! Builds the application from settings and a bound listener, so tests start exactly what
//! production starts, on port 0.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::middleware::{from_fn, Compress};
use actix_web::{web, App, HttpServer};
use actix_web_prom::PrometheusMetricsBuilder;
use anyhow::Context;
use rand::Rng;
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::jwt::TokenService;
use crate::auth::signing::Signer;
use crate::config::{Environment, Settings};
use crate::db::replica::{Reads, ReplicaHealth};
use crate::db::{self, DbPool};
use crate::http::fallback::{fallback, KnownRoutes};
use crate::http::json::BodyLimit;
use crate::http::middleware::request_context;
use crate::http::query::{path_config, query_config};
use crate::openapi::ApiDoc;
use crate::state::{AppState, Metrics};

pub struct Application {
    port: u16,
    metrics_port: Option<u16>,
    server: Server,
    pool: DbPool,
}

impl Application {
    /// Prepares the database (creating and migrating it) and binds the listener.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        settings.validate().map_err(anyhow::Error::msg)?;
        let (url, pool) = db::prepare(&settings).await?;
        Self::build_with_pool(settings, &url, pool).await
    }

    /// Binds the listener for the database at `url`, already migrated. `pool` (on `url`)
    /// serves the background work; each HTTP worker builds a pool of its own on `url`.
    pub async fn build_with_pool(settings: Settings, url: &str, pool: DbPool) -> anyhow::Result<Self> {
        settings.validate().map_err(anyhow::Error::msg)?;
        let secret = resolve_secret(&settings);
        if settings.trust_forwarded_for {
            tracing::warn!(
                "TRUST_FORWARDED_FOR is deprecated: set TRUSTED_PROXIES to the proxies in front of \
                 the server. Until then any peer is believed to be a proxy, and logins are counted \
                 against the right-most X-Forwarded-For address"
            );
        }
        if let (Some(email), Some(password)) =
            (&settings.bootstrap_admin_email, &settings.bootstrap_admin_password)
        {
            crate::db::accounts::bootstrap_admin(&pool, email, password)
                .await
                .context("creating the bootstrap admin (BOOTSTRAP_ADMIN_EMAIL)")?;
        }
        crate::auth::password::warm_up().await;

        let listener = TcpListener::bind(settings.bind_addr)
            .with_context(|| format!("binding BIND_ADDR={}", settings.bind_addr))?;
        let bound = listener.local_addr()?;
        // METRICS_BIND_ADDR: a second listener of the same server, which answers only
        // /metrics (see `routes::ops::metrics_listener`); the main one then answers 404 there.
        let metrics_listener = settings
            .metrics_bind_addr
            .map(|addr| TcpListener::bind(addr).with_context(|| format!("binding METRICS_BIND_ADDR={addr}")))
            .transpose()?;
        let metrics_bound = metrics_listener.as_ref().map(TcpListener::local_addr).transpose()?;
        if settings.app_env == Environment::Production
            && settings.metrics_bearer_token.is_none()
            && settings.metrics_bind_addr.is_none()
        {
            tracing::warn!(
                "/metrics answers anyone who reaches BIND_ADDR: set METRICS_BEARER_TOKEN or \
                 METRICS_BIND_ADDR (or keep /metrics from the outside at the proxy)"
            );
        }
        let metrics_data = web::Data::new(crate::routes::ops::MetricsListener(metrics_bound));
        let registry = prometheus::Registry::new();
        let prometheus = PrometheusMetricsBuilder::new("hybrid_events")
            .exclude_regex("^/docs")
            .registry(registry.clone())
            .mask_unmatched_patterns("unmatched")
            .build()
            .map_err(|e| anyhow::anyhow!("building request metrics: {e}"))?;
        let tokens = Arc::new(TokenService::new(&secret, settings.access_token_ttl_seconds)?);
        let signer = Signer::new(&secret);
        let metrics = Metrics::new(registry)?;
        metrics.watch_pool(&pool);
        let public_base_url = settings.public_base_url(bound);
        let shared_settings = Arc::new(settings.clone());

        if settings.webhook_allow_private_targets {
            tracing::warn!(
                "WEBHOOK_ALLOW_PRIVATE_TARGETS is set: webhook subscriptions may target loopback, \
                 private and reserved addresses, so a subscriber can make this server post into \
                 its own networks"
            );
        }
        // DATABASE_REPLICA_URL: measured by this process from now on; until the first
        // measurement every read stays on the primary.
        let replica = match &settings.database_replica_url {
            Some(url) => {
                let health = Arc::new(ReplicaHealth::new(Duration::from_millis(settings.replica_max_lag_ms)));
                let watch_pool = db::build_pool(url, &Settings { database_pool_size: 1, ..settings.clone() })
                    .context("DATABASE_REPLICA_URL")?;
                let gauges = metrics.replica_gauges()?;
                let retried = gauges.reads_retried.clone();
                crate::db::replica::spawn_watch(pool.clone(), watch_pool, health.clone(), gauges);
                tracing::info!(max_lag_ms = settings.replica_max_lag_ms, "reading reports from the replica");
                Some((url.clone(), health, retried))
            }
            None => None,
        };
        crate::db::maintenance::spawn(pool.clone());
        crate::webhooks::spawn(pool.clone(), &settings)?;
        crate::retention::spawn(pool.clone(), &settings);
        crate::reminders::spawn(pool.clone(), &settings);
        crate::email::spawn(pool.clone(), &settings)?;

        let workers = settings
            .http_workers
            .unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2));
        let cors_origins = settings.cors_allowed_origins.clone();
        let body_limit = settings.max_body_bytes;
        let known_routes = web::Data::new(KnownRoutes::from_document(&crate::openapi::document()));
        let connections_per_worker = worker_pool_size(&settings, workers);
        let worker_settings = Settings { database_pool_size: connections_per_worker, ..settings.clone() };
        let writers_per_worker = settings.registration_writers.min(connections_per_worker) as usize;
        let url = url.to_owned();
        let server = HttpServer::new(move || {
            // Each worker gets a pool of its own, built here on the worker's thread. A
            // connection's I/O is driven by a task on the runtime that opened it, so with one
            // pool for all, a worker would mostly be lent connections driven by another
            // thread, and each round trip would wake that thread and then be handed back.
            let pool = db::build_pool(&url, &worker_settings)
                .expect("these pool settings already built the background pool");
            metrics.watch_pool(&pool);
            let reads = match &replica {
                Some((url, health, retried)) => Reads::with_replica(
                    pool.clone(),
                    db::build_pool(url, &worker_settings)
                        .expect("these pool settings already built a replica pool"),
                    health.clone(),
                    retried.clone(),
                ),
                None => Reads::primary_only(pool.clone()),
            };
            let writers = crate::group_commit::Writers::start(
                pool.clone(),
                writers_per_worker,
                crate::app::registrations::Limits {
                    per_minute: shared_settings.registration_rate_limit_per_minute,
                    duplicates_per_hour: shared_settings.duplicate_probe_limit_per_hour,
                    group_lock_wait_ms: shared_settings.registration_group_lock_wait_ms,
                },
                metrics.clone(),
            );
            let state = web::Data::new(AppState {
                writers,
                reads,
                replica: replica.as_ref().map(|(_, health, _)| health.clone()),
                pool,
                tokens: tokens.clone(),
                signer: signer.clone(),
                metrics: metrics.clone(),
                public_base_url: public_base_url.clone(),
                settings: shared_settings.clone(),
            });
            let (app, mut api) = App::new()
                .into_utoipa_app()
                .openapi(ApiDoc::openapi())
                .app_data(state.clone())
                .app_data(web::PayloadConfig::new(body_limit))
                .app_data(BodyLimit(body_limit))
                .app_data(query_config())
                .app_data(path_config())
                .configure(crate::routes::configure)
                .split_for_parts();
            crate::openapi::complete(&mut api);
            app.service(crate::routes::ops::docs_redirect())
                .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", api))
                .app_data(known_routes.clone())
                .app_data(metrics_data.clone())
                .default_service(web::to(fallback))
                .wrap(from_fn(crate::http::caching::validators))
                .wrap(Compress::default())
                .wrap(cors(&cors_origins))
                .wrap(prometheus.clone())
                .wrap(from_fn(crate::routes::ops::metrics_listener))
                .wrap(from_fn(request_context))
        })
        .workers(workers)
        .shutdown_timeout(30)
        .disable_signals()
        .listen(listener)?;
        let server = match metrics_listener {
            Some(metrics_listener) => server.listen(metrics_listener)?,
            None => server,
        }
        .run();
        tracing::info!(address = %bound, workers, connections_per_worker, "listening");
        if let Some(address) = metrics_bound {
            tracing::info!(%address, "serving /metrics on its own listener");
        }
        Ok(Self { port: bound.port(), metrics_port: metrics_bound.map(|a| a.port()), server, pool })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of the METRICS_BIND_ADDR listener, when there is one.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_port
    }

    /// Serves until `stop` fires (SIGTERM or SIGINT), then stops accepting, lets requests in
    /// flight finish (up to 30 s) and closes the pool.
    pub async fn run_until_stopped(self, mut stop: ShutdownSignal) -> std::io::Result<()> {
        let handle = self.server.handle();
        actix_web::rt::spawn(async move {
            stop.received().await;
            tracing::info!("shutting down: finishing requests in flight");
            handle.stop(true).await;
        });
        let result = self.server.await;
        self.pool.close();
        tracing::info!("stopped");
        result
    }

    /// For tests: the server future alone, stopped by dropping it.
    pub fn into_server(self) -> Server {
        self.server
    }
}

/// DATABASE_POOL_SIZE shared out among the HTTP workers, at least one connection each.
fn worker_pool_size(settings: &Settings, workers: usize) -> u32 {
    settings.database_pool_size.div_ceil(workers.max(1) as u32).max(1)
}

/// SIGTERM (how container runtimes and systemd stop a service) and SIGINT (Ctrl-C), listened
/// for from the moment this is made: made before the server starts, a signal that comes during
/// start-up (while migrations run, say) is a clean stop too, not the default abrupt exit.
pub struct ShutdownSignal {
    #[cfg(unix)]
    signals: (tokio::signal::unix::Signal, tokio::signal::unix::Signal),
}

impl ShutdownSignal {
    pub fn listen() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(Self { signals: (signal(SignalKind::terminate())?, signal(SignalKind::interrupt())?) })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    pub async fn received(&mut self) {
        #[cfg(unix)]
        {
            let (terminate, interrupt) = &mut self.signals;
            tokio::select! {
                _ = terminate.recv() => {},
                _ = interrupt.recv() => {},
            }
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST", "PATCH", "DELETE"])
        .allowed_headers([
            "authorization",
            "content-type",
            "idempotency-key",
            "x-request-id",
            "if-none-match",
        ])
        // Content-Disposition: a browser app names the CSV and calendar downloads after it.
        .expose_headers([
            "x-request-id",
            "retry-after",
            "content-disposition",
            "location",
            "etag",
            "ratelimit-limit",
            "ratelimit-remaining",
            "ratelimit-reset",
        ])
        .max_age(3600);
    for origin in origins {
        cors = cors.allowed_origin(origin.trim_end_matches('/'));
    }
    cors
}

fn resolve_secret(settings: &Settings) -> Vec<u8> {
    match &settings.jwt_secret {
        Some(secret) => secret.as_bytes().to_vec(),
        None => {
            debug_assert_eq!(settings.app_env, Environment::Development);
            tracing::warn!(
                "JWT_SECRET is not set: using a random one, so tokens die with this process \
                 and several processes will not accept each other's tokens"
            );
            let mut secret = vec![0u8; 32];
            rand::rng().fill_bytes(&mut secret);
            secret
        }
    }
}

/// How long background loops sleep between rounds.
pub const MAINTENANCE_INTERVAL: Duration = Duration::from_secs(600);
