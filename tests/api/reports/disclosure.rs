//! Suppression that cannot be undone: an attacker's audit of the reports. Each report is read
//! as its reader sees it (JSON), its own sums are written down (totals = parts, for every
//! grouping, and the people *without* each need or category), and an exact integer solver
//! tries every other value for every hidden count. Each must keep at least two feasible
//! values; so must every small count the report implies but does not show.
//!
//! The solver here knows nothing of `domain::disclosure`: it is a plain search with bound
//! propagation, so it checks the product rather than repeating it.

use chrono::{TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::Value;
use uuid::Uuid;

use hybrid_events::db::reports::{
    BarrierCountsRow, BreakdownRow, EventCountsRow, EventReportData, EventSummaryRow, NoShowReasonRow,
    OutreachCountsRow, PlaceCountsRow, ReachedRow, RoomCategoryRow,
};
use hybrid_events::domain::attendance::NoShowReason;
use hybrid_events::domain::barriers::BarrierKind;
use hybrid_events::domain::events::EventStatus;
use hybrid_events::domain::group_reservations::GroupReservation;
use hybrid_events::domain::seats::Mode;
use hybrid_events::views::report_attendance::NOT_RECORDED;
use hybrid_events::views::reports::{EventReport, SummaryCounts, OTHER_SUPPRESSED};

/// Integer unknowns in `0..=bound`, tied by sums `Σ coefficient · x = constant`.
#[derive(Default)]
pub struct Audit {
    /// (name, true value) of each unknown.
    unknowns: Vec<(String, i64)>,
    equations: Vec<(Vec<(usize, i64)>, i64)>,
    /// Unknowns that must keep two feasible values.
    protected: Vec<usize>,
}

/// A term of a sum: a shown number, or an unknown.
#[derive(Clone, Copy)]
pub enum Term {
    Known(i64),
    Unknown(usize),
}

impl Audit {
    /// A count as the report shows it: null is an unknown (to protect), else a number.
    pub fn shown(&mut self, name: &str, shown: &Value, truth: i64) -> Term {
        match shown.as_i64() {
            Some(n) => {
                assert_eq!(n, truth, "{name} is shown as {n} but is {truth}");
                Term::Known(n)
            }
            None => {
                assert!(shown.is_null(), "{name}: {shown}");
                let id = self.unknown(name, truth);
                self.protected.push(id);
                Term::Unknown(id)
            }
        }
    }

    /// A count the report does not show; protected when it is small.
    pub fn implied(&mut self, name: &str, truth: i64, below: i64) -> Term {
        let id = self.unknown(name, truth);
        if truth >= 1 && truth < below {
            self.protected.push(id);
        }
        Term::Unknown(id)
    }

    fn unknown(&mut self, name: &str, truth: i64) -> usize {
        self.unknowns.push((name.to_owned(), truth));
        self.unknowns.len() - 1
    }

    /// `total = Σ parts`.
    pub fn sum(&mut self, total: Term, parts: &[Term]) {
        let mut terms = Vec::new();
        let mut constant = 0;
        for (term, sign) in std::iter::once((total, 1)).chain(parts.iter().map(|&p| (p, -1))) {
            match term {
                Term::Known(n) => constant -= sign * n,
                Term::Unknown(id) => terms.push((id, sign)),
            }
        }
        self.equations.push((terms, constant));
    }

    /// Panics naming every protected count that the sums pin to one value among the
    /// non-negative integers. The search needs a ceiling: `bound`, well above any count.
    pub fn assert_protected(&self, bound: i64, context: &str) {
        let truth: Vec<i64> = self.unknowns.iter().map(|u| u.1).collect();
        let n = truth.len();
        assert!(
            self.feasible_near(vec![0; n], vec![bound; n], &truth),
            "{context}: the true counts do not satisfy the sums written down: the audit is wrong"
        );
        for &id in &self.protected {
            // Any other value, nearest first: the search then starts where solutions are.
            let mut values: Vec<i64> = (0..=bound).filter(|&v| v != truth[id]).collect();
            values.sort_by_key(|v| (v - truth[id]).abs());
            let other = values.into_iter().find(|&v| {
                let (mut lo, mut hi) = (vec![0; n], vec![bound; n]);
                lo[id] = v;
                hi[id] = v;
                self.feasible_near(lo, hi, &truth)
            });
            assert!(
                other.is_some(),
                "{context}: {} = {} can be worked out from the report",
                self.unknowns[id].0,
                truth[id]
            );
        }
    }

    /// Whether some integer point within the bounds satisfies every sum: bounds are
    /// tightened from each sum until nothing moves, then the narrowest unknown is tried
    /// value by value, nearest to `near` first.
    fn feasible_near(&self, mut lo: Vec<i64>, mut hi: Vec<i64>, near: &[i64]) -> bool {
        loop {
            let mut moved = false;
            for (terms, constant) in &self.equations {
                // Σ c·x = constant: each x is bounded by what the others can make.
                let min: i64 = terms.iter().map(|&(i, c)| if c > 0 { c * lo[i] } else { c * hi[i] }).sum();
                let max: i64 = terms.iter().map(|&(i, c)| if c > 0 { c * hi[i] } else { c * lo[i] }).sum();
                if *constant < min || *constant > max {
                    return false;
                }
                for &(i, c) in terms {
                    let own_min = if c > 0 { c * lo[i] } else { c * hi[i] };
                    let own_max = if c > 0 { c * hi[i] } else { c * lo[i] };
                    // c·x within [constant - (max - own_max), constant - (min - own_min)].
                    let (low, high) = (constant - (max - own_max), constant - (min - own_min));
                    let (new_lo, new_hi) = if c > 0 {
                        (div_ceil(low, c), div_floor(high, c))
                    } else {
                        (div_ceil(high, c), div_floor(low, c))
                    };
                    if new_lo > lo[i] {
                        lo[i] = new_lo;
                        moved = true;
                    }
                    if new_hi < hi[i] {
                        hi[i] = new_hi;
                        moved = true;
                    }
                    if lo[i] > hi[i] {
                        return false;
                    }
                }
            }
            if !moved {
                break;
            }
        }
        let open = (0..lo.len()).filter(|&i| lo[i] < hi[i]).min_by_key(|&i| hi[i] - lo[i]);
        let Some(i) = open else { return true };
        let mut values: Vec<i64> = (lo[i]..=hi[i]).collect();
        values.sort_by_key(|v| (v - near[i]).abs());
        values.into_iter().any(|v| {
            let (mut lo, mut hi) = (lo.clone(), hi.clone());
            lo[i] = v;
            hi[i] = v;
            self.feasible_near(lo, hi, near)
        })
    }
}

fn div_floor(a: i64, b: i64) -> i64 {
    let q = a / b;
    if (a % b != 0) && ((a < 0) != (b < 0)) {
        q - 1
    } else {
        q
    }
}

fn div_ceil(a: i64, b: i64) -> i64 {
    -div_floor(-a, b)
}

/// One registration as the generator makes it.
#[derive(Debug, Clone)]
pub struct Person {
    pub onsite: bool,
    /// 0 confirmed, 1 waitlisted, 2 cancelled.
    pub status: u8,
    pub checked_in: bool,
    pub physical_space: bool,
    pub transport: bool,
    pub accessibility: bool,
    pub fallback: bool,
    pub language: Option<&'static str>,
    pub category: &'static str,
    pub interests: Vec<&'static str>,
    /// Where an onsite person is: 0 the main venue, `i` the event's `i`-th place.
    pub place: usize,
    /// How a check-in was made: an index into `SOURCES`.
    pub source: usize,
    /// Minutes of attendance known with a check-in.
    pub minutes: Option<i32>,
    /// Why a confirmed person not checked in did not come, when someone said.
    pub reason: Option<NoShowReason>,
    /// A confirmed person a message reached before the event.
    pub reached: bool,
    /// How a seat offered to them ended: an index into `OFFER_ENDS`.
    pub offer: Option<usize>,
    /// How a reminder to them went: an index into `REMINDER_ENDS`.
    pub reminder: Option<usize>,
    /// Barriers listed with their status (an index into `BARRIER_STATUSES`): transport exactly
    /// with the transport need, the digital gap with the physical-space need and sometimes
    /// without.
    pub barriers: Vec<(BarrierKind, usize)>,
}

const BARRIER_STATUSES: [&str; 3] = ["raised", "arranged", "unresolved"];

/// How offers end, as the report counts them (a registration cancelled while offered is
/// `declined`).
const OFFER_ENDS: [&str; 4] = ["accepted", "declined", "expired", "open"];

/// How reminders go; the last is closed by a later change, which the report does not name.
const REMINDER_ENDS: [&str; 4] = ["reached", "failed", "open", "superseded"];

/// The sources of check-ins as the report names them.
const SOURCES: [&str; 3] = ["onsite", "online_import", "manual"];

/// The minimum of online attendance of the generated events.
const MIN_MINUTES: i32 = 45;

/// A few reasons, so that groups share them.
const REASONS: [NoShowReason; 4] =
    [NoShowReason::Transport, NoShowReason::Connection, NoShowReason::CareDuties, NoShowReason::Unknown];

/// The kinds of an event's places in order: two hosted places, then another venue.
const PLACE_KINDS: [&str; 3] = ["hosted", "hosted", "venue"];

const LANGUAGES: [&str; 4] = ["ar", "fr", "uk", "wo"];
const CATEGORIES: [&str; 5] = ["refugee", "migrant", "ngo", "volunteer", "regional_authority"];
const TOPICS: [&str; 3] = ["employment", "housing", "language_courses"];

/// `size` people of an event that offers `places` places (at most 3) beside its main venue.
pub fn random_people(rng: &mut StdRng, size: usize, places: usize) -> Vec<Person> {
    // Outreach is drawn from a stream of its own, so that the people of every seed stay
    // those the other tests' expectations were written for.
    let mut outreach = StdRng::seed_from_u64((size * 4 + places) as u64);
    let mut barrier_rng = StdRng::seed_from_u64((size * 4 + places) as u64 + 1_000_003);
    (0..size)
        .map(|_| {
            let onsite = rng.random_bool(if places > 0 { 0.5 } else { 0.3 });
            let status = if rng.random_bool(0.75) {
                0
            } else if rng.random_bool(0.6) {
                1
            } else {
                2
            };
            let checked_in = status == 0 && rng.random_bool(0.8);
            let physical_space = onsite && rng.random_bool(0.5);
            let transport = rng.random_bool(0.3);
            let mut barriers = Vec::new();
            for (kind, listed) in [
                (BarrierKind::Transport, transport),
                (BarrierKind::DigitalGap, physical_space || barrier_rng.random_bool(0.1)),
                (BarrierKind::LanguageConfidence, barrier_rng.random_bool(0.25)),
                (BarrierKind::Childcare, barrier_rng.random_bool(0.08)),
            ] {
                if listed {
                    barriers.push((kind, barrier_rng.random_range(0..BARRIER_STATUSES.len())));
                }
            }
            Person {
                onsite,
                status,
                checked_in,
                physical_space,
                transport,
                accessibility: rng.random_bool(0.15),
                fallback: !onsite && status == 0 && rng.random_bool(0.15),
                language: rng.random_bool(0.5).then(|| LANGUAGES[rng.random_range(0..LANGUAGES.len())]),
                category: CATEGORIES[rng.random_range(0..CATEGORIES.len())],
                interests: TOPICS.iter().copied().filter(|_| rng.random_bool(0.4)).collect(),
                place: if onsite { rng.random_range(0..=places) } else { 0 },
                source: rng.random_range(0..SOURCES.len()),
                minutes: (checked_in && rng.random_bool(0.6)).then(|| rng.random_range(0..120)),
                reason: (status == 0 && !checked_in && rng.random_bool(0.7))
                    .then(|| REASONS[rng.random_range(0..REASONS.len())]),
                reached: status == 0 && outreach.random_bool(0.6),
                offer: outreach.random_bool(0.2).then(|| outreach.random_range(0..OFFER_ENDS.len())),
                reminder: (status == 0 && outreach.random_bool(0.5))
                    .then(|| outreach.random_range(0..REMINDER_ENDS.len())),
                barriers,
            }
        })
        .collect()
}

/// The counts PostgreSQL would give for these people at an event offering `places` places
/// (the definitions of `db::reports`).
pub fn counts_of(people: &[Person], places: usize, ended: bool) -> EventReportData {
    let count = |f: &dyn Fn(&Person) -> bool| people.iter().filter(|p| f(p)).count() as i64;
    let online_minutes: Vec<i32> =
        people.iter().filter(|p| p.status == 0 && !p.onsite).filter_map(|p| p.minutes).collect();
    let at = Utc.with_ymd_and_hms(2026, 1, 1, 10, 0, 0).unwrap();
    let row = EventCountsRow {
        event_id: Uuid::nil(),
        title: "t".into(),
        region: "r".into(),
        series: None,
        starts_at: at,
        ends_at: at,
        timezone: "UTC".into(),
        status: EventStatus::Published,
        generated_at: at,
        ended,
        online_offered: true,
        online_capacity: None,
        onsite_offered: true,
        onsite_capacity: Some(50),
        online_confirmed: count(&|p| p.status == 0 && !p.onsite),
        online_waitlisted: count(&|p| p.status == 1 && !p.onsite),
        online_attended: count(&|p| p.status == 0 && !p.onsite && p.checked_in),
        onsite_confirmed: count(&|p| p.status == 0 && p.onsite),
        onsite_waitlisted: count(&|p| p.status == 1 && p.onsite),
        onsite_attended: count(&|p| p.status == 0 && p.onsite && p.checked_in),
        cancelled: count(&|p| p.status == 2),
        fallback_applied: count(&|p| p.status == 0 && p.fallback),
        physical_space_requested: count(&|p| p.status != 2 && p.physical_space),
        physical_space_seated: count(&|p| p.status == 0 && p.physical_space),
        physical_space_waitlisted: count(&|p| p.status == 1 && p.physical_space),
        transport: count(&|p| p.status != 2 && p.transport),
        accessibility: count(&|p| p.status != 2 && p.accessibility),
        attended_onsite_source: count(&|p| p.status == 0 && p.checked_in && p.source == 0),
        attended_online_import: count(&|p| p.status == 0 && p.checked_in && p.source == 1),
        attended_manual: count(&|p| p.status == 0 && p.checked_in && p.source == 2),
        online_attendance_min_minutes: MIN_MINUTES,
        online_with_minutes: online_minutes.len() as i64,
        online_at_or_above_minimum: online_minutes.iter().filter(|&&m| m >= MIN_MINUTES).count() as i64,
        online_minutes_median: median(&online_minutes),
        organisation_suppress_below: None,
        group_reservations: serde_json::json!([]),
    };
    let mut no_show_reasons = Vec::new();
    for mode in [Mode::Online, Mode::Onsite] {
        for room in 0..=places {
            for reason in NoShowReason::ALL {
                let n = count(&|p| {
                    p.status == 0
                        && p.onsite == (mode == Mode::Onsite)
                        && (mode == Mode::Online || p.place == room)
                        && p.reason == Some(reason)
                });
                if n > 0 && (mode == Mode::Onsite || room == 0) {
                    no_show_reasons.push(NoShowReasonRow {
                        attendance_mode: mode,
                        place_id: (room > 0).then(|| Uuid::from_u128(room as u128)),
                        reason,
                        n,
                    });
                }
            }
        }
    }
    let mut breakdown = Vec::new();
    let active: Vec<&Person> = people.iter().filter(|p| p.status != 2).collect();
    let mut group = |kind: &str, key: &str, n: i64, attended: i64| {
        breakdown.push(BreakdownRow { kind: kind.into(), key: key.into(), n, attended })
    };
    for language in LANGUAGES {
        let n = active.iter().filter(|p| p.language == Some(language)).count() as i64;
        if n > 0 {
            group("interpretation", language, n, 0);
        }
    }
    for category in CATEGORIES {
        let of: Vec<_> = active.iter().filter(|p| p.category == category).collect();
        if !of.is_empty() {
            let confirmed = of.iter().filter(|p| p.status == 0).count() as i64;
            let attended = of.iter().filter(|p| p.status == 0 && p.checked_in).count() as i64;
            group("category", category, confirmed, attended);
        }
    }
    for topic in TOPICS {
        let n = active.iter().filter(|p| p.interests.contains(&topic)).count() as i64;
        if n > 0 {
            group("interest", topic, n, 0);
        }
    }
    let rooms = (0..=places)
        .map(|i| {
            let there: Vec<&&Person> = active.iter().filter(|p| p.onsite && p.place == i).collect();
            let count = |f: &dyn Fn(&Person) -> bool| there.iter().filter(|p| f(p)).count() as i64;
            PlaceCountsRow {
                place_id: (i > 0).then(|| Uuid::from_u128(i as u128)),
                name: Some(format!("room {i}")),
                kind: if i == 0 { "venue".into() } else { PLACE_KINDS[i - 1].into() },
                municipality: (i > 0).then(|| "Almazán".into()),
                capacity: Some(if i == 0 { 50 } else { 10 }),
                confirmed: count(&|p| p.status == 0),
                waitlisted: count(&|p| p.status == 1),
                attended: count(&|p| p.status == 0 && p.checked_in),
                physical_space_requested: count(&|p| p.physical_space),
                physical_space_seated: count(&|p| p.status == 0 && p.physical_space),
                transport: count(&|p| p.transport),
            }
        })
        .collect();
    let mut reached = Vec::new();
    for p in people.iter().filter(|p| p.status == 0 && p.reached) {
        let (attendance_mode, place_id) = if p.onsite {
            (Mode::Onsite, (p.place > 0).then(|| Uuid::from_u128(p.place as u128)))
        } else {
            (Mode::Online, None)
        };
        reached.push(ReachedRow { attendance_mode, place_id, stakeholder_category: p.category.into(), n: 1 });
    }
    let offers = |end: usize| count(&|p| p.offer == Some(end));
    let reminders = |end: usize| count(&|p| p.reminder == Some(end));
    let outreach = OutreachCountsRow {
        offers_made: count(&|p| p.offer.is_some()),
        offers_accepted: offers(0),
        offers_declined: offers(1),
        offers_expired: offers(2),
        offers_open: offers(3),
        reminders_created: count(&|p| p.reminder.is_some()),
        reminders_reached: reminders(0),
        reminders_failed: reminders(1),
        reminders_open: reminders(2),
    };
    let barriers = BarrierKind::ALL
        .into_iter()
        .filter_map(|kind| {
            let with: Vec<usize> = active
                .iter()
                .filter_map(|p| p.barriers.iter().find(|(k, _)| *k == kind).map(|b| b.1))
                .collect();
            let of = |status: usize| with.iter().filter(|&&s| s == status).count() as i64;
            (!with.is_empty()).then(|| BarrierCountsRow {
                event_id: Uuid::nil(),
                barrier: kind.as_str().into(),
                raised: with.len() as i64,
                arranged: of(1),
                unresolved: of(2),
            })
        })
        .collect();
    // One row a person: the report adds them up by room and kind.
    let room_categories = people
        .iter()
        .filter(|p| p.status == 0)
        .map(|p| RoomCategoryRow {
            attendance_mode: if p.onsite { Mode::Onsite } else { Mode::Online },
            place_id: (p.onsite && p.place > 0).then(|| Uuid::from_u128(p.place as u128)),
            stakeholder_category: p.category.into(),
            confirmed: 1,
            attended: i64::from(p.checked_in),
        })
        .collect();
    EventReportData {
        counts: row,
        breakdown,
        places: rooms,
        no_show_reasons,
        reached,
        outreach,
        follow_up: Default::default(),
        barriers,
        group_reservations: Vec::new(),
        room_categories,
    }
}

/// The true cross of kinds (each group reservation's categories, then everyone else) by
/// columns (each room of `by_place`, then online): what the audit's implied counts are.
pub struct GroupTruth {
    pub groups: Vec<Vec<String>>,
    /// `[confirmed, attended, reached][kind][column]`.
    pub counts: [Vec<Vec<i64>>; 3],
}

impl GroupTruth {
    /// Of the generator's people at an event offering `places` places.
    pub fn of(people: &[Person], places: usize, reservations: &[GroupReservation]) -> Self {
        let kinds = reservations.len() + 1;
        let mut counts: [Vec<Vec<i64>>; 3] = std::array::from_fn(|_| vec![vec![0; places + 2]; kinds]);
        for p in people.iter().filter(|p| p.status == 0) {
            let kind = reservations
                .iter()
                .position(|r| r.categories.iter().any(|c| c == p.category))
                .unwrap_or(reservations.len());
            let column = if p.onsite { p.place } else { places + 1 };
            counts[0][kind][column] += 1;
            counts[1][kind][column] += i64::from(p.checked_in);
            counts[2][kind][column] += i64::from(p.reached);
        }
        GroupTruth { groups: reservations.iter().map(|r| r.categories.clone()).collect(), counts }
    }
}

/// The median as PostgreSQL's `percentile_cont(0.5)` gives it.
fn median(values: &[i32]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(f64::from(sorted[n / 2])),
        _ => Some((f64::from(sorted[n / 2 - 1]) + f64::from(sorted[n / 2])) / 2.0),
    }
}

/// A count of the unprotected report, the truth the audit checks against.
fn n(value: &Value) -> i64 {
    value.as_i64().unwrap_or_else(|| panic!("a count: {value}"))
}

/// The no-show reasons of one group (`shown`, with `truth` unprotected), each reason and those
/// not recorded adding up to the group's `no_show`; every key is there, 0 before the end.
fn reasons(
    a: &mut Audit,
    name: &str,
    (shown, truth): (&Value, &Value),
    no_show: Term,
    ended: bool,
) -> Vec<Term> {
    let keys: Vec<&str> = NoShowReason::ALL.iter().map(|r| r.as_str()).chain([NOT_RECORDED]).collect();
    assert_eq!(shown.as_object().unwrap().len(), keys.len(), "{name}: {shown}");
    if !ended {
        assert!(keys.iter().all(|k| shown[k] == 0), "{name} before the end: {shown}");
        return Vec::new();
    }
    let terms: Vec<Term> =
        keys.iter().map(|k| a.shown(&format!("{name}.{k}"), &shown[k], n(&truth[k]))).collect();
    a.sum(no_show, &terms);
    terms
}

/// Writes down the sums of an event report as its reader sees it (`report`), and checks that
/// it names no small category, then that nothing hidden or small can be worked out. `full`
/// is the same report without a threshold: the true counts.
pub fn audit_event_report(report: &Value, full: &Value, below: i64, context: &str) {
    audit_event_report_with_groups(report, full, None, below, context)
}

/// [`audit_event_report`] of an event with group reservations, whose members are counted in
/// the rooms where their group holds seats: `groups` is the true cross of kinds and rooms.
pub fn audit_event_report_with_groups(
    report: &Value,
    full: &Value,
    groups: Option<&GroupTruth>,
    below: i64,
    context: &str,
) {
    let ended = report["event_ended"].as_bool().unwrap();
    let mut a = Audit::default();
    let mode = |a: &mut Audit, name: &str| {
        let (m, truth) = (&report["by_mode"][name], &full["by_mode"][name]);
        let confirmed = a.shown(&format!("{name}.confirmed"), &m["confirmed"], n(&truth["confirmed"]));
        let waitlisted = a.shown(&format!("{name}.waitlisted"), &m["waitlisted"], n(&truth["waitlisted"]));
        let attended = a.shown(&format!("{name}.attended"), &m["attended"], n(&truth["attended"]));
        let absent_truth = n(&truth["confirmed"]) - n(&truth["attended"]);
        let absent = if ended {
            a.shown(&format!("{name}.no_show"), &m["no_show"], absent_truth)
        } else {
            assert_eq!(m["no_show"], 0, "{context}");
            a.implied(&format!("{name} not checked in yet"), absent_truth, below)
        };
        a.sum(confirmed, &[attended, absent]);
        let reached_truth = n(&truth["reached_before_event"]);
        let reached =
            a.shown(&format!("{name}.reached_before_event"), &m["reached_before_event"], reached_truth);
        let unreached =
            a.implied(&format!("{name} not reached"), n(&truth["confirmed"]) - reached_truth, below);
        a.sum(confirmed, &[reached, unreached]);
        (confirmed, waitlisted, attended, absent, reached)
    };
    let online = mode(&mut a, "online");
    let onsite = mode(&mut a, "onsite");
    let mode_reasons = |a: &mut Audit, name: &str, no_show: Term| {
        let group = (&report["by_mode"][name]["no_show_reasons"], &full["by_mode"][name]["no_show_reasons"]);
        reasons(a, &format!("{name}.no_show_reasons"), group, no_show, ended)
    };
    let online_reasons = mode_reasons(&mut a, "online", online.3);
    let onsite_reasons = mode_reasons(&mut a, "onsite", onsite.3);
    let (t, tt) = (&report["totals"], &full["totals"]);
    let confirmed = a.shown("totals.confirmed", &t["confirmed"], n(&tt["confirmed"]));
    let waitlisted = a.shown("totals.waitlisted", &t["waitlisted"], n(&tt["waitlisted"]));
    let attended = a.shown("totals.attended", &t["attended"], n(&tt["attended"]));
    a.sum(confirmed, &[online.0, onsite.0]);
    a.sum(waitlisted, &[online.1, onsite.1]);
    a.sum(attended, &[online.2, onsite.2]);
    let reached =
        a.shown("totals.reached_before_event", &t["reached_before_event"], n(&tt["reached_before_event"]));
    a.sum(reached, &[online.4, onsite.4]);
    if ended {
        let no_show = a.shown("totals.no_show", &t["no_show"], n(&tt["no_show"]));
        a.sum(no_show, &[online.3, onsite.3]);
        let total = reasons(
            &mut a,
            "no_show_reasons",
            (&report["no_show_reasons"], &full["no_show_reasons"]),
            no_show,
            ended,
        );
        for ((&total, &online), &onsite) in total.iter().zip(&online_reasons).zip(&onsite_reasons) {
            a.sum(total, &[online, onsite]);
        }
    } else {
        reasons(
            &mut a,
            "no_show_reasons",
            (&report["no_show_reasons"], &full["no_show_reasons"]),
            online.3,
            ended,
        );
    }

    // Attended by source; the minutes of those online, a part of them.
    let (by, by_truth) = (&report["attended_by_source"], &full["attended_by_source"]);
    let sources: Vec<Term> = SOURCES
        .iter()
        .map(|s| a.shown(&format!("attended_by_source.{s}"), &by[s], n(&by_truth[s])))
        .collect();
    a.sum(attended, &sources);
    let (minutes, minutes_truth) = (&report["online_minutes"], &full["online_minutes"]);
    let with_truth = n(&minutes_truth["with_minutes"]);
    let above_truth = n(&minutes_truth["at_or_above_minimum"]);
    let with = a.shown("online_minutes.with_minutes", &minutes["with_minutes"], with_truth);
    let above = a.shown("online_minutes.at_or_above_minimum", &minutes["at_or_above_minimum"], above_truth);
    let below_minimum = a.implied("online below the minimum", with_truth - above_truth, below);
    a.sum(with, &[above, below_minimum]);
    let without =
        a.implied("online without minutes", n(&full["by_mode"]["online"]["attended"]) - with_truth, below);
    a.sum(online.2, &[with, without]);
    let both_shown = minutes["with_minutes"].is_i64() && minutes["at_or_above_minimum"].is_i64();
    assert_eq!(
        minutes["share_at_or_above_minimum"].is_null(),
        !both_shown || with_truth == 0,
        "{context}: the share is shown only beside both its counts: {minutes}"
    );
    if !minutes["median"].is_null() {
        assert!(both_shown && with_truth >= below, "{context}: a median of few people: {minutes}");
    }
    a.shown("totals.cancelled", &t["cancelled"], n(&tt["cancelled"]));
    let fallback = a.shown("totals.fallback_applied", &t["fallback_applied"], n(&tt["fallback_applied"]));
    let by_choice = n(&full["by_mode"]["online"]["confirmed"]) - n(&tt["fallback_applied"]);
    let chose_online = a.implied("online by choice", by_choice, below);
    a.sum(online.0, &[fallback, chose_online]);

    let people = n(&tt["confirmed"]) + n(&tt["waitlisted"]);
    let everyone = a.implied("not cancelled", people, below);
    a.sum(everyone, &[confirmed, waitlisted]);
    let (needs, truth) = (&report["needs"], &full["needs"]);
    let need = |a: &mut Audit, name: &str, shown: &Value, whole: (Term, i64), with: i64| {
        let cell = a.shown(name, shown, with);
        let rest = a.implied(&format!("without {name}"), whole.1 - with, below);
        a.sum(whole.0, &[cell, rest]);
        cell
    };
    let transport =
        need(&mut a, "transport", &needs["transport"], (everyone, people), n(&truth["transport"]));
    need(&mut a, "accessibility", &needs["accessibility"], (everyone, people), n(&truth["accessibility"]));
    let (space, space_truth) = (&needs["physical_space"], &truth["physical_space"]);
    let seated = need(
        &mut a,
        "physical_space.seated",
        &space["seated"],
        (confirmed, n(&tt["confirmed"])),
        n(&space_truth["seated"]),
    );
    let space_waiting = need(
        &mut a,
        "physical_space.waitlisted",
        &space["waitlisted"],
        (waitlisted, n(&tt["waitlisted"])),
        n(&space_truth["waitlisted"]),
    );
    let requested = a.shown("physical_space.requested", &space["requested"], n(&space_truth["requested"]));
    a.sum(requested, &[seated, space_waiting]);

    // Barriers: each kind a need among everyone (transport the same count as the need), its
    // raised split into arranged, unresolved and those still raised.
    let (barriers, barriers_truth) = (&report["barriers"], &full["barriers"]);
    assert_eq!(barriers.as_object().unwrap().len(), BarrierKind::ALL.len(), "{context}: every kind");
    for kind in BarrierKind::ALL {
        let (shown, truth) = (&barriers[kind.as_str()], &barriers_truth[kind.as_str()]);
        let name = |field: &str| format!("barriers.{}.{field}", kind.as_str());
        let raised = if kind == BarrierKind::Transport {
            assert_eq!(shown["raised"], needs["transport"], "{context}: the transport barrier is the need");
            transport
        } else {
            need(&mut a, &name("raised"), &shown["raised"], (everyone, people), n(&truth["raised"]))
        };
        let arranged = a.shown(&name("arranged"), &shown["arranged"], n(&truth["arranged"]));
        let unresolved = a.shown(&name("unresolved"), &shown["unresolved"], n(&truth["unresolved"]));
        let still = n(&truth["raised"]) - n(&truth["arranged"]) - n(&truth["unresolved"]);
        let still = a.implied(&name("still raised"), still, below);
        a.sum(raised, &[arranged, unresolved, still]);
    }

    // Rooms: each with its own modes' sums, need and transport, adding up to the onsite
    // counts; only onsite people need a space, so the rooms' needs add up to the event's.
    let (rooms, rooms_truth) = (report["by_place"].as_array().unwrap(), full["by_place"].as_array().unwrap());
    assert_eq!(rooms.len(), rooms_truth.len(), "{context}");
    // Each room's confirmed, attended and reached, for the group reservations.
    let mut room_terms: Vec<[Term; 3]> = Vec::new();
    if !rooms.is_empty() {
        let mut columns: [Vec<Term>; 8] = Default::default();
        let mut room_reasons: Vec<Vec<Term>> = Vec::new();
        let mut onsite_transport = 0;
        for (i, (room, truth)) in rooms.iter().zip(rooms_truth).enumerate() {
            assert_eq!(room["place_id"], truth["place_id"], "{context}");
            assert_eq!(room["capacity"], truth["capacity"], "{context}: capacities are never hidden");
            let name = |field: &str| format!("by_place[{i}].{field}");
            let count = |field: &str| n(&truth[field]);
            let confirmed = a.shown(&name("confirmed"), &room["confirmed"], count("confirmed"));
            let waitlisted = a.shown(&name("waitlisted"), &room["waitlisted"], count("waitlisted"));
            let attended = a.shown(&name("attended"), &room["attended"], count("attended"));
            let absent_truth = count("confirmed") - count("attended");
            let absent = if ended {
                a.shown(&name("no_show"), &room["no_show"], absent_truth)
            } else {
                assert_eq!(room["no_show"], 0, "{context}");
                a.implied(&name("not checked in yet"), absent_truth, below)
            };
            a.sum(confirmed, &[attended, absent]);
            let reached_there = a.shown(
                &name("reached_before_event"),
                &room["reached_before_event"],
                count("reached_before_event"),
            );
            let unreached_there =
                a.implied(&name("not reached"), count("confirmed") - count("reached_before_event"), below);
            a.sum(confirmed, &[reached_there, unreached_there]);
            let group = (&room["no_show_reasons"], &truth["no_show_reasons"]);
            room_reasons.push(reasons(&mut a, &name("no_show_reasons"), group, absent, ended));
            let (space, space_truth) = (&room["physical_space"], &truth["physical_space"]);
            let seated_there = need(
                &mut a,
                &name("physical_space.seated"),
                &space["seated"],
                (confirmed, count("confirmed")),
                n(&space_truth["seated"]),
            );
            let requested_there =
                a.shown(&name("physical_space.requested"), &space["requested"], n(&space_truth["requested"]));
            let waiting_truth = n(&space_truth["requested"]) - n(&space_truth["seated"]);
            let waiting = a.implied(&name("waiting for a space"), waiting_truth, below);
            a.sum(requested_there, &[seated_there, waiting]);
            let waiting_without =
                a.implied(&name("waiting without the need"), count("waitlisted") - waiting_truth, below);
            a.sum(waitlisted, &[waiting, waiting_without]);
            let there_truth = count("confirmed") + count("waitlisted");
            let there = a.implied(&name("there"), there_truth, below);
            a.sum(there, &[confirmed, waitlisted]);
            let transport_there = need(
                &mut a,
                &name("transport_requested"),
                &room["transport_requested"],
                (there, there_truth),
                count("transport_requested"),
            );
            onsite_transport += count("transport_requested");
            for (column, term) in columns.iter_mut().zip([
                confirmed,
                waitlisted,
                attended,
                absent,
                seated_there,
                waiting,
                transport_there,
                reached_there,
            ]) {
                column.push(term);
            }
        }
        let [confirmed_at, waitlisted_at, attended_at, absent_at, seated_at, waiting_at, transport_at, reached_at] =
            columns;
        room_terms = (0..rooms.len()).map(|i| [confirmed_at[i], attended_at[i], reached_at[i]]).collect();
        a.sum(onsite.4, &reached_at);
        a.sum(onsite.0, &confirmed_at);
        a.sum(onsite.1, &waitlisted_at);
        a.sum(onsite.2, &attended_at);
        a.sum(onsite.3, &absent_at);
        for (k, &onsite_reason) in onsite_reasons.iter().enumerate() {
            a.sum(onsite_reason, &room_reasons.iter().map(|room| room[k]).collect::<Vec<_>>());
        }
        a.sum(seated, &seated_at);
        a.sum(space_waiting, &waiting_at);
        // Transport asked online: the rest of the event's, among everyone online.
        let online_truth =
            n(&full["by_mode"]["online"]["confirmed"]) + n(&full["by_mode"]["online"]["waitlisted"]);
        let online_people = a.implied("online, not cancelled", online_truth, below);
        a.sum(online_people, &[online.0, online.1]);
        let online_transport_truth = n(&truth["transport"]) - onsite_transport;
        let online_transport = a.implied("transport online", online_transport_truth, below);
        let online_without =
            a.implied("online without transport", online_truth - online_transport_truth, below);
        a.sum(online_people, &[online_transport, online_without]);
        a.sum(transport, &[transport_at, vec![online_transport]].concat());
    }

    // Languages: those named are shown and not small; the rest are pooled, unnamed.
    let languages = needs["interpretation"].as_object().unwrap();
    let all_languages = truth["interpretation"].as_object().unwrap();
    let asked: i64 = all_languages.values().map(n).sum();
    let mut parts = Vec::new();
    let mut pooled_truth = asked;
    for (language, shown) in languages.iter().filter(|(k, _)| *k != OTHER_SUPPRESSED) {
        let count =
            shown.as_i64().unwrap_or_else(|| panic!("{context}: language {language} is named but hidden"));
        assert!(count >= below, "{context}: language {language} named with a small count {count}");
        parts.push(a.shown(language, shown, n(&all_languages[language])));
        pooled_truth -= count;
    }
    match languages.get(OTHER_SUPPRESSED) {
        Some(shown) => parts.push(a.shown("languages pooled", shown, pooled_truth)),
        None => assert_eq!(pooled_truth, 0, "{context}: languages left out without saying so"),
    }
    parts.push(a.implied("no interpretation", people - asked, below));
    a.sum(everyone, &parts);

    // Categories: confirmed and attended each add up to their total.
    let categories = report["by_stakeholder_category"].as_object().unwrap();
    let all_categories = full["by_stakeholder_category"].as_object().unwrap();
    let (mut confirmed_parts, mut attended_parts, mut reached_parts) = (Vec::new(), Vec::new(), Vec::new());
    let (mut pooled_confirmed, mut pooled_attended, mut pooled_reached) =
        (n(&tt["confirmed"]), n(&tt["attended"]), n(&tt["reached_before_event"]));
    // Each category's confirmed, attended and reached as shown (named, or the pool).
    let mut category_terms: Vec<(String, [Term; 3])> = Vec::new();
    let mut category = |a: &mut Audit, name: &str, counts: &Value, truth: (i64, i64, i64)| {
        let c = a.shown(&format!("{name}.confirmed"), &counts["confirmed"], truth.0);
        let at = a.shown(&format!("{name}.attended"), &counts["attended"], truth.1);
        let absent = a.implied(&format!("{name} confirmed, not checked in"), truth.0 - truth.1, below);
        a.sum(c, &[at, absent]);
        let r = a.shown(&format!("{name}.reached_before_event"), &counts["reached_before_event"], truth.2);
        let unreached = a.implied(&format!("{name} confirmed, not reached"), truth.0 - truth.2, below);
        a.sum(c, &[r, unreached]);
        confirmed_parts.push(c);
        attended_parts.push(at);
        reached_parts.push(r);
        category_terms.push((name.to_owned(), [c, at, r]));
    };
    for (name, counts) in categories.iter().filter(|(k, _)| *k != OTHER_SUPPRESSED) {
        let count =
            counts["confirmed"].as_i64().unwrap_or_else(|| panic!("{context}: {name} named but hidden"));
        assert!(count == 0 || count >= below, "{context}: category {name} named with a small count {count}");
        let of = &all_categories[name];
        let truth = (n(&of["confirmed"]), n(&of["attended"]), n(&of["reached_before_event"]));
        pooled_confirmed -= truth.0;
        pooled_attended -= truth.1;
        pooled_reached -= truth.2;
        category(&mut a, name, counts, truth);
    }
    match categories.get(OTHER_SUPPRESSED) {
        Some(counts) => {
            category(&mut a, "categories pooled", counts, (pooled_confirmed, pooled_attended, pooled_reached))
        }
        None => assert_eq!(pooled_confirmed, 0, "{context}: categories left out without saying so"),
    }
    a.sum(confirmed, &confirmed_parts);
    a.sum(attended, &attended_parts);
    a.sum(reached, &reached_parts);
    let online_terms = [online.0, online.2, online.4];
    audit_groups(
        &mut a,
        (report, full),
        groups,
        (&room_terms, online_terms, &category_terms),
        below,
        context,
    );

    // Offers and reminders: how they ended adds up to how many there were. Every offer ends
    // in one of the ends shown, so a reader takes their sum as exact; reminders closed by a
    // later change are the rest, implied.
    let ends = |a: &mut Audit, group: &str, total: &str, named: &[&str], complete: bool| {
        let (shown, truth) = (&report[group], &full[group]);
        let whole = a.shown(&format!("{group}.{total}"), &shown[total], n(&truth[total]));
        let mut parts: Vec<Term> =
            named.iter().map(|k| a.shown(&format!("{group}.{k}"), &shown[k], n(&truth[k]))).collect();
        let rest = n(&truth[total]) - named.iter().map(|k| n(&truth[k])).sum::<i64>();
        if complete {
            assert_eq!(rest, 0, "{context}: {group} end in the ends shown");
        } else {
            parts.push(a.implied(&format!("{group} otherwise"), rest, below));
        }
        a.sum(whole, &parts);
    };
    ends(&mut a, "offers", "made", &OFFER_ENDS, true);
    ends(&mut a, "reminders", "created", &REMINDER_ENDS[..3], false);

    // Interests stand alone (several per person); each and those without it make everyone.
    let interests = report["interests"].as_object().unwrap();
    for (topic, shown) in interests.iter().filter(|(k, _)| *k != OTHER_SUPPRESSED) {
        let count = shown.as_i64().unwrap_or_else(|| panic!("{context}: topic {topic} named but hidden"));
        assert!(count == 0 || count >= below, "{context}: topic {topic} named with a small count {count}");
        need(&mut a, topic, shown, (everyone, people), n(&full["interests"][topic]));
    }
    for topic in full["interests"].as_object().unwrap().keys() {
        if !interests.contains_key(topic) {
            assert!(
                interests.contains_key(OTHER_SUPPRESSED),
                "{context}: {topic} left out without saying so"
            );
        }
    }
    let size = people + n(&tt["cancelled"]);
    a.assert_protected(2 * size + 5, context);
}

/// Confirmed, attended and reached of one room or category.
type Measures = [Term; 3];

/// The group reservations of a report: each row's reserved seats as set, `taken` shown only
/// beside its members; then the members' sums (see `views::reports::group_table`, which this
/// writes down anew from what a reader knows): the cross of kinds (each group, everyone else)
/// by columns (rooms, online), confirmed, attended and reached, each column adding up to its
/// room's counts, each kind to its categories' (the pooled ones shared among kinds), attended
/// and reached within confirmed in every cell.
// Kinds and columns index several measures' arrays at once: ranges say so plainly.
#[allow(clippy::needless_range_loop)]
fn audit_groups(
    a: &mut Audit,
    (report, full): (&Value, &Value),
    groups: Option<&GroupTruth>,
    (rooms, online, categories): (&[Measures], Measures, &[(String, Measures)]),
    below: i64,
    context: &str,
) {
    let (rows, rows_truth) = (
        report["by_group_reservation"].as_array().unwrap(),
        full["by_group_reservation"].as_array().unwrap(),
    );
    assert_eq!(rows.len(), rows_truth.len(), "{context}");
    let Some(truth) = groups else {
        assert!(rows.is_empty(), "{context}: rows without reservations");
        return;
    };
    let by_place = report["by_place"].as_array().unwrap();
    let kinds = truth.groups.len() + 1;
    let columns = by_place.len() + 1;
    assert_eq!(truth.counts[0][0].len(), columns, "{context}: one column a room, and online");
    let mut members: Vec<Vec<Option<Term>>> = vec![vec![None; columns]; kinds];
    for (i, (row, row_truth)) in rows.iter().zip(rows_truth).enumerate() {
        let categories: Vec<String> =
            row["categories"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_owned()).collect();
        let kind =
            truth.groups.iter().position(|g| *g == categories).unwrap_or_else(|| panic!("{context}: {row}"));
        let column = by_place.iter().position(|p| p["place_id"] == row["place_id"]).unwrap();
        assert_eq!(row["name"], by_place[column]["name"], "{context}");
        assert_eq!(row["reserved"], row_truth["reserved"], "{context}: reserved seats are never hidden");
        let count = truth.counts[0][kind][column];
        let term = a.shown(
            &format!("by_group_reservation[{i}].members_confirmed"),
            &row["members_confirmed"],
            count,
        );
        let taken = row["members_confirmed"].as_i64().map(|m| m.min(row["reserved"].as_i64().unwrap()));
        assert_eq!(row["taken"].as_i64(), taken, "{context}: taken beside its members only: {row}");
        members[kind][column] = Some(term);
    }
    let kind_of = |category: &str| truth.groups.iter().position(|g| g.iter().any(|c| c == category));
    let mut cells: [Vec<Vec<Term>>; 3] = Default::default();
    for k in 0..kinds {
        let mut row: [Vec<Term>; 3] = Default::default();
        for col in 0..columns {
            let [confirmed, attended, reached] = [0, 1, 2].map(|m| truth.counts[m][k][col]);
            let name = |what: &str| format!("kind {k} in column {col}: {what}");
            let c = members[k][col].unwrap_or_else(|| a.implied(&name("confirmed"), confirmed, below));
            let at = a.implied(&name("attended"), attended, below);
            let absent = a.implied(&name("absent"), confirmed - attended, below);
            a.sum(c, &[at, absent]);
            let r = a.implied(&name("reached"), reached, below);
            let unreached = a.implied(&name("not reached"), confirmed - reached, below);
            a.sum(c, &[r, unreached]);
            for (m, term) in [c, at, r].into_iter().enumerate() {
                row[m].push(term);
            }
        }
        for (m, terms) in row.into_iter().enumerate() {
            cells[m].push(terms);
        }
    }
    for (col, totals) in rooms.iter().chain([&online]).enumerate() {
        for m in 0..3 {
            a.sum(totals[m], &(0..kinds).map(|k| cells[m][k][col]).collect::<Vec<_>>());
        }
    }
    let all_categories = full["by_stakeholder_category"].as_object().unwrap();
    let fields = ["confirmed", "attended", "reached_before_event"];
    let pooled = categories.iter().find(|(name, _)| name == "categories pooled").map(|(_, terms)| *terms);
    for m in 0..3 {
        let mut shares = Vec::new();
        for k in 0..kinds {
            let total: i64 = truth.counts[m][k].iter().sum();
            let whole = a.implied(&format!("kind {k} measure {m}"), total, below);
            a.sum(whole, &cells[m][k]);
            let named: Vec<&(String, [Term; 3])> = categories
                .iter()
                .filter(|(name, _)| name != "categories pooled" && kind_of(name).unwrap_or(kinds - 1) == k)
                .collect();
            let mut parts: Vec<Term> = named.iter().map(|(_, terms)| terms[m]).collect();
            if pooled.is_some() {
                let named_truth: i64 =
                    named.iter().map(|(name, _)| n(&all_categories[name][fields[m]])).sum();
                let share = a.implied(&format!("kind {k} measure {m} pooled"), total - named_truth, below);
                shares.push(share);
                parts.push(share);
            }
            a.sum(whole, &parts);
        }
        if let Some(pooled) = pooled {
            a.sum(pooled[m], &shares);
        }
    }
}

#[test]
fn no_hidden_count_of_a_random_small_event_can_be_worked_out() {
    let mut rng = StdRng::seed_from_u64(16);
    let mut hidden_somewhere = 0;
    for case in 0..1000 {
        let size = rng.random_range(0..16);
        let people = random_people(&mut rng, size, 0);
        let ended = rng.random_bool(0.6);
        let below = rng.random_range(2..7);
        let data = counts_of(&people, 0, ended);
        let report = serde_json::to_value(EventReport::build(&data, Some(below))).unwrap();
        let full = serde_json::to_value(EventReport::build(&data, None)).unwrap();
        if report["suppressed"] == true {
            hidden_somewhere += 1;
        }
        audit_event_report(&report, &full, below, &format!("case {case}: {people:?} below {below}"));
    }
    assert!(hidden_somewhere > 750, "the cases exercise suppression: {hidden_somewhere}");
}

/// Events with hosted places and another venue beside the main one: every room's counts
/// are hidden where small, and none comes back from the onsite counts, the event's needs or
/// the other rooms.
#[test]
fn no_hidden_count_of_a_random_event_with_places_can_be_worked_out() {
    let mut rng = StdRng::seed_from_u64(17);
    let (mut hidden_at_places, mut shown_at_places) = (0, 0);
    let (mut reasons_hidden, mut reasons_shown) = (0, 0);
    // Up to 11 people: larger events at low thresholds hide so much that the audit's
    // exhaustive search takes minutes, and small ones are where counts at places are small.
    for case in 0..500 {
        let places = rng.random_range(1..=PLACE_KINDS.len());
        let size = rng.random_range(0..12);
        let people = random_people(&mut rng, size, places);
        let ended = rng.random_bool(0.6);
        let below = rng.random_range(2..7);
        let data = counts_of(&people, places, ended);
        let report = serde_json::to_value(EventReport::build(&data, Some(below))).unwrap();
        let full = serde_json::to_value(EventReport::build(&data, None)).unwrap();
        assert_eq!(report["by_place"].as_array().unwrap().len(), places + 1);
        for room in report["by_place"].as_array().unwrap().iter().skip(1) {
            match room["confirmed"].as_i64() {
                None => hidden_at_places += 1,
                Some(n) if n > 0 => shown_at_places += 1,
                Some(_) => {}
            }
        }
        let rooms = report["by_place"].as_array().unwrap().iter();
        for reasons in rooms.map(|room| &room["no_show_reasons"]).chain([&report["no_show_reasons"]]) {
            let counts = reasons.as_object().unwrap().values();
            reasons_hidden += counts.clone().filter(|n| n.is_null()).count();
            reasons_shown += counts.filter(|n| n.as_i64().is_some_and(|n| n > 0)).count();
        }
        audit_event_report(&report, &full, below, &format!("case {case}: {people:?} below {below}"));
    }
    assert!(hidden_at_places > 300, "the cases exercise suppression at places: {hidden_at_places}");
    assert!(shown_at_places > 10, "and show places' counts where they may: {shown_at_places}");
    assert!(reasons_hidden > 100, "the cases hide no-show reasons: {reasons_hidden}");
    assert!(reasons_shown > 0, "and show some where they may: {reasons_shown}");
}

/// Events that reserve seats for groups: migrants and refugees at the main venue (or at
/// places), sometimes NGOs at some places too. The members confirmed where a group holds
/// seats are hidden where small, and none comes back from the rooms' counts, the categories'
/// or each other.
#[test]
fn no_hidden_count_of_a_random_event_with_group_reservations_can_be_worked_out() {
    let mut rng = StdRng::seed_from_u64(26);
    let (mut hidden, mut shown) = (0, 0);
    // Few and small: each group adds a cross of kinds by rooms to the audit's exhaustive
    // search, which grows fast with the people and rooms.
    for case in 0..120 {
        let places = rng.random_range(0..=1);
        let size = rng.random_range(0..10);
        let people = random_people(&mut rng, size, places);
        let ended = rng.random_bool(0.6);
        let below = rng.random_range(2..6);
        let at_places = |rng: &mut StdRng| -> Option<Vec<Uuid>> {
            let at: Vec<Uuid> =
                (1..=places).filter(|_| rng.random_bool(0.6)).map(|i| Uuid::from_u128(i as u128)).collect();
            (!at.is_empty()).then_some(at)
        };
        let first = if rng.random_bool(0.7) { None } else { at_places(&mut rng) };
        let mut reservations = vec![GroupReservation {
            categories: vec!["migrant".into(), "refugee".into()],
            seats: rng.random_range(1..5),
            places: first,
        }];
        if let Some(at) = at_places(&mut rng).filter(|_| rng.random_bool(0.5)) {
            reservations.push(GroupReservation {
                categories: vec!["ngo".into()],
                seats: 1,
                places: Some(at),
            });
        }
        let mut data = counts_of(&people, places, ended);
        data.group_reservations = reservations.clone();
        let report = serde_json::to_value(EventReport::build(&data, Some(below))).unwrap();
        let full = serde_json::to_value(EventReport::build(&data, None)).unwrap();
        for row in report["by_group_reservation"].as_array().unwrap() {
            match row["members_confirmed"].as_i64() {
                None => hidden += 1,
                Some(n) if n > 0 => shown += 1,
                Some(_) => {}
            }
        }
        let truth = GroupTruth::of(&people, places, &reservations);
        let context = format!("case {case}: {reservations:?} {people:?} below {below}");
        audit_event_report_with_groups(&report, &full, Some(&truth), below, &context);
    }
    assert!(hidden > 30, "the cases hide members: {hidden} (shown {shown})");
    assert!(shown > 0, "and show them where they may: {shown} (hidden {hidden})");
}

/// A larger event: its no-show reasons, the sources of its check-ins and its minutes are
/// large enough to be shown, and are, with nothing given away.
#[test]
fn the_attendance_of_a_larger_event_is_shown_where_it_may_be() {
    let person = |onsite: bool, checked_in: bool, source: usize, minutes: Option<i32>, reason| Person {
        onsite,
        status: 0,
        checked_in,
        physical_space: false,
        transport: false,
        accessibility: false,
        fallback: false,
        language: None,
        category: "migrant",
        interests: vec![],
        place: 0,
        source,
        minutes,
        reason,
        reached: false,
        offer: None,
        reminder: None,
        barriers: vec![],
    };
    let mut people = Vec::new();
    // Three below the minimum of 45, five at or above it: neither group is small at 3.
    for (i, minutes) in [10, 20, 30, 50, 60, 70, 80, 90].into_iter().enumerate() {
        people.push(person(false, true, 1, Some(minutes), None));
        people.push(person(true, true, 0, None, None));
        people.push(person(false, false, 0, None, Some(NoShowReason::Connection)));
        people.push(person(true, false, 0, None, Some(NoShowReason::Transport)));
        people.push(person(i % 2 == 0, false, 0, None, None));
    }
    let data = counts_of(&people, 0, true);
    let report = serde_json::to_value(EventReport::build(&data, Some(3))).unwrap();
    let full = serde_json::to_value(EventReport::build(&data, None)).unwrap();
    audit_event_report(&report, &full, 3, "a larger event at 3");
    assert_eq!(report["by_mode"]["online"]["no_show_reasons"]["connection"], 8, "{report}");
    assert_eq!(report["by_mode"]["onsite"]["no_show_reasons"]["transport"], 8, "{report}");
    assert_eq!(report["no_show_reasons"]["not_recorded"], 8, "{report}");
    assert_eq!(report["no_show_reasons"]["illness"], 0, "{report}");
    assert_eq!(report["attended_by_source"]["online_import"], 8, "{report}");
    let minutes = &report["online_minutes"];
    assert_eq!(
        (&minutes["with_minutes"], &minutes["at_or_above_minimum"]),
        (&8.into(), &5.into()),
        "{minutes}"
    );
    assert_eq!(minutes["share_at_or_above_minimum"], 0.625);
    assert_eq!(minutes["median"], 55.0, "between 50 and 60 minutes");
    assert_eq!(minutes["minimum"], MIN_MINUTES);
}

#[test]
fn without_a_threshold_every_count_is_shown() {
    let mut rng = StdRng::seed_from_u64(3);
    let people = random_people(&mut rng, 12, 2);
    let data = counts_of(&people, 2, true);
    let report = serde_json::to_value(EventReport::build(&data, None)).unwrap();
    assert_eq!(report["suppressed"], false);
    let (mut hidden, mut counts) = (
        Vec::new(),
        vec![
            &report["totals"],
            &report["needs"],
            &report["interests"],
            &report["attended_by_source"],
            &report["no_show_reasons"],
            &report["online_minutes"],
            &report["offers"],
            &report["reminders"],
        ],
    );
    counts.extend(["online", "onsite"].map(|m| &report["by_mode"][m]));
    counts.extend(report["by_place"].as_array().unwrap());
    assert_eq!(report["by_place"].as_array().unwrap().len(), 3);
    while let Some(value) = counts.pop() {
        match value {
            Value::Object(fields) => {
                // A capacity of null means unlimited, not hidden; the main venue has no id or
                // municipality.
                let not_counts = ["capacity", "place_id", "municipality"];
                counts
                    .extend(fields.iter().filter(|(k, _)| !not_counts.contains(&k.as_str())).map(|(_, v)| v));
            }
            Value::Null => hidden.push(value),
            _ => {}
        }
    }
    assert!(hidden.is_empty(), "{report}");
    assert!(!report.to_string().contains(OTHER_SUPPRESSED));
}

/// Random events of a summary, each with its own counts.
fn random_summary_rows(rng: &mut StdRng, events: usize) -> Vec<EventSummaryRow> {
    let at = Utc.with_ymd_and_hms(2026, 1, 1, 10, 0, 0).unwrap();
    (0..events)
        .map(|i| {
            let size = rng.random_range(0..14);
            let places = rng.random_range(0..=PLACE_KINDS.len());
            let people = random_people(rng, size, places);
            let EventReportData { counts: c, places: rooms, .. } = counts_of(&people, places, true);
            let hosted = |field: fn(&PlaceCountsRow) -> i64| {
                rooms.iter().filter(|r| r.kind == "hosted").map(field).sum::<i64>()
            };
            EventSummaryRow {
                event_id: Uuid::from_u128(i as u128 + 1),
                title: format!("event {i}"),
                region: "Soria".into(),
                series: None,
                starts_at: at + chrono::Duration::days(i as i64),
                timezone: "Europe/Madrid".into(),
                status: EventStatus::Published,
                online_confirmed: c.online_confirmed,
                online_attended: c.online_attended,
                onsite_confirmed: c.onsite_confirmed,
                onsite_attended: c.onsite_attended,
                physical_space_requested: c.physical_space_requested,
                physical_space_seated: c.physical_space_seated,
                hosted_confirmed: hosted(|r| r.confirmed),
                hosted_attended: hosted(|r| r.attended),
                no_show_reasons: NoShowReason::ALL
                    .iter()
                    .map(|&reason| {
                        people.iter().filter(|p| p.status == 0 && p.reason == Some(reason)).count() as i64
                    })
                    .collect(),
            }
        })
        .collect()
}

/// [`audit_summary_with_reasons`] of events where nobody was given a no-show reason.
pub fn audit_summary(shown: (&[Value], &Value), full: (&[Value], &Value), below: i64, context: &str) {
    audit_summary_with_reasons(shown, full, &[], below, context)
}

/// Writes down the sums of a summary (each column over every event, the totals across
/// modes, and within each row those confirmed but absent, seated without need, still waiting
/// for a space), then checks that nothing hidden or small can be worked out. `events` and
/// `full_events` are every row of the filter, protected and not; `totals` and `full_totals`
/// likewise. `reasons[i]` are the true no-show reason counts of event `i` (in the order of
/// `NoShowReason::ALL`; none given when absent), which only the totals show: each event's
/// are among its confirmed who did not attend.
pub fn audit_summary_with_reasons(
    (events, totals): (&[Value], &Value),
    (full_events, full_totals): (&[Value], &Value),
    reasons: &[Vec<i64>],
    below: i64,
    context: &str,
) {
    let mut reason_parts: Vec<Vec<Term>> = vec![Vec::new(); NoShowReason::ALL.len()];
    let mut a = Audit::default();
    let (mut online_parts, mut onsite_parts, mut attended_parts) = (Vec::new(), Vec::new(), Vec::new());
    let (mut hosted_parts, mut hosted_attended_parts) = (Vec::new(), Vec::new());
    assert_eq!(events.len(), full_events.len(), "{context}");
    for (i, (event, truth)) in events.iter().zip(full_events).enumerate() {
        let id = event["event_id"].as_str().unwrap();
        assert_eq!(event["event_id"], truth["event_id"]);
        let name = |field: &str| format!("{id}.{field}");
        let mode = |a: &mut Audit, key: &str| {
            let (m, mt) = (&event[key], &truth[key]);
            let (confirmed, attended) = (n(&mt["confirmed"]), n(&mt["attended"]));
            let c = a.shown(&name(key), &m["confirmed"], confirmed);
            let at = a.shown(&name(&format!("{key}.attended")), &m["attended"], attended);
            let absent = a.implied(&name(&format!("{key} absent")), confirmed - attended, below);
            a.sum(c, &[at, absent]);
            (c, at, confirmed)
        };
        let online = mode(&mut a, "online");
        let onsite = mode(&mut a, "onsite");
        // Hosted places are part of onsite; the rest onsite is at venues.
        let hosted = mode(&mut a, "hosted");
        let onsite_attended_truth = n(&truth["onsite"]["attended"]);
        let hosted_attended_truth = n(&truth["hosted"]["attended"]);
        let at_venues = a.implied(&name("onsite at venues"), onsite.2 - hosted.2, below);
        let attended_at_venues =
            a.implied(&name("attended at venues"), onsite_attended_truth - hosted_attended_truth, below);
        let absent_at_venues = a.implied(
            &name("absent at venues"),
            onsite.2 - hosted.2 - (onsite_attended_truth - hosted_attended_truth),
            below,
        );
        a.sum(at_venues, &[attended_at_venues, absent_at_venues]);
        a.sum(onsite.0, &[hosted.0, at_venues]);
        a.sum(onsite.1, &[hosted.1, attended_at_venues]);
        hosted_parts.push(hosted.0);
        hosted_attended_parts.push(hosted.1);
        let confirmed_truth = online.2 + onsite.2;
        let confirmed = a.implied(&name("confirmed"), confirmed_truth, below);
        a.sum(confirmed, &[online.0, onsite.0]);
        let given = reasons.get(i).cloned().unwrap_or_else(|| vec![0; NoShowReason::ALL.len()]);
        let attended_truth = n(&truth["online"]["attended"]) + onsite_attended_truth;
        let unexplained_truth = confirmed_truth - attended_truth - given.iter().sum::<i64>();
        let mut parts =
            vec![online.1, onsite.1, a.implied(&name("absent, no reason"), unexplained_truth, below)];
        for (k, (reason, &count)) in NoShowReason::ALL.iter().zip(&given).enumerate() {
            let term = a.implied(&name(reason.as_str()), count, below);
            parts.push(term);
            reason_parts[k].push(term);
        }
        a.sum(confirmed, &parts);
        let (space, st) = (&event["physical_space"], &truth["physical_space"]);
        let (seated_truth, requested_truth) = (n(&st["seated"]), n(&st["requested"]));
        let seated = a.shown(&name("seated"), &space["seated"], seated_truth);
        let unneeded = a.implied(&name("seated without need"), confirmed_truth - seated_truth, below);
        a.sum(confirmed, &[seated, unneeded]);
        let requested = a.shown(&name("requested"), &space["requested"], requested_truth);
        let waiting = a.implied(&name("waiting for a space"), requested_truth - seated_truth, below);
        a.sum(requested, &[seated, waiting]);
        online_parts.push(online.0);
        onsite_parts.push(onsite.0);
        attended_parts.extend([online.1, onsite.1]);
    }
    let (t, tt) = (totals, full_totals);
    let online = a.shown("totals.online_confirmed", &t["online_confirmed"], n(&tt["online_confirmed"]));
    let onsite = a.shown("totals.onsite_confirmed", &t["onsite_confirmed"], n(&tt["onsite_confirmed"]));
    let confirmed = a.shown("totals.confirmed", &t["confirmed"], n(&tt["confirmed"]));
    let attended = a.shown("totals.attended", &t["attended"], n(&tt["attended"]));
    a.sum(online, &online_parts);
    a.sum(onsite, &onsite_parts);
    a.sum(attended, &attended_parts);
    a.sum(confirmed, &[online, onsite]);
    let hosted = a.shown("totals.hosted_confirmed", &t["hosted_confirmed"], n(&tt["hosted_confirmed"]));
    let hosted_attended = a.shown("totals.hosted_attended", &t["hosted_attended"], n(&tt["hosted_attended"]));
    a.sum(hosted, &hosted_parts);
    a.sum(hosted_attended, &hosted_attended_parts);
    let (shown_reasons, true_reasons) = (&t["no_show_reasons"], &tt["no_show_reasons"]);
    assert_eq!(shown_reasons.as_object().unwrap().len(), NoShowReason::ALL.len(), "{context}");
    for (reason, parts) in NoShowReason::ALL.iter().zip(&reason_parts) {
        let key = reason.as_str();
        let total =
            a.shown(&format!("totals.no_show_reasons.{key}"), &shown_reasons[key], n(&true_reasons[key]));
        a.sum(total, parts);
    }
    // Nobody can be counted twice over: the whole is at most everyone confirmed or waiting
    // for a space, twice over for the search's sake.
    let ceiling =
        n(&tt["confirmed"]) + full_events.iter().map(|e| n(&e["physical_space"]["requested"])).sum::<i64>();
    a.assert_protected(2 * ceiling + 5, context);
}

#[test]
fn no_hidden_count_of_a_random_summary_can_be_worked_out_from_its_totals() {
    let mut rng = StdRng::seed_from_u64(21);
    let (mut reasons_hidden, mut reasons_shown) = (0, 0);
    for case in 0..150 {
        let events = rng.random_range(1..5);
        let below = rng.random_range(2..7);
        let rows = random_summary_rows(&mut rng, events);
        let counts = SummaryCounts::protected(&rows, below);
        let full = SummaryCounts::protected(&rows, 0);
        let (shown, truth) =
            (serde_json::to_value(&counts.events).unwrap(), serde_json::to_value(&full.events).unwrap());
        let (totals, full_totals) =
            (serde_json::to_value(&counts.totals).unwrap(), serde_json::to_value(&full.totals).unwrap());
        let shown_reasons = counts.totals.no_show_reasons.values();
        reasons_hidden += shown_reasons.clone().filter(|n| n.is_none()).count();
        reasons_shown += shown_reasons.filter(|n| n.is_some_and(|n| n > 0)).count();
        let reasons: Vec<Vec<i64>> = rows.iter().map(|r| r.no_show_reasons.clone()).collect();
        audit_summary_with_reasons(
            (shown.as_array().unwrap(), &totals),
            (truth.as_array().unwrap(), &full_totals),
            &reasons,
            below,
            &format!("case {case}, below {below}: {shown} {totals}"),
        );
    }
    assert!(reasons_hidden > 50, "the cases hide totals of reasons: {reasons_hidden}");
    assert!(reasons_shown > 5, "and show them where they may: {reasons_shown}");
}

async fn demo_organiser(app: &crate::helpers::TestApp) -> String {
    let login = app
        .post(
            "/api/v1/auth/login",
            None,
            serde_json::json!({"email": hybrid_events::demo::ORGANISER_EMAIL, "password": hybrid_events::demo::ORGANISER_PASSWORD}),
        )
        .await;
    assert_eq!(login.status, 200, "{}", login.text);
    login.body["access_token"].as_str().unwrap().to_owned()
}

/// Every row and the totals of the attendance summary, page by page.
pub async fn whole_summary(app: &crate::helpers::TestApp, token: &str, query: &str) -> (Vec<Value>, Value) {
    let (mut events, mut cursor) = (Vec::new(), None::<String>);
    loop {
        let after = cursor.as_ref().map(|c| format!("&cursor={c}")).unwrap_or_default();
        let page = app.get(&format!("/api/v1/reports/attendance?limit=1{query}{after}"), Some(token)).await;
        assert_eq!(page.status, 200, "{}", page.text);
        events.extend(page.body["events"].as_array().unwrap().iter().cloned());
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return (events, page.body["totals"].clone()),
        }
    }
}

/// The issue's measure: the demo roundtable (21 people, 18 online, 3 onsite without a
/// device) reported with `suppress_below=5`, as JSON, as the page behind a report link, by
/// the organisation's default, and in the summary as JSON and CSV: nothing hidden comes back.
#[actix_web::test]
async fn the_demo_roundtable_gives_no_hidden_count_away_in_any_form() {
    let app = crate::helpers::spawn_app().await;
    hybrid_events::demo::load(&app.settings, &app.pool).await.unwrap();
    let token = demo_organiser(&app).await;
    let event = hybrid_events::demo::event_id();
    let path = format!("/api/v1/events/{event}/report");
    let full = app.get(&path, Some(&token)).await.body;
    assert_eq!(full["by_mode"]["onsite"]["confirmed"], 3, "{full}");

    let shown = app.get(&format!("{path}?suppress_below=5"), Some(&token)).await;
    assert_eq!(shown.status, 200, "{}", shown.text);
    let report = shown.body;
    assert_eq!(report["suppressed"], true);
    assert!(report["by_mode"]["onsite"]["confirmed"].is_null(), "{report}");
    assert!(
        report["by_mode"]["online"]["confirmed"].is_null() || report["totals"]["confirmed"].is_null(),
        "21 - 18 would give the three away: {report}"
    );
    audit_event_report(&report, &full, 5, "the demo at 5");
    let hidden_languages: Vec<&String> = full["needs"]["interpretation"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|language| report["needs"]["interpretation"].get(language.as_str()).is_none())
        .collect();
    assert!(!hidden_languages.is_empty(), "the demo's interpreting languages are small: {full}");

    // The page behind a report link shows the same: hidden counts as x, small languages unnamed.
    let link = app
        .post(
            &format!("/api/v1/events/{event}/report-links"),
            Some(&token),
            serde_json::json!({"suppress_below": 5}),
        )
        .await;
    assert_eq!(link.status, 201, "{}", link.text);
    let page =
        crate::helpers::read(app.client.get(link.body["url"].as_str().unwrap()).send().await.unwrap()).await;
    assert_eq!(page.status, 200, "{}", page.text);
    for language in &hidden_languages {
        assert!(!page.text.contains(&format!("Interpreting: {language}<")), "{language} named on the page");
    }
    assert!(page.text.contains(&format!("Interpreting: {OTHER_SUPPRESSED}")), "{}", page.text);
    assert!(page.text.contains(r#"id="suppressed-notice""#));
    assert!(!page.text.contains("&lt;5"), "a hidden count is not said to be small: it may not be");

    // The organisation's default is a floor under every report, asked for or not.
    let organisation = app.get(&format!("/api/v1/events/{event}"), Some(&token)).await.body
        ["organisation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let set = app
        .patch(
            &format!("/api/v1/organisations/{organisation}"),
            Some(&token),
            serde_json::json!({"report_suppress_below": 5}),
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.text);
    let by_default = app.get(&path, Some(&token)).await.body;
    assert_eq!(by_default["by_mode"], report["by_mode"], "the default hides as the query did");
    assert_eq!(by_default["needs"], report["needs"]);
    let lower = app.get(&format!("{path}?suppress_below=2"), Some(&token)).await.body;
    assert_eq!(lower["totals"], report["totals"], "a lower threshold does not undercut the default");
    let plain_link =
        app.post(&format!("/api/v1/events/{event}/report-links"), Some(&token), serde_json::json!({})).await;
    let page =
        crate::helpers::read(app.client.get(plain_link.body["url"].as_str().unwrap()).send().await.unwrap())
            .await;
    assert!(page.text.contains(r#"id="suppressed-notice""#), "a link without a threshold keeps the default");

    // The summary over the organisation's events, page by page and as CSV.
    let (events, totals) = whole_summary(&app, &token, "&suppress_below=5").await;
    let (default_events, _) = whole_summary(&app, &token, "").await;
    assert_eq!(default_events, events, "the summary keeps the default too");
    app.patch(
        &format!("/api/v1/organisations/{organisation}"),
        Some(&token),
        serde_json::json!({"report_suppress_below": null}),
    )
    .await;
    let (full_events, full_totals) = whole_summary(&app, &token, "").await;
    assert!(events.iter().any(|e| e["onsite"]["confirmed"].is_null()), "{events:?}");
    audit_summary((&events, &totals), (&full_events, &full_totals), 5, "the demo's summary at 5");
    let csv = crate::helpers::read(
        app.client
            .get(app.url("/api/v1/reports/attendance?suppress_below=5"))
            .bearer_auth(&token)
            .header(reqwest::header::ACCEPT, "text/csv")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(csv.status, 200, "{}", csv.text);
    let mut lines = csv.text.lines();
    assert!(lines.next().unwrap().starts_with("\u{feff}event_id,title"), "a byte-order mark first");
    for (line, event) in lines.zip(&events) {
        let cells: Vec<&str> = line.rsplitn(9, ',').collect();
        let cell = |v: &Value| v.as_i64().map(|n| n.to_string()).unwrap_or_default();
        let expected = [
            cell(&event["hosted"]["attended"]),
            cell(&event["hosted"]["confirmed"]),
            cell(&event["physical_space"]["seated"]),
            cell(&event["physical_space"]["requested"]),
            cell(&event["onsite"]["attended"]),
            cell(&event["onsite"]["confirmed"]),
            cell(&event["online"]["attended"]),
            cell(&event["online"]["confirmed"]),
        ];
        assert_eq!(&cells[..8], &expected.iter().map(String::as_str).collect::<Vec<_>>()[..], "{line}");
    }
}
