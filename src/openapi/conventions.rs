//! The HTTP conventions in the OpenAPI document, written into every operation they apply to
//! rather than into each annotation: `Location` on every 201, the validators and `304` of the
//! cached reads (`http::caching`), the `RateLimit-*` fields of a registration.

use utoipa::openapi::header::{Header, HeaderBuilder};
use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{OpenApi, RefOr, Response};

use crate::http::caching::{policy, Policy};

fn text(description: &str) -> RefOr<Header> {
    HeaderBuilder::new()
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .description(Some(description))
        .build()
        .into()
}

fn integer(description: &str) -> RefOr<Header> {
    HeaderBuilder::new()
        .schema(Some(ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0))))
        .description(Some(description))
        .build()
        .into()
}

/// The `RateLimit-*` fields, by name, as an answer documents them.
pub fn rate_limit_headers() -> [(&'static str, RefOr<Header>); 3] {
    [
        ("RateLimit-Limit", integer("Requests allowed in the limit's window")),
        ("RateLimit-Remaining", integer("Requests left in the current window")),
        ("RateLimit-Reset", integer("Seconds until the current window ends")),
    ]
}

pub fn document(api: &mut OpenApi) {
    for (path, item) in api.paths.paths.iter_mut() {
        for (method, operation) in crate::openapi::operations_mut(item) {
            let Some(operation) = operation.as_mut() else { continue };
            created_location(operation);
            if method == "GET" {
                if let Some(policy) = policy(path) {
                    validators(operation, policy);
                }
            }
            if method == "POST" && path == "/api/v1/events/{id}/registrations" {
                if let Some(RefOr::T(created)) = operation.responses.responses.get_mut("201") {
                    created.headers.extend(rate_limit_headers().map(|(n, h)| (n.to_owned(), h)));
                }
            }
        }
    }
}

fn created_location(operation: &mut Operation) {
    if let Some(RefOr::T(created)) = operation.responses.responses.get_mut("201") {
        created
            .headers
            .entry("Location".to_owned())
            .or_insert_with(|| text("The address of what was created, e.g. `/api/v1/events/{id}`"));
    }
}

fn validators(operation: &mut Operation, policy: Policy) {
    let cache_control = match policy {
        Policy::Public => "`public, max-age=60`",
        Policy::PublicWhenAnonymous => {
            "`public, max-age=60` when asked without credentials, else `private, no-cache`"
        }
        Policy::Personal => "`no-store`: personal data",
    };
    let etag = "A strong validator of this body (with `-br` or `-gzip` when so coded): send it back \
                in `If-None-Match` to get 304 while it has not changed";
    if let Some(RefOr::T(ok)) = operation.responses.responses.get_mut("200") {
        ok.headers.insert("ETag".to_owned(), text(etag));
        ok.headers.insert("Cache-Control".to_owned(), text(cache_control));
    }
    let mut not_modified = Response::new("Not modified: `If-None-Match` named the current `ETag`; no body");
    not_modified.headers.insert("ETag".to_owned(), text(etag));
    not_modified.headers.insert("Cache-Control".to_owned(), text(cache_control));
    operation.responses.responses.entry("304".to_owned()).or_insert(RefOr::T(not_modified));
}
