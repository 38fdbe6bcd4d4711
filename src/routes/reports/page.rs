//! The report as an HTML page, and the short-lived links that open it in a browser.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{get, post, web, HttpResponse};
use chrono::Utc;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::{authorise, event_report_read, suppress_below};
use crate::auth::report_link::ReportLinkClaims;
use crate::auth::{Caller, MaybeCaller};
use crate::db::replica::Scope;
use crate::error::{AppError, AppResult};
use crate::http::caching::Volatile;
use crate::http::json::Json;
use crate::state::AppState;
use crate::views::report_page::{render, PageContext, CONTENT_SECURITY_POLICY};
use crate::views::reports::{CreateReportLink, EventReport, ReportLink};
use crate::views::series_report::SeriesReport;

/// Create a report link.
///
/// A link to the event's report page that works without a bearer token for 15 minutes, for
/// this one report only (admin, organisers of the event's organisation). Body `{}`, or
/// `{"suppress_below": N}` to hide small counts on the page whatever its reader asks for.
#[utoipa::path(tag = "reports", security(("bearer" = [])), request_body = CreateReportLink,
    params(("id" = Uuid, Path, description = "Event id")),
    responses(
    (status = 201, description = "The link and when it expires", body = ReportLink),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 413, response = crate::openapi::PayloadTooLarge),
    (status = 415, response = crate::openapi::UnsupportedMediaType),
    (status = 422, response = crate::openapi::Unprocessable),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[post("/events/{id}/report-links")]
pub async fn create_report_link(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
    body: Json<CreateReportLink>,
) -> AppResult<HttpResponse> {
    let event_id = path.into_inner();
    {
        let mut conn = state.pool.get().await?;
        authorise(&mut conn, &caller, event_id).await?;
    }
    let below = suppress_below(body.suppress_below)?;
    let claims = ReportLinkClaims::new(event_id, caller.id, below, Utc::now());
    let url = format!(
        "{}/api/v1/events/{event_id}/report.html?token={}",
        state.public_base_url,
        claims.seal(&state.signer)
    );
    // The token is as good as a password until it expires: log that a link exists, never it.
    tracing::info!(event_id = %event_id, caller = %caller.id, "issued a report link");
    // The link is the resource created: `Location` is the link itself.
    Ok(HttpResponse::Created()
        .insert_header(("Location", url.clone()))
        .json(ReportLink { url, expires_at: claims.expires_at() }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// The token of a link from `POST /events/{id}/report-links` (instead of a bearer token);
    /// the document describes it as the `report_link` security scheme.
    #[param(ignore)]
    pub token: Option<String>,
    /// Small-count protection: every count from 1 to N-1 is shown as `<N` (1 to 1000). A link
    /// made with `suppress_below` keeps at least its own.
    #[param(minimum = 1, maximum = 1000)]
    pub suppress_below: Option<i64>,
}

/// Report page of an event.
///
/// The report as a self-contained HTML page with charts (inline SVG; no script, font or
/// request to anywhere), readable on a phone and printable. Opened with a link's `token` or
/// a bearer token (admin, organisers of the event's organisation).
#[utoipa::path(tag = "reports", security(("report_link" = []), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "Event id"), PageQuery),
    responses(
    (status = 200, description = "The report page", body = String, content_type = "text/html",
        headers(("Content-Security-Policy" = String, description = "Nothing but the page's own inline styles may load"))),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 404, response = crate::openapi::NotFound),
    (status = 422, response = crate::openapi::Unprocessable),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[get("/events/{id}/report.html")]
pub async fn report_page(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    path: web::Path<Uuid>,
    query: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    let event_id = path.into_inner();
    let mut conn = state.pool.get().await?;
    let floor = match (&query.token, &caller.0) {
        (Some(token), _) => {
            ReportLinkClaims::open(&state.signer, token, event_id, Utc::now())
                .ok_or(AppError::Unauthorized)?
                .suppress_below
        }
        (None, Some(caller)) => {
            authorise(&mut conn, caller, event_id).await?;
            None
        }
        (None, None) => return Err(AppError::Unauthorized),
    };
    let asked = suppress_below(query.suppress_below)?.max(floor);
    let (data_as_of, data, series) = state
        .reads
        .answer(conn, Scope::Event(event_id), async |conn, source| {
            let (data_as_of, data) = event_report_read(conn, source, event_id).await?;
            let series = match crate::db::events::series_of(conn, event_id).await? {
                Some(series_id) => crate::db::series_report::series_report_data(conn, series_id).await?,
                None => None,
            };
            Ok((data_as_of, data, series))
        })
        .await?;
    let counts = &data.counts;
    let below = asked.max(counts.organisation_suppress_below.map(i64::from));
    let mut report = EventReport::build(&data, below);
    if let Some(data_as_of) = data_as_of {
        report.data_as_of = data_as_of;
    }
    let series_report = series.map(|series| SeriesReport::build(&series, below, report.generated_at));
    let html = render(
        &report,
        &PageContext {
            title: &counts.title,
            region: &counts.region,
            series: counts.series.as_deref(),
            starts_at: counts.starts_at,
            ends_at: counts.ends_at,
            timezone: &counts.timezone,
            status: counts.status,
            suppress_below: below.filter(|&n| n > 1),
            series_report: series_report.as_ref(),
        },
    );
    // Counted anew at each read: an unchanged report differs only in when it was counted.
    let counted_at = report.generated_at.format(crate::views::report_page::GENERATED_AT_FORMAT).to_string();
    let mut response = HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(("X-Robots-Tag", "noindex"))
        .body(html);
    response.extensions_mut().insert(Volatile(vec![counted_at]));
    Ok(response)
}
