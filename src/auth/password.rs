//! Argon2id hashing of passwords and API-client secrets. Hashing takes a sizeable fraction of a
//! second on purpose, so it always runs on the blocking pool, never on an async worker.

use std::sync::LazyLock;

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use tokio::sync::Semaphore;

use crate::error::{AppError, AppResult};

/// Argon2id with the crate's defaults (19 MiB, 2 passes), which follow OWASP's advice.
fn argon2() -> Argon2<'static> {
    Argon2::default()
}

pub fn hash_blocking(secret: &str) -> anyhow::Result<String> {
    let hash =
        argon2().hash_password(secret.as_bytes()).map_err(|e| anyhow::anyhow!("hashing a password: {e}"))?;
    Ok(hash.to_string())
}

pub fn verify_blocking(secret: &str, hash: &str) -> bool {
    argon2().verify_password(secret.as_bytes(), hash).is_ok()
}

/// A hash of nothing anyone knows, verified against when an email is unknown so that a wrong
/// email and a wrong password cost the same time.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_blocking("no user has this password, it only burns time").expect("hash"));

/// Computes the dummy hash ahead of the first failed login.
pub async fn warm_up() {
    let _ = tokio::task::spawn_blocking(|| LazyLock::force(&DUMMY_HASH)).await;
}

/// Each hash takes 19 MiB and a core for a while: running more at once than there are cores
/// only adds memory and latency (a burst of logins could otherwise start hundreds of blocking
/// threads), so the rest wait here, on the async side, without holding a thread.
static HASHING: LazyLock<Semaphore> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    Semaphore::new(cores)
});

/// Runs `work` on the blocking pool, never on an async worker.
async fn off_the_workers<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
    let permit = HASHING.acquire().await.map_err(|e| AppError::Unexpected(e.into()))?;
    tokio::task::spawn_blocking(move || {
        // Held by the thread, so a request dropped half-way does not free it too early.
        let _permit = permit;
        work()
    })
    .await
    .map_err(|e| AppError::Unexpected(e.into()))
}

pub async fn hash(secret: String) -> AppResult<String> {
    off_the_workers(move || hash_blocking(&secret)).await?.map_err(AppError::Unexpected)
}

/// Verifies `secret` against `hash`, or against the dummy hash when there is none.
pub async fn verify(secret: String, hash: Option<String>) -> AppResult<bool> {
    off_the_workers(move || match hash {
        Some(hash) => verify_blocking(&secret, &hash),
        None => {
            verify_blocking(&secret, &DUMMY_HASH);
            false
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify_only_the_right_secret() {
        let hash = hash_blocking("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_blocking("correct horse battery", &hash));
        assert!(!verify_blocking("correct horse battery!", &hash));
        assert!(!verify_blocking("anything", "not a hash"));
    }

    #[test]
    fn hashes_use_at_least_the_crates_default_cost() {
        let hash = hash_blocking("correct horse battery").unwrap();
        let defaults = argon2::Params::default();
        let expected = format!(
            "$argon2id$v=19$m={},t={},p={}$",
            defaults.m_cost(),
            defaults.t_cost(),
            defaults.p_cost()
        );
        assert!(hash.starts_with(&expected), "{hash} vs {expected}");
        assert!(defaults.m_cost() >= 19 * 1024 && defaults.t_cost() >= 2);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn hashing_runs_off_the_async_worker() {
        let worker = std::thread::current().id();
        let hashing = off_the_workers(|| std::thread::current().id()).await.unwrap();
        assert_ne!(hashing, worker);
        let hash = hash("correct horse battery".into()).await.unwrap();
        assert!(verify("correct horse battery".into(), Some(hash)).await.unwrap());
        assert!(!verify("correct horse battery".into(), None).await.unwrap(), "unknown user");
    }
}
