//! The languages a reader asks for (`Accept-Language`), best first.

use actix_web::http::header::{self, Header};
use actix_web::{web, CustomizeResponder, HttpRequest, Responder};

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

/// `body` as an answer that depends on the reader's `Accept-Language` (`Vary`, for caches),
/// in `language` (`Content-Language`) when a translation was chosen for the whole of it.
pub fn localised_answer<T: serde::Serialize>(
    body: T,
    language: Option<String>,
) -> CustomizeResponder<web::Json<T>> {
    let answer = web::Json(body).customize().insert_header((header::VARY, "Accept-Language"));
    match language {
        Some(language) => answer.insert_header((header::CONTENT_LANGUAGE, language)),
        None => answer,
    }
}
