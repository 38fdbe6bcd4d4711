//! What every request passes through: a request id, panic containment, security headers and
//! the one log line per request.

use std::panic::AssertUnwindSafe;
use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
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
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let started = Instant::now();
    let request_id = incoming_request_id(&req).unwrap_or_else(|| Uuid::now_v7().to_string());
    req.extensions_mut().insert(RequestId(request_id.clone()));
    let authenticated =
        req.headers().contains_key(header::AUTHORIZATION) || req.query_string().contains("token=");
    let method = req.method().clone();

    let outcome = AssertUnwindSafe(next.call(req)).catch_unwind().await;
    let mut response = match outcome {
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
    };

    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert(REQUEST_ID, value);
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if authenticated || !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }

    let route = response.request().match_pattern().unwrap_or_else(|| "unmatched".to_owned());
    let caller = response.request().extensions().get::<CallerId>().map(|c| c.0.to_string());
    let status = response.status().as_u16();
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    if status >= 500 {
        tracing::warn!(%method, %route, status, latency_ms, request_id = %request_id, caller = caller.as_deref().unwrap_or("-"), "request");
    } else {
        tracing::info!(%method, %route, status, latency_ms, request_id = %request_id, caller = caller.as_deref().unwrap_or("-"), "request");
    }
    Ok(response)
}
