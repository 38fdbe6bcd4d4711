//! Content negotiation by `Accept`, for routes that answer in more than one media type.

use actix_web::http::header::{self, Header};
use actix_web::HttpRequest;

/// True when the client ranks `wanted` above every one of `instead` (by q-value, then by the
/// order it listed them); false without `Accept`, or with one that names neither.
pub fn prefers(req: &HttpRequest, wanted: &str, instead: &[&str]) -> bool {
    let Ok(accept) = header::Accept::parse(req) else { return false };
    accept
        .ranked()
        .into_iter()
        .find_map(|mime| {
            let essence = mime.essence_str();
            if essence == wanted {
                Some(true)
            } else {
                instead.contains(&essence).then_some(false)
            }
        })
        .unwrap_or(false)
}
