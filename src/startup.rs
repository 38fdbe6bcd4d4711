//! Builds the application from settings and a bound listener, so tests start exactly what
//! production starts, on port 0.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::middleware::from_fn;
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
use crate::db::{self, DbPool};
use crate::http::fallback::{fallback, KnownRoutes};
use crate::http::json::BodyLimit;
use crate::http::middleware::request_context;
use crate::http::query::{path_config, query_config};
use crate::openapi::ApiDoc;
use crate::state::{AppState, Metrics};

pub struct Application {
    port: u16,
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
        crate::db::maintenance::spawn(pool.clone());
        crate::webhooks::spawn(pool.clone(), &settings)?;

        let workers = settings
            .http_workers
            .unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2));
        let cors_origins = settings.cors_allowed_origins.clone();
        let body_limit = settings.max_body_bytes;
        let known_routes = web::Data::new(KnownRoutes::from_document(&crate::openapi::document()));
        let connections_per_worker = worker_pool_size(&settings, workers);
        let worker_settings = Settings { database_pool_size: connections_per_worker, ..settings.clone() };
        let url = url.to_owned();
        let server = HttpServer::new(move || {
            // Each worker gets a pool of its own, built here on the worker's thread. A
            // connection's I/O is driven by a task on the runtime that opened it, so with one
            // pool for all, a worker would mostly be lent connections driven by another
            // thread, and each round trip would wake that thread and then be handed back.
            let pool = db::build_pool(&url, &worker_settings)
                .expect("these pool settings already built the background pool");
            metrics.watch_pool(&pool);
            let state = web::Data::new(AppState {
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
                .default_service(web::to(fallback))
                .wrap(cors(&cors_origins))
                .wrap(prometheus.clone())
                .wrap(from_fn(request_context))
        })
        .workers(workers)
        .shutdown_timeout(30)
        .disable_signals()
        .listen(listener)?
        .run();
        tracing::info!(address = %bound, workers, connections_per_worker, "listening");
        Ok(Self { port: bound.port(), server, pool })
    }

    pub fn port(&self) -> u16 {
        self.port
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
        .allowed_headers(["authorization", "content-type", "idempotency-key", "x-request-id"])
        .expose_headers(["x-request-id", "retry-after"])
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
