//! Attendance report types: the per-event report, the aggregated report and report links,
//! built from the counts of `db::reports` with small-count suppression applied.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::reports::{AttendanceRow, BreakdownRow, EventCountsRow, EventSummaryRow, SummaryTotalsRow};
use crate::domain::report::{formula_safe, no_show, Suppressor};

/// A count of people; null when hidden by `suppress_below` (it was between 1 and N-1). Fields
/// spell out `Option<i64>`: utoipa would document the alias as a schema named `Option`.
pub type Count = Option<i64>;

/// What happened at one event, counted. Counts cover non-cancelled registrations unless named
/// `cancelled`; registrations whose personal data was erased still count.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "event_id": "0193a4c2-7f1e-7c3a-9d2e-5b8f1a2c3d4e", "generated_at": "2021-11-24T14:00:00Z",
    "event_ended": true, "suppressed": false,
    "totals": {"confirmed": 18, "waitlisted": 2, "cancelled": 1, "attended": 15, "no_show": 3, "fallback_applied": 1},
    "by_mode": {
        "online": {"offered": true, "capacity": null, "confirmed": 9, "waitlisted": 0, "attended": 8, "no_show": 1},
        "onsite": {"offered": true, "capacity": 10, "confirmed": 9, "waitlisted": 2, "attended": 7, "no_show": 2}},
    "needs": {"physical_space": {"requested": 4, "seated": 3, "waitlisted": 1}, "transport": 5,
              "interpretation": {"ar": 6, "fr": 2}, "accessibility": 1},
    "by_stakeholder_category": {"refugee": {"confirmed": 7, "attended": 6}, "ngo": {"confirmed": 11, "attended": 9}},
    "interests": {"entrepreneurship": 8, "women_employment": 5}}))]
pub struct EventReport {
    pub event_id: Uuid,
    /// When the database counted (its clock).
    pub generated_at: DateTime<Utc>,
    /// True once `ends_at` is past; `no_show` counts are 0 until then.
    pub event_ended: bool,
    /// True when `suppress_below` hid at least one count (shown as null).
    pub suppressed: bool,
    pub totals: Totals,
    pub by_mode: ByMode,
    pub needs: Needs,
    /// Confirmed and attended registrations by stakeholder category (categories with at least
    /// one non-cancelled registration).
    pub by_stakeholder_category: BTreeMap<String, CategoryCounts>,
    /// Non-cancelled registrations by declared interest.
    pub interests: BTreeMap<String, Option<i64>>,
}

/// Counts over the whole event; null where suppressed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"confirmed": 21, "waitlisted": 0, "cancelled": 1, "attended": 21, "no_show": 0, "fallback_applied": 0}))]
pub struct Totals {
    pub confirmed: Option<i64>,
    pub waitlisted: Option<i64>,
    /// Cancelled registrations (the only count that covers them).
    pub cancelled: Option<i64>,
    /// Confirmed registrations checked in.
    pub attended: Option<i64>,
    /// Confirmed minus attended once the event has ended, else 0.
    pub no_show: Option<i64>,
    /// Confirmed online because no onsite seat was free (also counted in `by_mode.online`).
    pub fallback_applied: Option<i64>,
}

/// Counts per attendance mode.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"online": {"offered": true, "capacity": null, "confirmed": 18, "waitlisted": 0, "attended": 18, "no_show": 0}, "onsite": {"offered": true, "capacity": 3, "confirmed": 3, "waitlisted": 0, "attended": 3, "no_show": 0}}))]
pub struct ByMode {
    pub online: ModeCounts,
    pub onsite: ModeCounts,
}

/// Counts of one attendance mode.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"offered": true, "capacity": 3, "confirmed": 3, "waitlisted": 0, "attended": 3, "no_show": 0}))]
pub struct ModeCounts {
    /// Whether the event offers this mode at all.
    pub offered: bool,
    /// Seats of this mode; null when unlimited, 0 when the mode is not offered.
    pub capacity: Option<i64>,
    pub confirmed: Option<i64>,
    pub waitlisted: Option<i64>,
    pub attended: Option<i64>,
    pub no_show: Option<i64>,
}

/// What participants need to take part: a place, transport, interpretation, access.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"physical_space": {"requested": 3, "seated": 3, "waitlisted": 0}, "transport": 3, "interpretation": {"ar": 2, "fr": 1}, "accessibility": 0}))]
pub struct Needs {
    pub physical_space: PhysicalSpace,
    /// Registrations that need transport.
    pub transport: Option<i64>,
    /// Registrations by interpretation language asked for.
    pub interpretation: BTreeMap<String, Option<i64>>,
    /// Registrations that gave accessibility notes (still counted after erasure).
    pub accessibility: Option<i64>,
}

/// People without a device or internet, who must attend in person.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"requested": 3, "seated": 3, "waitlisted": 0}))]
pub struct PhysicalSpace {
    /// Non-cancelled registrations with `needs_physical_space`.
    pub requested: Option<i64>,
    /// Of those, confirmed (they have an onsite seat).
    pub seated: Option<i64>,
    /// Of those, waitlisted.
    pub waitlisted: Option<i64>,
}

/// Confirmed and attended registrations of one stakeholder category.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"confirmed": 4, "attended": 4}))]
pub struct CategoryCounts {
    pub confirmed: Option<i64>,
    pub attended: Option<i64>,
}

impl EventReport {
    pub fn build(row: &EventCountsRow, breakdown: &[BreakdownRow], suppressor: &Suppressor) -> Self {
        let c = |n: i64| suppressor.count(n);
        let mode = |offered: bool, capacity: Option<i32>, confirmed: i64, waitlisted: i64, attended: i64| {
            ModeCounts {
                offered,
                capacity: if offered { capacity.map(i64::from) } else { Some(0) },
                confirmed: c(confirmed),
                waitlisted: c(waitlisted),
                attended: c(attended),
                no_show: c(no_show(confirmed, attended, row.ended)),
            }
        };
        let online = mode(
            row.online_offered,
            row.online_capacity,
            row.online_confirmed,
            row.online_waitlisted,
            row.online_attended,
        );
        let onsite = mode(
            row.onsite_offered,
            row.onsite_capacity,
            row.onsite_confirmed,
            row.onsite_waitlisted,
            row.onsite_attended,
        );
        let confirmed = row.online_confirmed + row.onsite_confirmed;
        let attended = row.online_attended + row.onsite_attended;
        let no_shows = no_show(row.online_confirmed, row.online_attended, row.ended)
            + no_show(row.onsite_confirmed, row.onsite_attended, row.ended);
        let keyed = |kind: &'static str| breakdown.iter().filter(move |b| b.kind == kind);
        EventReport {
            event_id: row.event_id,
            generated_at: row.generated_at,
            event_ended: row.ended,
            totals: Totals {
                confirmed: c(confirmed),
                waitlisted: c(row.online_waitlisted + row.onsite_waitlisted),
                cancelled: c(row.cancelled),
                attended: c(attended),
                no_show: c(no_shows),
                fallback_applied: c(row.fallback_applied),
            },
            by_mode: ByMode { online, onsite },
            needs: Needs {
                physical_space: PhysicalSpace {
                    requested: c(row.physical_space_requested),
                    seated: c(row.physical_space_seated),
                    waitlisted: c(row.physical_space_waitlisted),
                },
                transport: c(row.transport),
                interpretation: keyed("interpretation").map(|b| (b.key.clone(), c(b.n))).collect(),
                accessibility: c(row.accessibility),
            },
            by_stakeholder_category: keyed("category")
                .map(|b| (b.key.clone(), CategoryCounts { confirmed: c(b.n), attended: c(b.attended) }))
                .collect(),
            interests: keyed("interest").map(|b| (b.key.clone(), c(b.n))).collect(),
            // Read last: every count above has been through the suppressor by now.
            suppressed: suppressor.suppressed(),
        }
    }
}

/// The columns of `GET /events/{id}/attendance.csv`, in order.
pub const ATTENDANCE_CSV_HEADER: [&str; 9] = [
    "registration_id",
    "full_name",
    "stakeholder_category",
    "attendance_mode",
    "status",
    "needs_physical_space",
    "needs_transport",
    "interpretation_language",
    "checked_in_at",
];

/// CSV lines (RFC 4180: CRLF, quotes only where needed) for a page of the attendance list;
/// `with_header` puts the header row first. An erased name is an empty cell.
pub fn attendance_csv(rows: &[AttendanceRow], with_header: bool) -> Vec<u8> {
    let mut writer = csv_writer();
    if with_header {
        writer.write_record(ATTENDANCE_CSV_HEADER).expect("writing to memory");
    }
    for row in rows {
        let id = row.id.to_string();
        let checked_in = row.checked_in_at.map(rfc3339).unwrap_or_default();
        let cells = [
            id.as_str(),
            row.full_name.as_deref().unwrap_or(""),
            &row.stakeholder_category,
            row.attendance_mode.as_str(),
            row.status.as_str(),
            bool_cell(row.needs_physical_space),
            bool_cell(row.needs_transport),
            row.interpretation_language.as_deref().unwrap_or(""),
            &checked_in,
        ];
        writer
            .write_record(cells.iter().map(|cell| formula_safe(cell).into_owned()))
            .expect("writing to memory");
    }
    writer.into_inner().expect("flushing to memory")
}

pub fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new())
}

fn bool_cell(value: bool) -> &'static str {
    if value {
        "true"
    } else {
        "false"
    }
}

pub fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// Attendance over many events: one page of rows, one per event, and the sums over every
/// event of the filter.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"events": [{"event_id": "19901b3b-3b77-5de1-825f-42677a918e1e", "title": "Third roundtable", "region": "Soria", "series": "Regional platform", "starts_at": "2021-11-24T09:00:00Z", "status": "published", "online": {"confirmed": 18, "attended": 18}, "onsite": {"confirmed": 3, "attended": 3}, "physical_space": {"requested": 3, "seated": 3}}], "totals": {"events": 1, "confirmed": 21, "attended": 21, "online_confirmed": 18, "onsite_confirmed": 3}, "suppressed": false, "next_cursor": null}))]
pub struct AttendanceSummary {
    /// This page of the events, by `starts_at` ascending (then id).
    pub events: Vec<EventSummary>,
    /// Sums over every event of the filter, on every page alike.
    pub totals: SummaryTotals,
    /// True when `suppress_below` hid at least one count (shown as null).
    pub suppressed: bool,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// One event in an attendance summary.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"event_id": "19901b3b-3b77-5de1-825f-42677a918e1e", "title": "Third roundtable", "region": "Soria", "series": "Regional platform", "starts_at": "2021-11-24T09:00:00Z", "status": "published", "online": {"confirmed": 18, "attended": 18}, "onsite": {"confirmed": 3, "attended": 3}, "physical_space": {"requested": 3, "seated": 3}}))]
pub struct EventSummary {
    pub event_id: Uuid,
    pub title: String,
    pub region: String,
    pub series: Option<String>,
    pub starts_at: DateTime<Utc>,
    /// `draft`, `published` or `cancelled`.
    pub status: String,
    pub online: ModeAttendance,
    pub onsite: ModeAttendance,
    pub physical_space: PhysicalSpaceSummary,
}

/// Confirmed and attended registrations of one mode.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"confirmed": 18, "attended": 18}))]
pub struct ModeAttendance {
    pub confirmed: Option<i64>,
    pub attended: Option<i64>,
}

/// People who need a physical space: asked for, and seated.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"requested": 3, "seated": 3}))]
pub struct PhysicalSpaceSummary {
    pub requested: Option<i64>,
    pub seated: Option<i64>,
}

/// Sums over every event of the filter (all pages, not only this one), computed before
/// suppression.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"events": 1, "confirmed": 21, "attended": 21, "online_confirmed": 18, "onsite_confirmed": 3}))]
pub struct SummaryTotals {
    /// Number of events the filter matches (never suppressed).
    pub events: i64,
    pub confirmed: Option<i64>,
    pub attended: Option<i64>,
    pub online_confirmed: Option<i64>,
    pub onsite_confirmed: Option<i64>,
}

impl EventSummary {
    pub fn build(r: &EventSummaryRow, suppressor: &Suppressor) -> Self {
        let c = |n: i64| suppressor.count(n);
        EventSummary {
            event_id: r.event_id,
            title: r.title.clone(),
            region: r.region.clone(),
            series: r.series.clone(),
            starts_at: r.starts_at,
            status: r.status.as_str().to_owned(),
            online: ModeAttendance { confirmed: c(r.online_confirmed), attended: c(r.online_attended) },
            onsite: ModeAttendance { confirmed: c(r.onsite_confirmed), attended: c(r.onsite_attended) },
            physical_space: PhysicalSpaceSummary {
                requested: c(r.physical_space_requested),
                seated: c(r.physical_space_seated),
            },
        }
    }
}

impl AttendanceSummary {
    /// A page of `rows` and the `totals` of the whole filter.
    pub fn build(
        rows: &[EventSummaryRow],
        totals: &SummaryTotalsRow,
        next_cursor: Option<String>,
        suppressor: &Suppressor,
    ) -> Self {
        let c = |n: i64| suppressor.count(n);
        let events = rows.iter().map(|r| EventSummary::build(r, suppressor)).collect();
        let totals = SummaryTotals {
            events: totals.events,
            confirmed: c(totals.online_confirmed + totals.onsite_confirmed),
            attended: c(totals.online_attended + totals.onsite_attended),
            online_confirmed: c(totals.online_confirmed),
            onsite_confirmed: c(totals.onsite_confirmed),
        };
        // Read last: every count above has been through the suppressor by now.
        AttendanceSummary { events, totals, suppressed: suppressor.suppressed(), next_cursor }
    }
}

/// The columns of the aggregated report as CSV, in order.
pub const SUMMARY_CSV_HEADER: [&str; 12] = [
    "event_id",
    "title",
    "region",
    "series",
    "starts_at",
    "status",
    "online_confirmed",
    "online_attended",
    "onsite_confirmed",
    "onsite_attended",
    "physical_space_requested",
    "physical_space_seated",
];

/// CSV lines for a chunk of the aggregated report, one per event; `with_header` puts the
/// header row first. A suppressed count is an empty cell.
pub fn summary_csv(rows: &[EventSummaryRow], suppressor: &Suppressor, with_header: bool) -> Vec<u8> {
    let mut writer = csv_writer();
    if with_header {
        writer.write_record(SUMMARY_CSV_HEADER).expect("writing to memory");
    }
    let n = |count: Count| count.map(|n| n.to_string()).unwrap_or_default();
    for row in rows {
        let e = EventSummary::build(row, suppressor);
        let cells = [
            e.event_id.to_string(),
            e.title,
            e.region,
            e.series.unwrap_or_default(),
            rfc3339(e.starts_at),
            e.status,
            n(e.online.confirmed),
            n(e.online.attended),
            n(e.onsite.confirmed),
            n(e.onsite.attended),
            n(e.physical_space.requested),
            n(e.physical_space.seated),
        ];
        writer
            .write_record(cells.iter().map(|cell| formula_safe(cell).into_owned()))
            .expect("writing to memory");
    }
    writer.into_inner().expect("flushing to memory")
}

/// Asks for a link to the report page.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"suppress_below": 5}))]
pub struct CreateReportLink {
    /// Hide counts from 1 to N-1 on the page, whatever the link's reader asks for.
    #[schema(minimum = 1, maximum = 1000)]
    pub suppress_below: Option<i64>,
}

/// A link that opens one event's report page in a browser, without a bearer token.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "url": "https://events.example.org/api/v1/events/0193a4c2-7f1e-7c3a-9d2e-5b8f1a2c3d4e/report.html?token=eyJ…",
    "expires_at": "2021-11-24T14:15:00Z"}))]
pub struct ReportLink {
    /// The page's address, carrying a signed token for this report only. Treat it as a
    /// password until it expires.
    pub url: String,
    pub expires_at: DateTime<Utc>,
}
