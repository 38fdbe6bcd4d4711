//! Every change the product makes, as a value: what changed, from what to what. A use case
//! returns its transitions, and [`Transition::effects`] decides, in one exhaustive `match`,
//! the webhook message each one sends and the history entry each one writes. A new kind of
//! change does not compile until both are decided.

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::db::events::EventRow;
use crate::db::history::{DuplicateTally, EventEntry, RegistrationEntry};
use crate::db::outbox::Change;
use crate::db::registrations::RegistrationRow;
use crate::domain::actors::{ActionId, Actor, EventId, OrganisationId, PlaceId, RegistrationId};
use crate::domain::attendance::{CheckIn, NoShowReason};
use crate::domain::events::EventStatus;
use crate::domain::history::{EventAction, FieldChange, RegistrationAction};
use crate::domain::outcomes::{action_changes, action_created, field_name, ValidAction};
use crate::domain::outreach::{reach_of_event_change, OutreachKind, Reach};
use crate::domain::registrations::RegistrationStatus;
use crate::domain::seats::{Mode, Spot};
use crate::domain::webhooks::EventType;

/// An event, as its transitions name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventRef {
    pub id: EventId,
    pub organisation_id: OrganisationId,
}

/// A registration, as its transitions name it: its partner (the API client or user that
/// created it) hears about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegistrationRef {
    pub id: RegistrationId,
    pub event: EventRef,
    pub created_by: uuid::Uuid,
}

/// A follow-up action, as its transitions name it: its event's organisation hears about it;
/// `series` is its event's series, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionRef {
    pub id: ActionId,
    pub event: EventRef,
    pub series: Option<uuid::Uuid>,
}

/// Where a registration stands: what the seat rules decide and subscribers hear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seat {
    pub status: RegistrationStatus,
    pub mode: Mode,
    /// The place of the event it attends or waits for; `None`: the main venue, or online.
    pub place: Option<PlaceId>,
    pub fallback_applied: bool,
}

/// The seats an event offers at one of its places.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlaceOffer {
    pub capacity: i32,
    pub reserved_for_physical_space_need: i32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Transition {
    /// A new registration, confirmed or waitlisted.
    Registered {
        registration: RegistrationRef,
        seat: Seat,
    },
    /// A change asked for by a caller (mode, needs, participant); `before` and `after` may be
    /// the same seat when only details changed.
    RegistrationChanged {
        registration: RegistrationRef,
        before: Seat,
        after: Seat,
    },
    /// A waitlisted registration given a seat that freed up.
    Promoted {
        registration: RegistrationRef,
        before: Seat,
        after: Seat,
    },
    RegistrationCancelled {
        registration: RegistrationRef,
        before: Seat,
    },
    /// A waitlisted registration offered a seat that freed up, held until `expires_at`
    /// (`domain::offers`).
    Offered {
        registration: RegistrationRef,
        before: Seat,
        after: Seat,
        expires_at: DateTime<Utc>,
    },
    /// An offer accepted: `seat` is now confirmed.
    OfferAccepted {
        registration: RegistrationRef,
        seat: Seat,
    },
    /// An offer declined (`expired` false) or left past its deadline (`expired` true): the
    /// registration is cancelled, and its seat goes on to the next person.
    OfferLapsed {
        registration: RegistrationRef,
        before: Seat,
        expired: bool,
    },
    /// Checked in: the check-in carries its time, its source and (online) its minutes. A
    /// no-show reason recorded before is cleared (`cleared_no_show`), since the person came.
    CheckedIn {
        registration: RegistrationRef,
        seat: Seat,
        check_in: CheckIn,
        cleared_no_show: Option<NoShowReason>,
    },
    /// A check-in made by mistake undone; `undone` is the check-in it was.
    CheckInUndone {
        registration: RegistrationRef,
        seat: Seat,
        undone: CheckIn,
    },
    /// A no-show reason recorded (`before` is `None`), changed, or cleared (`after` is `None`).
    NoShowReasonChanged {
        registration: RegistrationRef,
        seat: Seat,
        before: Option<NoShowReason>,
        after: Option<NoShowReason>,
    },
    /// Barriers listed, changed (a status, what was arranged) or removed: one `FieldChange`
    /// per kind (`domain::barriers::Barriers::changes_from`); never empty.
    BarriersChanged {
        registration: RegistrationRef,
        seat: Seat,
        changes: Vec<FieldChange>,
    },
    PersonalDataErased {
        registration: RegistrationRef,
        seat: Seat,
    },
    /// A consent granted (`after` is the version of the text accepted) or withdrawn (`after`
    /// is `None`); `before` is the version held until then, if any.
    ConsentChanged {
        registration: RegistrationRef,
        seat: Seat,
        purpose: String,
        before: Option<i32>,
        after: Option<i32>,
    },
    EventCreated {
        event: EventRef,
    },
    /// Fields of an event changed; never empty.
    EventChanged {
        event: EventRef,
        status: EventStatus,
        changes: Vec<FieldChange>,
    },
    EventPublished {
        event: EventRef,
    },
    EventCancelled {
        event: EventRef,
        previous: EventStatus,
    },
    /// A registration refused to a partner that did not create the registration it
    /// duplicates (rule 5): counted per event, partner and hour, never naming the person.
    DuplicateRefused {
        event: EventRef,
    },
    /// Every registration of an ended event erased at once; `erased` of them were erased now.
    EventPersonalDataErased {
        event: EventRef,
        erased: i64,
    },
    /// The retention purge erased `erased` registrations of an event past its retention.
    RetentionPurged {
        event: EventRef,
        erased: i64,
    },
    /// A place offered by an event (`before` is `None`), its seats changed, or withdrawn
    /// (`after` is `None`).
    EventPlaceChanged {
        event: EventRef,
        place: PlaceId,
        before: Option<PlaceOffer>,
        after: Option<PlaceOffer>,
    },
    /// An event's outcome recorded or replaced (`POST /events/{id}/outcomes`): its topics
    /// and summary changed as `changes` say (never empty).
    OutcomeRecorded {
        event: EventRef,
        changes: Vec<FieldChange>,
    },
    /// A follow-up action recorded with an event's outcome.
    ActionCreated {
        action: ActionRef,
        created: ValidAction,
    },
    /// A follow-up action changed (`PATCH /actions/{id}`); `before` and `after` differ.
    ActionChanged {
        action: ActionRef,
        before: ValidAction,
        after: ValidAction,
    },
}

impl EventRef {
    pub fn of(event: &EventRow) -> Self {
        EventRef { id: EventId(event.id), organisation_id: OrganisationId(event.organisation_id) }
    }
}

impl RegistrationRef {
    pub fn of(registration: &RegistrationRow, event: &EventRow) -> Self {
        RegistrationRef {
            id: RegistrationId(registration.id),
            event: EventRef::of(event),
            created_by: registration.created_by,
        }
    }
}

impl Seat {
    pub fn at(status: RegistrationStatus, spot: Spot, fallback_applied: bool) -> Self {
        Seat { status, mode: spot.mode(), place: spot.place().map(PlaceId), fallback_applied }
    }

    pub fn of(registration: &RegistrationRow) -> Self {
        Seat {
            status: registration.status,
            mode: registration.attendance_mode,
            place: registration.place_id.map(PlaceId),
            fallback_applied: registration.fallback_applied,
        }
    }
}

/// What one transition leaves behind: at most one webhook message, one history entry, and
/// what the people it concerns must be told (outreach items, each announced by
/// `outreach.created`).
#[derive(Debug, Clone, PartialEq)]
pub struct Effects {
    pub announcement: Option<Change>,
    pub entry: Entry,
    pub outreach: Option<Outreach>,
}

/// The outreach items a transition makes.
#[derive(Debug, Clone, PartialEq)]
pub enum Outreach {
    /// One item, for the registration.
    Registration { registration: RegistrationRef, kind: OutreachKind },
    /// No item, and the registration's open one closes (`cancelled`): nothing is left to
    /// tell the person.
    Withdrawn { registration: RegistrationRef },
    /// One item for each confirmed or waitlisted registration of the event that `reach`
    /// covers; `previous_start` when the event moved in time.
    Event { event: EventRef, kind: OutreachKind, reach: Reach, previous_start: Option<DateTime<Utc>> },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    Registration(RegistrationEntry),
    Event(EventEntry),
    /// One more in the count of an event's `duplicates_refused` entry of this partner and hour.
    DuplicateTally(DuplicateTally),
}

impl Transition {
    /// The webhook message and the history entry of this transition, made by `actor`.
    pub fn effects(&self, actor: Actor) -> Effects {
        use Transition::*;
        match self {
            Registered { registration, seat } => Effects {
                announcement: Some(about_registration(
                    match seat.status {
                        RegistrationStatus::Waitlisted => EventType::RegistrationWaitlisted,
                        RegistrationStatus::Confirmed
                        | RegistrationStatus::Cancelled
                        | RegistrationStatus::Offered => EventType::RegistrationConfirmed,
                    },
                    registration,
                    *seat,
                    None,
                )),
                entry: registration_entry(registration, actor, RegistrationAction::Created, None, *seat),
                outreach: Some(Outreach::Registration {
                    registration: *registration,
                    kind: match seat.status {
                        RegistrationStatus::Waitlisted => OutreachKind::Waitlisted,
                        _ if seat.fallback_applied => OutreachKind::MovedOnline,
                        RegistrationStatus::Confirmed
                        | RegistrationStatus::Cancelled
                        | RegistrationStatus::Offered => OutreachKind::Confirmed,
                    },
                }),
            },
            RegistrationChanged { registration, before, after } => {
                let confirmed_now = before.status == RegistrationStatus::Waitlisted
                    && after.status == RegistrationStatus::Confirmed;
                let (event_type, action, told) = if before.mode != after.mode {
                    (
                        Some(EventType::RegistrationModeChanged),
                        RegistrationAction::ModeChanged,
                        Some(OutreachKind::ModeChanged),
                    )
                } else if before.place != after.place {
                    (
                        Some(EventType::RegistrationPlaceChanged),
                        RegistrationAction::PlaceChanged,
                        Some(OutreachKind::PlaceChanged),
                    )
                } else if confirmed_now {
                    (
                        Some(EventType::RegistrationConfirmed),
                        RegistrationAction::Promoted,
                        Some(OutreachKind::Promoted),
                    )
                } else {
                    (None, RegistrationAction::Updated, None)
                };
                Effects {
                    announcement: event_type.map(|event_type| {
                        about_registration(event_type, registration, *after, Some(*before))
                    }),
                    entry: registration_entry(registration, actor, action, Some(*before), *after),
                    outreach: told.map(|kind| Outreach::Registration { registration: *registration, kind }),
                }
            }
            Promoted { registration, before, after } => Effects {
                announcement: Some(about_registration(
                    EventType::RegistrationPromoted,
                    registration,
                    *after,
                    Some(*before),
                )),
                entry: registration_entry(
                    registration,
                    actor,
                    RegistrationAction::Promoted,
                    Some(*before),
                    *after,
                ),
                outreach: Some(Outreach::Registration {
                    registration: *registration,
                    kind: if after.fallback_applied && before.mode != after.mode {
                        OutreachKind::MovedOnline
                    } else {
                        OutreachKind::Promoted
                    },
                }),
            },
            RegistrationCancelled { registration, before } => {
                let after = Seat { status: RegistrationStatus::Cancelled, ..*before };
                Effects {
                    announcement: Some(about_registration(
                        EventType::RegistrationCancelled,
                        registration,
                        after,
                        Some(*before),
                    )),
                    entry: registration_entry(
                        registration,
                        actor,
                        RegistrationAction::Cancelled,
                        Some(*before),
                        after,
                    ),
                    // The partner who cancels a registration does so for the person, who
                    // knows, and nothing said before needs saying now; anyone else cancelling
                    // it must have them told.
                    outreach: Some(if actor.id == Some(registration.created_by) {
                        Outreach::Withdrawn { registration: *registration }
                    } else {
                        Outreach::Registration {
                            registration: *registration,
                            kind: OutreachKind::RegistrationCancelled,
                        }
                    }),
                }
            }
            Offered { registration, before, after, expires_at } => {
                let mut announcement =
                    about_registration(EventType::RegistrationOffered, registration, *after, Some(*before));
                announcement.data["offer_expires_at"] = json!(expires_at);
                Effects {
                    announcement: Some(announcement),
                    entry: registration_entry(
                        registration,
                        actor,
                        RegistrationAction::Offered,
                        Some(*before),
                        *after,
                    ),
                    outreach: Some(Outreach::Registration {
                        registration: *registration,
                        kind: OutreachKind::Offered,
                    }),
                }
            }
            OfferAccepted { registration, seat } => {
                let before = Seat { status: RegistrationStatus::Offered, ..*seat };
                Effects {
                    announcement: Some(about_registration(
                        EventType::RegistrationConfirmed,
                        registration,
                        *seat,
                        Some(before),
                    )),
                    entry: registration_entry(
                        registration,
                        actor,
                        RegistrationAction::OfferAccepted,
                        Some(before),
                        *seat,
                    ),
                    // What holds now, with where and when: the confirmation a person keeps.
                    outreach: Some(Outreach::Registration {
                        registration: *registration,
                        kind: OutreachKind::Confirmed,
                    }),
                }
            }
            OfferLapsed { registration, before, expired } => {
                let after = Seat { status: RegistrationStatus::Cancelled, ..*before };
                let mut announcement =
                    about_registration(EventType::RegistrationCancelled, registration, after, Some(*before));
                announcement.data["reason"] =
                    json!(if *expired { "offer_expired" } else { "offer_declined" });
                Effects {
                    announcement: Some(announcement),
                    entry: registration_entry(
                        registration,
                        actor,
                        if *expired {
                            RegistrationAction::OfferExpired
                        } else {
                            RegistrationAction::OfferDeclined
                        },
                        Some(*before),
                        after,
                    ),
                    // Whoever declines knows; a person whose offer ran out must hear that the
                    // seat went on.
                    outreach: Some(if *expired {
                        Outreach::Registration {
                            registration: *registration,
                            kind: OutreachKind::OfferExpired,
                        }
                    } else {
                        Outreach::Withdrawn { registration: *registration }
                    }),
                }
            }
            CheckedIn { registration, seat, check_in, cleared_no_show } => {
                let mut changes = vec![CheckIn::change(None, Some(*check_in))];
                if cleared_no_show.is_some() {
                    changes.push(NoShowReason::change(*cleared_no_show, None));
                }
                Effects {
                    outreach: None,
                    announcement: None,
                    entry: entry_with_changes(
                        registration,
                        actor,
                        RegistrationAction::CheckedIn,
                        *seat,
                        changes,
                    ),
                }
            }
            CheckInUndone { registration, seat, undone } => Effects {
                outreach: None,
                announcement: None,
                entry: entry_with_changes(
                    registration,
                    actor,
                    RegistrationAction::CheckInUndone,
                    *seat,
                    vec![CheckIn::change(Some(*undone), None)],
                ),
            },
            NoShowReasonChanged { registration, seat, before, after } => Effects {
                outreach: None,
                announcement: None,
                entry: entry_with_changes(
                    registration,
                    actor,
                    if after.is_some() {
                        RegistrationAction::NoShowRecorded
                    } else {
                        RegistrationAction::NoShowCleared
                    },
                    *seat,
                    vec![NoShowReason::change(*before, *after)],
                ),
            },
            // The organisers' own work for a person: recorded, announced to nobody (the
            // registration's read shows it to the partner who made it).
            BarriersChanged { registration, seat, changes } => Effects {
                outreach: None,
                announcement: None,
                entry: entry_with_changes(
                    registration,
                    actor,
                    RegistrationAction::BarriersChanged,
                    *seat,
                    changes.clone(),
                ),
            },
            PersonalDataErased { registration, seat } => Effects {
                outreach: None,
                announcement: None,
                entry: registration_entry(
                    registration,
                    actor,
                    RegistrationAction::Erased,
                    Some(*seat),
                    *seat,
                ),
            },
            ConsentChanged { registration, seat, purpose, before, after } => {
                let mut announcement = about_registration(
                    EventType::RegistrationConsentChanged,
                    registration,
                    *seat,
                    Some(*seat),
                );
                announcement.data["consent"] = json!({
                    "purpose": purpose,
                    "granted": after.is_some(),
                    "version": after,
                    "previous_version": before,
                });
                let entry = entry_with_changes(
                    registration,
                    actor,
                    RegistrationAction::ConsentChanged,
                    *seat,
                    vec![consent_change(purpose, *before, *after)],
                );
                Effects { announcement: Some(announcement), entry, outreach: None }
            }
            EventCreated { event } => Effects {
                outreach: None,
                announcement: None,
                entry: event_entry(
                    event,
                    actor,
                    EventAction::Created,
                    vec![FieldChange::new("status", json!(null), json!(EventStatus::Draft.as_str()))],
                ),
            },
            EventChanged { event, status, changes } => Effects {
                announcement: Some(about_event(
                    EventType::EventUpdated,
                    event,
                    json!({
                        "change": "updated",
                        "status": status.as_str(),
                        "previous_status": status.as_str(),
                        "fields": changes.iter().map(|c| c.field.as_str()).collect::<Vec<_>>(),
                    }),
                )),
                entry: event_entry(event, actor, EventAction::Updated, changes.clone()),
                outreach: reach_of_event_change(changes).map(|reach| Outreach::Event {
                    event: *event,
                    kind: OutreachKind::EventChanged,
                    reach,
                    previous_start: previous_start(changes),
                }),
            },
            EventPublished { event } => Effects {
                outreach: None,
                announcement: None,
                entry: event_entry(
                    event,
                    actor,
                    EventAction::Published,
                    vec![status_change(EventStatus::Draft, EventStatus::Published)],
                ),
            },
            EventCancelled { event, previous } => Effects {
                announcement: Some(about_event(
                    EventType::EventCancelled,
                    event,
                    json!({
                        "change": "cancelled",
                        "status": EventStatus::Cancelled.as_str(),
                        "previous_status": previous.as_str(),
                    }),
                )),
                entry: event_entry(
                    event,
                    actor,
                    EventAction::Cancelled,
                    vec![status_change(*previous, EventStatus::Cancelled)],
                ),
                outreach: Some(Outreach::Event {
                    event: *event,
                    kind: OutreachKind::EventCancelled,
                    reach: Reach { everyone: true, venue: true, online: true },
                    previous_start: None,
                }),
            },
            DuplicateRefused { event } => Effects {
                outreach: None,
                announcement: None,
                entry: Entry::DuplicateTally(DuplicateTally { event_id: event.id.0, actor }),
            },
            EventPersonalDataErased { event, erased } => Effects {
                outreach: None,
                announcement: None,
                entry: event_entry(
                    event,
                    actor,
                    EventAction::PersonalDataErased,
                    vec![FieldChange::count(REGISTRATIONS_ERASED, *erased)],
                ),
            },
            RetentionPurged { event, erased } => Effects {
                outreach: None,
                announcement: None,
                entry: event_entry(
                    event,
                    actor,
                    EventAction::RetentionPurged,
                    vec![FieldChange::count(REGISTRATIONS_ERASED, *erased)],
                ),
            },
            EventPlaceChanged { event, place, before, after } => Effects {
                outreach: None,
                announcement: Some(about_event(
                    EventType::EventUpdated,
                    event,
                    json!({
                        "change": "places_changed",
                        "place_id": place.0,
                        "capacity": after.map(|a| a.capacity),
                        "previous_capacity": before.map(|b| b.capacity),
                    }),
                )),
                entry: event_entry(
                    event,
                    actor,
                    EventAction::PlacesChanged,
                    vec![FieldChange::new(
                        &format!("places.{}", place.0),
                        place_offer(*before),
                        place_offer(*after),
                    )],
                ),
            },
            OutcomeRecorded { event, changes } => Effects {
                outreach: None,
                announcement: None,
                entry: event_entry(event, actor, EventAction::OutcomeRecorded, changes.clone()),
            },
            ActionCreated { action, created } => Effects {
                outreach: None,
                announcement: Some(about_action(EventType::ActionCreated, action, created, None, &[])),
                entry: event_entry(
                    &action.event,
                    actor,
                    EventAction::ActionCreated,
                    vec![action_created(action.id.0, created)],
                ),
            },
            ActionChanged { action, before, after } => {
                let changes = action_changes(action.id.0, before, after);
                Effects {
                    outreach: None,
                    announcement: Some(about_action(
                        EventType::ActionUpdated,
                        action,
                        after,
                        Some(before),
                        &changes,
                    )),
                    entry: event_entry(&action.event, actor, EventAction::ActionUpdated, changes),
                }
            }
        }
    }
}

/// What the organisation's subscribers hear about a follow-up action: ids, statuses and its
/// due date, never its title or owner's name.
fn about_action(
    event_type: EventType,
    action: &ActionRef,
    now: &ValidAction,
    before: Option<&ValidAction>,
    changes: &[FieldChange],
) -> Change {
    about_event(
        event_type,
        &action.event,
        json!({
            "action_id": action.id.0,
            "series_id": action.series,
            "status": now.status.as_str(),
            "previous_status": before.map(|b| b.status.as_str()),
            "due_on": now.due_on,
            "fields": changes.iter().map(field_name).collect::<Vec<_>>(),
        }),
    )
}

/// The field of an erasure's history entry that counts the registrations erased.
pub const REGISTRATIONS_ERASED: &str = "registrations_erased";

/// A consent in a registration's history: `consents.<purpose>` from the version held
/// before to the version held after (null: none).
fn consent_change(purpose: &str, before: Option<i32>, after: Option<i32>) -> FieldChange {
    FieldChange::new(&format!("consents.{purpose}"), json!(before), json!(after))
}

fn place_offer(offer: Option<PlaceOffer>) -> serde_json::Value {
    offer.map_or(serde_json::Value::Null, |offer| {
        json!({
            "capacity": offer.capacity,
            "reserved_for_physical_space_need": offer.reserved_for_physical_space_need,
        })
    })
}

/// When the event was to start, when these changes moved it.
fn previous_start(changes: &[FieldChange]) -> Option<DateTime<Utc>> {
    let moved = changes.iter().find(|change| change.field == "starts_at")?;
    moved.from.as_ref()?.as_str()?.parse().ok()
}

fn status_change(from: EventStatus, to: EventStatus) -> FieldChange {
    FieldChange::new("status", json!(from.as_str()), json!(to.as_str()))
}

/// What subscribers hear about a registration: statuses only, nothing personal.
fn about_registration(
    event_type: EventType,
    registration: &RegistrationRef,
    seat: Seat,
    before: Option<Seat>,
) -> Change {
    Change {
        event_type,
        event_id: registration.event.id.0,
        organisation_id: registration.event.organisation_id.0,
        registration_id: Some(registration.id.0),
        registration_created_by: Some(registration.created_by),
        data: json!({
            "status": seat.status.as_str(),
            "attendance_mode": seat.mode.as_str(),
            "place_id": seat.place.map(|p| p.0),
            "fallback_applied": seat.fallback_applied,
            "previous_status": before.map(|b| b.status.as_str()),
            "previous_place_id": before.and_then(|b| b.place).map(|p| p.0),
        }),
    }
}

/// `outreach.created`: to the partner it is assigned to, and the event's organisation.
pub fn about_outreach(item: &crate::db::outreach::Created) -> Change {
    Change {
        event_type: EventType::OutreachCreated,
        event_id: item.event_id,
        organisation_id: item.organisation_id,
        registration_id: Some(item.registration_id),
        registration_created_by: item.partner_id,
        data: json!({ "outreach_id": item.id, "kind": item.kind.as_str() }),
    }
}

fn about_event(event_type: EventType, event: &EventRef, data: serde_json::Value) -> Change {
    Change {
        event_type,
        event_id: event.id.0,
        organisation_id: event.organisation_id.0,
        registration_id: None,
        registration_created_by: None,
        data,
    }
}

fn registration_entry(
    registration: &RegistrationRef,
    actor: Actor,
    action: RegistrationAction,
    before: Option<Seat>,
    after: Seat,
) -> Entry {
    Entry::Registration(RegistrationEntry {
        registration_id: registration.id.0,
        event_id: registration.event.id.0,
        action,
        actor,
        old_status: before.map(|b| b.status),
        new_status: after.status,
        old_mode: before.map(|b| b.mode),
        new_mode: after.mode,
        changes: match before {
            Some(before) if before.place != after.place => vec![FieldChange::new(
                "place_id",
                json!(before.place.map(|p| p.0)),
                json!(after.place.map(|p| p.0)),
            )],
            _ => Vec::new(),
        },
    })
}

/// The entry of a change that leaves the seat as it was and says what it changed instead.
fn entry_with_changes(
    registration: &RegistrationRef,
    actor: Actor,
    action: RegistrationAction,
    seat: Seat,
    changes: Vec<FieldChange>,
) -> Entry {
    let mut entry = registration_entry(registration, actor, action, Some(seat), seat);
    if let Entry::Registration(entry) = &mut entry {
        entry.changes = changes;
    }
    entry
}

fn event_entry(event: &EventRef, actor: Actor, action: EventAction, changes: Vec<FieldChange>) -> Entry {
    Entry::Event(EventEntry { event_id: event.id.0, action, actor, changes })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::actors::ActorKind;
    use crate::domain::attendance::CheckInSource;
    use crate::domain::outcomes::{ActionStatus, Owner};
    use uuid::Uuid;

    fn event() -> EventRef {
        EventRef { id: EventId(Uuid::now_v7()), organisation_id: OrganisationId(Uuid::now_v7()) }
    }

    fn registration() -> RegistrationRef {
        RegistrationRef { id: RegistrationId(Uuid::now_v7()), event: event(), created_by: Uuid::now_v7() }
    }

    fn seat(status: RegistrationStatus, mode: Mode) -> Seat {
        Seat { status, mode, place: None, fallback_applied: false }
    }

    const CONFIRMED_ONSITE: Seat = Seat {
        status: RegistrationStatus::Confirmed,
        mode: Mode::Onsite,
        place: None,
        fallback_applied: false,
    };

    const ALMAZAN: PlaceId = PlaceId(Uuid::from_u128(0x0193a5c0_0000_7000_8000_000000000001));

    const PILOTS: ActionId = ActionId(Uuid::from_u128(0x0193a5c0_0000_7000_8000_000000000002));

    fn action_of(event: EventRef) -> ActionRef {
        ActionRef { id: PILOTS, event, series: None }
    }

    /// "Follow the three pilot projects", due on 1 March 2022, owned by a body named in words.
    fn pilots() -> ValidAction {
        ValidAction {
            title: "Follow the three pilot projects".into(),
            owner: Owner::Named("Diputación de Soria".into()),
            due_on: chrono::NaiveDate::from_ymd_opt(2022, 3, 1).unwrap(),
            status: ActionStatus::Open,
        }
    }

    const AT_THE_DOOR: CheckIn = CheckIn {
        at: chrono::DateTime::from_timestamp(1_637_744_700, 0).unwrap(),
        source: CheckInSource::Onsite,
        minutes: None,
    };

    const FROM_THE_PLATFORM: CheckIn = CheckIn {
        at: chrono::DateTime::from_timestamp(1_637_755_200, 0).unwrap(),
        source: CheckInSource::OnlineImport,
        minutes: Some(95),
    };

    /// The entry of a change that keeps the seat, by the actor of `every_transition`.
    fn same_seat_entry(
        r: &RegistrationRef,
        action: RegistrationAction,
        seat: Seat,
        changes: Vec<FieldChange>,
    ) -> Entry {
        Entry::Registration(RegistrationEntry {
            registration_id: r.id.0,
            event_id: r.event.id.0,
            action,
            actor: Actor::user(Uuid::nil()),
            old_status: Some(seat.status),
            new_status: seat.status,
            old_mode: Some(seat.mode),
            new_mode: seat.mode,
            changes,
        })
    }

    fn consent_entry(
        r: &RegistrationRef,
        by: Actor,
        purpose: &str,
        before: Option<i32>,
        after: Option<i32>,
    ) -> Entry {
        let seat = if after == Some(2) {
            seat(RegistrationStatus::Waitlisted, Mode::Onsite)
        } else {
            CONFIRMED_ONSITE
        };
        Entry::Registration(RegistrationEntry {
            registration_id: r.id.0,
            event_id: r.event.id.0,
            action: RegistrationAction::ConsentChanged,
            actor: by,
            old_status: Some(seat.status),
            new_status: seat.status,
            old_mode: Some(seat.mode),
            new_mode: seat.mode,
            changes: vec![FieldChange::new(&format!("consents.{purpose}"), json!(before), json!(after))],
        })
    }

    /// One transition of each kind, with what it must announce and record.
    fn every_transition() -> Vec<(Transition, Option<EventType>, Entry)> {
        let r = registration();
        let e = r.event;
        let by = Actor::user(Uuid::nil());
        let waiting = seat(RegistrationStatus::Waitlisted, Mode::Onsite);
        let online = seat(RegistrationStatus::Confirmed, Mode::Online);
        let cancelled = seat(RegistrationStatus::Cancelled, Mode::Onsite);
        let offered = seat(RegistrationStatus::Offered, Mode::Onsite);
        let changes = vec![FieldChange::new("onsite.capacity", json!(10), json!(12))];
        vec![
            (
                Transition::Registered { registration: r, seat: CONFIRMED_ONSITE },
                Some(EventType::RegistrationConfirmed),
                registration_entry(&r, by, RegistrationAction::Created, None, CONFIRMED_ONSITE),
            ),
            (
                Transition::Registered { registration: r, seat: waiting },
                Some(EventType::RegistrationWaitlisted),
                registration_entry(&r, by, RegistrationAction::Created, None, waiting),
            ),
            (
                Transition::RegistrationChanged { registration: r, before: CONFIRMED_ONSITE, after: online },
                Some(EventType::RegistrationModeChanged),
                registration_entry(&r, by, RegistrationAction::ModeChanged, Some(CONFIRMED_ONSITE), online),
            ),
            (
                Transition::RegistrationChanged { registration: r, before: waiting, after: CONFIRMED_ONSITE },
                Some(EventType::RegistrationConfirmed),
                registration_entry(&r, by, RegistrationAction::Promoted, Some(waiting), CONFIRMED_ONSITE),
            ),
            (
                Transition::RegistrationChanged { registration: r, before: waiting, after: waiting },
                None,
                registration_entry(&r, by, RegistrationAction::Updated, Some(waiting), waiting),
            ),
            (
                Transition::Promoted { registration: r, before: waiting, after: CONFIRMED_ONSITE },
                Some(EventType::RegistrationPromoted),
                registration_entry(&r, by, RegistrationAction::Promoted, Some(waiting), CONFIRMED_ONSITE),
            ),
            (
                Transition::RegistrationCancelled { registration: r, before: CONFIRMED_ONSITE },
                Some(EventType::RegistrationCancelled),
                registration_entry(&r, by, RegistrationAction::Cancelled, Some(CONFIRMED_ONSITE), cancelled),
            ),
            (
                Transition::Offered {
                    registration: r,
                    before: waiting,
                    after: offered,
                    expires_at: "2021-11-22T09:00:00Z".parse().unwrap(),
                },
                Some(EventType::RegistrationOffered),
                registration_entry(&r, by, RegistrationAction::Offered, Some(waiting), offered),
            ),
            (
                Transition::OfferAccepted { registration: r, seat: CONFIRMED_ONSITE },
                Some(EventType::RegistrationConfirmed),
                registration_entry(
                    &r,
                    by,
                    RegistrationAction::OfferAccepted,
                    Some(offered),
                    CONFIRMED_ONSITE,
                ),
            ),
            (
                Transition::OfferLapsed { registration: r, before: offered, expired: false },
                Some(EventType::RegistrationCancelled),
                registration_entry(&r, by, RegistrationAction::OfferDeclined, Some(offered), cancelled),
            ),
            (
                Transition::OfferLapsed { registration: r, before: offered, expired: true },
                Some(EventType::RegistrationCancelled),
                registration_entry(&r, by, RegistrationAction::OfferExpired, Some(offered), cancelled),
            ),
            (
                Transition::CheckedIn {
                    registration: r,
                    seat: CONFIRMED_ONSITE,
                    check_in: AT_THE_DOOR,
                    cleared_no_show: None,
                },
                None,
                same_seat_entry(
                    &r,
                    RegistrationAction::CheckedIn,
                    CONFIRMED_ONSITE,
                    vec![FieldChange::new(
                        "check_in",
                        json!(null),
                        json!({"at": "2021-11-24T09:05:00Z", "source": "onsite", "minutes": null}),
                    )],
                ),
            ),
            (
                Transition::CheckedIn {
                    registration: r,
                    seat: online,
                    check_in: FROM_THE_PLATFORM,
                    cleared_no_show: Some(NoShowReason::Connection),
                },
                None,
                same_seat_entry(
                    &r,
                    RegistrationAction::CheckedIn,
                    online,
                    vec![
                        FieldChange::new(
                            "check_in",
                            json!(null),
                            json!({"at": "2021-11-24T12:00:00Z", "source": "online_import", "minutes": 95}),
                        ),
                        FieldChange::new("no_show_reason", json!("connection"), json!(null)),
                    ],
                ),
            ),
            (
                Transition::CheckInUndone { registration: r, seat: online, undone: FROM_THE_PLATFORM },
                None,
                same_seat_entry(
                    &r,
                    RegistrationAction::CheckInUndone,
                    online,
                    vec![FieldChange::new(
                        "check_in",
                        json!({"at": "2021-11-24T12:00:00Z", "source": "online_import", "minutes": 95}),
                        json!(null),
                    )],
                ),
            ),
            (
                Transition::NoShowReasonChanged {
                    registration: r,
                    seat: online,
                    before: None,
                    after: Some(NoShowReason::Connection),
                },
                None,
                same_seat_entry(
                    &r,
                    RegistrationAction::NoShowRecorded,
                    online,
                    vec![FieldChange::new("no_show_reason", json!(null), json!("connection"))],
                ),
            ),
            (
                Transition::NoShowReasonChanged {
                    registration: r,
                    seat: CONFIRMED_ONSITE,
                    before: Some(NoShowReason::Unknown),
                    after: Some(NoShowReason::Transport),
                },
                None,
                same_seat_entry(
                    &r,
                    RegistrationAction::NoShowRecorded,
                    CONFIRMED_ONSITE,
                    vec![FieldChange::new("no_show_reason", json!("unknown"), json!("transport"))],
                ),
            ),
            (
                Transition::NoShowReasonChanged {
                    registration: r,
                    seat: CONFIRMED_ONSITE,
                    before: Some(NoShowReason::Transport),
                    after: None,
                },
                None,
                same_seat_entry(
                    &r,
                    RegistrationAction::NoShowCleared,
                    CONFIRMED_ONSITE,
                    vec![FieldChange::new("no_show_reason", json!("transport"), json!(null))],
                ),
            ),
            (
                Transition::PersonalDataErased { registration: r, seat: CONFIRMED_ONSITE },
                None,
                registration_entry(
                    &r,
                    by,
                    RegistrationAction::Erased,
                    Some(CONFIRMED_ONSITE),
                    CONFIRMED_ONSITE,
                ),
            ),
            (
                Transition::ConsentChanged {
                    registration: r,
                    seat: CONFIRMED_ONSITE,
                    purpose: "contact".into(),
                    before: Some(1),
                    after: None,
                },
                Some(EventType::RegistrationConsentChanged),
                consent_entry(&r, by, "contact", Some(1), None),
            ),
            (
                Transition::ConsentChanged {
                    registration: r,
                    seat: waiting,
                    purpose: "photos".into(),
                    before: None,
                    after: Some(2),
                },
                Some(EventType::RegistrationConsentChanged),
                consent_entry(&r, by, "photos", None, Some(2)),
            ),
            (
                Transition::EventCreated { event: e },
                None,
                event_entry(
                    &e,
                    by,
                    EventAction::Created,
                    vec![FieldChange::new("status", json!(null), json!("draft"))],
                ),
            ),
            (
                Transition::EventChanged {
                    event: e,
                    status: EventStatus::Published,
                    changes: changes.clone(),
                },
                Some(EventType::EventUpdated),
                event_entry(&e, by, EventAction::Updated, changes),
            ),
            (
                Transition::EventPublished { event: e },
                None,
                event_entry(
                    &e,
                    by,
                    EventAction::Published,
                    vec![status_change(EventStatus::Draft, EventStatus::Published)],
                ),
            ),
            (
                Transition::EventCancelled { event: e, previous: EventStatus::Published },
                Some(EventType::EventCancelled),
                event_entry(
                    &e,
                    by,
                    EventAction::Cancelled,
                    vec![status_change(EventStatus::Published, EventStatus::Cancelled)],
                ),
            ),
            (
                Transition::DuplicateRefused { event: e },
                None,
                Entry::DuplicateTally(DuplicateTally { event_id: e.id.0, actor: by }),
            ),
            (
                Transition::EventPersonalDataErased { event: e, erased: 21 },
                None,
                event_entry(
                    &e,
                    by,
                    EventAction::PersonalDataErased,
                    vec![FieldChange::count("registrations_erased", 21)],
                ),
            ),
            (
                Transition::RetentionPurged { event: e, erased: 3 },
                None,
                event_entry(
                    &e,
                    by,
                    EventAction::RetentionPurged,
                    vec![FieldChange::count("registrations_erased", 3)],
                ),
            ),
            (
                Transition::RegistrationChanged {
                    registration: r,
                    before: CONFIRMED_ONSITE,
                    after: Seat { place: Some(ALMAZAN), ..CONFIRMED_ONSITE },
                },
                Some(EventType::RegistrationPlaceChanged),
                Entry::Registration(RegistrationEntry {
                    registration_id: r.id.0,
                    event_id: e.id.0,
                    action: RegistrationAction::PlaceChanged,
                    actor: by,
                    old_status: Some(RegistrationStatus::Confirmed),
                    new_status: RegistrationStatus::Confirmed,
                    old_mode: Some(Mode::Onsite),
                    new_mode: Mode::Onsite,
                    changes: vec![FieldChange::new("place_id", json!(null), json!(ALMAZAN.0))],
                }),
            ),
            (
                Transition::EventPlaceChanged {
                    event: e,
                    place: ALMAZAN,
                    before: None,
                    after: Some(PlaceOffer { capacity: 4, reserved_for_physical_space_need: 2 }),
                },
                Some(EventType::EventUpdated),
                event_entry(
                    &e,
                    by,
                    EventAction::PlacesChanged,
                    vec![FieldChange::new(
                        &format!("places.{}", ALMAZAN.0),
                        json!(null),
                        json!({"capacity": 4, "reserved_for_physical_space_need": 2}),
                    )],
                ),
            ),
            (
                Transition::EventPlaceChanged {
                    event: e,
                    place: ALMAZAN,
                    before: Some(PlaceOffer { capacity: 4, reserved_for_physical_space_need: 2 }),
                    after: None,
                },
                Some(EventType::EventUpdated),
                event_entry(
                    &e,
                    by,
                    EventAction::PlacesChanged,
                    vec![FieldChange::new(
                        &format!("places.{}", ALMAZAN.0),
                        json!({"capacity": 4, "reserved_for_physical_space_need": 2}),
                        json!(null),
                    )],
                ),
            ),
            (
                Transition::OutcomeRecorded {
                    event: e,
                    changes: vec![FieldChange::new(
                        "outcome.topics",
                        json!([]),
                        json!(["rural_initiatives"]),
                    )],
                },
                None,
                event_entry(
                    &e,
                    by,
                    EventAction::OutcomeRecorded,
                    vec![FieldChange::new("outcome.topics", json!([]), json!(["rural_initiatives"]))],
                ),
            ),
            (
                Transition::ActionCreated { action: action_of(e), created: pilots() },
                Some(EventType::ActionCreated),
                event_entry(
                    &e,
                    by,
                    EventAction::ActionCreated,
                    vec![FieldChange::new(
                        &format!("actions.{}", PILOTS.0),
                        json!(null),
                        json!({"status": "open", "due_on": "2022-03-01", "owner_organisation_id": null}),
                    )],
                ),
            ),
            (
                Transition::ActionChanged {
                    action: action_of(e),
                    before: pilots(),
                    after: ValidAction { status: ActionStatus::Done, ..pilots() },
                },
                Some(EventType::ActionUpdated),
                event_entry(
                    &e,
                    by,
                    EventAction::ActionUpdated,
                    vec![FieldChange::new(
                        &format!("actions.{}.status", PILOTS.0),
                        json!("open"),
                        json!("done"),
                    )],
                ),
            ),
            (
                Transition::BarriersChanged {
                    registration: r,
                    seat: CONFIRMED_ONSITE,
                    changes: vec![FieldChange::new(
                        "barriers.transport",
                        json!({"status": "raised", "arranged": []}),
                        json!({"status": "arranged", "arranged": ["transport_booked"]}),
                    )],
                },
                None,
                same_seat_entry(
                    &r,
                    RegistrationAction::BarriersChanged,
                    CONFIRMED_ONSITE,
                    vec![FieldChange::new(
                        "barriers.transport",
                        json!({"status": "raised", "arranged": []}),
                        json!({"status": "arranged", "arranged": ["transport_booked"]}),
                    )],
                ),
            ),
        ]
    }

    #[test]
    fn a_move_between_places_names_both_places_and_nothing_personal() {
        let r = registration();
        let effects = Transition::Promoted {
            registration: r,
            before: Seat { status: RegistrationStatus::Waitlisted, ..CONFIRMED_ONSITE },
            after: Seat { place: Some(ALMAZAN), ..CONFIRMED_ONSITE },
        }
        .effects(Actor::system());
        let data = &effects.announcement.expect("a promotion is announced").data;
        assert_eq!(data["place_id"], json!(ALMAZAN.0));
        assert_eq!(data["previous_place_id"], json!(null));
        assert_eq!(data["previous_status"], "waitlisted");
        let Entry::Registration(entry) = effects.entry else { panic!("a registration entry") };
        assert_eq!(entry.action, RegistrationAction::Promoted, "a promotion stays a promotion");
        assert_eq!(entry.changes, vec![FieldChange::new("place_id", json!(null), json!(ALMAZAN.0))]);
    }

    #[test]
    fn each_transition_announces_and_records_what_the_table_in_the_readme_says() {
        for (transition, announced, entry) in every_transition() {
            let effects = transition.effects(Actor::user(Uuid::nil()));
            assert_eq!(effects.announcement.as_ref().map(|a| a.event_type), announced, "{transition:?}");
            assert_eq!(effects.entry, entry, "{transition:?}");
        }
    }

    /// The kind of outreach item each transition of [`every_transition`] makes, in its order
    /// (the README's table says the same).
    fn told_by_every_transition() -> Vec<Option<OutreachKind>> {
        use OutreachKind::*;
        vec![
            Some(Confirmed),
            Some(Waitlisted),
            Some(ModeChanged),
            Some(Promoted),
            None,
            Some(Promoted),
            // Cancelled by someone other than the partner who made it.
            Some(RegistrationCancelled),
            Some(Offered),
            // The confirmation a person keeps.
            Some(Confirmed),
            // Declined: whoever declined knows.
            None,
            Some(OfferExpired),
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            // A capacity changed: nobody is told.
            None,
            None,
            Some(EventCancelled),
            None,
            None,
            None,
            Some(PlaceChanged),
            None,
            None,
            // An event's outcome and its actions: the organisation's work, nobody is told.
            None,
            None,
            None,
            // Barriers changed: the organisers' work for the person, nobody is told.
            None,
        ]
    }

    fn kind_told(outreach: &Option<Outreach>) -> Option<OutreachKind> {
        outreach.as_ref().and_then(|told| match told {
            Outreach::Registration { kind, .. } | Outreach::Event { kind, .. } => Some(*kind),
            Outreach::Withdrawn { .. } => None,
        })
    }

    #[test]
    fn each_transition_tells_the_person_what_the_table_in_the_readme_says() {
        let transitions = every_transition();
        let told = told_by_every_transition();
        assert_eq!(transitions.len(), told.len());
        for ((transition, _, _), told) in transitions.into_iter().zip(told) {
            let effects = transition.effects(Actor::user(Uuid::nil()));
            assert_eq!(kind_told(&effects.outreach), told, "{transition:?}");
        }
    }

    #[test]
    fn a_seat_online_by_fallback_says_so_when_registered_or_promoted() {
        let r = registration();
        let fallback = Seat { fallback_applied: true, ..seat(RegistrationStatus::Confirmed, Mode::Online) };
        let by = Actor::system();
        let registered = Transition::Registered { registration: r, seat: fallback }.effects(by);
        assert_eq!(kind_told(&registered.outreach), Some(OutreachKind::MovedOnline));
        let waiting = seat(RegistrationStatus::Waitlisted, Mode::Onsite);
        let promoted = Transition::Promoted { registration: r, before: waiting, after: fallback }.effects(by);
        assert_eq!(kind_told(&promoted.outreach), Some(OutreachKind::MovedOnline));
    }

    #[test]
    fn the_partner_cancelling_for_the_person_has_nobody_told() {
        let r = registration();
        let cancelled = Transition::RegistrationCancelled { registration: r, before: CONFIRMED_ONSITE };
        let by_partner = Actor { id: Some(r.created_by), kind: ActorKind::ApiClient };
        assert_eq!(cancelled.effects(by_partner).outreach, Some(Outreach::Withdrawn { registration: r }));
        assert_eq!(
            kind_told(&cancelled.effects(Actor::user(Uuid::nil())).outreach),
            Some(OutreachKind::RegistrationCancelled)
        );
    }

    #[test]
    fn a_moved_event_tells_everyone_when_it_was_planned_and_a_new_address_only_those_there() {
        let e = registration().event;
        let moved = Transition::EventChanged {
            event: e,
            status: EventStatus::Published,
            changes: vec![FieldChange::new(
                "starts_at",
                json!("2021-11-24T09:00:00Z"),
                json!("2021-11-25T09:00:00Z"),
            )],
        };
        let Some(Outreach::Event { kind, reach, previous_start, .. }) =
            moved.effects(Actor::system()).outreach
        else {
            panic!("a moved event has people told");
        };
        assert_eq!(kind, OutreachKind::EventChanged);
        assert!(reach.everyone);
        assert_eq!(previous_start, Some("2021-11-24T09:00:00Z".parse().unwrap()));
        let readdressed = Transition::EventChanged {
            event: e,
            status: EventStatus::Published,
            changes: vec![FieldChange::new("onsite.address", json!("Calle A"), json!("Calle B"))],
        };
        let Some(Outreach::Event { reach, previous_start, .. }) =
            readdressed.effects(Actor::system()).outreach
        else {
            panic!("a new address has people told");
        };
        assert_eq!(reach, Reach { everyone: false, venue: true, online: false });
        assert_eq!(previous_start, None);
    }

    #[test]
    fn every_webhook_type_is_sent_by_some_transition() {
        let mut sent: Vec<EventType> = every_transition().into_iter().filter_map(|(_, t, _)| t).collect();
        // Each outreach item is announced by `outreach.created` (`app::record`).
        if told_by_every_transition().iter().any(Option::is_some) {
            sent.push(EventType::OutreachCreated);
        }
        for event_type in EventType::ALL {
            assert!(sent.contains(&event_type), "nothing sends {}", event_type.as_str());
        }
    }

    #[test]
    fn registration_messages_name_the_partner_that_created_it_and_the_previous_status() {
        let r = registration();
        let effects = Transition::RegistrationCancelled { registration: r, before: CONFIRMED_ONSITE }
            .effects(Actor::api_client(r.created_by));
        let change = effects.announcement.unwrap();
        assert_eq!(change.registration_created_by, Some(r.created_by));
        assert_eq!(change.registration_id, Some(r.id.0));
        assert_eq!(change.organisation_id, r.event.organisation_id.0);
        assert_eq!(
            change.data,
            json!({"status": "cancelled", "attendance_mode": "onsite", "place_id": null, "fallback_applied": false,
                   "previous_status": "confirmed", "previous_place_id": null})
        );
    }

    #[test]
    fn erasures_and_refused_duplicates_record_counts_and_nothing_personal() {
        let e = event();
        let partner = Actor::api_client(Uuid::now_v7());
        let tally = Transition::DuplicateRefused { event: e }.effects(partner);
        assert_eq!(tally.announcement, None, "nobody hears of a refused duplicate");
        assert_eq!(tally.entry, Entry::DuplicateTally(DuplicateTally { event_id: e.id.0, actor: partner }));
        for transition in [
            Transition::EventPersonalDataErased { event: e, erased: 4 },
            Transition::RetentionPurged { event: e, erased: 4 },
        ] {
            let Entry::Event(entry) = transition.effects(Actor::user(Uuid::nil())).entry else {
                panic!("an event entry: {transition:?}");
            };
            assert_eq!(
                serde_json::to_value(&entry.changes).unwrap(),
                json!([{"field": "registrations_erased", "to": 4}])
            );
        }
    }

    #[test]
    fn a_consent_change_names_the_purpose_and_versions_and_nothing_personal() {
        let r = registration();
        let withdrawn = Transition::ConsentChanged {
            registration: r,
            seat: CONFIRMED_ONSITE,
            purpose: "contact".into(),
            before: Some(2),
            after: None,
        }
        .effects(Actor::api_client(r.created_by));
        let change = withdrawn.announcement.unwrap();
        assert_eq!(change.event_type, EventType::RegistrationConsentChanged);
        assert_eq!(change.registration_created_by, Some(r.created_by));
        assert_eq!(
            change.data,
            json!({"status": "confirmed", "attendance_mode": "onsite", "place_id": null, "fallback_applied": false,
                   "previous_status": "confirmed", "previous_place_id": null,
                   "consent": {"purpose": "contact", "granted": false, "version": null, "previous_version": 2}})
        );
        let Entry::Registration(entry) = withdrawn.entry else { panic!("a registration's entry") };
        assert_eq!(entry.actor, Actor::api_client(r.created_by), "the history names who withdrew it");
        assert_eq!(
            serde_json::to_value(&entry.changes).unwrap(),
            json!([{"field": "consents.contact", "from": 2, "to": null}])
        );
    }

    #[test]
    fn an_action_message_names_its_status_date_and_changed_fields_and_no_free_text() {
        let e = event();
        let action = ActionRef { series: Some(Uuid::nil()), ..action_of(e) };
        let after =
            ValidAction { title: "Follow the pilots".into(), status: ActionStatus::InProgress, ..pilots() };
        let change = Transition::ActionChanged { action, before: pilots(), after }
            .effects(Actor::user(Uuid::nil()))
            .announcement
            .unwrap();
        assert_eq!((change.event_id, change.organisation_id), (e.id.0, e.organisation_id.0));
        assert_eq!((change.registration_id, change.registration_created_by), (None, None));
        assert_eq!(
            change.data,
            json!({"action_id": PILOTS.0, "series_id": Uuid::nil(), "status": "in_progress",
                   "previous_status": "open", "due_on": "2022-03-01", "fields": ["title", "status"]})
        );
    }

    #[test]
    fn an_event_cancellation_names_the_event_and_its_previous_status() {
        let e = event();
        let effects = Transition::EventCancelled { event: e, previous: EventStatus::Draft }
            .effects(Actor::user(Uuid::nil()));
        let change = effects.announcement.unwrap();
        assert_eq!((change.event_id, change.registration_id), (e.id.0, None));
        assert_eq!(
            change.data,
            json!({"change": "cancelled", "status": "cancelled", "previous_status": "draft"})
        );
    }
}
