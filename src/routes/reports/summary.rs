//! Attendance over many events, as JSON or CSV.

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{get, web, HttpRequest, HttpResponse, HttpResponseBuilder};
use chrono::{DateTime, Utc};
use futures_util::stream::{self, Stream, StreamExt};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{bom, data_as_of_header, suppress_below, wants_csv};
use crate::auth::{Caller, Role};
use crate::db::replica::{self, Reads, Scope, Source};
use crate::db::reports::{self, EventSummaryRow, SummaryFilter};
use crate::domain::events::EventStatus;
use crate::error::{AppError, AppResult};
use crate::http::caching::Volatile;
use crate::http::pagination::{next_cursor, page_request};
use crate::state::AppState;
use crate::views::reports::{csv_start, summary_csv, AttendanceSummary, EventSummary, SummaryCounts};

/// The name signed into this list's cursors.
const LIST: &str = "reports-attendance";

/// Events read from PostgreSQL per chunk of the CSV.
const CSV_PAGE_ROWS: i64 = 500;

/// The sort key of the summary: (starts_at, id).
type Key = (DateTime<Utc>, Uuid);

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventStatusFilter {
    Draft,
    Published,
    Cancelled,
}

impl From<EventStatusFilter> for EventStatus {
    fn from(status: EventStatusFilter) -> Self {
        match status {
            EventStatusFilter::Draft => EventStatus::Draft,
            EventStatusFilter::Published => EventStatus::Published,
            EventStatusFilter::Cancelled => EventStatus::Cancelled,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    /// Only events of this region (exact match).
    pub region: Option<String>,
    /// Only events of this series (exact match of its name).
    pub series: Option<String>,
    /// Only events of this series (`GET /organisations/{id}/series`).
    pub series_id: Option<Uuid>,
    /// Only events of this organisation. Organisers only ever see their own organisation's.
    pub organisation_id: Option<Uuid>,
    /// Only events in this status (any status by default).
    #[param(inline)]
    pub status: Option<EventStatusFilter>,
    /// Only events starting at or after this time (RFC 3339; encode `+` as `%2B`).
    pub from: Option<DateTime<Utc>>,
    /// Only events starting before this time (RFC 3339; encode `+` as `%2B`).
    pub to: Option<DateTime<Utc>>,
    /// Small-count protection (1 to 1000): every count from 1 to N-1 is null, with other
    /// counts hidden too so that none can be worked out from the totals; small categories
    /// are pooled as `other, suppressed`. The organisation's `report_suppress_below` is a floor.
    #[param(minimum = 1, maximum = 1000)]
    pub suppress_below: Option<i64>,
    /// Events per page, 1 to 200, default 50 (JSON only: the CSV has every event).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page (JSON only).
    pub cursor: Option<String>,
    /// CSV only: `false` for programs, no UTF-8 byte-order mark before the header row. By
    /// default the file starts with one, so that Excel reads it as UTF-8.
    #[param(value_type = Option<bool>, default = true)]
    pub bom: Option<String>,
}

/// Attendance over many events.
///
/// Attendance over many events (admin; organisers see their organisation's events only):
/// a page of rows, one per event, ordered by `starts_at`, with `next_cursor` like every list,
/// and totals over every event of the filter (the same on every page). With `Accept:
/// text/csv`, every event of the filter as CSV, streamed (`limit` and `cursor` do not apply;
/// a suppressed count is an empty cell; UTF-8 with a byte-order mark unless `bom=false`;
/// `starts_at` at the offset of each event's time zone).
#[utoipa::path(tag = "reports", security(("bearer" = [])), params(SummaryQuery), responses(
    (status = 200, description = "A page of rows, one per event, and the totals of the whole filter; \
every row as CSV with `Accept: text/csv`",
        headers(("Vary" = String, description = "Accept"),
            ("Data-As-Of" = String, description = "With `Accept: text/csv`: what `data_as_of` says in \
JSON (RFC 3339): every change committed up to this time is counted (the CSV is read in pages, \
so later pages may count later changes too)")),
        content(
            (AttendanceSummary = "application/json"),
            (String = "text/csv"),
        )),
    (status = 400, response = crate::openapi::BadRequest),
    (status = 401, response = crate::openapi::Unauthorized),
    (status = 403, response = crate::openapi::Forbidden),
    (status = 422, response = crate::openapi::Unprocessable),
    (status = 503, response = crate::openapi::ServiceUnavailable),
))]
#[get("/reports/attendance")]
pub async fn attendance_report(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<SummaryQuery>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    caller.require_staff()?;
    let below = suppress_below(query.suppress_below)?;
    let bom = bom(query.bom.as_deref())?;
    // Checked for both forms, so a bad `limit` or `cursor` is an error either way.
    let page = page_request::<Key>(&state.signer, LIST, query.limit, query.cursor.as_deref())?;
    let query = query.into_inner();
    let filter = SummaryFilter {
        region: query.region,
        series: query.series,
        series_id: query.series_id,
        organisation_id: query.organisation_id,
        // An organiser without an organisation (the schema forbids it) would see nothing.
        visible_to: match caller.role {
            Role::Admin => None,
            _ => Some(caller.organisation_id.unwrap_or(Uuid::nil())),
        },
        status: query.status.map(Into::into),
        from: query.from,
        to: query.to,
    };
    let mut response = HttpResponse::Ok();
    response.insert_header((header::VARY, "Accept"));
    let csv = wants_csv(&req);
    if csv {
        response
            .content_type("text/csv; charset=utf-8")
            .insert_header((header::CONTENT_DISPOSITION, "attachment; filename=\"attendance-report.csv\""));
    }
    // Read-your-own-writes over every event the caller may see (an organiser's
    // organisation's, or all for an admin): cheaper than the filter's, and never fewer.
    let conn = state.pool.get().await?;
    let (data_as_of, source, read) = state
        .reads
        .answer(conn, Scope::Events(filter.visible_to), async |conn, source| {
            // On the primary, as of now: the rows are read after this.
            let data_as_of = replica::data_as_of(conn, source).await?.unwrap_or_else(Utc::now);
            let below = below.max(reports::summary_suppress_floor(conn, &filter).await?);
            let read = match below.filter(|&n| n > 1) {
                // Protection weighs every event of the filter at once: a count hidden in one
                // row must not come back as the totals minus the other rows, so the rows are
                // read whole. One statement, so one snapshot; the totals are summed from these
                // very rows.
                Some(below) => SummaryRead::Protected(
                    reports::attendance_summary_page(conn, &filter, None, i64::MAX).await?,
                    below,
                ),
                None if csv => SummaryRead::Streamed,
                None => {
                    let (rows, totals) =
                        reports::attendance_summary(conn, &filter, page.after, page.limit + 1).await?;
                    SummaryRead::Page(rows, totals)
                }
            };
            Ok((data_as_of, source, read))
        })
        .await?;
    if csv {
        response.insert_header(data_as_of_header(data_as_of));
    }
    match read {
        SummaryRead::Protected(rows, below) => {
            let counts = SummaryCounts::protected(&rows, below);
            if csv {
                return Ok(response.body(csv_start(bom, summary_csv(&counts.events, true))));
            }
            // The rows are in key order: the page starts after the cursor's key.
            let start =
                rows.partition_point(|r| page.after.is_some_and(|after| (r.starts_at, r.event_id) <= after));
            let end = rows.len().min(start.saturating_add(page.limit as usize + 1));
            let mut page_rows = rows[start..end].to_vec();
            let next_cursor =
                next_cursor(&state.signer, LIST, &mut page_rows, page.limit, |r| (r.starts_at, r.event_id));
            let events = counts.events[start..start + page_rows.len()].to_vec();
            Ok(summary_answer(
                response,
                AttendanceSummary {
                    events,
                    totals: counts.totals,
                    suppressed: counts.suppressed,
                    next_cursor,
                    data_as_of,
                },
            ))
        }
        // Read from where the rest was read (the primary when the replica could not answer).
        SummaryRead::Streamed => {
            Ok(response.streaming(csv_stream(state.reads.clone(), source, filter, bom).await?))
        }
        SummaryRead::Page(mut rows, totals) => {
            let next_cursor =
                next_cursor(&state.signer, LIST, &mut rows, page.limit, |r| (r.starts_at, r.event_id));
            let counts = SummaryCounts::unprotected(&rows, &totals);
            Ok(summary_answer(
                response,
                AttendanceSummary {
                    events: counts.events,
                    totals: counts.totals,
                    suppressed: false,
                    next_cursor,
                    data_as_of,
                },
            ))
        }
    }
}

/// What the summary read: every row of the filter when some count is protected (`below`), a
/// page with the filter's totals otherwise, or nothing yet for a CSV streamed page by page.
enum SummaryRead {
    Protected(Vec<reports::EventSummaryRow>, i64),
    Page(Vec<reports::EventSummaryRow>, reports::SummaryTotalsRow),
    Streamed,
}

/// Every event of the filter as CSV, in chunks of `CSV_PAGE_ROWS` events each read by keyset
/// after the previous one, so that only one chunk is ever in memory; actix asks for the next
/// chunk only when the client has taken the previous ones. The first chunk is read before the
/// answer starts, so that a database that does not answer is a 503, not a cut-off 200.
async fn csv_stream(
    reads: Reads,
    source: Source,
    filter: SummaryFilter,
    bom: bool,
) -> AppResult<impl Stream<Item = Result<Bytes, AppError>>> {
    let first = next_page(&reads, source, &filter, None).await?;
    let header_and_first = Bytes::from(csv_start(bom, summary_csv(&unprotected(&first), true)));
    // The key to read after, while chunks may remain.
    let rest = stream::unfold(key_after(&first), move |after| {
        let (reads, filter) = (reads.clone(), filter.clone());
        async move {
            let page = match next_page(&reads, source, &filter, Some(after?)).await {
                Ok(page) => page,
                Err(error) => {
                    tracing::error!(%error, "attendance report stopped");
                    return Some((Err(error), None));
                }
            };
            if page.is_empty() {
                return None;
            }
            let next = key_after(&page);
            Some((Ok(Bytes::from(summary_csv(&unprotected(&page), false))), next))
        }
    });
    Ok(stream::once(async move { Ok(header_and_first) }).chain(rest))
}

/// The JSON answer: `data_as_of` changes with every read of unchanged counts (on the primary it
/// is the time of the read), so it is left out of the entity tag, as a report's
/// `generated_at` is.
fn summary_answer(mut response: HttpResponseBuilder, summary: AttendanceSummary) -> HttpResponse {
    let as_of = serde_json::to_string(&summary.data_as_of).expect("a time serialises");
    let mut response = response.json(summary);
    response.extensions_mut().insert(Volatile(vec![as_of]));
    response
}

fn unprotected(rows: &[EventSummaryRow]) -> Vec<EventSummary> {
    rows.iter().map(EventSummary::of).collect()
}

/// Where the next chunk starts, when `page` was a full one.
fn key_after(page: &[EventSummaryRow]) -> Option<Key> {
    match page.last() {
        Some(last) if page.len() as i64 == CSV_PAGE_ROWS => Some((last.starts_at, last.event_id)),
        _ => None,
    }
}

/// One chunk, from `source`, or from the primary when the replica could not answer.
async fn next_page(
    reads: &Reads,
    source: Source,
    filter: &SummaryFilter,
    after: Option<Key>,
) -> AppResult<Vec<EventSummaryRow>> {
    reads
        .run_on(source, async |conn, _| {
            reports::attendance_summary_page(conn, filter, after, CSV_PAGE_ROWS).await
        })
        .await
}
