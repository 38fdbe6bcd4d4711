//! The webhook worker: a loop inside the server process that claims due deliveries from the
//! outbox (`db::outbox`), posts them signed, and records the result. Several processes may
//! run it against one database: claims skip rows another worker holds, and a claimed row is
//! leased until its result is recorded. It stops when the pool is closed (at shutdown).

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use futures_util::future::join_all;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::config::Settings;
use crate::db::outbox::{self, Claimed};
use crate::db::DbPool;
use crate::domain::webhooks::{check_delivery_target, is_global_unicast, retry_delay, signature_headers};

/// Deliveries claimed per round; they are posted concurrently.
const BATCH: i64 = 16;

#[derive(Clone)]
pub struct WorkerConfig {
    pub poll_interval: Duration,
    pub retry_base: Duration,
    pub retry_max: Duration,
    pub retry_window: Duration,
    pub timeout: Duration,
    /// Whether posts may reach loopback, private and reserved addresses
    /// (WEBHOOK_ALLOW_PRIVATE_TARGETS).
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
            allow_private_hosts: settings.webhook_allow_private_targets,
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
        // A proxy from the environment (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY) would resolve and
        // reach the target itself, past the resolver below: the client posts directly.
        .no_proxy()
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
    let results = join_all(claimed.iter().map(|delivery| post(client, delivery, config))).await;
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

async fn post(client: &reqwest::Client, delivery: &Claimed, config: &WorkerConfig) -> Result<u16, Failure> {
    // The subscription may have been accepted by a process that allowed private targets; an
    // address literal never goes through the resolver, so it is checked here.
    check_delivery_target(&delivery.url, config.allow_private_hosts)
        .map_err(|_| Failure { status: None, reason: NOT_PUBLIC.into() })?;
    let body = serde_json::to_vec(&delivery.payload)
        .map_err(|_| Failure { status: None, reason: "payload not serialisable".into() })?;
    let message_id = delivery.message_id.to_string();
    let mut request = client
        .post(&delivery.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("X-Webhook-Id", &message_id)
        .header("X-Webhook-Type", delivery.event_type.as_str());
    for (name, value) in
        signature_headers(&delivery.secret, &message_id, chrono::Utc::now().timestamp(), &body)
    {
        request = request.header(name, value);
    }
    let response =
        request.body(body).send().await.map_err(|e| Failure { status: None, reason: describe(&e).into() })?;
    let status = response.status().as_u16();
    if response.status().is_success() {
        Ok(status)
    } else {
        Err(Failure { status: Some(status), reason: format!("answered HTTP {status}") })
    }
}

/// `last_error` of a delivery refused because its target is not a public address.
pub const NOT_PUBLIC: &str = "the target address is not public";

fn describe(error: &reqwest::Error) -> &'static str {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = cause {
        if current.is::<NotPublic>() {
            return NOT_PUBLIC;
        }
        cause = current.source();
    }
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

/// Resolves names as usual, and refuses a name unless every address it resolves to is a
/// global unicast address, so that a subscriber's DNS name cannot point the server's posts
/// at its own machine or networks. Installed unless private targets are allowed.
struct PublicAddressesOnly;

/// The resolver's refusal, recognised in the error chain of a failed post.
#[derive(Debug)]
struct NotPublic;

impl std::fmt::Display for NotPublic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(NOT_PUBLIC)
    }
}

impl std::error::Error for NotPublic {}

impl Resolve for PublicAddressesOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if found.is_empty() {
                return Err("the name resolves to no address".into());
            }
            if !found.iter().all(|addr| is_global_unicast(addr.ip())) {
                return Err(Box::new(NotPublic) as Box<dyn std::error::Error + Send + Sync>);
            }
            let addrs: Addrs = Box::new(found.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn the_resolver_refuses_a_name_of_this_machine() {
        let name: Name = "localhost".parse().unwrap();
        let refused = PublicAddressesOnly.resolve(name).await.err().expect("localhost is refused");
        assert!(refused.is::<NotPublic>(), "{refused}");
    }
}
