//! The languages a reader asks for (`Accept-Language`), best first.

use actix_web::http::header::{self, Header};
use actix_web::HttpRequest;

/// The tags of `Accept-Language`, by q-value and then in the order given; `*` and tags
/// refused (q=0) are left out. Empty without the header, or with one that does not parse.
pub fn wanted(req: &HttpRequest) -> Vec<String> {
    let Ok(accept) = header::AcceptLanguage::parse(req) else { return Vec::new() };
    accept
        .ranked()
        .into_iter()
        .filter_map(|preference| preference.item().map(|tag| tag.to_string()))
        .collect()
}
