//! What a request that no route took gets: 405 with `Allow` when its path is one of the
//! API's with another method, else 404. The paths and methods come from the OpenAPI
//! document, which is built from the same `.service(...)` calls as the routes.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};

use crate::error::AppError;

/// Each documented path template, split into segments (`None` for a `{parameter}`), with
/// the methods it answers.
pub struct KnownRoutes(Vec<(Vec<Option<String>>, String)>);

impl KnownRoutes {
    pub fn from_document(document: &utoipa::openapi::OpenApi) -> Self {
        let routes = document
            .paths
            .paths
            .iter()
            .map(|(template, item)| {
                let segments = template
                    .trim_matches('/')
                    .split('/')
                    .map(|s| (!s.starts_with('{')).then(|| s.to_owned()))
                    .collect();
                let methods = crate::openapi::operations(item)
                    .into_iter()
                    .filter(|(_, operation)| operation.is_some())
                    // HEAD wherever GET is (`http::middleware::request_context`).
                    .flat_map(|(method, _)| if method == "GET" { vec!["GET", "HEAD"] } else { vec![method] })
                    .collect::<Vec<_>>()
                    .join(", ");
                (segments, methods)
            })
            .collect();
        Self(routes)
    }

    /// The `Allow` value for `path`, when the API has that path.
    pub fn allowed(&self, path: &str) -> Option<&str> {
        // Exactly as written: `/api/v1/events/` (a trailing slash) is no path of the API.
        let segments: Vec<&str> = path.strip_prefix('/').unwrap_or(path).split('/').collect();
        self.0.iter().find_map(|(template, methods)| {
            let matches = template.len() == segments.len()
                && template
                    .iter()
                    .zip(&segments)
                    .all(|(t, s)| t.as_deref().is_none_or(|t| t == *s) && !s.is_empty());
            matches.then_some(methods.as_str())
        })
    }
}

pub async fn fallback(req: HttpRequest, routes: web::Data<KnownRoutes>) -> HttpResponse {
    match routes.allowed(req.path()) {
        Some(methods) => {
            let mut response = AppError::MethodNotAllowed.error_response();
            if let Ok(value) = header::HeaderValue::from_str(methods) {
                response.headers_mut().insert(header::ALLOW, value);
            }
            response
        }
        None => AppError::NotFound.error_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_paths_with_another_method_are_405_with_their_methods() {
        let routes = KnownRoutes::from_document(&crate::openapi::document());
        assert_eq!(routes.allowed("/healthz"), Some("GET, HEAD"));
        assert_eq!(routes.allowed("/api/v1/events"), Some("GET, HEAD, POST"));
        assert_eq!(
            routes.allowed("/api/v1/events/0193a5b0-7c1e-7d2a-9f00-1a2b3c4d5e6f"),
            Some("GET, HEAD, PATCH")
        );
        assert_eq!(routes.allowed("/api/v1/events/"), None);
        assert_eq!(routes.allowed("/api/v1/events/publish/"), None);
        assert_eq!(routes.allowed("/api/v1/nothing"), None);
        assert_eq!(routes.allowed("/api/v1/events//publish"), None);
    }
}
