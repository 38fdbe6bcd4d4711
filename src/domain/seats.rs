//! The seat rules of the contract (API.md, Registrations, rules 1 to 4) on plain numbers.
//! The database layer locks the event row, asks these functions what to do, and does it in
//! the same transaction.

use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    Online,
    Onsite,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Online => "online",
            Mode::Onsite => "onsite",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "online" => Some(Mode::Online),
            "onsite" => Some(Mode::Onsite),
            _ => None,
        }
    }
}

/// Rule 3's online fallback: who may be moved online when their onsite seat is not there.
/// Only someone who asked for onsite and accepted the fallback, and never someone who needs
/// a physical space: they have no device to attend with, so they wait (first in line) for
/// an onsite seat instead. `db::registrations` keeps a SQL copy of this rule for the
/// waitlist query; a test checks the copy against this function.
pub fn may_fall_back_online(mode: Mode, needs_physical_space: bool, accept_online_fallback: bool) -> bool {
    mode == Mode::Onsite && accept_online_fallback && !needs_physical_space
}

/// What an event offers and what is taken, as stored on the (locked) event row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seats {
    pub online_offered: bool,
    /// `None`: unlimited.
    pub online_capacity: Option<i32>,
    pub online_confirmed: i32,
    pub onsite_offered: bool,
    pub onsite_capacity: i32,
    /// Onsite seats only registrations with `needs_physical_space` may take.
    pub onsite_reserved: i32,
    pub onsite_confirmed: i32,
    /// Of `onsite_confirmed`, those with `needs_physical_space`.
    pub onsite_confirmed_physical_space: i32,
}

impl Seats {
    pub fn online_free(&self) -> Option<i32> {
        if !self.online_offered {
            return Some(0);
        }
        self.online_capacity.map(|capacity| (capacity - self.online_confirmed).max(0))
    }

    /// Free onsite seats of any kind.
    pub fn onsite_free(&self) -> i32 {
        if !self.onsite_offered {
            return 0;
        }
        (self.onsite_capacity - self.onsite_confirmed).max(0)
    }

    /// Free onsite seats that a registration without `needs_physical_space` may take: the
    /// unreserved seats, less those taken by everyone else. People with the need use the
    /// reserved seats first, so only their overflow counts against the unreserved ones.
    pub fn onsite_free_unreserved(&self) -> i32 {
        if !self.onsite_offered {
            return 0;
        }
        (self.onsite_capacity - self.onsite_reserved - self.onsite_unreserved_taken())
            .max(0)
            .min(self.onsite_free())
    }

    /// Unreserved onsite seats in use: everyone confirmed without the need, and the overflow
    /// of those with it beyond the reserved seats.
    fn onsite_unreserved_taken(&self) -> i32 {
        let others = self.onsite_confirmed - self.onsite_confirmed_physical_space;
        let overflow = (self.onsite_confirmed_physical_space - self.onsite_reserved).max(0);
        others + overflow
    }

    /// True when the confirmed registrations no longer fit: after a capacity was lowered or
    /// seats reserved, someone confirmed would be left without a seat of a kind they may take.
    pub fn overbooked(&self, mode: Mode) -> bool {
        match mode {
            Mode::Online => self.online_capacity.is_some_and(|capacity| capacity < self.online_confirmed),
            Mode::Onsite => {
                self.onsite_capacity < self.onsite_confirmed
                    || self.onsite_capacity - self.onsite_reserved < self.onsite_unreserved_taken()
            }
        }
    }

    pub fn has_seat(&self, mode: Mode, needs_physical_space: bool) -> bool {
        match mode {
            Mode::Online => self.online_free().is_none_or(|free| free > 0),
            Mode::Onsite if needs_physical_space => self.onsite_free() > 0,
            Mode::Onsite => self.onsite_free_unreserved() > 0,
        }
    }

    pub fn take(&mut self, mode: Mode, needs_physical_space: bool) {
        match mode {
            Mode::Online => self.online_confirmed += 1,
            Mode::Onsite => {
                self.onsite_confirmed += 1;
                if needs_physical_space {
                    self.onsite_confirmed_physical_space += 1;
                }
            }
        }
    }

    pub fn release(&mut self, mode: Mode, needs_physical_space: bool) {
        match mode {
            Mode::Online => self.online_confirmed -= 1,
            Mode::Onsite => {
                self.onsite_confirmed -= 1;
                if needs_physical_space {
                    self.onsite_confirmed_physical_space -= 1;
                }
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    Confirmed { mode: Mode, fallback_applied: bool },
    Waitlisted { mode: Mode },
}

/// Rules 1 to 3 for a new registration. People who need a physical space are never moved
/// online by the fallback: they have no device to attend with, so they wait (first in line)
/// for an onsite seat instead.
pub fn place(
    seats: &Seats,
    mode: Mode,
    needs_physical_space: bool,
    accept_online_fallback: bool,
) -> Placement {
    if seats.has_seat(mode, needs_physical_space) {
        return Placement::Confirmed { mode, fallback_applied: false };
    }
    if may_fall_back_online(mode, needs_physical_space, accept_online_fallback)
        && seats.has_seat(Mode::Online, false)
    {
        return Placement::Confirmed { mode: Mode::Online, fallback_applied: true };
    }
    Placement::Waitlisted { mode }
}

/// Where a registration ends up when its mode or its physical-space need changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reseat {
    Confirmed,
    Waitlisted,
}

/// A registration (not cancelled) moving to `mode` with `needs_physical_space`: a confirmed
/// one keeps a seat only if the new mode has one for it, after giving up its own (else
/// `CapacityFull`, and nothing changes); a waitlisted one is confirmed if it can be, else it
/// waits in the new mode's queue.
pub fn reseat(
    seats: &Seats,
    confirmed_now: Option<(Mode, bool)>,
    mode: Mode,
    needs_physical_space: bool,
) -> Result<Reseat, crate::domain::refusal::Refusal> {
    let mut seats = *seats;
    if let Some((current_mode, current_need)) = confirmed_now {
        seats.release(current_mode, current_need);
    }
    if seats.has_seat(mode, needs_physical_space) {
        Ok(Reseat::Confirmed)
    } else if confirmed_now.is_some() {
        Err(crate::domain::refusal::Refusal::CapacityFull)
    } else {
        Ok(Reseat::Waitlisted)
    }
}

/// A waitlisted registration, as the promotion needs to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waiting {
    pub id: Uuid,
    pub mode: Mode,
    pub needs_physical_space: bool,
    pub accept_online_fallback: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Promotion {
    pub id: Uuid,
    pub mode: Mode,
    pub fallback_applied: bool,
}

/// Rule 4: who gets the free seats. `onsite_queue` is the onsite waitlist in its order
/// (physical-space need first, then arrival); `online_queue` is everyone who may take an
/// online seat (the online waitlist and onsite registrations that accept the online
/// fallback), in arrival order. Each queue is served from its head while seats remain, so
/// afterwards no free seat and eligible waitlisted registration exist together.
pub fn promote(seats: &mut Seats, onsite_queue: &[Waiting], online_queue: &[Waiting]) -> Vec<Promotion> {
    let mut promotions = Vec::new();
    for waiting in onsite_queue {
        if !seats.has_seat(Mode::Onsite, waiting.needs_physical_space) {
            // The queue puts everyone with the need first, and they may take any seat: if
            // the head cannot be seated, no one behind it can.
            break;
        }
        seats.take(Mode::Onsite, waiting.needs_physical_space);
        promotions.push(Promotion { id: waiting.id, mode: Mode::Onsite, fallback_applied: false });
    }
    for waiting in online_queue {
        let eligible = waiting.mode == Mode::Online
            || may_fall_back_online(
                waiting.mode,
                waiting.needs_physical_space,
                waiting.accept_online_fallback,
            );
        if !eligible || promotions.iter().any(|p| p.id == waiting.id) {
            continue;
        }
        if !seats.has_seat(Mode::Online, false) {
            break;
        }
        seats.take(Mode::Online, false);
        promotions.push(Promotion {
            id: waiting.id,
            mode: Mode::Online,
            fallback_applied: waiting.mode == Mode::Onsite,
        });
    }
    promotions
}

#[cfg(test)]
mod tests {
    use super::*;

    fn soria() -> Seats {
        // The roundtable: unlimited online, 10 onsite of which 3 reserved.
        Seats {
            online_offered: true,
            online_capacity: None,
            online_confirmed: 0,
            onsite_offered: true,
            onsite_capacity: 10,
            onsite_reserved: 3,
            onsite_confirmed: 0,
            onsite_confirmed_physical_space: 0,
        }
    }

    fn waiting(mode: Mode, needs: bool, fallback: bool) -> Waiting {
        Waiting { id: Uuid::now_v7(), mode, needs_physical_space: needs, accept_online_fallback: fallback }
    }

    #[test]
    fn reserved_seats_are_kept_for_people_without_a_device() {
        let mut seats = soria();
        for _ in 0..7 {
            assert_eq!(
                place(&seats, Mode::Onsite, false, false),
                Placement::Confirmed { mode: Mode::Onsite, fallback_applied: false }
            );
            seats.take(Mode::Onsite, false);
        }
        assert_eq!(place(&seats, Mode::Onsite, false, false), Placement::Waitlisted { mode: Mode::Onsite });
        for _ in 0..3 {
            assert!(matches!(place(&seats, Mode::Onsite, true, false), Placement::Confirmed { .. }));
            seats.take(Mode::Onsite, true);
        }
        assert_eq!(place(&seats, Mode::Onsite, true, false), Placement::Waitlisted { mode: Mode::Onsite });
    }

    #[test]
    fn people_with_the_need_may_also_take_unreserved_seats() {
        let mut seats = soria();
        for _ in 0..10 {
            assert!(seats.has_seat(Mode::Onsite, true));
            seats.take(Mode::Onsite, true);
        }
        assert!(!seats.has_seat(Mode::Onsite, true));
        assert_eq!(seats.onsite_free_unreserved(), 0);
    }

    #[test]
    fn overflow_of_the_need_counts_against_unreserved_seats() {
        let mut seats = soria();
        for _ in 0..5 {
            seats.take(Mode::Onsite, true);
        }
        // 3 reserved used, 2 unreserved used: 5 unreserved left.
        assert_eq!(seats.onsite_free_unreserved(), 5);
        assert_eq!(seats.onsite_free(), 5);
    }

    #[test]
    fn fallback_moves_onsite_registrations_online_only_when_asked_and_possible() {
        let mut seats = soria();
        seats.onsite_confirmed = 7;
        assert_eq!(
            place(&seats, Mode::Onsite, false, true),
            Placement::Confirmed { mode: Mode::Online, fallback_applied: true }
        );
        assert_eq!(place(&seats, Mode::Onsite, false, false), Placement::Waitlisted { mode: Mode::Onsite });
        seats.online_capacity = Some(0);
        assert_eq!(place(&seats, Mode::Onsite, false, true), Placement::Waitlisted { mode: Mode::Onsite });
        seats.online_offered = false;
        seats.online_capacity = None;
        assert_eq!(place(&seats, Mode::Onsite, false, true), Placement::Waitlisted { mode: Mode::Onsite });
    }

    #[test]
    fn people_without_a_device_are_never_moved_online() {
        let mut seats = soria();
        seats.onsite_confirmed = 10;
        seats.onsite_confirmed_physical_space = 3;
        assert_eq!(place(&seats, Mode::Onsite, true, true), Placement::Waitlisted { mode: Mode::Onsite });
    }

    #[test]
    fn online_capacity_is_enforced_and_null_is_unlimited() {
        let mut seats = soria();
        seats.online_capacity = Some(1);
        assert!(seats.has_seat(Mode::Online, false));
        seats.take(Mode::Online, false);
        assert!(!seats.has_seat(Mode::Online, false));
        seats.online_capacity = None;
        seats.online_confirmed = 10_000;
        assert!(seats.has_seat(Mode::Online, false));
    }

    #[test]
    fn promotion_serves_the_head_of_each_queue_while_seats_remain() {
        let mut seats = soria();
        seats.onsite_confirmed = 8;
        seats.onsite_confirmed_physical_space = 1;
        let needy = waiting(Mode::Onsite, true, false);
        let first = waiting(Mode::Onsite, false, false);
        let second = waiting(Mode::Onsite, false, false);
        let promoted = promote(&mut seats, &[needy, first, second], &[]);
        // Free unreserved seats: 10 - 3 - 7 - 0 = 0, so only the person with the need is
        // seated; the reserved seat left over stays free for the next such person.
        assert_eq!(promoted.iter().map(|p| p.id).collect::<Vec<_>>(), vec![needy.id]);
        assert_eq!(seats.onsite_free(), 1);
    }

    #[test]
    fn promotion_offers_online_seats_to_fallback_takers_in_arrival_order() {
        let mut seats = soria();
        seats.online_capacity = Some(2);
        seats.online_confirmed = 1;
        let onsite_with_fallback = waiting(Mode::Onsite, false, true);
        let online = waiting(Mode::Online, false, false);
        let promoted = promote(&mut seats, &[], &[onsite_with_fallback, online]);
        assert_eq!(
            promoted,
            vec![Promotion { id: onsite_with_fallback.id, mode: Mode::Online, fallback_applied: true }]
        );
        assert_eq!(seats.online_free(), Some(0));
    }

    #[test]
    fn a_lowered_capacity_is_overbooked_when_confirmed_people_lose_their_seat() {
        let mut seats = soria();
        for _ in 0..5 {
            seats.take(Mode::Onsite, false);
        }
        seats.take(Mode::Onsite, true);
        assert!(!seats.overbooked(Mode::Onsite));
        // 6 confirmed, 5 of them without the need: 8 seats with 3 reserved leave exactly 5.
        seats.onsite_capacity = 8;
        assert!(!seats.overbooked(Mode::Onsite));
        seats.onsite_capacity = 7;
        assert!(seats.overbooked(Mode::Onsite), "only 4 unreserved seats for 5 people");
        seats.onsite_capacity = 10;
        seats.onsite_reserved = 6;
        assert!(seats.overbooked(Mode::Onsite), "reserving seats the confirmed people sit on");
        seats.online_capacity = Some(0);
        assert!(!seats.overbooked(Mode::Online));
        seats.take(Mode::Online, false);
        assert!(seats.overbooked(Mode::Online));
    }

    #[test]
    fn a_confirmed_registration_changes_mode_only_into_a_free_seat() {
        let mut seats = soria();
        seats.online_capacity = Some(1);
        seats.take(Mode::Online, false);
        seats.take(Mode::Onsite, false);
        assert_eq!(
            reseat(&seats, Some((Mode::Onsite, false)), Mode::Online, false),
            Err(crate::domain::refusal::Refusal::CapacityFull)
        );
        assert_eq!(reseat(&seats, None, Mode::Online, false), Ok(Reseat::Waitlisted));
        assert_eq!(reseat(&seats, Some((Mode::Online, false)), Mode::Onsite, false), Ok(Reseat::Confirmed));
        // Its own seat counts as free: saying it needs a physical space keeps the seat.
        seats.onsite_capacity = 1;
        seats.onsite_reserved = 0;
        assert_eq!(reseat(&seats, Some((Mode::Onsite, false)), Mode::Onsite, true), Ok(Reseat::Confirmed));
    }

    #[test]
    fn only_onsite_registrations_without_the_need_that_accepted_it_fall_back_online() {
        assert!(may_fall_back_online(Mode::Onsite, false, true));
        assert!(!may_fall_back_online(Mode::Onsite, true, true));
        assert!(!may_fall_back_online(Mode::Onsite, false, false));
        assert!(!may_fall_back_online(Mode::Online, false, true));
    }

    #[test]
    fn a_registration_is_promoted_once_even_if_in_both_queues() {
        let mut seats = soria();
        seats.onsite_confirmed = 6;
        let both = waiting(Mode::Onsite, false, true);
        let promoted = promote(&mut seats, &[both], &[both]);
        assert_eq!(promoted.len(), 1);
        assert_eq!(promoted[0].mode, Mode::Onsite);
    }
}
