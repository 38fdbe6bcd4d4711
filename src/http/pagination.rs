//! Cursor pagination: `limit` 1..=200 (default 50) and an opaque, signed `cursor`.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::auth::signing::Signer;
use crate::error::{AppError, AppResult, FieldError};

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

pub struct PageRequest<K> {
    pub limit: i64,
    /// The sort key of the last item of the previous page.
    pub after: Option<K>,
}

/// Reads `limit` and `cursor`; a cursor made for another list, or altered, is 400
/// `invalid_cursor`.
pub fn page_request<K: DeserializeOwned>(
    signer: &Signer,
    list: &str,
    limit: Option<i64>,
    cursor: Option<&str>,
) -> AppResult<PageRequest<K>> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(AppError::validation(vec![FieldError::new(
            "limit",
            "out_of_range",
            format!("must be between 1 and {MAX_LIMIT}"),
        )]));
    }
    let after = match cursor {
        None | Some("") => None,
        Some(cursor) => {
            let payload = signer.open(&format!("cursor:{list}"), cursor).ok_or_else(invalid_cursor)?;
            Some(serde_json::from_slice(&payload).map_err(|_| invalid_cursor())?)
        }
    };
    Ok(PageRequest { limit, after })
}

fn invalid_cursor() -> AppError {
    AppError::BadRequest {
        code: "invalid_cursor",
        detail: "The cursor is not one this list handed out.".into(),
    }
}

/// The cursor for the page after `items`, when `items` filled the page. Callers fetch
/// `limit + 1` rows and pass them all: the extra row only says that more exist.
pub fn next_cursor<T, K: Serialize>(
    signer: &Signer,
    list: &str,
    items: &mut Vec<T>,
    limit: i64,
    key: impl Fn(&T) -> K,
) -> Option<String> {
    if items.len() as i64 <= limit {
        return None;
    }
    items.truncate(limit as usize);
    let last = items.last()?;
    let payload = serde_json::to_vec(&key(last)).expect("cursor keys serialise");
    Some(signer.seal(&format!("cursor:{list}"), &payload))
}
