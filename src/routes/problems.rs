//! The pages the problems' `type` leads to: `/problems/{code}` explains a code in a few
//! words (RFC 9457: the type's URI, when dereferenced, gives documentation for people).

use actix_web::{get, web, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::{AppError, AppResult};
use crate::problem_codes::explanation;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(problem_page);
}

/// Explain a problem code.
///
/// A short HTML page that says what the problem `code` means and what to do about it: the
/// `type` of every problem answered is `/problems/<code>`. 404 for a code the API does not
/// answer.
#[utoipa::path(tag = "operations", security(),
    params(("code" = String, Path, description = "A problem `code`", example = "invalid_cursor",
        pattern = "^[a-z_]{1,64}$")),
    responses(
    (status = 200, description = "A page that explains the code", body = String, content_type = "text/html"),
    (status = 404, response = crate::openapi::NotFound),
))]
#[get("/problems/{code}")]
pub async fn problem_page(code: web::Path<String>) -> AppResult<HttpResponse> {
    let code = code.into_inner();
    let text = explanation(&code).ok_or(AppError::NotFound)?;
    // The code is one of the table's (plain snake_case), and the text is ours.
    let body = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>{code} · hybrid-events</title></head>\n\
         <body><h1><code>{code}</code></h1>\n<p>{}</p>\n\
         <p>Problems with this code have <code>\"code\": \"{code}\"</code> and \
         <code>\"type\": \"/problems/{code}\"</code>; their <code>instance</code> names the request \
         (also in <code>X-Request-Id</code>). The API reference is at <a href=\"/docs/\">/docs/</a>.</p>\n\
         </body></html>\n",
        inline_code(text)
    );
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(body))
}

/// The table's `backticks` as `<code>`; the texts hold no markup of their own.
fn inline_code(text: &str) -> String {
    let escaped = text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let mut html = String::new();
    for (i, part) in escaped.split('`').enumerate() {
        if i % 2 == 1 {
            html.push_str("<code>");
            html.push_str(part);
            html.push_str("</code>");
        } else {
            html.push_str(part);
        }
    }
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backticks_become_code_and_markup_is_escaped() {
        assert_eq!(inline_code("see `errors` <b>"), "see <code>errors</code> &lt;b&gt;");
    }
}
