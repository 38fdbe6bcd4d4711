//! Argon2id hashing of passwords and API-client secrets. Hashing takes a sizeable fraction of a
//! second on purpose, so it always runs on the blocking pool, never on an async worker.

use std::sync::LazyLock;

use argon2::{Argon2, PasswordHasher, PasswordVerifier};

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

pub async fn hash(secret: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || hash_blocking(&secret))
        .await
        .map_err(|e| AppError::Unexpected(e.into()))?
        .map_err(AppError::Unexpected)
}

/// Verifies `secret` against `hash`, or against the dummy hash when there is none.
pub async fn verify(secret: String, hash: Option<String>) -> AppResult<bool> {
    tokio::task::spawn_blocking(move || match hash {
        Some(hash) => verify_blocking(&secret, &hash),
        None => {
            verify_blocking(&secret, &DUMMY_HASH);
            false
        }
    })
    .await
    .map_err(|e| AppError::Unexpected(e.into()))
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
}
