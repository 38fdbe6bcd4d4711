//! The attacker's audit of the series report: random series of small events are reported at
//! random thresholds, the report's own sums are written down (each event's participants as
//! new + returning + not linked, as modes, rooms and categories; migrants and refugees; the
//! returning as what each earlier cohort brought; each cohort as those who came plus those
//! who did not; the series' totals as the events'), and the exact solver of `disclosure.rs`
//! must find at least two values for every hidden count and every small implied one.

use std::collections::BTreeMap;

use chrono::{Duration, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::Value;
use uuid::Uuid;

use hybrid_events::db::reports::BarrierCountsRow;
use hybrid_events::db::series_report::{SeriesEventRow, SeriesHead, SeriesReportData, SeriesRoomRow};
use hybrid_events::domain::barriers::BarrierKind;
use hybrid_events::domain::events::EventStatus;
use hybrid_events::domain::seats::Mode;
use hybrid_events::domain::series_report::AttendedGroup;
use hybrid_events::views::series_report::SeriesReport;

use super::disclosure::{Audit, Term};

const CATEGORIES: [&str; 8] = [
    "migrant",
    "refugee",
    "migrant_led_organisation",
    "ngo",
    "regional_authority",
    "public_agency",
    "volunteer",
    "other",
];
const DRAWN: [&str; 4] = ["migrant", "refugee", "ngo", "volunteer"];
/// The counts of one barrier, `raised` first.
const PARTS: [&str; 3] = ["raised", "arranged", "unresolved"];

/// (event, first event, onsite, place, category) of an attended group.
type GroupKey = (usize, Option<usize>, bool, Option<Uuid>, &'static str);

/// A person of the generated series: linked or not, their category, and per event whether
/// they took part and where (None: online; Some(room)).
#[derive(Debug)]
struct Someone {
    linked: bool,
    category: &'static str,
    at: Vec<Option<Option<usize>>>,
}

fn random_series(rng: &mut StdRng, events: usize, people: usize) -> (SeriesReportData, Vec<Someone>) {
    let ids: Vec<Uuid> = (0..events).map(|_| Uuid::new_v4()).collect();
    let rooms_per_event: Vec<usize> = (0..events).map(|_| rng.random_range(1..=2)).collect();
    let someone = |rng: &mut StdRng| Someone {
        linked: rng.random_bool(0.7),
        category: DRAWN[rng.random_range(0..DRAWN.len())],
        at: rooms_per_event
            .iter()
            .map(|&rooms| {
                rng.random_bool(0.5).then(|| rng.random_bool(0.5).then(|| rng.random_range(0..rooms)))
            })
            .collect(),
    };
    let people: Vec<Someone> = (0..people).map(|_| someone(rng)).collect();
    let mut rooms = Vec::new();
    let mut place_ids: Vec<Vec<Option<Uuid>>> = Vec::new();
    for (event, &count) in ids.iter().zip(&rooms_per_event) {
        let mut ids_here = vec![None];
        ids_here.extend((1..count).map(|_| Some(Uuid::new_v4())));
        for (i, place_id) in ids_here.iter().enumerate() {
            rooms.push(SeriesRoomRow {
                event_id: *event,
                place_id: *place_id,
                name: Some(format!("room {i}")),
                kind: if i == 0 { "venue".into() } else { "hosted".into() },
            });
        }
        place_ids.push(ids_here);
    }
    let mut groups: BTreeMap<GroupKey, i64> = BTreeMap::new();
    for person in &people {
        let first = person.at.iter().position(Option::is_some).filter(|_| person.linked);
        for (event, attendance) in person.at.iter().enumerate() {
            if let Some(room) = attendance {
                let place = room.and_then(|r| place_ids[event][r]);
                *groups.entry((event, first, room.is_some(), place, person.category)).or_default() += 1;
            }
        }
    }
    // Barriers from a stream of their own, so that the people of every seed stay the same.
    let mut barrier_rng = StdRng::seed_from_u64(ids.len() as u64 * 31 + people.len() as u64);
    let mut barriers = Vec::new();
    for id in &ids {
        for kind in [BarrierKind::Transport, BarrierKind::LanguageConfidence] {
            let raised = barrier_rng.random_range(0..6);
            let arranged = barrier_rng.random_range(0..=raised);
            let unresolved = barrier_rng.random_range(0..=raised - arranged);
            if raised > 0 {
                barriers.push(BarrierCountsRow {
                    event_id: *id,
                    barrier: kind.as_str().into(),
                    raised,
                    arranged,
                    unresolved,
                });
            }
        }
    }
    let start = Utc.with_ymd_and_hms(2021, 6, 1, 9, 0, 0).unwrap();
    let data = SeriesReportData {
        series: SeriesHead {
            id: Uuid::new_v4(),
            organisation_id: Uuid::new_v4(),
            name: "Soria".into(),
            region: None,
            organisation_suppress_below: None,
        },
        events: ids
            .iter()
            .enumerate()
            .map(|(i, id)| SeriesEventRow {
                id: *id,
                title: format!("Roundtable {i}"),
                starts_at: start + Duration::days(90 * i as i64),
                status: EventStatus::Published,
            })
            .collect(),
        rooms,
        attended: groups
            .into_iter()
            .map(|((event, first, onsite, place_id, category), n)| AttendedGroup {
                event_id: ids[event],
                first_event_id: first.map(|f| ids[f]),
                mode: if onsite { Mode::Onsite } else { Mode::Online },
                place_id,
                category: category.into(),
                n,
            })
            .collect(),
        barriers,
    };
    (data, people)
}

/// Writes down the sums of a series report, shown as `report` (full: the same unprotected),
/// and checks that none of its hidden counts, nor any small count it implies, can be worked out.
fn audit_series_report(report: &Value, full: &Value, below: i64, context: &str) {
    let mut audit = Audit::default();
    let truth = |v: &Value| v.as_i64().expect("the unprotected report shows every count");
    let events = report["events"].as_array().unwrap();
    let full_events = full["events"].as_array().unwrap();
    let mut news: Vec<Term> = Vec::new();
    let (mut participants, mut not_linked, mut migrants_and_refugees) = (Vec::new(), Vec::new(), Vec::new());
    // Per kind, per part (raised, arranged, unresolved): each event's term.
    let mut barrier_terms: Vec<[Vec<Term>; 3]> =
        BarrierKind::ALL.iter().map(|_| Default::default()).collect();
    for (e, (event, whole)) in events.iter().zip(full_events).enumerate() {
        let mut term = |name: &str, shown: &Value, whole: &Value| {
            audit.shown(&format!("{e}.{name}"), shown, truth(whole))
        };
        let p = term("participants", &event["participants"], &whole["participants"]);
        let n = term("new", &event["new"], &whole["new"]);
        let r = term("returning", &event["returning"], &whole["returning"]);
        let u = term("not_linked", &event["not_linked"], &whole["not_linked"]);
        let online = term("online", &event["by_mode"]["online"], &whole["by_mode"]["online"]);
        let onsite = term("onsite", &event["by_mode"]["onsite"], &whole["by_mode"]["onsite"]);
        let rooms: Vec<Term> = event["by_place"]
            .as_array()
            .unwrap()
            .iter()
            .zip(whole["by_place"].as_array().unwrap())
            .enumerate()
            .map(|(i, (room, whole))| {
                term(&format!("room {i}"), &room["participants"], &whole["participants"])
            })
            .collect();
        let categories: Vec<Term> = CATEGORIES
            .iter()
            .map(|c| term(c, &event["by_stakeholder_category"][c], &whole["by_stakeholder_category"][c]))
            .collect();
        let mr =
            term("migrants_and_refugees", &event["migrants_and_refugees"], &whole["migrants_and_refugees"]);
        let cohorts: Vec<Term> = (0..e)
            .map(|first| {
                let path = |v: &Value| v["cohorts"][first]["came_to"][e - first - 1]["people"].clone();
                term(&format!("from cohort {first}"), &path(report), &path(full))
            })
            .collect();
        audit.sum(p, &[n, r, u]);
        audit.sum(p, &[online, onsite]);
        audit.sum(onsite, &rooms);
        audit.sum(p, &categories);
        audit.sum(mr, &[categories[0], categories[1]]);
        audit.sum(r, &cohorts);
        for (first, &came) in cohorts.iter().enumerate() {
            let whole_came = truth(&full["cohorts"][first]["came_to"][e - first - 1]["people"]);
            let stayed = audit.implied(
                &format!("{e}.stayed away from cohort {first}"),
                truth(&full_events[first]["new"]) - whole_came,
                below,
            );
            audit.sum(news[first], &[came, stayed]);
        }
        // A cohort's size is its event's new, shown once in each place.
        let size =
            audit.shown(&format!("{e}.cohort size"), &report["cohorts"][e]["size"], truth(&whole["new"]));
        audit.sum(size, &[n]);
        // Barriers: each kind's raised as arranged + unresolved + still raised (implied).
        for (k, kind) in BarrierKind::ALL.iter().enumerate() {
            let (shown, whole) = (&event["barriers"][kind.as_str()], &whole["barriers"][kind.as_str()]);
            let parts = PARTS.map(|part| {
                audit.shown(&format!("{e}.{} {part}", kind.as_str()), &shown[part], truth(&whole[part]))
            });
            let still = truth(&whole["raised"]) - truth(&whole["arranged"]) - truth(&whole["unresolved"]);
            let still = audit.implied(&format!("{e}.{} still raised", kind.as_str()), still, below);
            audit.sum(parts[0], &[parts[1], parts[2], still]);
            for (terms, part) in barrier_terms[k].iter_mut().zip(parts) {
                terms.push(part);
            }
        }
        news.push(n);
        participants.push(p);
        not_linked.push(u);
        migrants_and_refugees.push(mr);
    }
    let totals = (&report["totals"], &full["totals"]);
    let mut total = |key: &str, parts: &[Term]| {
        let t = audit.shown(&format!("total {key}"), &totals.0[key], truth(&totals.1[key]));
        audit.sum(t, parts);
    };
    total("participations", &participants);
    total("people", &news);
    total("not_linked", &not_linked);
    total("migrants_and_refugees", &migrants_and_refugees);
    for (kind, terms) in BarrierKind::ALL.iter().zip(&barrier_terms) {
        for (part, events) in PARTS.iter().zip(terms) {
            let (shown, whole) =
                (&totals.0["barriers"][kind.as_str()][part], &totals.1["barriers"][kind.as_str()][part]);
            let t = audit.shown(&format!("total {} {part}", kind.as_str()), shown, truth(whole));
            audit.sum(t, events);
        }
    }
    audit.assert_protected(40, context);
}

#[test]
fn no_hidden_count_of_a_random_series_can_be_worked_out() {
    let mut rng = StdRng::seed_from_u64(21);
    let mut hidden_somewhere = 0;
    for case in 0..300 {
        let events = rng.random_range(1..=3);
        let size = rng.random_range(0..9);
        let (data, people) = random_series(&mut rng, events, size);
        let below = rng.random_range(2..6);
        let at = Utc::now();
        let report = serde_json::to_value(SeriesReport::build(&data, Some(below), at)).unwrap();
        let full = serde_json::to_value(SeriesReport::build(&data, None, at)).unwrap();
        assert_eq!(full["suppressed"], false);
        if report["suppressed"] == true {
            hidden_somewhere += 1;
        }
        audit_series_report(&report, &full, below, &format!("case {case}: {people:?} below {below}"));
    }
    assert!(hidden_somewhere > 150, "the cases exercise suppression: {hidden_somewhere}");
}

#[test]
fn a_series_with_enough_people_shows_its_counts() {
    let mut rng = StdRng::seed_from_u64(22);
    let (data, _) = random_series(&mut rng, 3, 60);
    let report = serde_json::to_value(SeriesReport::build(&data, Some(2), Utc::now())).unwrap();
    let full = serde_json::to_value(SeriesReport::build(&data, None, Utc::now())).unwrap();
    for key in ["participations", "people", "not_linked", "migrants_and_refugees"] {
        assert_eq!(report["totals"][key], full["totals"][key], "{key} is large enough to be shown");
    }
    assert_eq!(report["events"][2]["participants"], full["events"][2]["participants"]);
}
