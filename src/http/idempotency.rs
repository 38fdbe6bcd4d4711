//! Rule 7's `Idempotency-Key` as a request carries it: the header, checked, and the
//! fingerprint of the request it came with (the database keeps the claim and the answer,
//! `db::idempotency`).

use actix_web::http::header::HeaderMap;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{AppError, AppResult};

/// The request's `Idempotency-Key`, `None` without one. Keys are printable ASCII, 1 to 255
/// characters (the IETF draft's advice).
pub fn key_of(headers: &HeaderMap) -> AppResult<Option<String>> {
    let Some(value) = headers.get("idempotency-key") else { return Ok(None) };
    let invalid = |detail| AppError::invalid("invalid_idempotency_key", "Idempotency-Key", detail);
    let key = value.to_str().map_err(|_| invalid("must be printable ASCII"))?;
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        return Err(invalid("must be 1 to 255 printable ASCII characters"));
    }
    Ok(Some(key.to_owned()))
}

/// What a retry must repeat to be answered as the first request: SHA-256 of the request as
/// read (so key order and spacing do not count, and what was absent stays absent).
pub fn fingerprint(request: &impl Serialize) -> Vec<u8> {
    Sha256::digest(serde_json::to_vec(request).expect("requests serialise")).to_vec()
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::{HeaderName, HeaderValue};

    use super::*;

    fn with_key(value: &[u8]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(HeaderName::from_static("idempotency-key"), HeaderValue::from_bytes(value).unwrap());
        headers
    }

    #[test]
    fn a_key_is_one_to_255_printable_ascii_characters() {
        assert_eq!(key_of(&HeaderMap::new()).unwrap(), None);
        assert_eq!(key_of(&with_key(b"minutes-2026-12-01")).unwrap().as_deref(), Some("minutes-2026-12-01"));
        assert!(key_of(&with_key("k".repeat(255).as_bytes())).is_ok());
        for bad in [&b"with space"[..], "k".repeat(256).as_bytes(), b"", "clé".as_bytes()] {
            assert_eq!(key_of(&with_key(bad)).unwrap_err().problem().code, "invalid_idempotency_key");
        }
    }
}
