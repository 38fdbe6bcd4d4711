//! The seats an event offers at one of its places: what an organiser may set, and when a
//! change would leave someone without a seat.

use crate::domain::places::{seats_allowed, PlaceKind};
use crate::domain::refusal::Refusal;
use crate::domain::seats::{Mode, Room};
use crate::domain::text::Problems;

/// No event seats more people at one place than this.
pub const MAX_PLACE_CAPACITY: i64 = 100_000;

/// Seats as asked for, before checking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfferDraft {
    pub capacity: i64,
    pub reserved_for_physical_space_need: i64,
}

/// Checked seats of a place: within bounds, reserved within capacity, and a hosted place
/// seating no more people than it has devices for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offer {
    pub capacity: i32,
    pub reserved: i32,
}

pub fn check_offer(
    problems: &mut Problems,
    kind: PlaceKind,
    devices: Option<i32>,
    draft: OfferDraft,
) -> Offer {
    if !(0..=MAX_PLACE_CAPACITY).contains(&draft.capacity) {
        problems.add("capacity", "out_of_range", format!("must be 0 to {MAX_PLACE_CAPACITY}"));
    } else if let Some(allowed) =
        seats_allowed(kind, devices).filter(|&allowed| draft.capacity > i64::from(allowed))
    {
        problems.add(
            "capacity",
            "capacity_exceeds_devices",
            format!("this hosted place has {allowed} devices: at most {allowed} people can follow the meeting there"),
        );
    }
    if draft.reserved_for_physical_space_need < 0 {
        problems.add("reserved_for_physical_space_need", "out_of_range", "must be 0 or more");
    } else if draft.reserved_for_physical_space_need > draft.capacity {
        problems.add(
            "reserved_for_physical_space_need",
            "reserved_exceeds_capacity",
            "cannot reserve more seats than the capacity",
        );
    }
    Offer {
        capacity: draft.capacity.clamp(0, MAX_PLACE_CAPACITY) as i32,
        reserved: draft.reserved_for_physical_space_need.clamp(0, MAX_PLACE_CAPACITY) as i32,
    }
}

/// Whether the confirmed registrations at a place still fit new seats (409
/// `capacity_below_confirmed` otherwise).
pub fn fits_place(room: &Room, offer: Offer) -> Result<(), Refusal> {
    let proposed = Room { capacity: offer.capacity, reserved: offer.reserved, ..*room };
    if proposed.overbooked() {
        Err(Refusal::CapacityBelowConfirmed { mode: Mode::Onsite, confirmed: room.confirmed })
    } else {
        Ok(())
    }
}

/// A place is withdrawn from an event only when nobody is confirmed or waiting there (409
/// `place_in_use`).
pub fn may_withdraw(confirmed: i32, waitlisted: i32) -> Result<(), Refusal> {
    if confirmed + waitlisted > 0 {
        Err(Refusal::PlaceInUse { confirmed, waitlisted })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(capacity: i64, reserved: i64) -> OfferDraft {
        OfferDraft { capacity, reserved_for_physical_space_need: reserved }
    }

    fn codes(kind: PlaceKind, devices: Option<i32>, draft: OfferDraft) -> Vec<String> {
        let mut problems = Problems::default();
        check_offer(&mut problems, kind, devices, draft);
        problems.0.into_iter().map(|e| e.code).collect()
    }

    #[test]
    fn devices_bound_a_hosted_place_and_reserved_seats_stay_within_capacity() {
        assert!(codes(PlaceKind::Hosted, Some(4), offer(4, 4)).is_empty());
        assert_eq!(codes(PlaceKind::Hosted, Some(4), offer(5, 0)), ["capacity_exceeds_devices"]);
        assert!(
            codes(PlaceKind::Hosted, None, offer(30, 0)).is_empty(),
            "devices not counted: the organiser's number"
        );
        assert!(codes(PlaceKind::Venue, None, offer(200, 10)).is_empty());
        assert_eq!(codes(PlaceKind::Venue, None, offer(2, 3)), ["reserved_exceeds_capacity"]);
        assert_eq!(
            codes(PlaceKind::Venue, None, offer(-1, 0)),
            ["out_of_range", "reserved_exceeds_capacity"]
        );
        assert_eq!(codes(PlaceKind::Venue, None, offer(MAX_PLACE_CAPACITY + 1, 0)), ["out_of_range"]);
    }

    #[test]
    fn lowering_seats_below_the_people_confirmed_is_refused() {
        let room = Room { capacity: 4, reserved: 2, confirmed: 3, confirmed_physical_space: 1 };
        assert_eq!(fits_place(&room, Offer { capacity: 3, reserved: 1 }), Ok(()));
        assert_eq!(
            fits_place(&room, Offer { capacity: 2, reserved: 0 }),
            Err(Refusal::CapacityBelowConfirmed { mode: Mode::Onsite, confirmed: 3 })
        );
        // Two without the need are seated: reserving 2 of 3 seats leaves them one.
        assert!(fits_place(&room, Offer { capacity: 3, reserved: 2 }).is_err());
    }

    #[test]
    fn a_place_with_people_is_not_withdrawn() {
        assert_eq!(may_withdraw(0, 0), Ok(()));
        assert_eq!(may_withdraw(0, 1), Err(Refusal::PlaceInUse { confirmed: 0, waitlisted: 1 }));
    }
}
