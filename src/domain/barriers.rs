//! What keeps a person from taking part, as data: each barrier from a fixed vocabulary, its
//! status (raised, arranged, unresolved) and what was arranged for it. The first contract's
//! two needs are views of it: `needs_transport` is "a transport barrier is listed", and
//! `needs_physical_space` (the seat rule's need) is a digital gap met by a room, so it always
//! comes with a `digital_gap` barrier (a digital gap met by a lent device needs no room).
//! No free text: a barrier names a category of need, never the person's circumstances
//! (`accessibility_notes` is where those go, erased with the personal data).

use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::domain::history::FieldChange;
use crate::domain::text::Problems;

/// The barriers the platforms name: transport in a rural province, the digital gap, clashing
/// schedules, little confidence in the local language, and what else keeps people away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(example = "transport")]
pub enum BarrierKind {
    Transport,
    DigitalGap,
    Schedule,
    LanguageConfidence,
    Childcare,
    Mobility,
    Hearing,
    Vision,
    Cost,
    Other,
}

impl BarrierKind {
    pub const ALL: [BarrierKind; 10] = [
        BarrierKind::Transport,
        BarrierKind::DigitalGap,
        BarrierKind::Schedule,
        BarrierKind::LanguageConfidence,
        BarrierKind::Childcare,
        BarrierKind::Mobility,
        BarrierKind::Hearing,
        BarrierKind::Vision,
        BarrierKind::Cost,
        BarrierKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BarrierKind::Transport => "transport",
            BarrierKind::DigitalGap => "digital_gap",
            BarrierKind::Schedule => "schedule",
            BarrierKind::LanguageConfidence => "language_confidence",
            BarrierKind::Childcare => "childcare",
            BarrierKind::Mobility => "mobility",
            BarrierKind::Hearing => "hearing",
            BarrierKind::Vision => "vision",
            BarrierKind::Cost => "cost",
            BarrierKind::Other => "other",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == value)
    }
}

/// Where a barrier stands: raised by or for the person, arranged (something was done: see
/// `arranged`), or unresolved (the organisers could not lower it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(example = "arranged")]
pub enum BarrierStatus {
    #[default]
    Raised,
    Arranged,
    Unresolved,
}

impl BarrierStatus {
    pub const ALL: [BarrierStatus; 3] =
        [BarrierStatus::Raised, BarrierStatus::Arranged, BarrierStatus::Unresolved];

    pub fn as_str(self) -> &'static str {
        match self {
            BarrierStatus::Raised => "raised",
            BarrierStatus::Arranged => "arranged",
            BarrierStatus::Unresolved => "unresolved",
        }
    }
}

/// What an organisation arranged to lower a barrier. Any arrangement may answer any barrier
/// (a hosted place answers transport as well as the digital gap).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(example = "transport_booked")]
pub enum Arrangement {
    TransportBooked,
    TravelCostsRefunded,
    /// A seat in a room to attend in person (the physical-space need met).
    PhysicalSpace,
    /// A seat at a hosted place near the person's home.
    HostedPlace,
    DeviceLent,
    ConnectionProvided,
    DigitalSupport,
    ScheduleAdapted,
    RecordingShared,
    Interpreter,
    TranslatedMaterial,
    PlainLanguage,
    ChildcareProvided,
    StepFreeAccess,
    Companion,
    HearingLoop,
    Captions,
    SignLanguage,
    AccessibleDocuments,
    CostsCovered,
    Other,
}

/// One barrier of a registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"barrier": "transport", "status": "arranged", "arranged": ["transport_booked"]}))]
pub struct Barrier {
    pub barrier: BarrierKind,
    /// Default `raised`.
    #[serde(default)]
    pub status: BarrierStatus,
    /// What was arranged: at least one with `arranged`, none otherwise.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub arranged: Vec<Arrangement>,
}

impl Barrier {
    pub fn raised(barrier: BarrierKind) -> Self {
        Self { barrier, status: BarrierStatus::Raised, arranged: Vec::new() }
    }

    fn as_value(&self) -> serde_json::Value {
        json!({"status": self.status, "arranged": self.arranged})
    }
}

/// A registration's barriers, each kind once, in the vocabulary's order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Barriers(pub Vec<Barrier>);

impl Barriers {
    pub fn has(&self, kind: BarrierKind) -> bool {
        self.0.iter().any(|b| b.barrier == kind)
    }

    pub fn get(&self, kind: BarrierKind) -> Option<&Barrier> {
        self.0.iter().find(|b| b.barrier == kind)
    }

    fn add(&mut self, barrier: Barrier) {
        self.0.push(barrier);
        self.0.sort_by_key(|b| b.barrier);
    }

    fn remove(&mut self, kind: BarrierKind) {
        self.0.retain(|b| b.barrier != kind);
    }

    /// The history's `changes` from `before` to `self`: `barriers.<kind>` from and to
    /// `{status, arranged}` (null: not listed), one per kind that changed.
    pub fn changes_from(&self, before: &Barriers) -> Vec<FieldChange> {
        BarrierKind::ALL
            .into_iter()
            .filter_map(|kind| {
                let (from, to) = (before.get(kind), self.get(kind));
                (from != to).then(|| {
                    FieldChange::new(
                        &format!("barriers.{}", kind.as_str()),
                        from.map_or(serde_json::Value::Null, Barrier::as_value),
                        to.map_or(serde_json::Value::Null, Barrier::as_value),
                    )
                })
            })
            .collect()
    }
}

/// Checks barriers as a client lists them: each kind once (422 `duplicate_barrier`), what was
/// arranged given exactly with `arranged` (422 `arrangement_required`,
/// `arranged_without_arrangement_status`); repeated arrangements are kept once. Returns them
/// in the vocabulary's order.
pub fn check(problems: &mut Problems, listed: Vec<Barrier>) -> Barriers {
    let mut kept = Barriers::default();
    for (i, mut barrier) in listed.into_iter().enumerate() {
        if kept.has(barrier.barrier) {
            problems.add(
                format!("barriers[{i}].barrier"),
                "duplicate_barrier",
                format!("{} is listed twice", barrier.barrier.as_str()),
            );
            continue;
        }
        match (barrier.status, barrier.arranged.is_empty()) {
            (BarrierStatus::Arranged, true) => problems.add(
                format!("barriers[{i}].arranged"),
                "arrangement_required",
                "say what was arranged, e.g. [\"transport_booked\"]",
            ),
            (BarrierStatus::Raised | BarrierStatus::Unresolved, false) => problems.add(
                format!("barriers[{i}].arranged"),
                "arranged_without_arrangement_status",
                "what was arranged goes with status arranged",
            ),
            _ => {}
        }
        let mut arranged = Vec::new();
        for a in barrier.arranged {
            if !arranged.contains(&a) {
                arranged.push(a);
            }
        }
        barrier.arranged = arranged;
        kept.add(barrier);
    }
    kept
}

/// What a request says about barriers and the first contract's two needs; `None`: not said.
/// A create request says a need only when it sets it true (false is the default).
#[derive(Debug, Clone, Default)]
pub struct Asked {
    pub barriers: Option<Barriers>,
    pub needs_physical_space: Option<bool>,
    pub needs_transport: Option<bool>,
}

/// The barriers and transport need a registration ends with, given what it had (`stored`,
/// empty for a new one) and the physical-space need it ends with. The needs raise their
/// barrier when it is missing; `needs_transport: false` removes the transport barrier. A
/// request that lists barriers contradicting the needs it ends with is 422
/// `barriers_contradict_needs`: transport listed with `needs_transport: false`, or no
/// digital gap while the physical-space need stays (without being asked for now).
pub fn reconcile(
    problems: &mut Problems,
    asked: Asked,
    stored: &Barriers,
    needs_physical_space: bool,
) -> (Barriers, bool) {
    let listed = asked.barriers.is_some();
    let mut barriers = asked.barriers.unwrap_or_else(|| stored.clone());
    match asked.needs_transport {
        Some(true) if !barriers.has(BarrierKind::Transport) => {
            barriers.add(Barrier::raised(BarrierKind::Transport))
        }
        Some(false) if listed && barriers.has(BarrierKind::Transport) => problems.add(
            "needs_transport",
            "barriers_contradict_needs",
            "needs_transport is false but a transport barrier is listed",
        ),
        Some(false) => barriers.remove(BarrierKind::Transport),
        _ => {}
    }
    if needs_physical_space && !barriers.has(BarrierKind::DigitalGap) {
        if listed && asked.needs_physical_space != Some(true) {
            problems.add(
                "barriers",
                "barriers_contradict_needs",
                "needs_physical_space is true: keep a digital_gap barrier, or set needs_physical_space to false",
            );
        } else {
            barriers.add(Barrier::raised(BarrierKind::DigitalGap));
        }
    }
    let needs_transport = barriers.has(BarrierKind::Transport);
    (barriers, needs_transport)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn barrier(kind: BarrierKind, status: BarrierStatus, arranged: &[Arrangement]) -> Barrier {
        Barrier { barrier: kind, status, arranged: arranged.to_vec() }
    }

    fn codes(problems: &Problems) -> Vec<(&str, &str)> {
        problems.0.iter().map(|e| (e.field.as_str(), e.code.as_str())).collect()
    }

    #[test]
    fn checked_barriers_are_in_the_vocabularys_order_with_arrangements_once() {
        let mut problems = Problems::default();
        let kept = check(
            &mut problems,
            vec![
                Barrier::raised(BarrierKind::Hearing),
                barrier(
                    BarrierKind::Transport,
                    BarrierStatus::Arranged,
                    &[Arrangement::TransportBooked, Arrangement::TransportBooked],
                ),
            ],
        );
        assert!(problems.is_empty());
        assert_eq!(
            kept.0,
            vec![
                barrier(BarrierKind::Transport, BarrierStatus::Arranged, &[Arrangement::TransportBooked]),
                Barrier::raised(BarrierKind::Hearing),
            ]
        );
    }

    #[test]
    fn a_kind_twice_and_arrangements_without_their_status_are_refused() {
        let mut problems = Problems::default();
        check(
            &mut problems,
            vec![
                Barrier::raised(BarrierKind::Cost),
                Barrier::raised(BarrierKind::Cost),
                barrier(BarrierKind::Schedule, BarrierStatus::Arranged, &[]),
                barrier(BarrierKind::Vision, BarrierStatus::Unresolved, &[Arrangement::AccessibleDocuments]),
            ],
        );
        assert_eq!(
            codes(&problems),
            vec![
                ("barriers[1].barrier", "duplicate_barrier"),
                ("barriers[2].arranged", "arrangement_required"),
                ("barriers[3].arranged", "arranged_without_arrangement_status"),
            ]
        );
    }

    #[test]
    fn the_old_needs_raise_their_barriers() {
        let mut problems = Problems::default();
        let asked =
            Asked { needs_physical_space: Some(true), needs_transport: Some(true), ..Asked::default() };
        let (barriers, transport) = reconcile(&mut problems, asked, &Barriers::default(), true);
        assert!(problems.is_empty());
        assert!(transport);
        assert_eq!(
            barriers.0,
            vec![Barrier::raised(BarrierKind::Transport), Barrier::raised(BarrierKind::DigitalGap)]
        );
    }

    #[test]
    fn a_listed_transport_barrier_is_the_transport_need_and_keeps_its_status() {
        let arranged =
            barrier(BarrierKind::Transport, BarrierStatus::Arranged, &[Arrangement::TransportBooked]);
        let mut problems = Problems::default();
        let asked = Asked {
            barriers: Some(Barriers(vec![arranged.clone()])),
            needs_transport: Some(true),
            ..Asked::default()
        };
        let (barriers, transport) = reconcile(&mut problems, asked, &Barriers::default(), false);
        assert!(problems.is_empty());
        assert!(transport);
        assert_eq!(barriers.0, vec![arranged]);
    }

    #[test]
    fn needs_transport_false_removes_the_barrier_unless_the_same_request_lists_it() {
        let stored =
            Barriers(vec![Barrier::raised(BarrierKind::Transport), Barrier::raised(BarrierKind::Cost)]);
        let mut problems = Problems::default();
        let asked = Asked { needs_transport: Some(false), ..Asked::default() };
        let (barriers, transport) = reconcile(&mut problems, asked, &stored, false);
        assert!(problems.is_empty());
        assert!(!transport);
        assert_eq!(barriers.0, vec![Barrier::raised(BarrierKind::Cost)]);

        let mut problems = Problems::default();
        let asked =
            Asked { barriers: Some(stored.clone()), needs_transport: Some(false), ..Asked::default() };
        reconcile(&mut problems, asked, &stored, false);
        assert_eq!(codes(&problems), vec![("needs_transport", "barriers_contradict_needs")]);
    }

    #[test]
    fn dropping_the_digital_gap_while_the_physical_space_need_stays_is_refused() {
        let stored = Barriers(vec![Barrier::raised(BarrierKind::DigitalGap)]);
        let mut problems = Problems::default();
        let asked = Asked { barriers: Some(Barriers::default()), ..Asked::default() };
        reconcile(&mut problems, asked, &stored, true);
        assert_eq!(codes(&problems), vec![("barriers", "barriers_contradict_needs")]);

        // Ending the need in the same change is what the message asks for.
        let mut problems = Problems::default();
        let asked = Asked {
            barriers: Some(Barriers::default()),
            needs_physical_space: Some(false),
            ..Asked::default()
        };
        let (barriers, _) = reconcile(&mut problems, asked, &stored, false);
        assert!(problems.is_empty());
        assert!(barriers.0.is_empty());

        // A digital gap met by a lent device needs no room: the barrier without the need.
        let lent = barrier(BarrierKind::DigitalGap, BarrierStatus::Arranged, &[Arrangement::DeviceLent]);
        let mut problems = Problems::default();
        let asked = Asked { barriers: Some(Barriers(vec![lent.clone()])), ..Asked::default() };
        let (barriers, transport) = reconcile(&mut problems, asked, &Barriers::default(), false);
        assert!(problems.is_empty());
        assert!(!transport);
        assert_eq!(barriers.0, vec![lent]);
    }

    #[test]
    fn changes_name_each_kind_that_changed() {
        let before =
            Barriers(vec![Barrier::raised(BarrierKind::Transport), Barrier::raised(BarrierKind::Cost)]);
        let after = Barriers(vec![
            barrier(BarrierKind::Transport, BarrierStatus::Arranged, &[Arrangement::TransportBooked]),
            Barrier::raised(BarrierKind::Cost),
            Barrier::raised(BarrierKind::Childcare),
        ]);
        let changes = after.changes_from(&before);
        let fields: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, vec!["barriers.transport", "barriers.childcare"]);
        assert_eq!(changes[0].from, Some(json!({"status": "raised", "arranged": []})));
        assert_eq!(changes[0].to, Some(json!({"status": "arranged", "arranged": ["transport_booked"]})));
        assert_eq!(changes[1].from, Some(serde_json::Value::Null));
        assert!(after.changes_from(&after).is_empty());
    }

    #[test]
    fn kinds_read_back_what_they_write() {
        for kind in BarrierKind::ALL {
            assert_eq!(BarrierKind::parse(kind.as_str()), Some(kind));
            assert_eq!(serde_json::to_value(kind).unwrap(), json!(kind.as_str()));
        }
    }
}
