//! What every request passes through: a request id, panic containment, security headers and
//! the one log line per request.

use std::panic::AssertUnwindSafe;
use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{HttpMessage, ResponseError};
use futures_util::FutureExt;
use uuid::Uuid;

use crate::error::AppError;

/// The id of the request, echoed in `X-Request-Id` and on its log line.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Set by the caller extractor so the log line can say who called (an id, nothing personal).
#[derive(Debug, Clone, Copy)]
pub struct CallerId(pub Uuid);

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A request id from a proxy is kept when it is short and plain; anything else is replaced,
/// so a header cannot smuggle text into the logs.
fn incoming_request_id(req: &ServiceRequest) -> Option<String> {
    let value = req.headers().get(&REQUEST_ID)?.to_str().ok()?;
    let plain = !value.is_empty()
        && value.len() <= 64
        && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    plain.then(|| value.to_owned())
}

/// The original request is gone once a handler has panicked (and may not be cloned before
/// routing, which needs it unshared), so a panic's answer carries a stand-in.
fn detached_request() -> actix_web::HttpRequest {
    actix_web::test::TestRequest::default().to_http_request()
}

pub async fn request_context(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let started = Instant::now();
    let request_id = incoming_request_id(&req).unwrap_or_else(|| Uuid::now_v7().to_string());
    req.extensions_mut().insert(RequestId(request_id.clone()));
    let method = req.method().clone();
    // HEAD wherever GET is: routed and answered as GET; the server then sends the headers
    // only (actix's HTTP/1 and HTTP/2 writers drop the body of an answer to HEAD).
    if method == Method::HEAD {
        req.head_mut().method = Method::GET;
    }

    // Every problem rendered while answering names this request (`instance`).
    let outcome = crate::error::REQUEST_ID
        .scope(request_id.clone(), AssertUnwindSafe(next.call(req)).catch_unwind())
        .await;
    let mut response = crate::error::REQUEST_ID.sync_scope(request_id.clone(), || match outcome {
        Ok(Ok(response)) => response.map_into_boxed_body(),
        Ok(Err(error)) => {
            // Errors that escaped every handler (actix's own); answer them as problems too.
            let status = error.as_response_error().status_code();
            let problem = match error.as_error::<AppError>() {
                Some(app_error) => app_error.error_response(),
                None => AppError::from_status(status, &error.to_string()).error_response(),
            };
            ServiceResponse::new(detached_request(), problem)
        }
        Err(_panic) => {
            tracing::error!(request_id = %request_id, "handler panicked");
            let error = AppError::Unexpected(anyhow::anyhow!("handler panicked"));
            ServiceResponse::new(detached_request(), error.error_response())
        }
    });

    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert(REQUEST_ID, value);
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Answers that say nothing of caching are not kept; `http::caching` says it for the reads
    // worth caching, which are public only when asked anonymously.
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }

    let route = response.request().match_pattern().unwrap_or_else(|| "unmatched".to_owned());
    let caller = response.request().extensions().get::<CallerId>().map(|c| c.0.to_string());
    let status = response.status().as_u16();
    let code = response.response().error().and_then(|e| e.as_error::<AppError>()).map(AppError::code);
    let port = response.request().app_config().local_addr().port();
    crate::problem_codes::observe(port, method.as_str(), &route, status, code);
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    if status >= 500 {
        tracing::warn!(%method, %route, status, latency_ms, request_id = %request_id, caller = caller.as_deref().unwrap_or("-"), "request");
    } else {
        tracing::info!(%method, %route, status, latency_ms, request_id = %request_id, caller = caller.as_deref().unwrap_or("-"), "request");
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use actix_web::middleware::from_fn;
    use actix_web::{test, web, App, HttpResponse};

    use super::*;

    async fn buggy_handler() -> HttpResponse {
        panic!("a bug in a handler");
    }

    async fn call_buggy_handler(request: test::TestRequest) -> ServiceResponse<BoxBody> {
        let app = test::init_service(
            App::new().wrap(from_fn(request_context)).route("/buggy", web::get().to(buggy_handler)),
        )
        .await;
        test::call_service(&app, request.uri("/buggy").to_request()).await
    }

    #[actix_web::test]
    async fn a_panicking_handler_is_answered_500_problem_with_a_request_id() {
        let response = call_buggy_handler(test::TestRequest::get()).await;
        assert_eq!(response.status(), 500);
        assert_eq!(response.headers().get(header::CONTENT_TYPE).unwrap(), "application/problem+json");
        let request_id = response.headers().get(REQUEST_ID).expect("a request id").to_str().unwrap();
        assert!(Uuid::parse_str(request_id).is_ok(), "{request_id}");
        let body: serde_json::Value = test::read_body_json(response).await;
        assert_eq!(body["code"], "internal_error");
        assert_eq!(body["status"], 500);
        assert!(!body.to_string().contains("a bug in a handler"), "the cause must not leak: {body}");
    }

    #[actix_web::test]
    async fn a_panic_keeps_the_request_id_the_caller_sent() {
        let response =
            call_buggy_handler(test::TestRequest::get().insert_header(("x-request-id", "trace-42"))).await;
        assert_eq!(response.status(), 500);
        assert_eq!(response.headers().get(REQUEST_ID).unwrap(), "trace-42");
    }
}
