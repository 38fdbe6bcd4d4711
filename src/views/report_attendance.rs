//! How people attended, in the event report: attended by the source of their check-in, the
//! minutes of online attendance, and why confirmed people did not come (per mode and room).
//! Their counts join the report's [`Table`], tied to the counts they split, so small-count
//! suppression covers them like any other (`domain::disclosure`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::reports::{EventCountsRow, NoShowReasonRow, PlaceCountsRow};
use crate::domain::attendance::NoShowReason;
use crate::domain::disclosure::{Cell, Protected, Table};
use crate::domain::seats::Mode;

/// The key of the no-shows whom nobody gave a reason.
pub const NOT_RECORDED: &str = "not_recorded";

/// No-shows by reason (`transport`, `connection`, …, `unknown`) and `not_recorded`, which
/// add up to the no-shows they split; every key is always there, 0 until the event has
/// ended (as `no_show` is). Null where suppressed.
pub type NoShowReasons = BTreeMap<String, Option<i64>>;

/// Attended (confirmed, checked in) by how the check-in was made; they add up to
/// `totals.attended`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"onsite": 3, "online_import": 16, "manual": 2}))]
pub struct AttendedBySource {
    /// At the door of a room (the main venue or a place).
    pub onsite: Option<i64>,
    /// From the video platform's participant list.
    pub online_import: Option<i64>,
    /// By an organiser's hand.
    pub manual: Option<i64>,
}

/// The minutes of online attendance (registrations attending online, checked in with their
/// minutes known).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"minimum": 45, "with_minutes": 18, "at_or_above_minimum": 16,
    "share_at_or_above_minimum": 0.889, "median": 150.0}))]
pub struct OnlineMinutes {
    /// The event's minimum (`effective_online_attendance_min_minutes` of the event).
    pub minimum: i32,
    /// Online check-ins whose minutes are known (part of `by_mode.online.attended`).
    pub with_minutes: Option<i64>,
    /// Of those, at or above the minimum.
    pub at_or_above_minimum: Option<i64>,
    /// `at_or_above_minimum / with_minutes`, rounded to three places; null when either is
    /// hidden or none is known.
    pub share_at_or_above_minimum: Option<f64>,
    /// The median of their minutes; null when none is known, and under `suppress_below` when
    /// fewer than that many are known or the counts above are hidden (a median of a few
    /// people tells their minutes).
    pub median: Option<f64>,
}

/// The no-show reason counts of a report's groups: the event, each mode, each room (in the
/// order of `by_place`). Each group is the reasons then [`NOT_RECORDED`], and adds up to
/// that group's no-shows. Only once the event has ended.
pub struct ReasonCells {
    pub total: Vec<Cell>,
    pub online: Vec<Cell>,
    pub onsite: Vec<Cell>,
    pub places: Vec<Vec<Cell>>,
}

/// The attendance counts of a report in its table.
pub struct AttendanceCells {
    /// Onsite, online import, manual.
    sources: [Cell; 3],
    with_minutes: Cell,
    at_or_above_minimum: Cell,
    pub reasons: Option<ReasonCells>,
}

/// The no-show cells the reason counts split: the event's, each mode's, each room's.
pub struct NoShowCells<'a> {
    pub total: Cell,
    pub online: Cell,
    pub onsite: Cell,
    pub places: &'a [Cell],
}

/// Declares `total = Σ parts` when it holds, else `total = Σ parts + the rest`, the rest
/// implied (a registration at a place the event no longer offers).
pub fn partition(t: &mut Table, total: Cell, parts: &[Cell]) {
    let rest = t.value(total) - parts.iter().map(|&p| t.value(p)).sum::<i64>();
    if rest == 0 {
        t.sum(total, parts);
    } else {
        let rest = t.derived(rest);
        t.sum(total, &[parts, &[rest]].concat());
    }
}

/// The reasons of one group, then those not recorded, tied to the group's `no_show`.
fn reason_group(
    t: &mut Table,
    no_show: Cell,
    rows: &[NoShowReasonRow],
    of: impl Fn(&NoShowReasonRow) -> bool,
) -> Vec<Cell> {
    let mut cells: Vec<Cell> = NoShowReason::ALL
        .iter()
        .map(|&reason| t.published(rows.iter().filter(|r| r.reason == reason && of(r)).map(|r| r.n).sum()))
        .collect();
    let given: i64 = cells.iter().map(|&c| t.value(c)).sum();
    cells.push(t.published(t.value(no_show) - given));
    t.sum(no_show, &cells);
    cells
}

impl AttendanceCells {
    /// Adds the attendance counts of `row` to `t`: the sources split `attended`, the online
    /// minutes part of `online_attended`, and (once ended) the reasons split the no-shows.
    pub fn of(
        t: &mut Table,
        row: &EventCountsRow,
        (attended, online_attended): (Cell, Cell),
        no_shows: Option<NoShowCells>,
        rooms: &[PlaceCountsRow],
        rows: &[NoShowReasonRow],
    ) -> Self {
        let sources = [
            t.published(row.attended_onsite_source),
            t.published(row.attended_online_import),
            t.published(row.attended_manual),
        ];
        t.sum(attended, &sources);
        let with_minutes = t.published(row.online_with_minutes);
        let at_or_above_minimum = t.published(row.online_at_or_above_minimum);
        let below_minimum = t.derived(row.online_with_minutes - row.online_at_or_above_minimum);
        t.sum(with_minutes, &[at_or_above_minimum, below_minimum]);
        let without_minutes = t.derived(t.value(online_attended) - row.online_with_minutes);
        t.sum(online_attended, &[with_minutes, without_minutes]);

        let reasons = no_shows.map(|no_shows| {
            let online = reason_group(t, no_shows.online, rows, |r| r.attendance_mode == Mode::Online);
            let onsite = reason_group(t, no_shows.onsite, rows, |r| r.attendance_mode == Mode::Onsite);
            let total: Vec<Cell> = online
                .iter()
                .zip(&onsite)
                .map(|(&on, &os)| {
                    let cell = t.published(t.value(on) + t.value(os));
                    t.sum(cell, &[on, os]);
                    cell
                })
                .collect();
            t.sum(no_shows.total, &total);
            let places: Vec<Vec<Cell>> = rooms
                .iter()
                .zip(no_shows.places)
                .map(|(room, &no_show)| {
                    reason_group(t, no_show, rows, |r| {
                        r.attendance_mode == Mode::Onsite && r.place_id == room.place_id
                    })
                })
                .collect();
            if !places.is_empty() {
                for (k, &onsite_reason) in onsite.iter().enumerate() {
                    let parts: Vec<Cell> = places.iter().map(|cells| cells[k]).collect();
                    partition(t, onsite_reason, &parts);
                }
            }
            ReasonCells { total, online, onsite, places }
        });
        AttendanceCells { sources, with_minutes, at_or_above_minimum, reasons }
    }

    pub fn by_source(&self, shown: &Protected) -> AttendedBySource {
        let [onsite, online_import, manual] = self.sources.map(|cell| shown.show(cell));
        AttendedBySource { onsite, online_import, manual }
    }

    /// The minutes as shown under `below`: the share and the median only beside the counts
    /// they come from, and the median of no fewer than `below` people.
    pub fn online_minutes(&self, row: &EventCountsRow, shown: &Protected, below: i64) -> OnlineMinutes {
        let with_minutes = shown.show(self.with_minutes);
        let at_or_above_minimum = shown.show(self.at_or_above_minimum);
        let share = match (with_minutes, at_or_above_minimum) {
            (Some(all), Some(above)) if all > 0 => {
                Some((above as f64 / all as f64 * 1000.0).round() / 1000.0)
            }
            _ => None,
        };
        let enough = with_minutes.is_some_and(|n| n >= below.max(1));
        OnlineMinutes {
            minimum: row.online_attendance_min_minutes,
            with_minutes,
            at_or_above_minimum,
            share_at_or_above_minimum: share,
            median: row.online_minutes_median.filter(|_| enough && share.is_some()),
        }
    }
}

/// The reasons of one group as shown: every key, 0 before the end.
pub fn reasons_shown(cells: Option<&[Cell]>, shown: &Protected) -> NoShowReasons {
    let keys = NoShowReason::ALL.iter().map(|r| r.as_str()).chain([NOT_RECORDED]);
    match cells {
        Some(cells) => keys.zip(cells).map(|(key, &cell)| (key.to_owned(), shown.show(cell))).collect(),
        None => keys.map(|key| (key.to_owned(), Some(0))).collect(),
    }
}
