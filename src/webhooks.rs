//! The webhook worker: a loop inside the server process that claims due deliveries from the
//! outbox (`db::outbox`), posts them signed, and records the result. Several processes may
//! run it against one database: claims skip rows another worker holds, and a claimed row is
//! leased until its result is recorded. It stops when the pool is closed (at shutdown).

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use futures_util::future::join_all;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::config::{Environment, Settings};
use crate::db::outbox::{self, Claimed};
use crate::db::DbPool;
use crate::domain::webhooks::{is_private_address, retry_delay, signature_header};

/// Deliveries claimed per round; they are posted concurrently.
const BATCH: i64 = 16;

#[derive(Clone)]
pub struct WorkerConfig {
    pub poll_interval: Duration,
    pub retry_base: Duration,
    pub retry_max: Duration,
    pub retry_window: Duration,
    pub timeout: Duration,
    /// Whether posts may reach loopback and private addresses (development only).
    pub allow_private_hosts: bool,
}

impl WorkerConfig {
    pub fn from_settings(settings: &Settings) -> Self {
        Self {
            poll_interval: Duration::from_millis(settings.webhook_poll_interval_ms),
            retry_base: Duration::from_millis(settings.webhook_retry_base_ms),
            retry_max: Duration::from_millis(settings.webhook_retry_max_ms),
            retry_window: Duration::from_secs(settings.webhook_retry_window_seconds),
            timeout: Duration::from_millis(settings.webhook_timeout_ms),
            allow_private_hosts: settings.app_env == Environment::Development,
        }
    }

    /// A claimed row is not due again before this, so it must outlast one post and the
    /// recording of its result; after it, a crashed worker's row is retried by another.
    fn lease(&self) -> Duration {
        self.timeout * 2 + Duration::from_secs(1)
    }
}

/// Installs rustls' `ring` provider for the process (reqwest is built without one, which
/// spares the aws-lc C build). Harmless when already installed.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

pub fn http_client(config: &WorkerConfig) -> anyhow::Result<reqwest::Client> {
    install_tls_provider();
    let mut builder = reqwest::Client::builder()
        .timeout(config.timeout)
        .connect_timeout(config.timeout)
        // A redirect would post the message somewhere the subscriber did not name.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("hybrid-events-webhooks/", env!("CARGO_PKG_VERSION")));
    if !config.allow_private_hosts {
        builder = builder.dns_resolver(PublicAddressesOnly);
    }
    builder.build().context("building the webhook HTTP client")
}

/// Starts the worker on the current runtime.
pub fn spawn(pool: DbPool, settings: &Settings) -> anyhow::Result<()> {
    let config = WorkerConfig::from_settings(settings);
    let client = http_client(&config)?;
    actix_web::rt::spawn(run(pool, client, config));
    Ok(())
}

async fn run(pool: DbPool, client: reqwest::Client, config: WorkerConfig) {
    let mut healthy = true;
    while !pool.is_closed() {
        match round(&pool, &client, &config).await {
            // A full batch: more may be due at once.
            Ok(claimed) if claimed as i64 == BATCH => {
                healthy = true;
                continue;
            }
            Ok(_) => healthy = true,
            Err(error) if pool.is_closed() => tracing::debug!(%error, "webhook worker stopping"),
            Err(error) => {
                // Once per outage, not once per poll.
                if healthy {
                    tracing::warn!(error = %error, "webhook worker cannot reach the database");
                }
                healthy = false;
            }
        }
        actix_web::rt::time::sleep(config.poll_interval).await;
    }
}

/// Claims, posts and records one batch; returns how many deliveries it claimed.
pub async fn round(pool: &DbPool, client: &reqwest::Client, config: &WorkerConfig) -> anyhow::Result<usize> {
    let claimed = {
        let mut conn = pool.get().await?;
        outbox::claim_due(&mut conn, BATCH, config.lease()).await?
    };
    if claimed.is_empty() {
        return Ok(0);
    }
    let results = join_all(claimed.iter().map(|delivery| post(client, delivery))).await;
    let mut conn = pool.get().await?;
    for (delivery, result) in claimed.iter().zip(results) {
        match result {
            Ok(status) => {
                outbox::record_success(&mut conn, delivery.id, status).await?;
                tracing::info!(
                    delivery = %delivery.id, subscription = %delivery.subscription_id,
                    event_type = delivery.event_type.as_str(), attempts = delivery.attempts, status,
                    "webhook delivered"
                );
            }
            Err(failure) => {
                let retry_in = retry_delay(delivery.attempts, config.retry_base, config.retry_max);
                let gave_up = outbox::record_failure(
                    &mut conn,
                    delivery,
                    failure.status,
                    &failure.reason,
                    retry_in,
                    config.retry_window,
                )
                .await?;
                tracing::warn!(
                    delivery = %delivery.id, subscription = %delivery.subscription_id,
                    event_type = delivery.event_type.as_str(), attempts = delivery.attempts,
                    status = failure.status, reason = %failure.reason, gave_up,
                    "webhook delivery failed"
                );
            }
        }
    }
    Ok(claimed.len())
}

/// Why a post failed, in words of our own: never the receiver's answer, which could hold
/// anything.
struct Failure {
    status: Option<u16>,
    reason: String,
}

async fn post(client: &reqwest::Client, delivery: &Claimed) -> Result<u16, Failure> {
    let body = serde_json::to_vec(&delivery.payload)
        .map_err(|_| Failure { status: None, reason: "payload not serialisable".into() })?;
    let signature = signature_header(&delivery.secret, chrono::Utc::now().timestamp(), &body);
    let response = client
        .post(&delivery.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("X-Signature", signature)
        .header("X-Webhook-Id", delivery.message_id.to_string())
        .header("X-Webhook-Type", delivery.event_type.as_str())
        .body(body)
        .send()
        .await
        .map_err(|e| Failure { status: None, reason: describe(&e).into() })?;
    let status = response.status().as_u16();
    if response.status().is_success() {
        Ok(status)
    } else {
        Err(Failure { status: Some(status), reason: format!("answered HTTP {status}") })
    }
}

fn describe(error: &reqwest::Error) -> &'static str {
    if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else if error.is_redirect() {
        "redirected"
    } else {
        "request failed"
    }
}

/// Resolves names as usual but drops loopback and private addresses, so that a subscriber's
/// DNS name cannot point a production server's posts at its own network.
struct PublicAddressesOnly;

impl Resolve for PublicAddressesOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> =
                found.into_iter().filter(|addr| !is_private_address(addr.ip())).collect();
            if public.is_empty() {
                return Err("the name resolves to no public address".into());
            }
            let addrs: Addrs = Box::new(public.into_iter());
            Ok(addrs)
        })
    }
}
