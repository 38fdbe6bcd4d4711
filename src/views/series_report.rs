//! The series report (`GET /series/{id}/report`): who took part over the series, as JSON and
//! CSV, with small-count protection over all its counts at once (`domain::disclosure`): the
//! same table of sums ties every event's participants to their modes, rooms, categories and
//! to new, returning and not linked, the returning to the cohorts they came from, and the
//! series' totals to the events, so no hidden count follows from the others.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::reports::BarrierCountsRow;
use crate::db::series_report::SeriesReportData;
use crate::domain::barriers::BarrierKind;
use crate::domain::disclosure::{Cell, Protected, Table};
use crate::domain::series_report::{count, EventCounts};
use crate::views::events::EventStatusView;
use crate::views::registrations::StakeholderCategory;
use crate::views::reports::{barrier_row, barriers_shown, csv_writer, BarrierCells, BarrierCounts};

/// Who took part over a series of events.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "series_id": "0193a5b0-7c1e-7d2a-9f00-1a2b3c4d5e80", "name": "Regional multi-stakeholder cooperation platform",
    "region": "Soria", "generated_at": "2021-11-25T09:00:00Z", "data_as_of": "2021-11-25T08:59:59.8Z",
    "suppressed": false,
    "totals": {"participations": 38, "people": 20, "not_linked": 9, "migrants_and_refugees": 9,
               "migrants_and_refugees_share": 0.237, "barriers": {"transport": {"raised": 4, "arranged": 3, "unresolved": 1}}},
    "events": [{"event_id": "0193a5b0-7c1e-7d2a-9f00-1a2b3c4d5e6f", "title": "Third regional roundtable",
                "starts_at": "2021-11-24T09:00:00Z", "status": "published", "participants": 21, "new": 6,
                "returning": 9, "not_linked": 6, "by_mode": {"online": 18, "onsite": 3},
                "by_place": [{"place_id": null, "name": "CEPAIM Soria", "kind": "venue", "participants": 3}],
                "by_stakeholder_category": {"migrant": 3, "refugee": 2, "migrant_led_organisation": 2, "ngo": 6,
                                            "regional_authority": 3, "public_agency": 2, "volunteer": 3, "other": 0},
                "migrants_and_refugees": 5, "migrants_and_refugees_share": 0.238,
                "barriers": {"transport": {"raised": 4, "arranged": 3, "unresolved": 1}}}],
    "cohorts": [{"event_id": "0193a5b0-7c1e-7d2a-9f00-1a2b3c4d5e6f", "size": 6, "came_to": []}]}))]
pub struct SeriesReport {
    pub series_id: Uuid,
    pub name: String,
    pub region: Option<String>,
    pub generated_at: DateTime<Utc>,
    /// Every change committed up to this time is counted: when the primary counted, or the
    /// last change it had replayed when a read replica did (see REPLICA_MAX_LAG_MS).
    pub data_as_of: DateTime<Utc>,
    /// True when `suppress_below` hid at least one count (shown as null).
    pub suppressed: bool,
    pub totals: SeriesTotals,
    /// Every event of the series but drafts, by start.
    pub events: Vec<SeriesEventReport>,
    /// Per event, the people first seen there (linked across events) and how many of them
    /// came to each later event: the first is the retention of the series' first event.
    pub cohorts: Vec<Cohort>,
}

/// The whole series.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"participations": 38, "people": 20, "not_linked": 9, "migrants_and_refugees": 9,
    "migrants_and_refugees_share": 0.237, "barriers": {"transport": {"raised": 4, "arranged": 3, "unresolved": 1}}}))]
pub struct SeriesTotals {
    /// Participants summed over the events (a person at three events counts three times).
    pub participations: Option<i64>,
    /// Different people linked across events who took part at least once (each is new once).
    pub people: Option<i64>,
    /// Participations without the `link_across_events` consent: they cannot be told apart.
    pub not_linked: Option<i64>,
    pub migrants_and_refugees: Option<i64>,
    /// `migrants_and_refugees / participations`, to three decimals; null when either is
    /// hidden or there were none.
    pub migrants_and_refugees_share: Option<f64>,
    /// The events' barrier counts summed: registrations (a person at three events counts
    /// three times) listing each barrier, arranged and unresolved.
    pub barriers: BTreeMap<String, BarrierCounts>,
}

/// One event of the series. Participants are the confirmed registrations that attended (checked
/// in, onsite or online); a person linked across events counts once.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"event_id": "0193a5b0-7c1e-7d2a-9f00-1a2b3c4d5e6f", "title": "Third regional roundtable",
    "starts_at": "2021-11-24T09:00:00Z", "status": "published", "participants": 21, "new": 6, "returning": 9,
    "not_linked": 6, "by_mode": {"online": 18, "onsite": 3},
    "by_place": [{"place_id": null, "name": "CEPAIM Soria", "kind": "venue", "participants": 3}],
    "by_stakeholder_category": {"migrant": 3, "refugee": 2}, "migrants_and_refugees": 5,
    "migrants_and_refugees_share": 0.238, "barriers": {"transport": {"raised": 4, "arranged": 3, "unresolved": 1}}}))]
pub struct SeriesEventReport {
    pub event_id: Uuid,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub status: EventStatusView,
    /// `new + returning + not_linked`.
    pub participants: Option<i64>,
    /// Linked people at their first event of the series.
    pub new: Option<i64>,
    /// Linked people who took part in an earlier event of the series.
    pub returning: Option<i64>,
    /// Participants without the `link_across_events` consent.
    pub not_linked: Option<i64>,
    pub by_mode: SeriesModes,
    /// Onsite participants per room: the main venue, then each place the event offers.
    pub by_place: Vec<SeriesPlace>,
    /// Participants by stakeholder category, every category of the vocabulary.
    pub by_stakeholder_category: BTreeMap<String, Option<i64>>,
    /// Participants of the categories `migrant` and `refugee`.
    pub migrants_and_refugees: Option<i64>,
    /// `migrants_and_refugees / participants`, to three decimals; null when either is hidden
    /// or there were none.
    pub migrants_and_refugees_share: Option<f64>,
    /// Non-cancelled registrations (not only participants: a barrier may be what kept one
    /// away) listing each barrier of the vocabulary, and of them those arranged and those
    /// unresolved, as in the event's report.
    pub barriers: BTreeMap<String, BarrierCounts>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"online": 18, "onsite": 3}))]
/// Participants per mode.
pub struct SeriesModes {
    pub online: Option<i64>,
    pub onsite: Option<i64>,
}

/// Onsite participants of one room.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"place_id": null, "name": "CEPAIM Soria", "kind": "venue", "participants": 3}))]
pub struct SeriesPlace {
    /// Null for the event's main venue.
    pub place_id: Option<Uuid>,
    pub name: Option<String>,
    /// `venue` or `hosted`.
    pub kind: String,
    pub participants: Option<i64>,
}

/// The people first seen at one event, and where they came back.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"event_id": "0193a5b0-7c1e-7d2a-9f00-1a2b3c4d5e6f", "size": 6,
    "came_to": [{"event_id": "0193a5b0-7c1e-7d2a-9f00-1a2b3c4d5e7a", "people": 4}]}))]
pub struct Cohort {
    pub event_id: Uuid,
    /// The event's `new`.
    pub size: Option<i64>,
    /// Each later event, in order: how many of them took part in it.
    pub came_to: Vec<CohortReturn>,
}

/// How many of a cohort took part in one later event.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"event_id": "0193a5b0-7c1e-7d2a-9f00-1a2b3c4d5e7a", "people": 4}))]
pub struct CohortReturn {
    pub event_id: Uuid,
    pub people: Option<i64>,
}

/// The cells of one event in the table of sums.
struct EventCells {
    participants: Cell,
    new: Cell,
    returning: Cell,
    not_linked: Cell,
    online: Cell,
    onsite: Cell,
    rooms: Vec<Cell>,
    categories: Vec<Cell>,
    migrants_and_refugees: Cell,
    /// Per earlier event: the people of its cohort here.
    from_cohort: Vec<Cell>,
    barriers: Vec<BarrierCells>,
}

struct SeriesCells {
    table: Table,
    events: Vec<EventCells>,
    participations: Cell,
    people: Cell,
    not_linked: Cell,
    migrants_and_refugees: Cell,
    barriers: Vec<BarrierCells>,
}

fn category_keys() -> Vec<&'static str> {
    StakeholderCategory::ALL.iter().map(|c| c.as_str()).collect()
}

/// The table of sums of a series: `event_ids` in order, with their `counts` and `barriers`.
fn cells_of(
    event_ids: &[Uuid],
    counts: &[EventCounts],
    categories: &[&str],
    barriers: &[BarrierCountsRow],
) -> SeriesCells {
    let mut table = Table::new();
    let position =
        |key: &str| categories.iter().position(|c| *c == key).expect("a category of the vocabulary");
    let (migrant, refugee) = (position("migrant"), position("refugee"));
    let mut events: Vec<EventCells> = Vec::with_capacity(counts.len());
    for (&event_id, event) in event_ids.iter().zip(counts) {
        let participants = table.published(event.participants);
        let new = table.published(event.new);
        let returning = table.published(event.returning);
        let not_linked = table.published(event.not_linked);
        table.sum(participants, &[new, returning, not_linked]);
        let online = table.published(event.online);
        let onsite = table.published(event.onsite);
        table.sum(participants, &[online, onsite]);
        let rooms: Vec<Cell> = event.rooms.iter().map(|&n| table.published(n)).collect();
        table.sum(onsite, &rooms);
        let category_cells: Vec<Cell> = event.categories.iter().map(|&n| table.published(n)).collect();
        table.sum(participants, &category_cells);
        let migrants_and_refugees = table.published(event.categories[migrant] + event.categories[refugee]);
        table.sum(migrants_and_refugees, &[category_cells[migrant], category_cells[refugee]]);
        let from_cohort: Vec<Cell> = event.from_cohort.iter().map(|&n| table.published(n)).collect();
        table.sum(returning, &from_cohort);
        // Those of each earlier cohort who did not come are never shown, but follow.
        for (first, (&came, &cell)) in event.from_cohort.iter().zip(&from_cohort).enumerate() {
            let stayed_away = table.derived(counts[first].new - came);
            table.sum(events[first].new, &[cell, stayed_away]);
        }
        // Barriers stand apart from the participants (they count every registration), each
        // kind's raised split into arranged, unresolved and still raised.
        let barrier_cells = BarrierKind::ALL
            .into_iter()
            .map(|kind| {
                let found = barrier_row(barriers, event_id, kind);
                let raised = table.published(found.map_or(0, |b| b.raised));
                BarrierCells::split(&mut table, raised, found)
            })
            .collect();
        events.push(EventCells {
            participants,
            new,
            returning,
            not_linked,
            online,
            onsite,
            rooms,
            categories: category_cells,
            migrants_and_refugees,
            from_cohort,
            barriers: barrier_cells,
        });
    }
    let mut total = |of: &dyn Fn(&EventCells) -> Cell, values: i64| {
        let cell = table.published(values);
        table.sum(cell, &events.iter().map(of).collect::<Vec<_>>());
        cell
    };
    let participations = total(&|e| e.participants, counts.iter().map(|c| c.participants).sum());
    let people = total(&|e| e.new, counts.iter().map(|c| c.new).sum());
    let not_linked = total(&|e| e.not_linked, counts.iter().map(|c| c.not_linked).sum());
    let migrants_and_refugees = total(
        &|e| e.migrants_and_refugees,
        counts.iter().map(|c| c.categories[migrant] + c.categories[refugee]).sum(),
    );
    let barriers = (0..BarrierKind::ALL.len())
        .map(|k| {
            let mut sum_of = |part: fn(&BarrierCells) -> Cell| {
                let parts: Vec<Cell> = events.iter().map(|e| part(&e.barriers[k])).collect();
                let cell = table.published(parts.iter().map(|&p| table.value(p)).sum());
                table.sum(cell, &parts);
                cell
            };
            BarrierCells {
                raised: sum_of(|b| b.raised),
                arranged: sum_of(|b| b.arranged),
                unresolved: sum_of(|b| b.unresolved),
            }
        })
        .collect();
    SeriesCells { table, events, participations, people, not_linked, migrants_and_refugees, barriers }
}

/// A share to three decimals, when both counts are shown and the whole is not zero.
fn share(part: Option<i64>, whole: Option<i64>) -> Option<f64> {
    match (part, whole) {
        (Some(part), Some(whole)) if whole > 0 => {
            Some((part as f64 / whole as f64 * 1000.0).round() / 1000.0)
        }
        _ => None,
    }
}

impl SeriesReport {
    /// The report of `data`, every count from 1 to `below - 1` hidden with its complements
    /// (none with `below` of 1 or none).
    pub fn build(data: &SeriesReportData, below: Option<i64>, generated_at: DateTime<Utc>) -> Self {
        let categories = category_keys();
        let ids: Vec<Uuid> = data.events.iter().map(|e| e.id).collect();
        let (counts, rooms) = count(&ids, &data.room_infos(), &data.attended, &categories);
        let cells = cells_of(&ids, &counts, &categories, &data.barriers);
        let shown: Protected = cells.table.protect(below.unwrap_or(0));
        let c = |cell: Cell| shown.show(cell);
        let events = data
            .events
            .iter()
            .zip(&cells.events)
            .zip(&rooms)
            .map(|((event, e), event_rooms)| SeriesEventReport {
                event_id: event.id,
                title: event.title.clone(),
                starts_at: event.starts_at,
                status: event.status.into(),
                participants: c(e.participants),
                new: c(e.new),
                returning: c(e.returning),
                not_linked: c(e.not_linked),
                by_mode: SeriesModes { online: c(e.online), onsite: c(e.onsite) },
                by_place: event_rooms
                    .iter()
                    .zip(&e.rooms)
                    .map(|(place_id, &cell)| {
                        let room =
                            data.rooms.iter().find(|r| r.event_id == event.id && r.place_id == *place_id);
                        SeriesPlace {
                            place_id: *place_id,
                            name: room.and_then(|r| r.name.clone()),
                            kind: room.map_or_else(|| "venue".to_owned(), |r| r.kind.clone()),
                            participants: c(cell),
                        }
                    })
                    .collect(),
                by_stakeholder_category: categories
                    .iter()
                    .zip(&e.categories)
                    .map(|(key, &cell)| ((*key).to_owned(), c(cell)))
                    .collect(),
                migrants_and_refugees: c(e.migrants_and_refugees),
                migrants_and_refugees_share: share(c(e.migrants_and_refugees), c(e.participants)),
                barriers: barriers_shown(BarrierKind::ALL.into_iter().zip(&e.barriers), &shown),
            })
            .collect();
        let cohorts = data
            .events
            .iter()
            .enumerate()
            .map(|(first, event)| Cohort {
                event_id: event.id,
                size: c(cells.events[first].new),
                came_to: data
                    .events
                    .iter()
                    .zip(&cells.events)
                    .skip(first + 1)
                    .map(|(later, e)| CohortReturn { event_id: later.id, people: c(e.from_cohort[first]) })
                    .collect(),
            })
            .collect();
        let participations = c(cells.participations);
        let migrants_and_refugees = c(cells.migrants_and_refugees);
        SeriesReport {
            series_id: data.series.id,
            name: data.series.name.clone(),
            region: data.series.region.clone(),
            generated_at,
            data_as_of: generated_at,
            suppressed: shown.any_hidden(),
            totals: SeriesTotals {
                participations,
                people: c(cells.people),
                not_linked: c(cells.not_linked),
                migrants_and_refugees,
                migrants_and_refugees_share: share(migrants_and_refugees, participations),
                barriers: barriers_shown(BarrierKind::ALL.into_iter().zip(&cells.barriers), &shown),
            },
            events,
            cohorts,
        }
    }

    /// How many of the people first seen at the series' first event took part in its
    /// `index`-th event (all of them at the first); None when hidden.
    pub fn from_first_event(&self, index: usize) -> Option<i64> {
        let first = self.cohorts.first()?;
        match index {
            0 => first.size,
            later => first.came_to.get(later - 1)?.people,
        }
    }

    /// One row per event: its counts, how many of the series' first event's people took part
    /// (`from_first_event`), a column per stakeholder category, and three per barrier
    /// (`barrier_<kind>_raised`, `_arranged`, `_unresolved`); a hidden count is an empty cell.
    pub fn csv(&self) -> Vec<u8> {
        let categories = category_keys();
        let mut writer = csv_writer();
        let mut header = vec![
            "event_id",
            "title",
            "starts_at",
            "status",
            "participants",
            "new",
            "returning",
            "not_linked",
            "from_first_event",
            "online",
            "onsite",
            "migrants_and_refugees",
            "migrants_and_refugees_share",
        ];
        let category_columns: Vec<String> = categories.iter().map(|c| format!("category_{c}")).collect();
        header.extend(category_columns.iter().map(String::as_str));
        let barrier_columns: Vec<String> = BarrierKind::ALL
            .iter()
            .flat_map(|k| {
                ["raised", "arranged", "unresolved"].map(|part| format!("barrier_{}_{part}", k.as_str()))
            })
            .collect();
        header.extend(barrier_columns.iter().map(String::as_str));
        writer.write_record(&header).expect("writing to memory");
        let cell = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
        for (index, event) in self.events.iter().enumerate() {
            let from_first = self.from_first_event(index);
            let mut record = vec![
                event.event_id.to_string(),
                event.title.clone(),
                event.starts_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                crate::domain::events::EventStatus::from(event.status).as_str().to_owned(),
                cell(event.participants),
                cell(event.new),
                cell(event.returning),
                cell(event.not_linked),
                cell(from_first),
                cell(event.by_mode.online),
                cell(event.by_mode.onsite),
                cell(event.migrants_and_refugees),
                event.migrants_and_refugees_share.map(|s| s.to_string()).unwrap_or_default(),
            ];
            record.extend(
                categories.iter().map(|c| cell(event.by_stakeholder_category.get(*c).copied().flatten())),
            );
            for kind in BarrierKind::ALL {
                let counts = event.barriers.get(kind.as_str());
                record.push(cell(counts.and_then(|b| b.raised)));
                record.push(cell(counts.and_then(|b| b.arranged)));
                record.push(cell(counts.and_then(|b| b.unresolved)));
            }
            writer.write_record(&record).expect("writing to memory");
        }
        writer.into_inner().expect("writing to memory")
    }
}
