//! Suppression that cannot be undone: an attacker's audit of the reports. Each report is read
//! as its reader sees it (JSON), its own sums are written down (totals = parts, for every
//! grouping, and the people *without* each need or category), and an exact integer solver
//! tries every other value for every hidden count. Each must keep at least two feasible
//! values; so must every small count the report implies but does not show.
//!
//! The solver here knows nothing of `domain::disclosure`: it is a plain search with bound
//! propagation, so it checks the product rather than repeating it.

use std::collections::BTreeMap;

use chrono::{TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::Value;
use uuid::Uuid;

use hybrid_events::db::reports::{BreakdownRow, EventCountsRow, EventSummaryRow};
use hybrid_events::domain::events::EventStatus;
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
}

const LANGUAGES: [&str; 4] = ["ar", "fr", "uk", "wo"];
const CATEGORIES: [&str; 5] = ["refugee", "migrant", "ngo", "volunteer", "regional_authority"];
const TOPICS: [&str; 3] = ["employment", "housing", "language_courses"];

pub fn random_people(rng: &mut StdRng, size: usize) -> Vec<Person> {
    (0..size)
        .map(|_| {
            let onsite = rng.random_bool(0.3);
            let status = if rng.random_bool(0.75) {
                0
            } else if rng.random_bool(0.6) {
                1
            } else {
                2
            };
            Person {
                onsite,
                status,
                checked_in: status == 0 && rng.random_bool(0.8),
                physical_space: onsite && rng.random_bool(0.5),
                transport: rng.random_bool(0.3),
                accessibility: rng.random_bool(0.15),
                fallback: !onsite && status == 0 && rng.random_bool(0.15),
                language: rng.random_bool(0.5).then(|| LANGUAGES[rng.random_range(0..LANGUAGES.len())]),
                category: CATEGORIES[rng.random_range(0..CATEGORIES.len())],
                interests: TOPICS.iter().copied().filter(|_| rng.random_bool(0.4)).collect(),
            }
        })
        .collect()
}

/// The counts PostgreSQL would give for these people (the definitions of `db::reports`).
pub fn counts_of(people: &[Person], ended: bool) -> (EventCountsRow, Vec<BreakdownRow>) {
    let count = |f: &dyn Fn(&Person) -> bool| people.iter().filter(|p| f(p)).count() as i64;
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
    };
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
    (row, breakdown)
}

/// Writes down the sums of an event report as its reader sees it, and checks that it names
/// no small category, then that nothing hidden or small can be worked out.
pub fn audit_event_report(report: &Value, people: &[Person], below: i64, context: &str) {
    let ended = report["event_ended"].as_bool().unwrap();
    let count = |f: &dyn Fn(&Person) -> bool| people.iter().filter(|p| f(p)).count() as i64;
    let mut a = Audit::default();
    let t = &report["totals"];
    let mode = |a: &mut Audit, name: &str, onsite: bool| {
        let m = &report["by_mode"][name];
        let of = |f: &dyn Fn(&Person) -> bool| count(&|p| p.onsite == onsite && f(p));
        let confirmed = a.shown(&format!("{name}.confirmed"), &m["confirmed"], of(&|p| p.status == 0));
        let waitlisted = a.shown(&format!("{name}.waitlisted"), &m["waitlisted"], of(&|p| p.status == 1));
        let attended =
            a.shown(&format!("{name}.attended"), &m["attended"], of(&|p| p.status == 0 && p.checked_in));
        let absent_truth = of(&|p| p.status == 0 && !p.checked_in);
        let absent = if ended {
            a.shown(&format!("{name}.no_show"), &m["no_show"], absent_truth)
        } else {
            assert_eq!(m["no_show"], 0, "{context}");
            a.implied(&format!("{name} not checked in yet"), absent_truth, below)
        };
        a.sum(confirmed, &[attended, absent]);
        (confirmed, waitlisted, attended, absent)
    };
    let online = mode(&mut a, "online", false);
    let onsite = mode(&mut a, "onsite", true);
    let confirmed = a.shown("totals.confirmed", &t["confirmed"], count(&|p| p.status == 0));
    let waitlisted = a.shown("totals.waitlisted", &t["waitlisted"], count(&|p| p.status == 1));
    let attended = a.shown("totals.attended", &t["attended"], count(&|p| p.status == 0 && p.checked_in));
    a.sum(confirmed, &[online.0, onsite.0]);
    a.sum(waitlisted, &[online.1, onsite.1]);
    a.sum(attended, &[online.2, onsite.2]);
    if ended {
        let no_show = a.shown("totals.no_show", &t["no_show"], count(&|p| p.status == 0 && !p.checked_in));
        a.sum(no_show, &[online.3, onsite.3]);
    }
    a.shown("totals.cancelled", &t["cancelled"], count(&|p| p.status == 2));
    let fallback =
        a.shown("totals.fallback_applied", &t["fallback_applied"], count(&|p| p.status == 0 && p.fallback));
    let chose_online =
        a.implied("online by choice", count(&|p| p.status == 0 && !p.onsite && !p.fallback), below);
    a.sum(online.0, &[fallback, chose_online]);

    let active = |f: &dyn Fn(&Person) -> bool| count(&|p| p.status != 2 && f(p));
    let everyone = a.implied("not cancelled", active(&|_| true), below);
    a.sum(everyone, &[confirmed, waitlisted]);
    let needs = &report["needs"];
    let need = |a: &mut Audit, name: &str, shown: &Value, whole: Term, with: i64, without: i64| {
        let cell = a.shown(name, shown, with);
        let rest = a.implied(&format!("without {name}"), without, below);
        a.sum(whole, &[cell, rest]);
        cell
    };
    need(
        &mut a,
        "transport",
        &needs["transport"],
        everyone,
        active(&|p| p.transport),
        active(&|p| !p.transport),
    );
    need(
        &mut a,
        "accessibility",
        &needs["accessibility"],
        everyone,
        active(&|p| p.accessibility),
        active(&|p| !p.accessibility),
    );
    let space = &needs["physical_space"];
    let seated = need(
        &mut a,
        "physical_space.seated",
        &space["seated"],
        confirmed,
        count(&|p| p.status == 0 && p.physical_space),
        count(&|p| p.status == 0 && !p.physical_space),
    );
    let space_waiting = need(
        &mut a,
        "physical_space.waitlisted",
        &space["waitlisted"],
        waitlisted,
        count(&|p| p.status == 1 && p.physical_space),
        count(&|p| p.status == 1 && !p.physical_space),
    );
    let requested = a.shown("physical_space.requested", &space["requested"], active(&|p| p.physical_space));
    a.sum(requested, &[seated, space_waiting]);

    // Languages: those named are shown and not small; the rest are pooled, unnamed.
    let languages = needs["interpretation"].as_object().unwrap();
    let mut parts = Vec::new();
    let mut pooled_truth = active(&|p| p.language.is_some());
    for (language, shown) in languages.iter().filter(|(k, _)| *k != OTHER_SUPPRESSED) {
        let n =
            shown.as_i64().unwrap_or_else(|| panic!("{context}: language {language} is named but hidden"));
        assert!(n >= below, "{context}: language {language} named with a small count {n}");
        parts.push(a.shown(language, shown, active(&|p| p.language == Some(language.as_str()))));
        pooled_truth -= n;
    }
    match languages.get(OTHER_SUPPRESSED) {
        Some(shown) => parts.push(a.shown("languages pooled", shown, pooled_truth)),
        None => assert_eq!(pooled_truth, 0, "{context}: languages left out without saying so"),
    }
    parts.push(a.implied("no interpretation", active(&|p| p.language.is_none()), below));
    a.sum(everyone, &parts);

    // Categories: confirmed and attended each add up to their total.
    let categories = report["by_stakeholder_category"].as_object().unwrap();
    let (mut confirmed_parts, mut attended_parts) = (Vec::new(), Vec::new());
    let in_named = |p: &Person| categories.contains_key(p.category);
    let mut category = |a: &mut Audit, name: &str, counts: &Value, member: &dyn Fn(&Person) -> bool| {
        let c = a.shown(
            &format!("{name}.confirmed"),
            &counts["confirmed"],
            count(&|p| p.status == 0 && member(p)),
        );
        let at = a.shown(
            &format!("{name}.attended"),
            &counts["attended"],
            count(&|p| p.status == 0 && p.checked_in && member(p)),
        );
        let absent = a.implied(
            &format!("{name} confirmed, not checked in"),
            count(&|p| p.status == 0 && !p.checked_in && member(p)),
            below,
        );
        a.sum(c, &[at, absent]);
        confirmed_parts.push(c);
        attended_parts.push(at);
    };
    for (name, counts) in categories.iter().filter(|(k, _)| *k != OTHER_SUPPRESSED) {
        let n = counts["confirmed"].as_i64().unwrap_or_else(|| panic!("{context}: {name} named but hidden"));
        assert!(n == 0 || n >= below, "{context}: category {name} named with a small count {n}");
        category(&mut a, name, counts, &|p| p.category == name.as_str());
    }
    match categories.get(OTHER_SUPPRESSED) {
        Some(counts) => category(&mut a, "categories pooled", counts, &|p| !in_named(p)),
        None => assert_eq!(count(&|p| p.status == 0 && !in_named(p)), 0, "{context}: categories left out"),
    }
    a.sum(confirmed, &confirmed_parts);
    a.sum(attended, &attended_parts);

    // Interests stand alone (several per person); each and those without it make everyone.
    let interests = report["interests"].as_object().unwrap();
    for (topic, shown) in interests.iter().filter(|(k, _)| *k != OTHER_SUPPRESSED) {
        let n = shown.as_i64().unwrap_or_else(|| panic!("{context}: topic {topic} named but hidden"));
        assert!(n == 0 || n >= below, "{context}: topic {topic} named with a small count {n}");
        need(
            &mut a,
            topic,
            shown,
            everyone,
            active(&|p| p.interests.contains(&topic.as_str())),
            active(&|p| !p.interests.contains(&topic.as_str())),
        );
    }
    for topic in TOPICS.iter().filter(|t| !interests.contains_key(**t)) {
        if active(&|p| p.interests.contains(topic)) > 0 {
            assert!(
                interests.contains_key(OTHER_SUPPRESSED),
                "{context}: {topic} left out without saying so"
            );
        }
    }
    a.assert_protected(2 * people.len() as i64 + 5, context);
}

#[test]
fn no_hidden_count_of_a_random_small_event_can_be_worked_out() {
    let mut rng = StdRng::seed_from_u64(16);
    let mut hidden_somewhere = 0;
    for case in 0..1000 {
        let size = rng.random_range(0..16);
        let people = random_people(&mut rng, size);
        let ended = rng.random_bool(0.6);
        let below = rng.random_range(2..7);
        let (row, breakdown) = counts_of(&people, ended);
        let report = serde_json::to_value(EventReport::build(&row, &breakdown, Some(below))).unwrap();
        if report["suppressed"] == true {
            hidden_somewhere += 1;
        }
        audit_event_report(&report, &people, below, &format!("case {case}: {people:?} below {below}"));
    }
    assert!(hidden_somewhere > 750, "the cases exercise suppression: {hidden_somewhere}");
}

#[test]
fn without_a_threshold_every_count_is_shown() {
    let mut rng = StdRng::seed_from_u64(3);
    let people = random_people(&mut rng, 12);
    let (row, breakdown) = counts_of(&people, true);
    let report = serde_json::to_value(EventReport::build(&row, &breakdown, None)).unwrap();
    assert_eq!(report["suppressed"], false);
    let (mut hidden, mut counts) =
        (Vec::new(), vec![&report["totals"], &report["needs"], &report["interests"]]);
    counts.extend(["online", "onsite"].map(|m| &report["by_mode"][m]));
    while let Some(value) = counts.pop() {
        match value {
            Value::Object(fields) => {
                // A capacity of null means unlimited, not hidden.
                counts.extend(fields.iter().filter(|(k, _)| *k != "capacity").map(|(_, v)| v));
            }
            Value::Null => hidden.push(value),
            _ => {}
        }
    }
    assert!(hidden.is_empty(), "{report}");
    assert!(!report.to_string().contains(OTHER_SUPPRESSED));
}

/// Random events of a summary, each with its own counts.
fn random_summary_rows(rng: &mut StdRng, events: usize) -> (Vec<EventSummaryRow>, Vec<Vec<Person>>) {
    let at = Utc.with_ymd_and_hms(2026, 1, 1, 10, 0, 0).unwrap();
    (0..events)
        .map(|i| {
            let size = rng.random_range(0..14);
            let people = random_people(rng, size);
            let (c, _) = counts_of(&people, true);
            let row = EventSummaryRow {
                event_id: Uuid::from_u128(i as u128 + 1),
                title: format!("event {i}"),
                region: "Soria".into(),
                series: None,
                starts_at: at + chrono::Duration::days(i as i64),
                status: EventStatus::Published,
                online_confirmed: c.online_confirmed,
                online_attended: c.online_attended,
                onsite_confirmed: c.onsite_confirmed,
                onsite_attended: c.onsite_attended,
                physical_space_requested: c.physical_space_requested,
                physical_space_seated: c.physical_space_seated,
            };
            (row, people)
        })
        .unzip()
}

/// Writes down the sums of a summary (each column over every event, the totals across
/// modes, and within each row those confirmed but absent, seated without need, still waiting
/// for a space), then checks that nothing hidden or small can be worked out.
pub fn audit_summary(summary: &Value, people: &BTreeMap<String, Vec<Person>>, below: i64, context: &str) {
    let mut a = Audit::default();
    let (mut online_parts, mut onsite_parts, mut attended_parts) = (Vec::new(), Vec::new(), Vec::new());
    let mut largest = 0;
    for event in summary["events"].as_array().unwrap() {
        let id = event["event_id"].as_str().unwrap();
        let people = &people[id];
        largest += people.len() as i64;
        let count = |f: &dyn Fn(&Person) -> bool| people.iter().filter(|p| f(p)).count() as i64;
        let name = |field: &str| format!("{id}.{field}");
        let mode = |a: &mut Audit, key: &str, onsite: bool| {
            let m = &event[key];
            let c = a.shown(&name(key), &m["confirmed"], count(&|p| p.status == 0 && p.onsite == onsite));
            let at = a.shown(
                &name(&format!("{key}.attended")),
                &m["attended"],
                count(&|p| p.status == 0 && p.checked_in && p.onsite == onsite),
            );
            let absent = a.implied(
                &name(&format!("{key} absent")),
                count(&|p| p.status == 0 && !p.checked_in && p.onsite == onsite),
                below,
            );
            a.sum(c, &[at, absent]);
            (c, at)
        };
        let online = mode(&mut a, "online", false);
        let onsite = mode(&mut a, "onsite", true);
        let confirmed = a.implied(&name("confirmed"), count(&|p| p.status == 0), below);
        a.sum(confirmed, &[online.0, onsite.0]);
        let space = &event["physical_space"];
        let seated =
            a.shown(&name("seated"), &space["seated"], count(&|p| p.status == 0 && p.physical_space));
        let unneeded =
            a.implied(&name("seated without need"), count(&|p| p.status == 0 && !p.physical_space), below);
        a.sum(confirmed, &[seated, unneeded]);
        let requested =
            a.shown(&name("requested"), &space["requested"], count(&|p| p.status != 2 && p.physical_space));
        let waiting =
            a.implied(&name("waiting for a space"), count(&|p| p.status == 1 && p.physical_space), below);
        a.sum(requested, &[seated, waiting]);
        online_parts.push(online.0);
        onsite_parts.push(onsite.0);
        attended_parts.extend([online.1, onsite.1]);
    }
    let all: Vec<&Person> = people.values().flatten().collect();
    let count = |f: &dyn Fn(&Person) -> bool| all.iter().filter(|p| f(p)).count() as i64;
    let t = &summary["totals"];
    let online =
        a.shown("totals.online_confirmed", &t["online_confirmed"], count(&|p| p.status == 0 && !p.onsite));
    let onsite =
        a.shown("totals.onsite_confirmed", &t["onsite_confirmed"], count(&|p| p.status == 0 && p.onsite));
    let confirmed = a.shown("totals.confirmed", &t["confirmed"], count(&|p| p.status == 0));
    let attended = a.shown("totals.attended", &t["attended"], count(&|p| p.status == 0 && p.checked_in));
    a.sum(online, &online_parts);
    a.sum(onsite, &onsite_parts);
    a.sum(attended, &attended_parts);
    a.sum(confirmed, &[online, onsite]);
    a.assert_protected(2 * largest + 5, context);
}

#[test]
fn no_hidden_count_of_a_random_summary_can_be_worked_out_from_its_totals() {
    let mut rng = StdRng::seed_from_u64(21);
    for case in 0..150 {
        let events = rng.random_range(1..5);
        let below = rng.random_range(2..7);
        let (rows, people) = random_summary_rows(&mut rng, events);
        let counts = SummaryCounts::protected(&rows, below);
        let summary = serde_json::json!({"events": counts.events, "totals": counts.totals});
        let people: BTreeMap<String, Vec<Person>> =
            rows.iter().map(|r| r.event_id.to_string()).zip(people).collect();
        audit_summary(&summary, &people, below, &format!("case {case}, below {below}: {summary}"));
    }
}
