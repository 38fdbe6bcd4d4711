//! Attendance report types: the per-event report, the aggregated report and report links,
//! built from the counts of `db::reports` with small-count suppression applied.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::reports::{
    AttendanceRow, BarrierCountsRow, EventReportData, EventSummaryRow, OutreachCountsRow, PlaceCountsRow,
    ReachedRow, SummaryTotalsRow,
};
use crate::domain::attendance::NoShowReason;
use crate::domain::barriers::BarrierKind;
use crate::domain::disclosure::{pool_small_categories, Cell, Protected, Table};
use crate::domain::group_reservations::{group_of, GroupReservation};
use crate::domain::report::{event_zone, formula_safe, local_rfc3339, no_show, UTF8_BOM};
use crate::domain::seats::{Mode, Spot};
use crate::views::outcomes::{Action, Outcome};
use crate::views::report_attendance::{
    partition, reasons_shown, AttendanceCells, AttendedBySource, NoShowCells, NoShowReasons, OnlineMinutes,
};

/// A count of people; null when hidden by `suppress_below` (it was between 1 and N-1). Fields
/// spell out `Option<i64>`: utoipa would document the alias as a schema named `Option`.
pub type Count = Option<i64>;

/// What happened at one event, counted. Counts cover non-cancelled registrations unless named
/// `cancelled`; registrations whose personal data was erased still count.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "event_id": "0193a4c2-7f1e-7c3a-9d2e-5b8f1a2c3d4e", "generated_at": "2021-11-24T14:00:00Z",
    "data_as_of": "2021-11-24T13:59:59.8Z", "event_ended": true, "suppressed": false,
    "totals": {"confirmed": 18, "waitlisted": 2, "cancelled": 1, "attended": 15, "no_show": 3, "fallback_applied": 1, "reached_before_event": 14},
    "by_mode": {
        "online": {"offered": true, "capacity": null, "confirmed": 9, "waitlisted": 0, "attended": 8, "no_show": 1, "no_show_reasons": {"connection": 1, "not_recorded": 0}, "reached_before_event": 6},
        "onsite": {"offered": true, "capacity": 10, "confirmed": 9, "waitlisted": 2, "attended": 7, "no_show": 2, "no_show_reasons": {"transport": 2, "not_recorded": 0}, "reached_before_event": 8}},
    "needs": {"physical_space": {"requested": 4, "seated": 3, "waitlisted": 1}, "transport": 5,
              "interpretation": {"ar": 6, "fr": 2}, "accessibility": 1},
    "barriers": {"transport": {"raised": 5, "arranged": 4, "unresolved": 1},
                 "digital_gap": {"raised": 4, "arranged": 4, "unresolved": 0},
                 "schedule": {"raised": 0, "arranged": 0, "unresolved": 0},
                 "language_confidence": {"raised": 6, "arranged": 6, "unresolved": 0},
                 "childcare": {"raised": 0, "arranged": 0, "unresolved": 0},
                 "mobility": {"raised": 0, "arranged": 0, "unresolved": 0},
                 "hearing": {"raised": 0, "arranged": 0, "unresolved": 0},
                 "vision": {"raised": 0, "arranged": 0, "unresolved": 0},
                 "cost": {"raised": 0, "arranged": 0, "unresolved": 0},
                 "other": {"raised": 0, "arranged": 0, "unresolved": 0}},
    "by_place": [
        {"place_id": null, "name": "Palacio de la Audiencia", "kind": "venue", "municipality": null, "capacity": 10,
         "confirmed": 6, "waitlisted": 2, "attended": 5, "no_show": 1,
         "physical_space": {"requested": 3, "seated": 2}, "transport_requested": 3,
         "no_show_reasons": {"transport": 1, "not_recorded": 0}, "reached_before_event": 5},
        {"place_id": "0193a4c2-8a10-7d4e-b1f2-3c4d5e6f7a8b", "name": "Centro cívico de Almazán", "kind": "hosted",
         "municipality": "Almazán", "capacity": 4, "confirmed": 3, "waitlisted": 0, "attended": 2, "no_show": 1,
         "physical_space": {"requested": 1, "seated": 1}, "transport_requested": 0,
         "no_show_reasons": {"transport": 1, "not_recorded": 0}, "reached_before_event": 3}],
    "by_group_reservation": [
        {"categories": ["migrant", "refugee"], "place_id": null, "name": "Palacio de la Audiencia", "reserved": 3,
         "members_confirmed": 5, "taken": 3}],
    "by_stakeholder_category": {"refugee": {"confirmed": 7, "attended": 6, "reached_before_event": 7}, "ngo": {"confirmed": 11, "attended": 9, "reached_before_event": 7}},
    "offers": {"made": 4, "accepted": 2, "declined": 1, "expired": 1, "open": 0},
    "reminders": {"created": 36, "reached": 30, "failed": 2, "open": 0},
    "interests": {"entrepreneurship": 8, "women_employment": 5},
    "attended_by_source": {"onsite": 7, "online_import": 6, "manual": 2},
    "online_minutes": {"minimum": 45, "with_minutes": 6, "at_or_above_minimum": 5, "share_at_or_above_minimum": 0.833, "median": 120.0},
    "no_show_reasons": {"transport": 2, "connection": 1, "device": 0, "schedule": 0, "illness": 0, "care_duties": 0,
                        "language": 0, "not_informed": 0, "other": 0, "unknown": 0, "not_recorded": 0},
    "outcome": {"event_id": "0193a4c2-7f1e-7c3a-9d2e-5b8f1a2c3d4e", "topics": ["rural_initiatives"],
                "summary": "Three pilot projects to follow.", "updated_at": "2021-11-25T10:00:00Z", "actions": []},
    "previous_open_actions": [{
        "id": "0193a5e0-1111-7aaa-8bbb-000000000001",
        "event": {"id": "0193a4c2-0000-7c3a-9d2e-5b8f1a2c3d4e", "title": "Second regional roundtable",
                  "starts_at": "2021-06-10T09:00:00Z"},
        "title": "Map the transport between the villages and Soria", "owner_organisation_id": null,
        "owner_name": "Diputación de Soria", "due_on": "2021-10-01", "status": "in_progress",
        "created_at": "2021-06-11T10:00:00Z", "updated_at": "2021-09-01T10:00:00Z"}]}))]
pub struct EventReport {
    pub event_id: Uuid,
    /// When the database counted (its clock).
    pub generated_at: DateTime<Utc>,
    /// Every change committed up to this time is counted: `generated_at` when the primary
    /// counted, the last change it had replayed when a read replica did (a few seconds at
    /// most before, see REPLICA_MAX_LAG_MS).
    pub data_as_of: DateTime<Utc>,
    /// True once `ends_at` is past; `no_show` counts are 0 until then.
    pub event_ended: bool,
    /// True when `suppress_below` hid at least one count (shown as null) or pooled a category.
    pub suppressed: bool,
    pub totals: Totals,
    pub by_mode: ByMode,
    pub needs: Needs,
    /// Non-cancelled registrations listing each barrier (every kind of the vocabulary, zeros
    /// too), and of them, those arranged and those unresolved; the rest are still raised.
    /// `transport.raised` is `needs.transport` (an addition to the v1 contract).
    pub barriers: BTreeMap<String, BarrierCounts>,
    /// Onsite registrations per room: the main venue first (when onsite is offered, or
    /// someone is still there), then each place the event offers, in the order of the
    /// event's `places`. They add up to `by_mode.onsite`.
    pub by_place: Vec<PlaceReport>,
    /// The seats the event reserves for groups of stakeholder categories (`group_reservations`
    /// of the event), one row per reservation and room it holds seats in, in the order of the
    /// reservations, then of `by_place`: reserved against taken. Empty for an event without
    /// group reservations (an addition to the v1 contract).
    pub by_group_reservation: Vec<GroupReservationReport>,
    /// Confirmed and attended registrations by stakeholder category (categories with at least
    /// one non-cancelled registration). Under `suppress_below`, small categories are pooled,
    /// unnamed, as `other, suppressed`.
    pub by_stakeholder_category: BTreeMap<String, CategoryCounts>,
    /// Non-cancelled registrations by declared interest. Under `suppress_below`, hidden
    /// topics are left out and `other, suppressed` (null) says so.
    pub interests: BTreeMap<String, Option<i64>>,
    /// Attended by how the check-in was made (an addition to the v1 contract).
    pub attended_by_source: AttendedBySource,
    /// The minutes of online attendance against the event's minimum (an addition to the v1
    /// contract).
    pub online_minutes: OnlineMinutes,
    /// `totals.no_show` by reason (`PUT /registrations/{id}/no-show`), and `not_recorded`;
    /// per mode in `by_mode`, per room in `by_place` (an addition to the v1 contract).
    #[schema(value_type = BTreeMap<String, Option<i64>>)]
    pub no_show_reasons: NoShowReasons,
    /// Seats offered from the waitlist (events with `waitlist_promotion: offer`), and how the
    /// offers ended (an addition to the v1 contract).
    pub offers: OfferCounts,
    /// Reminders of the event (`reminders_hours_before`), and how they went (an addition to
    /// the v1 contract).
    pub reminders: ReminderCounts,
    /// What the meeting decided: topics discussed and follow-up actions (`POST
    /// /events/{id}/outcomes`); empty lists and a null summary when nothing was recorded (an
    /// addition to the v1 contract).
    pub outcome: Outcome,
    /// The actions still to do (`open`, `in_progress`, as of now) of the events of the same
    /// series that started before this one, by due date: what this meeting should follow up
    /// (an addition to the v1 contract). Empty for an event in no series.
    pub previous_open_actions: Vec<Action>,
}

/// What became of the seats an event offered from its waitlist. Counts of offers: a
/// registration offered twice counts twice in `made`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"made": 4, "accepted": 2, "declined": 1, "expired": 1, "open": 0}))]
pub struct OfferCounts {
    pub made: Option<i64>,
    pub accepted: Option<i64>,
    /// Declined by the person, or cancelled by the partner while offered.
    pub declined: Option<i64>,
    /// Not answered before `offer_expires_at`: the seat went to the next person.
    pub expired: Option<i64>,
    /// Still waiting for an answer.
    pub open: Option<i64>,
}

/// An event's reminder items (one per confirmed person and reminder), by how they went.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"created": 36, "reached": 30, "failed": 2, "open": 0}))]
pub struct ReminderCounts {
    /// Reminders that fell due and were handed to partners or to the server's email.
    pub created: Option<i64>,
    /// Reached the person: a partner reported `reached`, or the mail server accepted the
    /// server's email.
    pub reached: Option<i64>,
    /// Could not reach the person (wrong contact, undeliverable, erased).
    pub failed: Option<i64>,
    /// Not yet done. The rest of `created` were closed by a later change (superseded, the
    /// registration cancelled).
    pub open: Option<i64>,
}

/// Counts over the whole event; null where suppressed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"confirmed": 21, "waitlisted": 0, "cancelled": 1, "attended": 21, "no_show": 0, "fallback_applied": 0, "reached_before_event": 18}))]
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
    /// Confirmed registrations that a message reached before the event started (a partner
    /// reported `reached` on one of their outreach items, or the server's email of one was
    /// accepted); until the start, so far (an addition to the v1 contract).
    pub reached_before_event: Option<i64>,
}

/// Counts per attendance mode.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"online": {"offered": true, "capacity": null, "confirmed": 18, "waitlisted": 0, "attended": 18, "no_show": 0, "no_show_reasons": {"not_recorded": 0}, "reached_before_event": 15}, "onsite": {"offered": true, "capacity": 3, "confirmed": 3, "waitlisted": 0, "attended": 3, "no_show": 0, "no_show_reasons": {"not_recorded": 0}, "reached_before_event": 3}}))]
pub struct ByMode {
    pub online: ModeCounts,
    pub onsite: ModeCounts,
}

/// Counts of one attendance mode.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"offered": true, "capacity": 3, "confirmed": 3, "waitlisted": 0, "attended": 3, "no_show": 0, "no_show_reasons": {"not_recorded": 0}, "reached_before_event": 3}))]
pub struct ModeCounts {
    /// Whether the event offers this mode at all.
    pub offered: bool,
    /// Seats of this mode; null when unlimited, 0 when the mode is not offered. Onsite counts
    /// everyone attending in person, at the main venue and at the event's places (`by_place`),
    /// and its seats are theirs together.
    pub capacity: Option<i64>,
    pub confirmed: Option<i64>,
    pub waitlisted: Option<i64>,
    pub attended: Option<i64>,
    pub no_show: Option<i64>,
    /// `no_show` by reason, and `not_recorded` (an addition to the v1 contract).
    #[schema(value_type = BTreeMap<String, Option<i64>>)]
    pub no_show_reasons: NoShowReasons,
    /// Of `confirmed`, those a message reached before the event (as `totals`; an addition to
    /// the v1 contract).
    pub reached_before_event: Option<i64>,
}

/// Registrations listing one barrier, raised vs. arranged; null where suppressed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[schema(example = json!({"raised": 5, "arranged": 4, "unresolved": 1}))]
pub struct BarrierCounts {
    /// Registrations listing it, whatever its status.
    pub raised: Option<i64>,
    /// Of them, those for whom something was arranged.
    pub arranged: Option<i64>,
    /// Of them, those the organisers could not help.
    pub unresolved: Option<i64>,
}

/// The cells of one barrier: `raised` splits into `arranged`, `unresolved` and those still
/// raised (implied).
#[derive(Clone, Copy)]
pub(crate) struct BarrierCells {
    pub raised: Cell,
    pub arranged: Cell,
    pub unresolved: Cell,
}

impl BarrierCells {
    /// Adds one kind's counts to `t`, `raised` being the count already in `raised`.
    pub(crate) fn split(t: &mut Table, raised: Cell, row: Option<&BarrierCountsRow>) -> Self {
        let (arranged, unresolved) = row.map_or((0, 0), |b| (b.arranged, b.unresolved));
        let cells =
            BarrierCells { raised, arranged: t.published(arranged), unresolved: t.published(unresolved) };
        let still_raised = t.derived(t.value(raised) - arranged - unresolved);
        t.sum(raised, &[cells.arranged, cells.unresolved, still_raised]);
        cells
    }

    pub(crate) fn show(&self, shown: &Protected) -> BarrierCounts {
        BarrierCounts {
            raised: shown.show(self.raised),
            arranged: shown.show(self.arranged),
            unresolved: shown.show(self.unresolved),
        }
    }
}

/// Each barrier's cells as a report shows them, by kind.
pub(crate) fn barriers_shown<'a>(
    cells: impl IntoIterator<Item = (BarrierKind, &'a BarrierCells)>,
    shown: &Protected,
) -> BTreeMap<String, BarrierCounts> {
    cells.into_iter().map(|(kind, b)| (kind.as_str().to_owned(), b.show(shown))).collect()
}

/// The row of `kind` among one event's barrier counts.
pub(crate) fn barrier_row(
    rows: &[BarrierCountsRow],
    event_id: Uuid,
    kind: BarrierKind,
) -> Option<&BarrierCountsRow> {
    rows.iter().find(|b| b.event_id == event_id && b.barrier == kind.as_str())
}

/// What participants need to take part: a place, transport, interpretation, access.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"physical_space": {"requested": 3, "seated": 3, "waitlisted": 0}, "transport": 3, "interpretation": {"ar": 2, "fr": 1}, "accessibility": 0}))]
pub struct Needs {
    pub physical_space: PhysicalSpace,
    /// Registrations that need transport.
    pub transport: Option<i64>,
    /// Registrations by interpretation language asked for. Under `suppress_below`, small
    /// languages are pooled, unnamed, as `other, suppressed`.
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

/// The onsite registrations of one room of the event: its main venue or a place it offers.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"place_id": "0193a4c2-8a10-7d4e-b1f2-3c4d5e6f7a8b", "name": "Centro cívico de Almazán",
    "kind": "hosted", "municipality": "Almazán", "capacity": 4, "confirmed": 3, "waitlisted": 0, "attended": 2,
    "no_show": 1, "physical_space": {"requested": 1, "seated": 1}, "transport_requested": 0,
    "no_show_reasons": {"transport": 1, "not_recorded": 0}, "reached_before_event": 3}))]
pub struct PlaceReport {
    /// The place; null for the event's main venue.
    pub place_id: Option<Uuid>,
    /// The place's name, or the main venue's (null when the event names none).
    pub name: Option<String>,
    /// `venue` (the main venue, or another venue the event offers) or `hosted`.
    pub kind: String,
    /// The place's municipality; null for the main venue.
    pub municipality: Option<String>,
    /// Seats there (never hidden); null when the main venue's are unlimited.
    pub capacity: Option<i64>,
    pub confirmed: Option<i64>,
    pub waitlisted: Option<i64>,
    /// Confirmed registrations checked in.
    pub attended: Option<i64>,
    /// Confirmed minus attended once the event has ended, else 0.
    pub no_show: Option<i64>,
    pub physical_space: PlacePhysicalSpace,
    /// Registrations there that need transport.
    pub transport_requested: Option<i64>,
    /// `no_show` by reason, and `not_recorded` (an addition to the v1 contract).
    #[schema(value_type = BTreeMap<String, Option<i64>>)]
    pub no_show_reasons: NoShowReasons,
    /// Of `confirmed`, those a message reached before the event (as `totals`; an addition to
    /// the v1 contract).
    pub reached_before_event: Option<i64>,
}

/// People who need a physical space at one place.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"requested": 1, "seated": 1}))]
pub struct PlacePhysicalSpace {
    /// Non-cancelled registrations there with `needs_physical_space`.
    pub requested: Option<i64>,
    /// Of those, confirmed.
    pub seated: Option<i64>,
}

/// The seats one group reservation holds in one room, and how many of them its group took.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"categories": ["migrant", "refugee"], "place_id": "0193a4c2-8a10-7d4e-b1f2-3c4d5e6f7a8b",
    "name": "Centro cívico de Almazán", "reserved": 2, "members_confirmed": 1, "taken": 1}))]
pub struct GroupReservationReport {
    /// The stakeholder categories of the group.
    pub categories: Vec<String>,
    /// The room, as in `by_place`: null for the event's main venue.
    pub place_id: Option<Uuid>,
    /// The room's name, as in `by_place`.
    pub name: Option<String>,
    /// Seats reserved for the group there (the event's setting: never hidden).
    pub reserved: i64,
    /// Confirmed onsite registrations there whose stakeholder category is in the group, in a
    /// reserved seat or not. Hidden under `suppress_below` as every count of people is.
    pub members_confirmed: Option<i64>,
    /// The reserved seats the group uses: the smaller of `reserved` and `members_confirmed`;
    /// null when `members_confirmed` is hidden.
    pub taken: Option<i64>,
}

/// Confirmed and attended registrations of one stakeholder category.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"confirmed": 4, "attended": 4, "reached_before_event": 3}))]
pub struct CategoryCounts {
    pub confirmed: Option<i64>,
    pub attended: Option<i64>,
    /// Of `confirmed`, those a message reached before the event (as `totals`; an addition to
    /// the v1 contract).
    pub reached_before_event: Option<i64>,
}

/// The key under which categories whose counts are small are pooled, unnamed. It cannot be
/// a language, a category or a topic: those have no comma or space.
pub const OTHER_SUPPRESSED: &str = "other, suppressed";

/// The cells of one mode in a report's [`Table`].
struct ModeCells {
    confirmed: Cell,
    waitlisted: Cell,
    attended: Cell,
    /// Only once the event has ended; before, nobody is a no-show yet.
    no_show: Option<Cell>,
    /// The confirmed not checked in: `no_show` once the event has ended, implied before.
    absent: Cell,
    /// The confirmed a message reached before the event.
    reached: Cell,
}

/// The cells of one room (the main venue or a place) in a report's [`Table`].
struct PlaceCells {
    counts: ModeCells,
    requested: Cell,
    seated: Cell,
    /// Those with the need who wait for a seat there (implied).
    space_waiting: Cell,
    transport: Cell,
}

/// An event report as a [`Table`]: its counts, the counts it implies (those without each
/// need, the confirmed not checked in) and the sums that tie them.
struct ReportTable {
    table: Table,
    online: ModeCells,
    onsite: ModeCells,
    confirmed: Cell,
    waitlisted: Cell,
    attended: Cell,
    no_show: Option<Cell>,
    cancelled: Cell,
    fallback: Cell,
    transport: Cell,
    accessibility: Cell,
    seated: Cell,
    space_waitlisted: Cell,
    space_requested: Cell,
    /// Named languages (index among the event's languages, key, count), and the pool of the
    /// others when there are any.
    languages: Vec<(usize, String, Cell)>,
    pooled_languages: Option<Cell>,
    /// Named categories, and the pool of the others.
    categories: Vec<(usize, String, CategoryCells)>,
    pooled_categories: Option<CategoryCells>,
    interests: Vec<(String, Cell)>,
    /// One per room, in the order of `places`.
    places: Vec<PlaceCells>,
    attendance: AttendanceCells,
    reached: Cell,
    offers: OfferCells,
    reminders: ReminderCells,
    barriers: Vec<(BarrierKind, BarrierCells)>,
    /// Per group reservation and room it holds in: (reservation, room index in `places`,
    /// the confirmed members there).
    groups: Vec<(usize, usize, Cell)>,
}

/// The cells of one stakeholder category: confirmed, of them attended and reached.
#[derive(Clone, Copy)]
struct CategoryCells {
    confirmed: Cell,
    attended: Cell,
    reached: Cell,
}

struct OfferCells {
    made: Cell,
    accepted: Cell,
    declined: Cell,
    expired: Cell,
    open: Cell,
}

struct ReminderCells {
    created: Cell,
    reached: Cell,
    failed: Cell,
    open: Cell,
}

/// The confirmed reached before the event, counted out of `rows` by `belongs`.
fn reached_of(rows: &[ReachedRow], belongs: impl Fn(&ReachedRow) -> bool) -> i64 {
    rows.iter().filter(|r| belongs(r)).map(|r| r.n).sum()
}

impl ReportTable {
    /// `pooled_languages[i]` and `pooled_categories[i]` say which of the event's languages
    /// and categories (in `breakdown` order) are pooled, unnamed.
    fn of(data: &EventReportData, pooled_languages: &[bool], pooled_categories: &[bool]) -> Self {
        let (row, breakdown, places, reasons) =
            (&data.counts, &data.breakdown[..], &data.places[..], &data.no_show_reasons[..]);
        let reached = &data.reached[..];
        let keyed = |kind: &'static str| breakdown.iter().filter(move |b| b.kind == kind).collect::<Vec<_>>();
        let places_rows = places;
        let mut t = Table::new();
        let mode = |t: &mut Table, confirmed: i64, waitlisted: i64, attended: i64, reached: i64| {
            let (confirmed_cell, waitlisted_cell, attended_cell) =
                (t.published(confirmed), t.published(waitlisted), t.published(attended));
            let no_show = row.ended.then(|| t.published(no_show(confirmed, attended, true)));
            // Before the end, who has not checked in is implied, not shown.
            let absent = no_show.unwrap_or_else(|| t.derived(confirmed - attended));
            t.sum(confirmed_cell, &[attended_cell, absent]);
            let reached = t.published(reached);
            let unreached = t.derived(confirmed - t.value(reached));
            t.sum(confirmed_cell, &[reached, unreached]);
            ModeCells {
                confirmed: confirmed_cell,
                waitlisted: waitlisted_cell,
                attended: attended_cell,
                no_show,
                absent,
                reached,
            }
        };
        let reached_in = |mode: Mode| reached_of(reached, |r| r.attendance_mode == mode);
        let online = mode(
            &mut t,
            row.online_confirmed,
            row.online_waitlisted,
            row.online_attended,
            reached_in(Mode::Online),
        );
        let onsite = mode(
            &mut t,
            row.onsite_confirmed,
            row.onsite_waitlisted,
            row.onsite_attended,
            reached_in(Mode::Onsite),
        );
        let confirmed = t.published(row.online_confirmed + row.onsite_confirmed);
        let waitlisted = t.published(row.online_waitlisted + row.onsite_waitlisted);
        let attended = t.published(row.online_attended + row.onsite_attended);
        t.sum(confirmed, &[online.confirmed, onsite.confirmed]);
        t.sum(waitlisted, &[online.waitlisted, onsite.waitlisted]);
        t.sum(attended, &[online.attended, onsite.attended]);
        let reached_total = t.published(t.value(online.reached) + t.value(onsite.reached));
        t.sum(reached_total, &[online.reached, onsite.reached]);
        let no_show = match (online.no_show, onsite.no_show) {
            (Some(on), Some(os)) => {
                let total = t.published(t.value(on) + t.value(os));
                t.sum(total, &[on, os]);
                Some(total)
            }
            _ => None,
        };
        let cancelled = t.published(row.cancelled);
        let fallback = t.published(row.fallback_applied);
        let chose_online = t.derived(row.online_confirmed - row.fallback_applied);
        t.sum(online.confirmed, &[fallback, chose_online]);

        // Everyone not cancelled, and those with or without each need.
        let people = t.derived(t.value(confirmed) + t.value(waitlisted));
        t.sum(people, &[confirmed, waitlisted]);
        let need = |t: &mut Table, whole: Cell, with: i64| {
            let cell = t.published(with);
            let without = t.derived(t.value(whole) - with);
            t.sum(whole, &[cell, without]);
            cell
        };
        let transport = need(&mut t, people, row.transport);
        let accessibility = need(&mut t, people, row.accessibility);
        let seated = need(&mut t, confirmed, row.physical_space_seated);
        let space_waitlisted = need(&mut t, waitlisted, row.physical_space_waitlisted);
        let space_requested = t.published(row.physical_space_requested);
        t.sum(space_requested, &[seated, space_waitlisted]);

        // Rooms: each a small report of its own (modes' counts, the need, transport) whose
        // parts add up to the onsite counts. Only onsite registrations may need a space, so
        // the rooms' needs add up to the event's; transport is asked online too.
        let places: Vec<PlaceCells> = places
            .iter()
            .map(|p| {
                let there =
                    reached_of(reached, |r| r.attendance_mode == Mode::Onsite && r.place_id == p.place_id);
                let counts = mode(&mut t, p.confirmed, p.waitlisted, p.attended, there);
                let seated = need(&mut t, counts.confirmed, p.physical_space_seated);
                let requested = t.published(p.physical_space_requested);
                let space_waiting = t.derived(p.physical_space_requested - p.physical_space_seated);
                t.sum(requested, &[seated, space_waiting]);
                let without = t.derived(p.waitlisted - t.value(space_waiting));
                t.sum(counts.waitlisted, &[space_waiting, without]);
                let there = t.derived(p.confirmed + p.waitlisted);
                t.sum(there, &[counts.confirmed, counts.waitlisted]);
                let transport = need(&mut t, there, p.transport);
                PlaceCells { counts, requested, seated, space_waiting, transport }
            })
            .collect();
        if !places.is_empty() {
            let column = |pick: fn(&PlaceCells) -> Cell| places.iter().map(pick).collect::<Vec<_>>();
            partition(&mut t, onsite.confirmed, &column(|p| p.counts.confirmed));
            partition(&mut t, onsite.waitlisted, &column(|p| p.counts.waitlisted));
            partition(&mut t, onsite.attended, &column(|p| p.counts.attended));
            partition(&mut t, onsite.absent, &column(|p| p.counts.absent));
            partition(&mut t, onsite.reached, &column(|p| p.counts.reached));
            partition(&mut t, seated, &column(|p| p.seated));
            partition(&mut t, space_waitlisted, &column(|p| p.space_waiting));
            // Transport online: those online who asked, among everyone online.
            let online_people = t.derived(row.online_confirmed + row.online_waitlisted);
            t.sum(online_people, &[online.confirmed, online.waitlisted]);
            let onsite_transport: i64 = places.iter().map(|p| t.value(p.transport)).sum();
            let online_transport = t.derived(row.transport - onsite_transport);
            let online_without = t.value(online_people) - t.value(online_transport);
            if online_without >= 0 {
                let online_without = t.derived(online_without);
                t.sum(online_people, &[online_transport, online_without]);
            }
            let parts: Vec<Cell> = column(|p| p.transport).into_iter().chain([online_transport]).collect();
            t.sum(transport, &parts);
        }

        // Interpretation languages: a partition of those who asked, inside everyone.
        let asked = keyed("interpretation");
        let languages: Vec<(usize, String, Cell)> = asked
            .iter()
            .enumerate()
            .filter(|(i, _)| !pooled_languages[*i])
            .map(|(i, b)| (i, b.key.clone(), t.published(b.n)))
            .collect();
        let pooled_sum: i64 = asked.iter().zip(pooled_languages).filter(|(_, &p)| p).map(|(b, _)| b.n).sum();
        let pooled_language_cell = pooled_languages.contains(&true).then(|| t.published(pooled_sum));
        let without = t.derived(t.value(people) - asked.iter().map(|b| b.n).sum::<i64>());
        let parts: Vec<Cell> =
            languages.iter().map(|(_, _, c)| *c).chain(pooled_language_cell).chain([without]).collect();
        t.sum(people, &parts);

        // Stakeholder categories: confirmed and attended, each a partition of its total; a
        // category's confirmed who did not attend are implied.
        let category = |t: &mut Table, confirmed: i64, attended: i64, reached: i64| {
            let cells = CategoryCells {
                confirmed: t.published(confirmed),
                attended: t.published(attended),
                reached: t.published(reached),
            };
            let absent = t.derived(confirmed - attended);
            t.sum(cells.confirmed, &[cells.attended, absent]);
            let unreached = t.derived(confirmed - reached);
            t.sum(cells.confirmed, &[cells.reached, unreached]);
            cells
        };
        let reached_of_category = |key: &str| reached_of(reached, |r| r.stakeholder_category == key);
        let groups = keyed("category");
        let categories: Vec<(usize, String, CategoryCells)> = groups
            .iter()
            .enumerate()
            .filter(|(i, _)| !pooled_categories[*i])
            .map(|(i, b)| (i, b.key.clone(), category(&mut t, b.n, b.attended, reached_of_category(&b.key))))
            .collect();
        let pooled_category_cells = pooled_categories.contains(&true).then(|| {
            let pooled = || groups.iter().zip(pooled_categories).filter(|(_, &p)| p).map(|(b, _)| *b);
            category(
                &mut t,
                pooled().map(|b| b.n).sum(),
                pooled().map(|b| b.attended).sum(),
                pooled().map(|b| reached_of_category(&b.key)).sum(),
            )
        });
        let all: Vec<CategoryCells> =
            categories.iter().map(|(_, _, c)| *c).chain(pooled_category_cells).collect();
        let group_cells =
            group_table(&mut t, data, (&online, &places), (&categories, pooled_category_cells.as_ref()));
        t.sum(confirmed, &all.iter().map(|c| c.confirmed).collect::<Vec<_>>());
        t.sum(attended, &all.iter().map(|c| c.attended).collect::<Vec<_>>());
        t.sum(reached_total, &all.iter().map(|c| c.reached).collect::<Vec<_>>());

        // Interests: several per person, so no sum across topics; each topic and those without
        // it make up everyone.
        let interests =
            keyed("interest").iter().map(|b| (b.key.clone(), need(&mut t, people, b.n))).collect();

        // Barriers: several per person, so no sum across kinds; each kind and those without
        // it make up everyone, as a need does. The transport barrier is the transport need
        // (`domain::barriers::reconcile` keeps them equal): the same count, so one cell.
        let barriers = BarrierKind::ALL
            .into_iter()
            .map(|kind| {
                let found = barrier_row(&data.barriers, row.event_id, kind);
                let raised = found.map_or(0, |b| b.raised);
                let raised = if kind == BarrierKind::Transport && raised == t.value(transport) {
                    transport
                } else {
                    need(&mut t, people, raised)
                };
                (kind, BarrierCells::split(&mut t, raised, found))
            })
            .collect();

        // How people attended, and why the others did not: each splits a count above.
        let room_no_shows: Vec<Cell> = places.iter().filter_map(|p| p.counts.no_show).collect();
        let no_shows = match (no_show, online.no_show, onsite.no_show) {
            (Some(total), Some(online), Some(onsite)) => {
                Some(NoShowCells { total, online, onsite, places: &room_no_shows })
            }
            _ => None,
        };
        let attendance =
            AttendanceCells::of(&mut t, row, (attended, online.attended), no_shows, places_rows, reasons);

        // Offers and reminders: each a small table of its own, how they ended adding up to
        // how many there were (reminders closed by a later change are the implied rest; an
        // offer always ends in one of the four shown, so their sum is exact, as a reader
        // would take it).
        let o: &OutreachCountsRow = &data.outreach;
        let offers = OfferCells {
            made: t.published(o.offers_made),
            accepted: t.published(o.offers_accepted),
            declined: t.published(o.offers_declined),
            expired: t.published(o.offers_expired),
            open: t.published(o.offers_open),
        };
        partition(&mut t, offers.made, &[offers.accepted, offers.declined, offers.expired, offers.open]);
        let reminders = ReminderCells {
            created: t.published(o.reminders_created),
            reached: t.published(o.reminders_reached),
            failed: t.published(o.reminders_failed),
            open: t.published(o.reminders_open),
        };
        partition(&mut t, reminders.created, &[reminders.reached, reminders.failed, reminders.open]);
        ReportTable {
            table: t,
            online,
            onsite,
            confirmed,
            waitlisted,
            attended,
            no_show,
            cancelled,
            fallback,
            transport,
            accessibility,
            seated,
            space_waitlisted,
            space_requested,
            languages,
            pooled_languages: pooled_language_cell,
            categories,
            pooled_categories: pooled_category_cells,
            interests,
            places,
            attendance,
            reached: reached_total,
            offers,
            reminders,
            barriers,
            groups: group_cells,
        }
    }
}

/// Which of an event's rooms a registration of `mode` at `place` is in: its index in `rooms`
/// (the report's `by_place`), or `rooms.len()` online.
fn column_of(rooms: &[PlaceCountsRow], mode: Mode, place: Option<Uuid>) -> Option<usize> {
    match mode {
        Mode::Online => Some(rooms.len()),
        Mode::Onsite => rooms.iter().position(|r| r.place_id == place),
    }
}

/// The room's spot for `GroupReservation::holds_at`.
fn spot_of(room: &PlaceCountsRow) -> Spot {
    room.place_id.map_or(Spot::Venue, Spot::Place)
}

/// The group reservations' members where they hold seats, tied into the report's table.
///
/// Members are a cell of the cross of *kinds* (each reservation's group, and everyone else)
/// by *columns* (each room, and online), counted three times as the report counts rooms and
/// categories: confirmed, attended, reached. Each column adds up to its room's (or online's)
/// shown count, each kind to the shown counts of its categories (plus its share of the
/// pooled ones), and in each cell attended and reached are parts of confirmed. Only the
/// members' confirmed where the group holds seats are shown; the rest is implied. This is
/// exactly what the shown counts say of each other: finer, per category and room, adds
/// nothing (a table with given row and column sums always has a non-negative filling), and
/// coarser would let a reader pin members down through a room's or a category's counts that
/// the table does not know are tied to them.
// Kinds and columns index three measures' arrays at once: ranges say so plainly.
#[allow(clippy::needless_range_loop)]
fn group_table(
    t: &mut Table,
    data: &EventReportData,
    (online, places): (&ModeCells, &[PlaceCells]),
    (named, pooled): (&[(usize, String, CategoryCells)], Option<&CategoryCells>),
) -> Vec<(usize, usize, Cell)> {
    let reservations: &[GroupReservation] = &data.group_reservations;
    if reservations.is_empty() {
        return Vec::new();
    }
    let rooms = &data.places[..];
    let (kinds, columns) = (reservations.len() + 1, rooms.len() + 1);
    let kind_of = |category: &str| group_of(reservations, category).unwrap_or(reservations.len());
    // The true counts, [measure][kind][column]: confirmed, attended, reached.
    let mut truth = vec![vec![vec![0i64; columns]; kinds]; 3];
    for r in &data.room_categories {
        if let Some(col) = column_of(rooms, r.attendance_mode, r.place_id) {
            let k = kind_of(&r.stakeholder_category);
            truth[0][k][col] += r.confirmed;
            truth[1][k][col] += r.attended;
        }
    }
    for r in &data.reached {
        if let Some(col) = column_of(rooms, r.attendance_mode, r.place_id) {
            truth[2][kind_of(&r.stakeholder_category)][col] += r.n;
        }
    }
    let shown_at = |k: usize, col: usize| {
        k < reservations.len() && col < rooms.len() && reservations[k].holds_at(spot_of(&rooms[col]))
    };
    let mut members = Vec::new();
    // cells[measure][kind][column]
    let mut cells: Vec<Vec<Vec<Cell>>> = vec![Vec::new(); 3];
    for k in 0..kinds {
        let mut row: [Vec<Cell>; 3] = Default::default();
        for col in 0..columns {
            let confirmed = truth[0][k][col];
            let c = if shown_at(k, col) {
                let cell = t.published(confirmed);
                members.push((k, col, cell));
                cell
            } else {
                t.derived(confirmed)
            };
            let attended = t.derived(truth[1][k][col]);
            let absent = t.derived(confirmed - truth[1][k][col]);
            t.sum(c, &[attended, absent]);
            let reached = t.derived(truth[2][k][col]);
            let unreached = t.derived(confirmed - truth[2][k][col]);
            t.sum(c, &[reached, unreached]);
            row[0].push(c);
            row[1].push(attended);
            row[2].push(reached);
        }
        for (m, cells_m) in row.into_iter().enumerate() {
            cells[m].push(cells_m);
        }
    }
    // Columns: each room's counts, then online's.
    let column_totals: Vec<[Cell; 3]> = places
        .iter()
        .map(|p| [p.counts.confirmed, p.counts.attended, p.counts.reached])
        .chain([[online.confirmed, online.attended, online.reached]])
        .collect();
    for (col, totals) in column_totals.iter().enumerate() {
        for (m, &total) in totals.iter().enumerate() {
            let parts: Vec<Cell> = (0..kinds).map(|k| cells[m][k][col]).collect();
            t.sum(total, &parts);
        }
    }
    // Kinds: the shown counts of their categories, and their share of the pooled ones.
    let pick = |c: &CategoryCells, m: usize| [c.confirmed, c.attended, c.reached][m];
    for m in 0..3 {
        let mut shares = Vec::new();
        for k in 0..kinds {
            let total: i64 = truth[m][k].iter().sum();
            let whole = t.derived(total);
            t.sum(whole, &cells[m][k]);
            let mut parts: Vec<Cell> =
                named.iter().filter(|(_, key, _)| kind_of(key) == k).map(|(_, _, c)| pick(c, m)).collect();
            if pooled.is_some() {
                let named_total: i64 = parts.iter().map(|&c| t.value(c)).sum();
                let share = t.derived(total - named_total);
                shares.push(share);
                parts.push(share);
            }
            t.sum(whole, &parts);
        }
        if let Some(pooled) = pooled {
            t.sum(pick(pooled, m), &shares);
        }
    }
    members
}

impl EventReport {
    /// The report of one event, with the counts of `below` protected (see
    /// `domain::disclosure`): every count the report shows or implies from 1 to below-1 is
    /// hidden, with complementary counts so that no sum gives one back, and categories
    /// (languages, stakeholder categories, topics) whose counts are hidden are not named:
    /// languages and categories are pooled under `other, suppressed`.
    pub fn build(data: &EventReportData, below: Option<i64>) -> Self {
        let (row, breakdown, places) = (&data.counts, &data.breakdown[..], &data.places[..]);
        let below = below.unwrap_or(0);
        let keyed = |kind: &'static str| breakdown.iter().filter(move |b| b.kind == kind).collect::<Vec<_>>();
        let pooled = |kind: &'static str| {
            let counts: Vec<(&str, i64)> = keyed(kind).iter().map(|b| (b.key.as_str(), b.n)).collect();
            pool_small_categories(&counts, below)
        };
        let (mut pooled_languages, mut pooled_categories) = (pooled("interpretation"), pooled("category"));
        // A named count hidden to protect another is unnamed too: pooled, then everything is
        // protected again. Each round pools at least one more, so this ends.
        let (cells, shown) = loop {
            let cells = ReportTable::of(data, &pooled_languages, &pooled_categories);
            let shown = cells.table.protect(below);
            let mut pooled_more = false;
            for (i, _, cell) in &cells.languages {
                if shown.is_hidden(*cell) {
                    pooled_languages[*i] = true;
                    pooled_more = true;
                }
            }
            for (i, _, category) in &cells.categories {
                if shown.is_hidden(category.confirmed) {
                    pooled_categories[*i] = true;
                    pooled_more = true;
                }
            }
            if !pooled_more {
                break (cells, shown);
            }
        };
        let c = |cell: Cell| shown.show(cell);
        let reasons = cells.attendance.reasons.as_ref();
        let mode_counts =
            |cells: &ModeCells, offered: bool, capacity: Option<i64>, reasons: Option<&[Cell]>| ModeCounts {
                offered,
                capacity: if offered { capacity } else { Some(0) },
                confirmed: c(cells.confirmed),
                waitlisted: c(cells.waitlisted),
                attended: c(cells.attended),
                no_show: cells.no_show.map_or(Some(0), c),
                no_show_reasons: reasons_shown(reasons, &shown),
                reached_before_event: c(cells.reached),
            };
        let mut interpretation: BTreeMap<String, Option<i64>> =
            cells.languages.iter().map(|(_, key, cell)| (key.clone(), c(*cell))).collect();
        if let Some(pool) = cells.pooled_languages {
            interpretation.insert(OTHER_SUPPRESSED.to_owned(), c(pool));
        }
        let category_counts = |cells: &CategoryCells| CategoryCounts {
            confirmed: c(cells.confirmed),
            attended: c(cells.attended),
            reached_before_event: c(cells.reached),
        };
        let mut by_stakeholder_category: BTreeMap<String, CategoryCounts> = cells
            .categories
            .iter()
            .map(|(_, key, category)| (key.clone(), category_counts(category)))
            .collect();
        if let Some(pooled) = &cells.pooled_categories {
            by_stakeholder_category.insert(OTHER_SUPPRESSED.to_owned(), category_counts(pooled));
        }
        // A hidden topic is not named: the topics stand alone, so nothing is summed under
        // the pooled key, which only says that some were left out.
        let mut interests: BTreeMap<String, Option<i64>> = cells
            .interests
            .iter()
            .filter(|(_, cell)| !shown.is_hidden(*cell))
            .map(|(key, cell)| (key.clone(), c(*cell)))
            .collect();
        if cells.interests.iter().any(|(_, cell)| shown.is_hidden(*cell)) {
            interests.insert(OTHER_SUPPRESSED.to_owned(), None);
        }
        let by_place = places
            .iter()
            .zip(&cells.places)
            .enumerate()
            .map(|(i, (p, room))| {
                // The main venue's seats are the onsite mode's, and 0 when it is not offered.
                let capacity = match p.place_id {
                    None if !row.onsite_offered => Some(0),
                    _ => p.capacity.map(i64::from),
                };
                PlaceReport {
                    place_id: p.place_id,
                    name: p.name.clone(),
                    kind: p.kind.clone(),
                    municipality: p.municipality.clone(),
                    capacity,
                    confirmed: c(room.counts.confirmed),
                    waitlisted: c(room.counts.waitlisted),
                    attended: c(room.counts.attended),
                    no_show: room.counts.no_show.map_or(Some(0), c),
                    physical_space: PlacePhysicalSpace {
                        requested: c(room.requested),
                        seated: c(room.seated),
                    },
                    transport_requested: c(room.transport),
                    no_show_reasons: reasons_shown(reasons.map(|r| &r.places[i][..]), &shown),
                    reached_before_event: c(room.counts.reached),
                }
            })
            .collect();
        // Onsite is everyone attending in person: at the main venue and at every place the
        // event offers, so its seats are theirs together, as its counts are.
        let offered_places = places.iter().filter(|p| p.place_id.is_some());
        let onsite_offered = row.onsite_offered || offered_places.clone().next().is_some();
        let onsite_capacity = if row.onsite_offered { row.onsite_capacity.map_or(0, i64::from) } else { 0 }
            + offered_places.filter_map(|p| p.capacity).map(i64::from).sum::<i64>();
        let pooled_any = cells.pooled_languages.is_some() || cells.pooled_categories.is_some();
        let by_group_reservation = cells
            .groups
            .iter()
            .map(|&(g, room, members)| {
                let (reservation, room) = (&data.group_reservations[g], &places[room]);
                let members = c(members);
                GroupReservationReport {
                    categories: reservation.categories.clone(),
                    place_id: room.place_id,
                    name: room.name.clone(),
                    reserved: reservation.seats,
                    members_confirmed: members,
                    taken: members.map(|n| n.min(reservation.seats)),
                }
            })
            .collect();
        EventReport {
            event_id: row.event_id,
            generated_at: row.generated_at,
            data_as_of: row.generated_at,
            event_ended: row.ended,
            suppressed: shown.any_hidden() || pooled_any,
            totals: Totals {
                confirmed: c(cells.confirmed),
                waitlisted: c(cells.waitlisted),
                cancelled: c(cells.cancelled),
                attended: c(cells.attended),
                no_show: cells.no_show.map_or(Some(0), c),
                fallback_applied: c(cells.fallback),
                reached_before_event: c(cells.reached),
            },
            by_mode: ByMode {
                online: mode_counts(
                    &cells.online,
                    row.online_offered,
                    row.online_capacity.map(i64::from),
                    reasons.map(|r| &r.online[..]),
                ),
                onsite: mode_counts(
                    &cells.onsite,
                    onsite_offered,
                    Some(onsite_capacity),
                    reasons.map(|r| &r.onsite[..]),
                ),
            },
            needs: Needs {
                physical_space: PhysicalSpace {
                    requested: c(cells.space_requested),
                    seated: c(cells.seated),
                    waitlisted: c(cells.space_waitlisted),
                },
                transport: c(cells.transport),
                interpretation,
                accessibility: c(cells.accessibility),
            },
            barriers: barriers_shown(cells.barriers.iter().map(|(kind, b)| (*kind, b)), &shown),
            by_place,
            by_group_reservation,
            by_stakeholder_category,
            interests,
            attended_by_source: cells.attendance.by_source(&shown),
            online_minutes: cells.attendance.online_minutes(row, &shown, below),
            no_show_reasons: reasons_shown(reasons.map(|r| &r.total[..]), &shown),
            offers: OfferCounts {
                made: c(cells.offers.made),
                accepted: c(cells.offers.accepted),
                declined: c(cells.offers.declined),
                expired: c(cells.offers.expired),
                open: c(cells.offers.open),
            },
            reminders: ReminderCounts {
                created: c(cells.reminders.created),
                reached: c(cells.reminders.reached),
                failed: c(cells.reminders.failed),
                open: c(cells.reminders.open),
            },
            outcome: Outcome::of(
                row.event_id,
                data.follow_up.outcome.clone(),
                data.follow_up.actions.clone(),
            ),
            previous_open_actions: data
                .follow_up
                .previous_open_actions
                .iter()
                .cloned()
                .map(Action::from)
                .collect(),
        }
    }
}

/// The columns of `GET /events/{id}/attendance.csv`, in order.
pub const ATTENDANCE_CSV_HEADER: [&str; 13] = [
    "registration_id",
    "full_name",
    "stakeholder_category",
    "attendance_mode",
    "status",
    "needs_physical_space",
    "needs_transport",
    "interpretation_language",
    "checked_in_at",
    // Appended last, so readers of the earlier columns by position keep working.
    "place",
    "check_in_source",
    "minutes",
    "no_show_reason",
];

/// CSV lines (RFC 4180: CRLF, quotes only where needed) for a page of the attendance list;
/// `with_header` puts the header row first. An erased name is an empty cell; times are at the
/// offset of the event's time zone (`zone`).
pub fn attendance_csv(rows: &[AttendanceRow], with_header: bool, zone: Tz) -> Vec<u8> {
    let mut writer = csv_writer();
    if with_header {
        writer.write_record(ATTENDANCE_CSV_HEADER).expect("writing to memory");
    }
    for row in rows {
        let id = row.id.to_string();
        let checked_in = row.checked_in_at.map(|at| local_rfc3339(at, zone)).unwrap_or_default();
        let minutes = row.check_in_minutes.map(|m| m.to_string()).unwrap_or_default();
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
            row.place().unwrap_or(""),
            row.check_in_source.map_or("", |source| source.as_str()),
            &minutes,
            row.no_show_reason.map_or("", |reason| reason.as_str()),
        ];
        writer
            .write_record(cells.iter().map(|cell| formula_safe(cell).into_owned()))
            .expect("writing to memory");
    }
    writer.into_inner().expect("flushing to memory")
}

/// The first chunk of a CSV file: the byte-order mark when `bom`, then `lines`.
pub fn csv_start(bom: bool, lines: Vec<u8>) -> Vec<u8> {
    if bom {
        [UTF8_BOM, &lines].concat()
    } else {
        lines
    }
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

/// Attendance over many events: one page of rows, one per event, and the sums over every
/// event of the filter.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"events": [{"event_id": "19901b3b-3b77-5de1-825f-42677a918e1e", "title": "Third roundtable", "region": "Soria", "series": "Regional platform", "starts_at": "2021-11-24T09:00:00Z", "timezone": "Europe/Madrid", "status": "published", "online": {"confirmed": 18, "attended": 18}, "onsite": {"confirmed": 3, "attended": 3}, "hosted": {"confirmed": 0, "attended": 0}, "physical_space": {"requested": 3, "seated": 3}}], "totals": {"events": 1, "confirmed": 21, "attended": 21, "online_confirmed": 18, "onsite_confirmed": 3, "hosted_confirmed": 0, "hosted_attended": 0, "no_show_reasons": {"not_recorded": 0}}, "suppressed": false, "next_cursor": null, "data_as_of": "2021-11-24T13:59:59.8Z"}))]
pub struct AttendanceSummary {
    /// This page of the events, by `starts_at` ascending (then id).
    pub events: Vec<EventSummary>,
    /// Sums over every event of the filter, on every page alike.
    pub totals: SummaryTotals,
    /// True when `suppress_below` hid at least one count (shown as null).
    pub suppressed: bool,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
    /// Every change committed up to this time is counted: now when the primary counted, the
    /// last change it had replayed when a read replica did (see REPLICA_MAX_LAG_MS).
    pub data_as_of: DateTime<Utc>,
}

/// One event in an attendance summary.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"event_id": "19901b3b-3b77-5de1-825f-42677a918e1e", "title": "Third roundtable", "region": "Soria", "series": "Regional platform", "starts_at": "2021-11-24T09:00:00Z", "timezone": "Europe/Madrid", "status": "published", "online": {"confirmed": 18, "attended": 18}, "onsite": {"confirmed": 3, "attended": 3}, "hosted": {"confirmed": 0, "attended": 0}, "physical_space": {"requested": 3, "seated": 3}}))]
pub struct EventSummary {
    pub event_id: Uuid,
    pub title: String,
    pub region: String,
    pub series: Option<String>,
    pub starts_at: DateTime<Utc>,
    /// The event's IANA time zone; the CSV gives `starts_at` at its offset.
    pub timezone: String,
    /// `draft`, `published` or `cancelled`.
    pub status: String,
    pub online: ModeAttendance,
    pub onsite: ModeAttendance,
    /// Of `onsite`, those at the event's hosted places (places of kind `hosted`, near
    /// people's homes), not at a venue.
    pub hosted: ModeAttendance,
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
#[schema(example = json!({"events": 1, "confirmed": 21, "attended": 21, "online_confirmed": 18, "onsite_confirmed": 3, "hosted_confirmed": 0, "hosted_attended": 0,
    "no_show_reasons": {"transport": 0, "connection": 0, "device": 0, "schedule": 0, "illness": 0, "care_duties": 0,
                        "language": 0, "not_informed": 0, "other": 0, "unknown": 0}}))]
pub struct SummaryTotals {
    /// Number of events the filter matches (never suppressed).
    pub events: i64,
    pub confirmed: Option<i64>,
    pub attended: Option<i64>,
    pub online_confirmed: Option<i64>,
    pub onsite_confirmed: Option<i64>,
    /// Of `onsite_confirmed`, those at hosted places.
    pub hosted_confirmed: Option<i64>,
    /// Of `attended`, those at hosted places.
    pub hosted_attended: Option<i64>,
    /// Confirmed registrations given each no-show reason, over every event of the filter
    /// (an addition to the v1 contract; per event in each event's report).
    #[schema(value_type = BTreeMap<String, Option<i64>>)]
    pub no_show_reasons: NoShowReasons,
}

/// The reasons in the order of `NoShowReason::ALL`, with their counts as shown.
fn summary_reasons(counts: impl IntoIterator<Item = Option<i64>>) -> NoShowReasons {
    NoShowReason::ALL.iter().map(|r| r.as_str().to_owned()).zip(counts).collect()
}

impl EventSummary {
    /// One event's counts, every one shown.
    pub fn of(r: &EventSummaryRow) -> Self {
        EventSummary {
            event_id: r.event_id,
            title: r.title.clone(),
            region: r.region.clone(),
            series: r.series.clone(),
            starts_at: r.starts_at,
            timezone: r.timezone.clone(),
            status: r.status.as_str().to_owned(),
            online: ModeAttendance { confirmed: Some(r.online_confirmed), attended: Some(r.online_attended) },
            onsite: ModeAttendance { confirmed: Some(r.onsite_confirmed), attended: Some(r.onsite_attended) },
            hosted: ModeAttendance { confirmed: Some(r.hosted_confirmed), attended: Some(r.hosted_attended) },
            physical_space: PhysicalSpaceSummary {
                requested: Some(r.physical_space_requested),
                seated: Some(r.physical_space_seated),
            },
        }
    }
}

/// The rows and totals of an attendance summary, as shown.
#[derive(Debug, Clone)]
pub struct SummaryCounts {
    pub events: Vec<EventSummary>,
    pub totals: SummaryTotals,
    pub suppressed: bool,
}

impl SummaryCounts {
    /// Every count as it is: `rows` may be one page of the filter whose `totals` are given.
    pub fn unprotected(rows: &[EventSummaryRow], totals: &SummaryTotalsRow) -> Self {
        SummaryCounts {
            events: rows.iter().map(EventSummary::of).collect(),
            totals: SummaryTotals {
                events: totals.events,
                confirmed: Some(totals.online_confirmed + totals.onsite_confirmed),
                attended: Some(totals.online_attended + totals.onsite_attended),
                online_confirmed: Some(totals.online_confirmed),
                onsite_confirmed: Some(totals.onsite_confirmed),
                hosted_confirmed: Some(totals.hosted_confirmed),
                hosted_attended: Some(totals.hosted_attended),
                no_show_reasons: summary_reasons(totals.no_show_reasons.iter().copied().map(Some)),
            },
            suppressed: false,
        }
    }

    /// The counts of `rows`, which must be every event of the filter, protected together
    /// (`domain::disclosure`): a count hidden in one event's row must not come back as the
    /// total minus the other rows, nor from within its row (the confirmed who did not attend,
    /// those seated without needing a space, those still waiting for one).
    pub fn protected(rows: &[EventSummaryRow], below: i64) -> Self {
        struct RowCells {
            online: (Cell, Cell),
            onsite: (Cell, Cell),
            hosted: (Cell, Cell),
            requested: Cell,
            seated: Cell,
            reasons: Vec<Cell>,
        }
        let mut t = Table::new();
        let mode = |t: &mut Table, confirmed: i64, attended: i64| {
            let (c, a) = (t.published(confirmed), t.published(attended));
            let absent = t.derived(confirmed - attended);
            t.sum(c, &[a, absent]);
            (c, a)
        };
        let cells: Vec<RowCells> = rows
            .iter()
            .map(|r| {
                let online = mode(&mut t, r.online_confirmed, r.online_attended);
                let onsite = mode(&mut t, r.onsite_confirmed, r.onsite_attended);
                let confirmed = t.derived(r.online_confirmed + r.onsite_confirmed);
                t.sum(confirmed, &[online.0, onsite.0]);
                let seated = t.published(r.physical_space_seated);
                let without_need =
                    t.derived(r.online_confirmed + r.onsite_confirmed - r.physical_space_seated);
                t.sum(confirmed, &[seated, without_need]);
                let requested = t.published(r.physical_space_requested);
                let waiting = t.derived(r.physical_space_requested - r.physical_space_seated);
                t.sum(requested, &[seated, waiting]);
                // Hosted places are part of onsite: those elsewhere onsite (at a venue) are
                // implied, confirmed and attended alike.
                let hosted = mode(&mut t, r.hosted_confirmed, r.hosted_attended);
                let venue_confirmed = t.derived(r.onsite_confirmed - r.hosted_confirmed);
                let venue_attended = t.derived(r.onsite_attended - r.hosted_attended);
                let venue_absent = t.derived(t.value(venue_confirmed) - t.value(venue_attended));
                t.sum(venue_confirmed, &[venue_attended, venue_absent]);
                t.sum(onsite.0, &[hosted.0, venue_confirmed]);
                t.sum(onsite.1, &[hosted.1, venue_attended]);
                // Those given a reason are among the confirmed who did not attend; each
                // event's own counts are not shown here, only their totals.
                let reasons: Vec<Cell> = r.no_show_reasons.iter().map(|&n| t.derived(n)).collect();
                let unexplained = t.derived(
                    r.online_confirmed + r.onsite_confirmed
                        - r.online_attended
                        - r.onsite_attended
                        - r.no_show_reasons.iter().sum::<i64>(),
                );
                t.sum(confirmed, &[&[online.1, onsite.1, unexplained][..], &reasons].concat());
                RowCells { online, onsite, hosted, requested, seated, reasons }
            })
            .collect();
        let column = |t: &mut Table, pick: &dyn Fn(&RowCells) -> Vec<Cell>| {
            let parts: Vec<Cell> = cells.iter().flat_map(pick).collect();
            let total = t.published(parts.iter().map(|&p| t.value(p)).sum());
            t.sum(total, &parts);
            total
        };
        let online_confirmed = column(&mut t, &|c| vec![c.online.0]);
        let onsite_confirmed = column(&mut t, &|c| vec![c.onsite.0]);
        let attended = column(&mut t, &|c| vec![c.online.1, c.onsite.1]);
        let confirmed = t.published(t.value(online_confirmed) + t.value(onsite_confirmed));
        t.sum(confirmed, &[online_confirmed, onsite_confirmed]);
        let hosted_confirmed = column(&mut t, &|c| vec![c.hosted.0]);
        let hosted_attended = column(&mut t, &|c| vec![c.hosted.1]);
        let reasons: Vec<Cell> =
            (0..NoShowReason::ALL.len()).map(|k| column(&mut t, &|c| vec![c.reasons[k]])).collect();

        let shown = t.protect(below);
        let c = |cell: Cell| shown.show(cell);
        let events = rows
            .iter()
            .zip(&cells)
            .map(|(r, cells)| EventSummary {
                online: ModeAttendance { confirmed: c(cells.online.0), attended: c(cells.online.1) },
                onsite: ModeAttendance { confirmed: c(cells.onsite.0), attended: c(cells.onsite.1) },
                hosted: ModeAttendance { confirmed: c(cells.hosted.0), attended: c(cells.hosted.1) },
                physical_space: PhysicalSpaceSummary {
                    requested: c(cells.requested),
                    seated: c(cells.seated),
                },
                ..EventSummary::of(r)
            })
            .collect();
        SummaryCounts {
            events,
            totals: SummaryTotals {
                events: rows.len() as i64,
                confirmed: c(confirmed),
                attended: c(attended),
                online_confirmed: c(online_confirmed),
                onsite_confirmed: c(onsite_confirmed),
                hosted_confirmed: c(hosted_confirmed),
                hosted_attended: c(hosted_attended),
                no_show_reasons: summary_reasons(reasons.iter().map(|&cell| c(cell))),
            },
            suppressed: shown.any_hidden(),
        }
    }
}

/// The columns of the aggregated report as CSV, in order.
pub const SUMMARY_CSV_HEADER: [&str; 14] = [
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
    "hosted_confirmed",
    "hosted_attended",
];

/// CSV lines for a chunk of the aggregated report, one per event; `with_header` puts the
/// header row first. A suppressed count is an empty cell.
pub fn summary_csv(events: &[EventSummary], with_header: bool) -> Vec<u8> {
    let mut writer = csv_writer();
    if with_header {
        writer.write_record(SUMMARY_CSV_HEADER).expect("writing to memory");
    }
    let n = |count: Count| count.map(|n| n.to_string()).unwrap_or_default();
    for e in events {
        let cells = [
            e.event_id.to_string(),
            e.title.clone(),
            e.region.clone(),
            e.series.clone().unwrap_or_default(),
            local_rfc3339(e.starts_at, event_zone(&e.timezone)),
            e.status.clone(),
            n(e.online.confirmed),
            n(e.online.attended),
            n(e.onsite.confirmed),
            n(e.onsite.attended),
            n(e.physical_space.requested),
            n(e.physical_space.seated),
            n(e.hosted.confirmed),
            n(e.hosted.attended),
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
    /// Hide counts from 1 to N-1 on the page (and those that would give one away), whatever
    /// the link's reader asks for. The organisation's `report_suppress_below` is a floor.
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
