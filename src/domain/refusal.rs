//! Why the product refuses a change that is well formed but not possible now. Each refusal
//! has a stable code that front-ends switch on; `error` turns it into a 409 problem.

use chrono::{DateTime, Utc};

use crate::domain::events::EventStatus;
use crate::domain::seats::Mode;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Rule 6: the event does not take registrations now.
    RegistrationClosed,
    /// Rule 5: the same email or phone is already registered for the event.
    AlreadyRegistered,
    /// A confirmed registration cannot move to a mode without a free seat.
    CapacityFull,
    /// Only confirmed registrations are checked in.
    NotConfirmed,
    /// Check-in is open from `opens_at` until `closes_at`.
    CheckInWindow { opens_at: DateTime<Utc>, closes_at: DateTime<Utc> },
    /// A capacity below the seats already confirmed in `mode`.
    CapacityBelowConfirmed { mode: Mode, confirmed: i32 },
    /// A mode withdrawn while people are registered in it.
    ModeInUse { mode: Mode },
    /// A cancelled event is not changed any more.
    EventCancelled,
    /// The event changed between the read and the lock.
    ConcurrentUpdate,
    /// Event statuses move draft → published → cancelled only.
    InvalidTransition { from: EventStatus, to: EventStatus },
    /// Erased personal data is not filled in again.
    PersonalDataErased,
    /// Every registration of an event is erased at once only after the event has ended.
    EventNotEnded,
    /// A place withdrawn from an event while people are confirmed or waiting there.
    PlaceInUse { confirmed: i32, waitlisted: i32 },
    /// The event offers this place already (change its seats with PATCH).
    PlaceAlreadyOffered,
    /// A place withdrawn from an event while a group reservation holds seats there.
    PlaceInGroupReservation,
    /// A no-show reason is recorded only once the event has ended, at `ends_at`.
    NoShowBeforeTheEnd { ends_at: DateTime<Utc> },
    /// A no-show reason is for someone who did not come: this person was checked in.
    CheckedIn,
    /// A hosted place's devices lowered under the seats an event that has not ended offers
    /// there (`capacity`, the largest such).
    DevicesBelowCapacity { devices: i32, capacity: i32 },
    /// A participant list is imported once the event has started.
    EventNotStarted { starts_at: DateTime<Utc> },
    /// A person of an import matched, or resolved by an organiser, already.
    AlreadyResolved,
    /// An outreach item that is done or failed takes no more results.
    OutreachClosed,
    /// Accepting or declining an offer of a registration that holds none.
    NotOffered,
    /// An offer accepted at or after its deadline (`expired_at`): the seat goes to the next.
    OfferExpired { expired_at: DateTime<Utc> },
    /// The seat of a registration holding an offer moves only once the offer is answered.
    OfferPending,
}

impl Refusal {
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::RegistrationClosed => "registration_closed",
            Refusal::AlreadyRegistered => "already_registered",
            Refusal::CapacityFull => "capacity_full",
            Refusal::NotConfirmed => "not_confirmed",
            Refusal::CheckInWindow { .. } => "check_in_window",
            Refusal::CapacityBelowConfirmed { .. } => "capacity_below_confirmed",
            Refusal::ModeInUse { .. } => "mode_in_use",
            Refusal::EventCancelled => "event_cancelled",
            Refusal::ConcurrentUpdate => "concurrent_update",
            Refusal::InvalidTransition { .. } => "invalid_transition",
            Refusal::PersonalDataErased => "personal_data_erased",
            Refusal::EventNotEnded => "event_not_ended",
            Refusal::PlaceInUse { .. } => "place_in_use",
            Refusal::PlaceAlreadyOffered => "place_already_offered",
            Refusal::PlaceInGroupReservation => "place_in_group_reservation",
            Refusal::DevicesBelowCapacity { .. } => "devices_below_capacity",
            // The same code as an erasure of the whole event before its end: front-ends
            // tell their users the same thing, to come back after the event.
            Refusal::NoShowBeforeTheEnd { .. } => "event_not_ended",
            Refusal::CheckedIn => "checked_in",
            Refusal::EventNotStarted { .. } => "event_not_started",
            Refusal::AlreadyResolved => "already_resolved",
            Refusal::OutreachClosed => "outreach_closed",
            Refusal::NotOffered => "not_offered",
            Refusal::OfferExpired { .. } => "offer_expired",
            Refusal::OfferPending => "offer_pending",
        }
    }

    pub fn detail(&self) -> String {
        match self {
            Refusal::RegistrationClosed => "This event does not take registrations now.".into(),
            Refusal::AlreadyRegistered => "This person is already registered for this event.".into(),
            Refusal::CapacityFull => "There is no free seat in that mode.".into(),
            Refusal::NotConfirmed => {
                "Only a confirmed registration can be checked in or given a no-show reason.".into()
            }
            Refusal::CheckInWindow { opens_at, closes_at } => format!(
                "Check-in is open from {} until {}.",
                opens_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                closes_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
            Refusal::CapacityBelowConfirmed { mode, confirmed } => {
                format!("{confirmed} {} registrations are confirmed.", mode.as_str())
            }
            Refusal::ModeInUse { mode } => {
                format!("People are registered {}; cancel them first.", mode.as_str())
            }
            Refusal::EventCancelled => "A cancelled event cannot be changed.".into(),
            Refusal::ConcurrentUpdate => "The event changed meanwhile; try again.".into(),
            Refusal::InvalidTransition { from, to } => {
                format!("A {} event cannot become {}.", from.as_str(), to.as_str())
            }
            Refusal::PersonalDataErased => {
                "This registration's personal data was erased; it cannot be filled in again.".into()
            }
            Refusal::EventNotEnded => {
                "The event has not ended; its registrations are erased one at a time until then.".into()
            }
            Refusal::PlaceInUse { confirmed, waitlisted } => format!(
                "{confirmed} confirmed and {waitlisted} waitlisted registrations are at this place; move or cancel them first."
            ),
            Refusal::PlaceAlreadyOffered => "The event offers this place already; change its seats instead.".into(),
            Refusal::PlaceInGroupReservation => {
                "A group reservation of the event holds seats at this place; change the event's group_reservations first."
                    .into()
            }
            Refusal::DevicesBelowCapacity { devices, capacity } => format!(
                "An event that has not ended offers {capacity} seats at this place; \
                 lower those before lowering its devices to {devices}."
            ),
            Refusal::NoShowBeforeTheEnd { ends_at } => format!(
                "A no-show reason is recorded once the event has ended, after {}.",
                ends_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
            Refusal::CheckedIn => {
                "This participant was checked in; undo the check-in before recording a no-show reason.".into()
            }
            Refusal::EventNotStarted { starts_at } => format!(
                "The event starts at {}; its participant list is imported after that.",
                starts_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
            Refusal::AlreadyResolved => "This row of the import is matched or resolved already.".into(),
            Refusal::OutreachClosed => {
                "This item is closed (done, failed, or replaced by a newer one for the same registration).".into()
            }
            Refusal::NotOffered => "This registration holds no offer of a seat.".into(),
            Refusal::OfferExpired { expired_at } => format!(
                "The offer of this seat expired at {}; it goes to the next person waiting.",
                expired_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
            Refusal::OfferPending => {
                "This registration holds an offer of a seat: accept or decline it before moving it.".into()
            }
        }
    }
}
