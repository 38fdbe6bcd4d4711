//! Validators and caching of the reads worth caching: a strong `ETag` (a hash of the body as
//! the handler made it), `304 Not Modified` for an `If-None-Match` that names it, and
//! `Cache-Control` by who may share the answer.
//!
//! Only the routes in [`policy`] get them (a streamed CSV only up to `TAG_LIMIT_BYTES`): the
//! registration path and every other answer pay a method comparison and nothing more. The layer runs inside actix's `Compress` (see
//! `startup`), so it sees the body before any content coding. A strong validator must differ
//! between the codings of one resource (RFC 9110, 8.8.3: a gzip body is other bytes), so the
//! tag of a coded answer gets the coding as a suffix (`"…-br"`, `"…-gzip"`), predicted here
//! from `Accept-Encoding` as `Compress` negotiates it (a test checks that the two agree). An
//! `If-None-Match` is compared with the tag of the answer that would be sent, so a client
//! that cached the gzip body and now asks for brotli gets the new body, not a 304.

use std::future::ready;

use actix_web::body::{BodyStream, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, AcceptEncoding, Encoding, Header, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut};
use actix_web::HttpResponse;
use base64::Engine;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

/// Who may keep an answer, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// The same for everyone: `public, max-age=60` (the OpenAPI document).
    Public,
    /// Public when asked anonymously (then only published events are visible), else
    /// `private, no-cache`: the caller's browser may keep it but asks again each time, with
    /// the `ETag`, so a revoked token or a changed role is seen at once.
    PublicWhenAnonymous,
    /// Personal data (attendance reports, a person's calendar entry with the join link):
    /// `no-store`, so no browser or proxy writes it to disk. The `ETag` still lets a program
    /// that keeps its own copy skip downloading an unchanged report (weak for the report
    /// and its page, whose `generated_at` changes with every answer: see [`Volatile`]).
    Personal,
}

/// The policy of a route (its pattern as actix matched it), for the reads that have one.
pub fn policy(pattern: &str) -> Option<Policy> {
    Some(match pattern {
        "/api/v1/events" | "/api/v1/events/{id}" | "/api/v1/events/{id}/calendar.ics" => {
            Policy::PublicWhenAnonymous
        }
        "/openapi.json" => Policy::Public,
        "/api/v1/events/{id}/report"
        | "/api/v1/events/{id}/attendance.csv"
        | "/api/v1/events/{id}/report.html"
        | "/api/v1/reports/attendance"
        | "/api/v1/registrations/{id}/calendar.ics" => Policy::Personal,
        _ => return None,
    })
}

/// Whether the request shows credentials: a bearer token or a report link's `token`.
pub fn is_authenticated(req: &actix_web::HttpRequest) -> bool {
    req.headers().contains_key(header::AUTHORIZATION) || req.query_string().contains("token=")
}

fn cache_control(policy: Policy, authenticated: bool) -> &'static str {
    match (policy, authenticated) {
        (Policy::Public, _) | (Policy::PublicWhenAnonymous, false) => "public, max-age=60",
        (Policy::PublicWhenAnonymous, true) => "private, no-cache",
        (Policy::Personal, _) => "no-store",
    }
}

/// The codings `Compress` offers (actix-web's `compress-brotli` and `compress-gzip`).
const CODINGS: [Encoding; 4] =
    [Encoding::identity(), Encoding::brotli(), Encoding::gzip(), Encoding::deflate()];

/// The content coding `Compress` will give the answer to `req`: `None` for identity.
fn coding(req: &actix_web::HttpRequest) -> Option<&'static str> {
    let accept = AcceptEncoding::parse(req).ok()?;
    match accept.negotiate(CODINGS.iter())? {
        e if e == Encoding::brotli() => Some("br"),
        e if e == Encoding::gzip() => Some("gzip"),
        e if e == Encoding::deflate() => Some("deflate"),
        _ => None,
    }
}

/// Text of a body that changes with every answer without changing what it says (a report's
/// `generated_at`), put in the response's extensions by its handler: left out of the tag,
/// which is then weak (RFC 9110, 8.8.1: the bodies are equivalent, not the same bytes).
#[derive(Debug, Clone)]
pub struct Volatile(pub Vec<String>);

/// An entity tag of `body`: 128 bits of its SHA-256, with the coding as a suffix. Strong,
/// unless `volatile` text was left out of the hash.
pub fn entity_tag(body: &[u8], coding: Option<&str>, volatile: Option<&Volatile>) -> String {
    let digest = match volatile {
        None => Sha256::digest(body),
        Some(Volatile(parts)) => {
            let mut text = String::from_utf8_lossy(body).into_owned();
            for part in parts.iter().filter(|p| !p.is_empty()) {
                text = text.replace(part.as_str(), "");
            }
            Sha256::digest(text.as_bytes())
        }
    };
    let hash = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16]);
    let weak = if volatile.is_some() { "W/" } else { "" };
    match coding {
        Some(coding) => format!("{weak}\"{hash}-{coding}\""),
        None => format!("{weak}\"{hash}\""),
    }
}

/// Whether `If-None-Match` (each of its values, a list of tags or `*`) names `tag`, by the weak
/// comparison RFC 9110 (13.1.2) asks of it.
pub fn none_match_names(req: &actix_web::HttpRequest, tag: &str) -> bool {
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    let tag = opaque(tag);
    req.headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|candidate| candidate.trim() == "*" || opaque(candidate) == tag)
}

/// A streamed body (the CSV reports) is read up to this size to be tagged; a longer one goes
/// on as it streams, untagged, rather than held whole in memory before its first byte.
const TAG_LIMIT_BYTES: usize = 8 * 1024 * 1024;

enum Read {
    Whole(Bytes),
    /// Longer than the limit: what was read, then the rest as it comes.
    Long(BoxBody),
}

async fn read_up_to<B: MessageBody + 'static>(body: B, limit: usize) -> Result<Read, actix_web::Error> {
    let body = match body.try_into_bytes() {
        Ok(bytes) => return Ok(Read::Whole(bytes)),
        Err(body) => body,
    };
    let failed = |e: B::Error| actix_web::error::ErrorInternalServerError(e.into());
    let mut body = Box::pin(body);
    let mut buffer = BytesMut::new();
    while let Some(chunk) = std::future::poll_fn(|cx| body.as_mut().poll_next(cx)).await {
        buffer.extend_from_slice(&chunk.map_err(failed)?);
        if buffer.len() > limit {
            let read =
                futures_util::stream::once(ready(Ok::<_, Box<dyn std::error::Error>>(buffer.freeze())));
            let rest = futures_util::stream::poll_fn(move |cx| body.as_mut().poll_next(cx))
                .map(|chunk| chunk.map_err(Into::into));
            return Ok(Read::Long(BoxBody::new(BodyStream::new(read.chain(rest)))));
        }
    }
    Ok(Read::Whole(buffer.freeze()))
}

/// The answer's `Vary` as one field: what the handler named (a language, say), and the
/// coding asked for (even identity) and who asks, on which every tagged answer depends. One
/// field, not several: the CORS middleware outside rewrites the first `Vary` it finds and
/// would drop the others.
fn vary_also_on_coding_and_caller(headers: &actix_web::http::header::HeaderMap) -> HeaderValue {
    let mut names: Vec<&str> =
        headers.get_all(header::VARY).filter_map(|value| value.to_str().ok()).collect();
    names.push("Accept-Encoding, Authorization");
    HeaderValue::from_str(&names.join(", ")).expect("header names are ASCII")
}

/// The middleware (inside `Compress`): for a successful `GET` (or `HEAD`, which arrives as
/// one) of a route with a [`policy`], sets `ETag`, `Cache-Control` and `Vary`, and answers
/// `304` with no body when `If-None-Match` names the tag.
pub async fn validators(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if req.method() != Method::GET {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let response = next.call(req).await?;
    let policy = match response.request().match_pattern() {
        Some(pattern) if response.status() == StatusCode::OK => policy(&pattern),
        _ => None,
    };
    let Some(policy) = policy else { return Ok(response.map_into_boxed_body()) };
    let (request, response) = response.into_parts();
    let (mut head, body) = response.into_parts();
    let bytes = match read_up_to(body, TAG_LIMIT_BYTES).await? {
        Read::Whole(bytes) => bytes,
        Read::Long(body) => return Ok(ServiceResponse::new(request, head.set_body(body))),
    };
    let volatile = head.extensions().get::<Volatile>().cloned();
    let tag = entity_tag(&bytes, coding(&request), volatile.as_ref());
    let cache = cache_control(policy, is_authenticated(&request));
    let headers = [
        (header::ETAG, HeaderValue::from_str(&tag).expect("a tag is ASCII")),
        (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
    ];
    if none_match_names(&request, &tag) {
        // What a 304 must carry (RFC 9110, 15.4.5) and nothing of the body's own.
        let mut not_modified = HttpResponse::NotModified();
        for (name, value) in headers {
            not_modified.insert_header((name, value));
        }
        not_modified.insert_header((header::VARY, vary_also_on_coding_and_caller(head.headers())));
        return Ok(ServiceResponse::new(request, not_modified.finish()));
    }
    for (name, value) in headers {
        head.headers_mut().insert(name, value);
    }
    let vary = vary_also_on_coding_and_caller(head.headers());
    head.headers_mut().insert(header::VARY, vary);
    Ok(ServiceResponse::new(request, head.set_body(bytes).map_into_boxed_body()))
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn tags_are_strong_and_differ_by_body_and_coding() {
        let plain = entity_tag(b"{}", None, None);
        assert!(plain.starts_with('"') && plain.ends_with('"') && !plain.starts_with("W/"));
        assert_ne!(plain, entity_tag(b"{ }", None, None));
        assert_eq!(entity_tag(b"{}", Some("gzip"), None), format!("{}-gzip\"", plain.trim_end_matches('"')));
    }

    #[test]
    fn volatile_text_is_left_out_of_a_weak_tag() {
        let at = |t: &str| Volatile(vec![t.to_owned()]);
        let first = entity_tag(br#"{"n":1,"at":"10:00"}"#, None, Some(&at("\"10:00\"")));
        let later = entity_tag(br#"{"n":1,"at":"10:01"}"#, None, Some(&at("\"10:01\"")));
        assert!(first.starts_with("W/\""), "{first}");
        assert_eq!(first, later);
        assert_ne!(first, entity_tag(br#"{"n":2,"at":"10:01"}"#, None, Some(&at("\"10:01\""))));
        assert_eq!(
            entity_tag(b"x", Some("br"), Some(&at("y"))).strip_suffix("-br\"").map(|t| t.starts_with("W/")),
            Some(true)
        );
    }

    #[test]
    fn if_none_match_is_compared_weakly_and_star_matches_anything() {
        let tag = "\"abc\"";
        let asks =
            |value: &str| TestRequest::get().insert_header((header::IF_NONE_MATCH, value)).to_http_request();
        assert!(none_match_names(&asks("\"abc\""), tag));
        assert!(none_match_names(&asks("W/\"abc\""), tag));
        assert!(none_match_names(&asks("\"x\", \"abc\""), tag));
        assert!(none_match_names(&asks("*"), tag));
        assert!(!none_match_names(&asks("\"abc-gzip\""), tag));
        assert!(!none_match_names(&TestRequest::get().to_http_request(), tag));
    }

    #[test]
    fn the_coding_is_negotiated_as_compress_does() {
        let asks = |value: &str| {
            TestRequest::get().insert_header((header::ACCEPT_ENCODING, value)).to_http_request()
        };
        assert_eq!(coding(&TestRequest::get().to_http_request()), None);
        assert_eq!(coding(&asks("gzip")), Some("gzip"));
        assert_eq!(coding(&asks("gzip, deflate, br")), Some("br"));
        assert_eq!(coding(&asks("br;q=0.5, gzip")), Some("gzip"));
        assert_eq!(coding(&asks("identity")), None);
        assert_eq!(coding(&asks("zstd")), None);
    }

    #[test]
    fn public_answers_are_only_those_anyone_could_read() {
        assert_eq!(cache_control(Policy::PublicWhenAnonymous, false), "public, max-age=60");
        assert_eq!(cache_control(Policy::PublicWhenAnonymous, true), "private, no-cache");
        assert_eq!(cache_control(Policy::Personal, false), "no-store");
        assert_eq!(cache_control(Policy::Public, true), "public, max-age=60");
        assert_eq!(policy("/api/v1/events/{id}/registrations"), None);
    }
}
