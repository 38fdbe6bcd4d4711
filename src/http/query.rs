//! Query-string and path extractor settings: their failures become problem+json answers.

use actix_web::{error, web, HttpRequest};

use crate::error::{AppError, FieldError};

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err: error::QueryPayloadError, _req: &HttpRequest| {
        let message = err.to_string();
        let message = message.trim_start_matches("Query deserialize error: ").to_owned();
        let field = message
            .strip_prefix("unknown field `")
            .and_then(|rest| rest.split('`').next())
            .unwrap_or("query")
            .to_owned();
        AppError::validation(vec![FieldError::new(field, "invalid_query", message)]).into()
    })
}

/// A path segment that is not what the route expects (an id that is not a UUID) names no
/// resource: 404.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_err, _req| AppError::NotFound.into())
}
