//! The one error type of the service, rendered as `application/problem+json` (RFC 9457) here
//! and nowhere else.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::rate_limit::RateLimit;

/// One problem with one field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"field": "participant.email", "code": "invalid_email", "message": "is not an email address"}))]
pub struct FieldError {
    /// Path of the field in the request, dotted (`participant.email`, `languages[1]`).
    pub field: String,
    /// Stable snake_case code.
    pub code: String,
    /// Human-readable explanation, in English.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &str, message: impl Into<String>) -> Self {
        Self { field: field.into(), code: code.to_owned(), message: message.into() }
    }
}

/// An RFC 9457 problem document; every error answer of the API has this shape.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "/problems/not_found", "title": "Not Found", "status": 404,
    "detail": "No such resource, or you may not see it.", "code": "not_found",
    "instance": "urn:hybrid-events:request:0193a5d0-7777-7abc-8def-6a6b6c6d6e6f"}))]
pub struct Problem {
    /// The kind of problem: `/problems/<code>`, a URI reference relative to the server
    /// (resolved against the request's URL). `GET` on it answers a short page that explains
    /// the code.
    #[serde(rename = "type")]
    #[schema(format = "uri-reference", example = "/problems/not_found")]
    pub type_: String,
    /// The HTTP reason phrase.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong, for a person reading it.
    pub detail: String,
    /// Stable snake_case code for programs to switch on.
    pub code: String,
    /// Present on validation failures: one entry per offending field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    /// This occurrence: `urn:hybrid-events:request:<request id>`, the id also sent in
    /// `X-Request-Id` and written on the server's log line of the request (quote it when
    /// asking for help).
    #[schema(format = "uri", example = "urn:hybrid-events:request:0193a5d0-7777-7abc-8def-6a6b6c6d6e6f")]
    pub instance: String,
}

/// The URI reference of the page that explains `code` (the `type` of its problems).
pub fn problem_type(code: &str) -> String {
    format!("/problems/{code}")
}

tokio::task_local! {
    /// The id of the request being answered, set by `http::middleware::request_context`
    /// around everything that may render a problem, so that each names its request.
    pub static REQUEST_ID: String;
}

/// The `instance` of a problem answered now: the current request's id, or `unknown` outside
/// a request (a unit test rendering a problem by hand).
fn instance() -> String {
    let id = REQUEST_ID.try_with(Clone::clone).unwrap_or_else(|_| "unknown".to_owned());
    format!("urn:hybrid-events:request:{id}")
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 400: the request could not be read at all (malformed JSON, bad cursor).
    #[error("bad request: {detail}")]
    BadRequest { code: &'static str, detail: String },
    /// 422: the request was read but its content is not acceptable.
    #[error("validation failed ({code})")]
    Validation { code: &'static str, detail: String, errors: Vec<FieldError> },
    #[error("unauthorized")]
    Unauthorized,
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("forbidden")]
    Forbidden,
    /// 403 with a code of its own: the caller may see the resource but not do this, for a
    /// reason a front-end can tell its user (`partner_not_allowed`).
    #[error("not allowed ({code})")]
    NotAllowed { code: &'static str, detail: &'static str },
    #[error("not found")]
    NotFound,
    /// 409: the request conflicts with the current state.
    #[error("conflict ({code})")]
    Conflict { code: &'static str, detail: String },
    #[error("payload too large")]
    PayloadTooLarge { limit: usize },
    #[error("unsupported media type")]
    UnsupportedMediaType { expected: &'static str },
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 429, with `Retry-After` and the `RateLimit-*` fields of the limit reached (`limit`
    /// requests in a window).
    #[error("too many requests ({code})")]
    TooManyRequests { code: &'static str, retry_after_seconds: u64, limit: u32 },
    /// 503: the database does not answer (or answered too slowly).
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// 500: everything we did not expect. The cause goes to the log, never to the caller.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

/// The problem's `code` for field errors with no more specific code of their own:
/// `invalid_characters` when that is the only kind of problem (front-ends tell their users
/// to remove a pasted line break), `validation_failed` otherwise.
pub fn validation_code(errors: &[FieldError]) -> &'static str {
    const INVALID_CHARACTERS: &str = "invalid_characters";
    if !errors.is_empty() && errors.iter().all(|e| e.code == INVALID_CHARACTERS) {
        INVALID_CHARACTERS
    } else {
        "validation_failed"
    }
}

impl AppError {
    /// `validation_failed`, or `invalid_characters` when every problem is a control character
    /// where none may be (see [`validation_code`]).
    pub fn validation(errors: Vec<FieldError>) -> Self {
        AppError::Validation {
            code: validation_code(&errors),
            detail: "The request has invalid fields; see `errors`.".into(),
            errors,
        }
    }

    /// A validation failure with its own stable code (`weak_password`, `consent_required`…).
    pub fn invalid(code: &'static str, field: &str, message: &str) -> Self {
        AppError::Validation {
            code,
            detail: message.to_owned(),
            errors: vec![FieldError::new(field, code, message)],
        }
    }

    pub fn not_allowed(code: &'static str, detail: &'static str) -> Self {
        AppError::NotAllowed { code, detail }
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        AppError::Conflict { code, detail: detail.into() }
    }

    /// A problem for an error raised outside our handlers (by a middleware of actix).
    pub fn from_status(status: StatusCode, detail: &str) -> Self {
        match status.as_u16() {
            401 => AppError::Unauthorized,
            403 => AppError::Forbidden,
            404 => AppError::NotFound,
            405 => AppError::MethodNotAllowed,
            413 => AppError::PayloadTooLarge { limit: 0 },
            415 => AppError::UnsupportedMediaType { expected: "application/json" },
            400..=499 => AppError::BadRequest { code: "bad_request", detail: detail.to_owned() },
            _ => AppError::Unexpected(anyhow::anyhow!("{detail}")),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::BadRequest { code, .. } => code,
            AppError::Validation { code, .. } => code,
            AppError::Unauthorized => "unauthorized",
            AppError::InvalidCredentials => "invalid_credentials",
            AppError::Forbidden => "forbidden",
            AppError::NotAllowed { code, .. } => code,
            AppError::NotFound => "not_found",
            AppError::Conflict { code, .. } => code,
            AppError::PayloadTooLarge { .. } => "payload_too_large",
            AppError::UnsupportedMediaType { .. } => "unsupported_media_type",
            AppError::MethodNotAllowed => "method_not_allowed",
            AppError::TooManyRequests { code, .. } => code,
            AppError::Unavailable(_) => "service_unavailable",
            AppError::Unexpected(_) => "internal_error",
        }
    }

    fn detail(&self) -> String {
        match self {
            AppError::BadRequest { detail, .. }
            | AppError::Validation { detail, .. }
            | AppError::Conflict { detail, .. } => detail.clone(),
            AppError::Unauthorized => "A valid bearer token is required.".into(),
            AppError::InvalidCredentials => "The credentials are not valid.".into(),
            AppError::Forbidden => "You may not do this.".into(),
            AppError::NotAllowed { detail, .. } => (*detail).to_owned(),
            AppError::NotFound => "No such resource, or you may not see it.".into(),
            AppError::PayloadTooLarge { limit } => format!("The body is larger than {limit} bytes."),
            AppError::UnsupportedMediaType { expected } => format!("Send the body as {expected}."),
            AppError::MethodNotAllowed => "This resource does not support that method.".into(),
            AppError::TooManyRequests { retry_after_seconds, .. } => {
                format!("Too many requests; try again in {retry_after_seconds} s.")
            }
            AppError::Unavailable(_) => "The database is not answering; try again shortly.".into(),
            AppError::Unexpected(_) => "Something went wrong on our side.".into(),
        }
    }

    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        Problem {
            type_: problem_type(self.code()),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: self.detail(),
            code: self.code().to_owned(),
            errors: match self {
                AppError::Validation { errors, .. } => Some(errors.clone()),
                _ => None,
            },
            instance: instance(),
        }
    }
}

/// Seconds a client should wait before retrying while the database is away.
pub const UNAVAILABLE_RETRY_AFTER_SECONDS: u64 = 2;

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unauthorized | AppError::InvalidCredentials => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::NotAllowed { .. } => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            // The whole cause chain goes to the log; the caller gets a bland answer.
            AppError::Unexpected(cause) => tracing::error!(error = ?cause, "unexpected error"),
            AppError::Unavailable(cause) => tracing::warn!(%cause, "database unavailable"),
            _ => {}
        }
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        match self {
            AppError::TooManyRequests { retry_after_seconds, limit, .. } => {
                response.insert_header((header::RETRY_AFTER, retry_after_seconds.to_string()));
                for field in RateLimit::exhausted(*limit, *retry_after_seconds).fields() {
                    response.insert_header(field);
                }
            }
            AppError::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, UNAVAILABLE_RETRY_AFTER_SECONDS.to_string()));
            }
            AppError::Unauthorized => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            _ => {}
        }
        response.body(serde_json::to_string(&self.problem()).expect("a problem serialises"))
    }
}

impl From<crate::domain::refusal::Refusal> for AppError {
    fn from(refusal: crate::domain::refusal::Refusal) -> Self {
        AppError::Conflict { code: refusal.code(), detail: refusal.detail() }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match error {
            Error::NotFound => AppError::NotFound,
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, info) => {
                AppError::Unavailable(format!("serialization failure: {}", info.message()))
            }
            ref other if is_unavailable(other) => AppError::Unavailable(other.to_string()),
            other => AppError::Unexpected(anyhow::Error::new(other).context("database query")),
        }
    }
}

/// True for the errors of a database that is away, restarting or too slow: the request may
/// succeed when retried, so the answer is 503, not 500.
fn is_unavailable(error: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match error {
        // diesel-async reports an error without SQLSTATE (the socket closed, a write
        // failed) as UnableToSendCommand: the server never answered.
        Error::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            _,
        ) => true,
        Error::DatabaseError(_, info) => is_unavailable_message(info.message()),
        // A COMMIT that failed because the connection went away, and the ROLLBACK after it.
        Error::RollbackErrorOnCommit { commit_error, .. } => is_unavailable(commit_error),
        Error::BrokenTransactionManager => true,
        _ => false,
    }
}

/// tokio-postgres reports a lost server, a restart or a statement timeout only as text.
fn is_unavailable_message(message: &str) -> bool {
    const SIGNS: &[&str] = &[
        "connection closed",
        "connection reset",
        "broken pipe",
        "terminating connection",
        "the database system is",
        "canceling statement due to statement timeout",
        "canceling statement due to lock timeout",
        // A hot standby's query cancelled for replay ("conflict with recovery"), or found
        // waiting on replay while replay waits on it ("deadlock detected", 40P01, which on the
        // primary too ends a transaction that may succeed when sent again).
        "conflict with recovery",
        "deadlock detected",
        "error communicating with",
        "connection refused",
        "unexpected eof",
        "server closed the connection",
    ];
    let message = message.to_ascii_lowercase();
    SIGNS.iter().any(|sign| message.contains(sign))
}

impl From<diesel_async::pooled_connection::deadpool::PoolError> for AppError {
    fn from(error: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        AppError::Unavailable(format!("connection pool: {error}"))
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(error: actix_web::error::BlockingError) -> Self {
        AppError::Unexpected(anyhow::anyhow!("blocking task failed: {error}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_problems_list_each_field() {
        let error = AppError::validation(vec![
            FieldError::new("title", "required", "is required"),
            FieldError::new("ends_at", "before_start", "must be after starts_at"),
        ]);
        let problem = error.problem();
        assert_eq!(problem.status, 422);
        assert_eq!(problem.code, "validation_failed");
        assert_eq!(problem.errors.unwrap().len(), 2);
    }

    #[test]
    fn control_characters_alone_are_invalid_characters_and_with_others_validation_failed() {
        let invalid = || FieldError::new("title", "invalid_characters", "no control characters");
        let alone = AppError::validation(vec![invalid(), invalid()]);
        assert_eq!(alone.problem().code, "invalid_characters");
        let mixed =
            AppError::validation(vec![invalid(), FieldError::new("region", "blank", "must not be empty")]);
        assert_eq!(mixed.problem().code, "validation_failed");
        assert_eq!(AppError::validation(Vec::new()).problem().code, "validation_failed");
    }

    #[test]
    fn unexpected_errors_do_not_leak_their_cause() {
        let error = AppError::Unexpected(anyhow::anyhow!("SELECT password_hash FROM users"));
        let body = serde_json::to_string(&error.problem()).unwrap();
        assert!(!body.contains("password_hash"), "{body}");
        assert!(body.contains("internal_error"));
    }

    #[test]
    fn lost_connections_are_unavailable_not_internal() {
        assert!(is_unavailable_message("Connection closed"));
        assert!(is_unavailable_message("canceling statement due to statement timeout"));
        assert!(!is_unavailable_message("duplicate key value violates unique constraint"));
    }

    #[test]
    fn a_query_cancelled_for_a_standbys_replay_or_a_deadlock_is_unavailable() {
        assert!(is_unavailable_message("canceling statement due to conflict with recovery"));
        assert!(is_unavailable_message("terminating connection due to conflict with recovery"));
        assert!(is_unavailable_message("deadlock detected"));
    }

    #[test]
    fn a_commit_lost_with_its_connection_is_unavailable() {
        use diesel::result::{DatabaseErrorKind, Error};
        let lost = || {
            Error::DatabaseError(
                DatabaseErrorKind::UnableToSendCommand,
                Box::new("connection closed".to_owned()),
            )
        };
        let error = AppError::from(Error::RollbackErrorOnCommit {
            rollback_error: Box::new(lost()),
            commit_error: Box::new(lost()),
        });
        assert_eq!(error.code(), "service_unavailable");
        assert_eq!(AppError::from(Error::BrokenTransactionManager).code(), "service_unavailable");
    }
}
