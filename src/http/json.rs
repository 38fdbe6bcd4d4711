//! A JSON body extractor whose every failure is a problem+json answer: 415 for a body that is
//! not JSON, 413 over the size limit, 400 for malformed JSON, 422 (naming the field) for JSON
//! that does not fit the schema.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest};
use serde::de::DeserializeOwned;

use crate::error::{AppError, FieldError};
use crate::http::strict::Strict;

pub struct Json<T>(pub T);

impl<T> std::ops::Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read(req, payload);
        Box::pin(async move {
            let (is_json, bytes) = body.await?;
            if !is_json {
                return Err(AppError::UnsupportedMediaType { expected: "application/json" });
            }
            parse(&bytes).map(Json)
        })
    }
}

/// A JSON body that may be left out (an action whose body is `{}`): `None` for an empty body
/// whatever its content type; a body that is there is read as strictly as [`Json`]'s.
pub struct OptionalJson<T>(pub Option<T>);

impl<T: DeserializeOwned + 'static> FromRequest for OptionalJson<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read(req, payload);
        Box::pin(async move {
            let (is_json, bytes) = body.await?;
            if bytes.is_empty() {
                Ok(OptionalJson(None))
            } else if !is_json {
                Err(AppError::UnsupportedMediaType { expected: "application/json" })
            } else {
                parse(&bytes).map(|value| OptionalJson(Some(value)))
            }
        })
    }
}

/// Whether the body says it is JSON, and its bytes within the size limit.
fn read(
    req: &HttpRequest,
    payload: &mut Payload,
) -> impl Future<Output = Result<(bool, web::Bytes), AppError>> + 'static {
    let is_json = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(is_json_content_type)
        .unwrap_or(false);
    let limit = req.app_data::<BodyLimit>().map(|l| l.0).unwrap_or(65_536);
    let bytes = web::Bytes::from_request(req, payload);
    async move {
        let bytes = bytes.await.map_err(|e| {
            if e.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE {
                AppError::PayloadTooLarge { limit }
            } else {
                AppError::BadRequest { code: "unreadable_body", detail: "The body could not be read.".into() }
            }
        })?;
        Ok((is_json, bytes))
    }
}

/// The body size limit, also given to actix's `PayloadConfig`.
#[derive(Clone, Copy)]
pub struct BodyLimit(pub usize);

fn is_json_content_type(value: &str) -> bool {
    let essence = value.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Parses `bytes` as `T`, mapping every failure to the right problem.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    if std::str::from_utf8(bytes).is_err() {
        return Err(AppError::BadRequest {
            code: "malformed_json",
            detail: "The body is not valid UTF-8.".into(),
        });
    }
    // PostgreSQL cannot store NUL in text, and no field of this API has a use for it.
    if contains_escaped_nul(bytes) {
        return Err(AppError::invalid("invalid_characters", "body", "text may not contain NUL characters"));
    }
    // Parsed whole first (serde_json refuses nesting deeper than 128 levels), then read into
    // `T` so that structs come from JSON objects only (see `strict`).
    let mut value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| malformed(&e))?;
    whole_numbers_as_integers(&mut value);
    serde_path_to_error::deserialize(Strict(value)).map_err(schema_error)
}

/// `530.0` is the integer 530 to JSON Schema (and to JavaScript, whose `JSON.stringify` may
/// write it so), but serde refuses it for an integer field: every whole number becomes an
/// integer before the body is read, so the server takes what the schema's `integer` allows.
/// A number too large for 64 bits stays as it is and is refused by the field's type.
fn whole_numbers_as_integers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(number) if number.is_f64() => {
            let float = number.as_f64().unwrap_or(f64::NAN);
            // i64's bounds as floats: -2^63 is exact, 2^63 is one past the last i64.
            if float.fract() == 0.0
                && (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&float)
            {
                *value = Value::from(float as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers_as_integers),
        Value::Object(fields) => fields.values_mut().for_each(whole_numbers_as_integers),
        _ => {}
    }
}

fn contains_escaped_nul(bytes: &[u8]) -> bool {
    bytes.windows(6).any(|w| w[0] == b'\\' && (w[1] == b'u' || w[1] == b'U') && &w[2..] == b"0000")
}

fn malformed(error: &serde_json::Error) -> AppError {
    AppError::BadRequest {
        code: "malformed_json",
        detail: format!("The body is not valid JSON (line {}, column {}).", error.line(), error.column()),
    }
}

fn schema_error(error: serde_path_to_error::Error<serde_json::Error>) -> AppError {
    let path = error.path().to_string();
    let inner = error.into_inner();
    if !inner.is_data() {
        return malformed(&inner);
    }
    let message = strip_position(&inner.to_string());
    let parent = if path == "." { String::new() } else { path };
    let (field, code) = if let Some(name) = backticked_after(&message, "unknown field `") {
        // serde_path_to_error already ends the path with the unknown key.
        let field = if parent == name || parent.ends_with(&format!(".{name}")) {
            parent
        } else {
            join(&parent, &name)
        };
        (field, "unknown_field")
    } else if let Some(name) = backticked_after(&message, "missing field `") {
        (join(&parent, &name), "required")
    } else if message.starts_with("unknown variant") {
        (parent, "invalid_value")
    } else if message.starts_with("invalid type") {
        (parent, "invalid_type")
    } else {
        (parent, "invalid_value")
    };
    let field = if field.is_empty() { "body".to_owned() } else { field };
    AppError::validation(vec![FieldError::new(field, code, message)])
}

fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_owned()
    } else {
        format!("{parent}.{name}")
    }
}

fn backticked_after(message: &str, prefix: &str) -> Option<String> {
    let rest = message.strip_prefix(prefix)?;
    rest.split('`').next().map(str::to_owned)
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        inner: Option<Inner>,
    }
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        count: u32,
    }

    fn field_and_code(error: AppError) -> (String, String) {
        match error {
            AppError::Validation { errors, .. } => (errors[0].field.clone(), errors[0].code.clone()),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn unknown_nested_fields_are_named_with_their_path() {
        let error = parse::<Body>(br#"{"name":"a","inner":{"count":1,"extra":2}}"#).unwrap_err();
        assert_eq!(field_and_code(error), ("inner.extra".into(), "unknown_field".into()));
    }

    #[test]
    fn missing_and_mistyped_fields_are_422() {
        let error = parse::<Body>(br#"{"inner":null}"#).unwrap_err();
        assert_eq!(field_and_code(error), ("name".into(), "required".into()));
        let error = parse::<Body>(br#"{"name":"a","inner":{"count":"x"}}"#).unwrap_err();
        assert_eq!(field_and_code(error), ("inner.count".into(), "invalid_type".into()));
    }

    #[test]
    fn malformed_json_is_400() {
        assert_eq!(parse::<Body>(br#"{"name": "#).unwrap_err().code(), "malformed_json");
        assert_eq!(parse::<Body>(b"\xff\xfe").unwrap_err().code(), "malformed_json");
        let deep = "[".repeat(10_000);
        assert_eq!(parse::<serde_json::Value>(deep.as_bytes()).unwrap_err().code(), "malformed_json");
    }

    #[test]
    fn whole_numbers_written_with_a_fraction_are_integers() {
        let body = parse::<Body>(br#"{"name":"a","inner":{"count":530.0}}"#).unwrap();
        assert_eq!(body.inner.unwrap().count, 530);
        let body = parse::<Body>(br#"{"name":"a","inner":{"count":5.3e2}}"#).unwrap();
        assert_eq!(body.inner.unwrap().count, 530);
        let error = parse::<Body>(br#"{"name":"a","inner":{"count":530.5}}"#).unwrap_err();
        assert_eq!(field_and_code(error), ("inner.count".into(), "invalid_type".into()));
        let error = parse::<Body>(br#"{"name":"a","inner":{"count":1e300}}"#).unwrap_err();
        assert_eq!(field_and_code(error), ("inner.count".into(), "invalid_type".into()));
    }

    #[test]
    fn nul_characters_are_refused() {
        let error = parse::<Body>(br#"{"name":"a\u0000b"}"#).unwrap_err();
        assert_eq!(error.code(), "invalid_characters");
    }

    #[test]
    fn json_content_types() {
        assert!(is_json_content_type("application/json; charset=utf-8"));
        assert!(is_json_content_type("application/merge-patch+json"));
        assert!(!is_json_content_type("text/plain"));
        assert!(!is_json_content_type("application/x-www-form-urlencoded"));
    }
}
