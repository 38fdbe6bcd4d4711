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

/// The seats of one room: the main venue of an event, or a place it offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Room {
    pub capacity: i32,
    /// Seats only registrations with `needs_physical_space` may take.
    pub reserved: i32,
    pub confirmed: i32,
    /// Of `confirmed`, those with `needs_physical_space`.
    pub confirmed_physical_space: i32,
}

impl Room {
    /// Free seats of any kind.
    pub fn free(&self) -> i32 {
        (self.capacity - self.confirmed).max(0)
    }

    /// Free seats that a registration without `needs_physical_space` may take: the
    /// unreserved seats, less those taken by everyone else. People with the need use the
    /// reserved seats first, so only their overflow counts against the unreserved ones.
    pub fn free_unreserved(&self) -> i32 {
        (self.capacity - self.reserved - self.unreserved_taken()).max(0).min(self.free())
    }

    /// Unreserved seats in use: everyone confirmed without the need, and the overflow of
    /// those with it beyond the reserved seats.
    fn unreserved_taken(&self) -> i32 {
        let others = self.confirmed - self.confirmed_physical_space;
        let overflow = (self.confirmed_physical_space - self.reserved).max(0);
        others + overflow
    }

    /// True when the confirmed registrations no longer fit: after a capacity was lowered or
    /// seats reserved, someone confirmed would be left without a seat of a kind they may take.
    pub fn overbooked(&self) -> bool {
        self.capacity < self.confirmed || self.capacity - self.reserved < self.unreserved_taken()
    }

    pub fn has_seat(&self, needs_physical_space: bool) -> bool {
        if needs_physical_space {
            self.free() > 0
        } else {
            self.free_unreserved() > 0
        }
    }

    pub fn take(&mut self, needs_physical_space: bool) {
        self.confirmed += 1;
        if needs_physical_space {
            self.confirmed_physical_space += 1;
        }
    }

    pub fn release(&mut self, needs_physical_space: bool) {
        self.confirmed -= 1;
        if needs_physical_space {
            self.confirmed_physical_space -= 1;
        }
    }
}

/// Who asks for a seat, as the seat rules see them: with the physical-space need or not, and
/// a member of which of the event's group reservations (by index), if any. Groups are
/// disjoint, so a person is in at most one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Who {
    pub needs_physical_space: bool,
    pub group: Option<usize>,
}

impl Who {
    /// Someone in no reserved group: the seat rules as they were before group reservations.
    pub fn need(needs_physical_space: bool) -> Self {
        Who { needs_physical_space, group: None }
    }
}

/// A room's seats reserved for groups of stakeholder categories, and who is seated there by
/// kind. `reserved[i]` is what group reservation `i` of the event holds in this room (0 where
/// it holds none); `confirmed[0]` counts the seated people in no reserved group,
/// `confirmed[i + 1]` the members of reservation `i`, each as `[without the need, with it]`.
/// Its totals are the room's `confirmed` and `confirmed_physical_space`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRoom {
    pub reserved: Vec<i32>,
    pub confirmed: Vec<[i32; 2]>,
}

impl GroupRoom {
    /// No one seated yet, with `reserved` seats per reservation.
    pub fn empty(reserved: Vec<i32>) -> Self {
        let confirmed = vec![[0, 0]; reserved.len() + 1];
        GroupRoom { reserved, confirmed }
    }

    /// Whether any reservation holds seats here.
    pub fn holds_any(&self) -> bool {
        self.reserved.iter().any(|&seats| seats > 0)
    }

    fn slot(&mut self, who: Who) -> &mut i32 {
        let group = who.group.filter(|&g| g < self.reserved.len()).map_or(0, |g| g + 1);
        &mut self.confirmed[group][usize::from(who.needs_physical_space)]
    }

    pub fn take(&mut self, who: Who) {
        *self.slot(who) += 1;
    }

    pub fn release(&mut self, who: Who) {
        *self.slot(who) -= 1;
    }
}

/// Whether everyone seated in a room can be given a seat of a kind they may take: free seats
/// to anyone, seats reserved for the physical-space need (`need_reserved`) to people with
/// it, and seats reserved for a group to its members. A person with the need in a reserved
/// group may take either kind, which is "the reservation that helps them most".
///
/// This is a bipartite matching of people to seats. By Hall's theorem it exists exactly
/// when, for every set `T` of the reservation kinds (the need, and each group), the people
/// who may take no reserved seat outside `T` fit in the free seats and the reserved seats of
/// `T`; with `T` all kinds, everyone fits in the room. With at most a handful of groups that
/// is a few dozen sums. A room whose reservations exceed its capacity seats no one.
pub fn room_feasible(capacity: i32, need_reserved: i32, groups: &GroupRoom) -> bool {
    let group_seats: i64 = groups.reserved.iter().map(|&s| i64::from(s)).sum();
    let free = i64::from(capacity) - i64::from(need_reserved) - group_seats;
    if free < 0 {
        return groups.confirmed.iter().all(|c| c[0] == 0 && c[1] == 0);
    }
    let kinds = groups.reserved.len() + 1;
    // Bit 0: the need's seats; bit i + 1: group i's.
    let seats_of = |bit: usize| -> i64 {
        if bit == 0 {
            i64::from(need_reserved)
        } else {
            i64::from(groups.reserved[bit - 1])
        }
    };
    (0u32..(1 << kinds)).all(|set| {
        let set = set as usize;
        let mut people = 0i64;
        for (slot, counts) in groups.confirmed.iter().enumerate() {
            for (need, &count) in counts.iter().enumerate() {
                let mut usable = 0usize;
                if need == 1 {
                    usable |= 1;
                }
                if slot > 0 {
                    usable |= 1 << slot;
                }
                if usable & !set == 0 {
                    people += i64::from(count);
                }
            }
        }
        let seats = free + (0..kinds).filter(|bit| set & (1 << bit) != 0).map(seats_of).sum::<i64>();
        people <= seats
    })
}

/// Whether `who` may take a seat in a room with group reservations: the room must stay
/// feasible ([`room_feasible`]) with them in it.
pub fn group_room_has_seat(capacity: i32, need_reserved: i32, groups: &GroupRoom, who: Who) -> bool {
    let mut with = groups.clone();
    with.take(who);
    room_feasible(capacity, need_reserved, &with)
}

/// The seats of group reservation `group` in use in a room: its members seated there, up to
/// its seats. Any seating of everyone can be rearranged so that members fill their group's
/// seats first (a member moved into an empty seat of the group frees theirs), so this is what
/// a seating plan shows, whoever came first.
pub fn group_seats_taken(groups: &GroupRoom, group: usize) -> i32 {
    let members = groups.confirmed[group + 1][0] + groups.confirmed[group + 1][1];
    members.min(groups.reserved[group])
}

/// What an event offers online and at its main venue, and what is taken, as stored on the
/// (locked) event row.
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

    /// The main venue as a room.
    pub fn venue(&self) -> Room {
        Room {
            capacity: self.onsite_capacity,
            reserved: self.onsite_reserved,
            confirmed: self.onsite_confirmed,
            confirmed_physical_space: self.onsite_confirmed_physical_space,
        }
    }

    fn set_venue(&mut self, room: Room) {
        self.onsite_confirmed = room.confirmed;
        self.onsite_confirmed_physical_space = room.confirmed_physical_space;
    }

    /// Free seats of any kind at the main venue.
    pub fn onsite_free(&self) -> i32 {
        if !self.onsite_offered {
            return 0;
        }
        self.venue().free()
    }

    /// Free seats at the main venue that a registration without the need may take.
    pub fn onsite_free_unreserved(&self) -> i32 {
        if !self.onsite_offered {
            return 0;
        }
        self.venue().free_unreserved()
    }

    /// True when the confirmed registrations of `mode` no longer fit (see [`Room::overbooked`]).
    pub fn overbooked(&self, mode: Mode) -> bool {
        match mode {
            Mode::Online => self.online_capacity.is_some_and(|capacity| capacity < self.online_confirmed),
            Mode::Onsite => self.venue().overbooked(),
        }
    }

    pub fn has_seat(&self, mode: Mode, needs_physical_space: bool) -> bool {
        match mode {
            Mode::Online => self.online_free().is_none_or(|free| free > 0),
            Mode::Onsite => self.onsite_offered && self.venue().has_seat(needs_physical_space),
        }
    }

    pub fn take(&mut self, mode: Mode, needs_physical_space: bool) {
        match mode {
            Mode::Online => self.online_confirmed += 1,
            Mode::Onsite => {
                let mut venue = self.venue();
                venue.take(needs_physical_space);
                self.set_venue(venue);
            }
        }
    }

    pub fn release(&mut self, mode: Mode, needs_physical_space: bool) {
        match mode {
            Mode::Online => self.online_confirmed -= 1,
            Mode::Onsite => {
                let mut venue = self.venue();
                venue.release(needs_physical_space);
                self.set_venue(venue);
            }
        }
    }
}

/// A place an event offers beside its main venue, with its seats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlaceSeats {
    pub id: Uuid,
    pub room: Room,
}

/// Where a registration attends: online, at the event's main venue, or at one of its places.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Spot {
    Online,
    Venue,
    Place(Uuid),
}

impl Spot {
    /// The spot of a registration's mode and place (a place is always onsite).
    pub fn of(mode: Mode, place: Option<Uuid>) -> Self {
        match (mode, place) {
            (Mode::Online, _) => Spot::Online,
            (Mode::Onsite, None) => Spot::Venue,
            (Mode::Onsite, Some(id)) => Spot::Place(id),
        }
    }

    pub fn mode(self) -> Mode {
        match self {
            Spot::Online => Mode::Online,
            Spot::Venue | Spot::Place(_) => Mode::Onsite,
        }
    }

    pub fn place(self) -> Option<Uuid> {
        match self {
            Spot::Place(id) => Some(id),
            Spot::Online | Spot::Venue => None,
        }
    }
}

/// Every seat of an event: online, the main venue and each place it offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seating {
    pub seats: Seats,
    /// In the event's order of places.
    pub places: Vec<PlaceSeats>,
    /// The seats reserved for groups and who sits where, for an event with group
    /// reservations; `None` for the others, whose rooms follow the rules of the need alone.
    pub groups: Option<GroupSeating>,
}

/// The group reservations of an event's rooms (see [`GroupRoom`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSeating {
    pub venue: GroupRoom,
    /// Per place of the event.
    pub places: Vec<(Uuid, GroupRoom)>,
}

impl GroupSeating {
    pub fn room(&self, spot: Spot) -> Option<&GroupRoom> {
        match spot {
            Spot::Online => None,
            Spot::Venue => Some(&self.venue),
            Spot::Place(id) => self.places.iter().find(|(p, _)| *p == id).map(|(_, room)| room),
        }
    }

    fn room_mut(&mut self, spot: Spot) -> Option<&mut GroupRoom> {
        match spot {
            Spot::Online => None,
            Spot::Venue => Some(&mut self.venue),
            Spot::Place(id) => self.places.iter_mut().find(|(p, _)| *p == id).map(|(_, room)| room),
        }
    }
}

impl Seating {
    /// An event without places: the seat rules of the main venue and online only.
    pub fn without_places(seats: Seats) -> Self {
        Seating { seats, places: Vec::new(), groups: None }
    }

    /// The room of an onsite spot: the main venue (only when onsite is offered) or a place.
    pub fn onsite_room(&self, spot: Spot) -> Option<Room> {
        match spot {
            Spot::Online => None,
            Spot::Venue => self.seats.onsite_offered.then(|| self.seats.venue()),
            Spot::Place(id) => self.room(id).copied(),
        }
    }

    /// The group reservations of an onsite spot's room, when any holds seats there.
    fn reserving(&self, spot: Spot) -> Option<&GroupRoom> {
        self.groups.as_ref().and_then(|groups| groups.room(spot)).filter(|room| room.holds_any())
    }

    /// Whether the people seated in an onsite room all have a seat of a kind they may take
    /// ([`room_feasible`] where groups hold seats, not [`Room::overbooked`] elsewhere).
    pub fn room_fits(&self, spot: Spot) -> bool {
        match (self.onsite_room(spot), self.reserving(spot)) {
            (Some(room), Some(groups)) => room_feasible(room.capacity, room.reserved, groups),
            (Some(room), None) => !room.overbooked(),
            (None, _) => true,
        }
    }

    pub fn offers(&self, place: Uuid) -> bool {
        self.places.iter().any(|p| p.id == place)
    }

    fn room_mut(&mut self, place: Uuid) -> Option<&mut Room> {
        self.places.iter_mut().find(|p| p.id == place).map(|p| &mut p.room)
    }

    pub fn room(&self, place: Uuid) -> Option<&Room> {
        self.places.iter().find(|p| p.id == place).map(|p| &p.room)
    }

    /// Whether every onsite room (the main venue when offered, each place) fits the people
    /// seated there ([`Seating::room_fits`]).
    pub fn rooms_fit(&self) -> bool {
        std::iter::once(Spot::Venue)
            .chain(self.places.iter().map(|p| Spot::Place(p.id)))
            .all(|spot| self.room_fits(spot))
    }

    /// Whether someone in no reserved group with `needs_physical_space` has a seat at `spot`.
    pub fn has_seat(&self, spot: Spot, needs_physical_space: bool) -> bool {
        self.has_seat_for(spot, Who::need(needs_physical_space))
    }

    /// Whether `who` has a seat at `spot`: where group reservations hold seats, when the room
    /// stays feasible with them in it ([`group_room_has_seat`]); elsewhere by the rules of
    /// the need alone.
    pub fn has_seat_for(&self, spot: Spot, who: Who) -> bool {
        let need = who.needs_physical_space;
        if let (Some(groups), Some(room)) = (self.reserving(spot), self.onsite_room(spot)) {
            return group_room_has_seat(room.capacity, room.reserved, groups, who);
        }
        match spot {
            Spot::Online => self.seats.has_seat(Mode::Online, false),
            Spot::Venue => self.seats.has_seat(Mode::Onsite, need),
            Spot::Place(id) => self.room(id).is_some_and(|room| room.has_seat(need)),
        }
    }

    pub fn take(&mut self, spot: Spot, needs_physical_space: bool) {
        self.take_for(spot, Who::need(needs_physical_space))
    }

    pub fn take_for(&mut self, spot: Spot, who: Who) {
        let need = who.needs_physical_space;
        match spot {
            Spot::Online | Spot::Venue => self.seats.take(spot.mode(), need),
            Spot::Place(id) => {
                if let Some(room) = self.room_mut(id) {
                    room.take(need)
                }
            }
        }
        if let Some(room) = self.groups.as_mut().and_then(|groups| groups.room_mut(spot)) {
            room.take(who);
        }
    }

    pub fn release(&mut self, spot: Spot, needs_physical_space: bool) {
        self.release_for(spot, Who::need(needs_physical_space))
    }

    pub fn release_for(&mut self, spot: Spot, who: Who) {
        let need = who.needs_physical_space;
        match spot {
            Spot::Online | Spot::Venue => self.seats.release(spot.mode(), need),
            Spot::Place(id) => {
                if let Some(room) = self.room_mut(id) {
                    room.release(need)
                }
            }
        }
        if let Some(room) = self.groups.as_mut().and_then(|groups| groups.room_mut(spot)) {
            room.release(who);
        }
    }
}

/// What a new registration asks for.
#[derive(Debug, Clone, Copy)]
pub struct Wish<'a> {
    pub spot: Spot,
    /// Other places of the event the person could reach, in order of preference.
    pub acceptable: &'a [Uuid],
    pub needs_physical_space: bool,
    pub accept_online_fallback: bool,
    /// The group reservation the person is a member of, if any.
    pub group: Option<usize>,
}

impl Wish<'_> {
    fn who(&self) -> Who {
        Who { needs_physical_space: self.needs_physical_space, group: self.group }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    Confirmed { spot: Spot, fallback_applied: bool },
    Waitlisted { spot: Spot },
}

/// Rules 1 to 3 for a new registration, per place: the spot asked for; else the first
/// acceptable place with a seat for it (reserved seats only for the need); else the online
/// fallback, when accepted and the person has no physical-space need (they have no device
/// to attend with, so they wait, first in line, for a seat instead); else the waitlist of
/// the spot asked for.
pub fn place(seating: &Seating, wish: &Wish<'_>) -> Placement {
    let need = wish.needs_physical_space;
    let who = wish.who();
    if seating.has_seat_for(wish.spot, who) {
        return Placement::Confirmed { spot: wish.spot, fallback_applied: false };
    }
    if wish.spot.mode() == Mode::Onsite {
        if let Some(&id) = wish.acceptable.iter().find(|&&id| seating.has_seat_for(Spot::Place(id), who)) {
            return Placement::Confirmed { spot: Spot::Place(id), fallback_applied: false };
        }
    }
    if may_fall_back_online(wish.spot.mode(), need, wish.accept_online_fallback)
        && seating.has_seat(Spot::Online, false)
    {
        return Placement::Confirmed { spot: Spot::Online, fallback_applied: true };
    }
    Placement::Waitlisted { spot: wish.spot }
}

/// Where a registration ends up when its spot or its physical-space need changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reseat {
    Confirmed,
    Waitlisted,
}

/// A registration (not cancelled) moving to `spot` as `who` (its need, its group): a
/// confirmed one keeps a seat only if the new spot has one for it, after giving up its own
/// (else `CapacityFull`, and nothing changes); a waitlisted one is confirmed if it can be,
/// else it waits in the new spot's queue.
pub fn reseat(
    seating: &Seating,
    confirmed_now: Option<(Spot, Who)>,
    spot: Spot,
    who: Who,
) -> Result<Reseat, crate::domain::refusal::Refusal> {
    let mut seating = seating.clone();
    if let Some((current_spot, current)) = confirmed_now {
        seating.release_for(current_spot, current);
    }
    if seating.has_seat_for(spot, who) {
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
    /// The spot it waits for.
    pub spot: Spot,
    pub needs_physical_space: bool,
    pub accept_online_fallback: bool,
    /// The group reservation it is a member of, if any.
    pub group: Option<usize>,
}

impl Waiting {
    pub fn who(&self) -> Who {
        Who { needs_physical_space: self.needs_physical_space, group: self.group }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Promotion {
    pub id: Uuid,
    pub spot: Spot,
    pub fallback_applied: bool,
}

/// The waitlisted registrations that may take a seat at each onsite room, in their order
/// (physical-space need first, then arrival), and those that may take an online seat.
#[derive(Debug, Default)]
pub struct Queues {
    /// Waiting for the main venue.
    pub venue: Vec<Waiting>,
    /// Per place of the event: waiting for it or having listed it as acceptable.
    pub places: Vec<(Uuid, Vec<Waiting>)>,
    /// The online waitlist and onsite registrations that accept the online fallback, in
    /// arrival order.
    pub online: Vec<Waiting>,
}

/// Rule 4: who gets the free seats. Each room's queue is served from its head while seats
/// remain: the main venue, then each place in the event's order, then online. A registration
/// in several queues takes the first seat it is offered. Afterwards no free seat and
/// waitlisted registration that may take it exist together. Where group reservations hold
/// seats, the queue is read on past those who cannot be seated: a seat only a group's member
/// may take goes to the first member waiting.
pub fn promote(seating: &mut Seating, queues: &Queues) -> Vec<Promotion> {
    let mut promotions: Vec<Promotion> = Vec::new();
    let onsite = std::iter::once((Spot::Venue, &queues.venue))
        .chain(queues.places.iter().map(|(id, queue)| (Spot::Place(*id), queue)));
    for (spot, queue) in onsite {
        for waiting in queue {
            if promotions.iter().any(|p| p.id == waiting.id) {
                continue;
            }
            if !seating.has_seat_for(spot, waiting.who()) {
                if seating.reserving(spot).is_some() {
                    continue;
                }
                // The queue puts everyone with the need first, and they may take any seat: if
                // the head cannot be seated, no one behind it can.
                break;
            }
            seating.take_for(spot, waiting.who());
            promotions.push(Promotion { id: waiting.id, spot, fallback_applied: false });
        }
    }
    for waiting in &queues.online {
        let mode = waiting.spot.mode();
        let eligible = mode == Mode::Online
            || may_fall_back_online(mode, waiting.needs_physical_space, waiting.accept_online_fallback);
        if !eligible || promotions.iter().any(|p| p.id == waiting.id) {
            continue;
        }
        if !seating.has_seat(Spot::Online, false) {
            break;
        }
        seating.take(Spot::Online, false);
        promotions.push(Promotion {
            id: waiting.id,
            spot: Spot::Online,
            fallback_applied: mode == Mode::Onsite,
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
        waiting_for(Spot::of(mode, None), needs, fallback)
    }

    fn waiting_for(spot: Spot, needs: bool, fallback: bool) -> Waiting {
        Waiting {
            id: Uuid::now_v7(),
            spot,
            needs_physical_space: needs,
            accept_online_fallback: fallback,
            group: None,
        }
    }

    /// Rules 1 to 3 at an event without places.
    fn ask(seats: &Seats, mode: Mode, needs: bool, fallback: bool) -> Placement {
        let wish = Wish {
            spot: Spot::of(mode, None),
            acceptable: &[],
            needs_physical_space: needs,
            accept_online_fallback: fallback,
            group: None,
        };
        place(&Seating::without_places(*seats), &wish)
    }

    fn promote_at(seats: &mut Seats, venue: &[Waiting], online: &[Waiting]) -> Vec<Promotion> {
        let mut seating = Seating::without_places(*seats);
        let queues = Queues { venue: venue.to_vec(), places: Vec::new(), online: online.to_vec() };
        let promoted = promote(&mut seating, &queues);
        *seats = seating.seats;
        promoted
    }

    fn reseat_at(
        seats: &Seats,
        confirmed_now: Option<(Mode, bool)>,
        mode: Mode,
        needs: bool,
    ) -> Result<Reseat, crate::domain::refusal::Refusal> {
        let now = confirmed_now.map(|(mode, needs)| (Spot::of(mode, None), Who::need(needs)));
        reseat(&Seating::without_places(*seats), now, Spot::of(mode, None), Who::need(needs))
    }

    /// The roundtable with two hosted places: Almazán (3 seats, 2 reserved) and El Burgo de
    /// Osma (2 seats).
    fn soria_with_places() -> (Seating, Uuid, Uuid) {
        let (almazan, burgo) = (Uuid::now_v7(), Uuid::now_v7());
        let room =
            |capacity, reserved| Room { capacity, reserved, confirmed: 0, confirmed_physical_space: 0 };
        let seating = Seating {
            seats: soria(),
            places: vec![
                PlaceSeats { id: almazan, room: room(3, 2) },
                PlaceSeats { id: burgo, room: room(2, 0) },
            ],
            groups: None,
        };
        (seating, almazan, burgo)
    }

    fn wish(spot: Spot, acceptable: &[Uuid], needs: bool, fallback: bool) -> Wish<'_> {
        Wish { spot, acceptable, needs_physical_space: needs, accept_online_fallback: fallback, group: None }
    }

    #[test]
    fn a_hosted_place_keeps_its_own_seats_and_reserved_seats() {
        let (mut seating, almazan, _) = soria_with_places();
        let at_almazan = Spot::Place(almazan);
        assert_eq!(
            place(&seating, &wish(at_almazan, &[], false, false)),
            Placement::Confirmed { spot: at_almazan, fallback_applied: false }
        );
        seating.take(at_almazan, false);
        // One unreserved seat was there; the two left are for people without a device.
        assert_eq!(
            place(&seating, &wish(at_almazan, &[], false, false)),
            Placement::Waitlisted { spot: at_almazan }
        );
        assert!(seating.has_seat(at_almazan, true));
        // The main venue's seats are untouched.
        assert_eq!(seating.seats.onsite_free(), 10);
    }

    #[test]
    fn the_first_acceptable_place_with_a_seat_comes_before_the_online_fallback() {
        let (mut seating, almazan, burgo) = soria_with_places();
        seating.seats.onsite_confirmed = 10;
        seating.take(Spot::Place(almazan), false);
        // Almazán has only reserved seats left, El Burgo has two free.
        assert_eq!(
            place(&seating, &wish(Spot::Venue, &[almazan, burgo], false, true)),
            Placement::Confirmed { spot: Spot::Place(burgo), fallback_applied: false }
        );
        // With the need, the reserved seat at Almazán comes first, in the order of preference.
        assert_eq!(
            place(&seating, &wish(Spot::Venue, &[almazan, burgo], true, false)),
            Placement::Confirmed { spot: Spot::Place(almazan), fallback_applied: false }
        );
        seating.take(Spot::Place(burgo), false);
        seating.take(Spot::Place(burgo), false);
        assert_eq!(
            place(&seating, &wish(Spot::Venue, &[almazan, burgo], false, true)),
            Placement::Confirmed { spot: Spot::Online, fallback_applied: true }
        );
        assert_eq!(
            place(&seating, &wish(Spot::Venue, &[almazan, burgo], false, false)),
            Placement::Waitlisted { spot: Spot::Venue },
            "waitlisted for the place asked for"
        );
    }

    #[test]
    fn a_place_the_event_does_not_offer_has_no_seat() {
        let (seating, _, _) = soria_with_places();
        assert!(!seating.has_seat(Spot::Place(Uuid::now_v7()), true));
    }

    #[test]
    fn a_freed_place_seat_goes_to_those_who_asked_for_it_or_accept_it_need_first() {
        let (mut seating, almazan, burgo) = soria_with_places();
        seating.places[1].room.confirmed = 1;
        let for_burgo = waiting_for(Spot::Place(burgo), false, false);
        let venue_accepting_burgo_with_need = waiting_for(Spot::Venue, true, false);
        let queues = Queues {
            venue: Vec::new(),
            places: vec![(almazan, Vec::new()), (burgo, vec![venue_accepting_burgo_with_need, for_burgo])],
            online: Vec::new(),
        };
        let promoted = promote(&mut seating, &queues);
        assert_eq!(
            promoted,
            vec![Promotion {
                id: venue_accepting_burgo_with_need.id,
                spot: Spot::Place(burgo),
                fallback_applied: false
            }]
        );
        assert_eq!(seating.room(burgo).map(|r| r.free()), Some(0));
    }

    #[test]
    fn a_registration_in_several_place_queues_takes_the_first_seat_only() {
        let (mut seating, almazan, burgo) = soria_with_places();
        seating.seats.onsite_confirmed = 10;
        let both = waiting_for(Spot::Venue, true, false);
        let queues = Queues {
            venue: vec![both],
            places: vec![(almazan, vec![both]), (burgo, vec![both])],
            online: Vec::new(),
        };
        let promoted = promote(&mut seating, &queues);
        assert_eq!(
            promoted,
            vec![Promotion { id: both.id, spot: Spot::Place(almazan), fallback_applied: false }]
        );
    }

    #[test]
    fn moving_between_places_needs_a_seat_at_the_new_one() {
        let (mut seating, almazan, burgo) = soria_with_places();
        seating.take(Spot::Place(almazan), false);
        seating.places[1].room.confirmed = 2;
        assert_eq!(
            reseat(
                &seating,
                Some((Spot::Place(almazan), Who::need(false))),
                Spot::Place(burgo),
                Who::need(false)
            ),
            Err(crate::domain::refusal::Refusal::CapacityFull)
        );
        assert_eq!(
            reseat(&seating, Some((Spot::Place(almazan), Who::need(false))), Spot::Venue, Who::need(false)),
            Ok(Reseat::Confirmed)
        );
        assert_eq!(reseat(&seating, None, Spot::Place(burgo), Who::need(false)), Ok(Reseat::Waitlisted));
        // Its own seat counts as free: gaining the need keeps the seat at Almazán.
        assert_eq!(
            reseat(
                &seating,
                Some((Spot::Place(almazan), Who::need(false))),
                Spot::Place(almazan),
                Who::need(true)
            ),
            Ok(Reseat::Confirmed)
        );
    }

    #[test]
    fn reserved_seats_are_kept_for_people_without_a_device() {
        let mut seats = soria();
        for _ in 0..7 {
            assert_eq!(
                ask(&seats, Mode::Onsite, false, false),
                Placement::Confirmed { spot: Spot::Venue, fallback_applied: false }
            );
            seats.take(Mode::Onsite, false);
        }
        assert_eq!(ask(&seats, Mode::Onsite, false, false), Placement::Waitlisted { spot: Spot::Venue });
        for _ in 0..3 {
            assert!(matches!(ask(&seats, Mode::Onsite, true, false), Placement::Confirmed { .. }));
            seats.take(Mode::Onsite, true);
        }
        assert_eq!(ask(&seats, Mode::Onsite, true, false), Placement::Waitlisted { spot: Spot::Venue });
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
            ask(&seats, Mode::Onsite, false, true),
            Placement::Confirmed { spot: Spot::Online, fallback_applied: true }
        );
        assert_eq!(ask(&seats, Mode::Onsite, false, false), Placement::Waitlisted { spot: Spot::Venue });
        seats.online_capacity = Some(0);
        assert_eq!(ask(&seats, Mode::Onsite, false, true), Placement::Waitlisted { spot: Spot::Venue });
        seats.online_offered = false;
        seats.online_capacity = None;
        assert_eq!(ask(&seats, Mode::Onsite, false, true), Placement::Waitlisted { spot: Spot::Venue });
    }

    #[test]
    fn people_without_a_device_are_never_moved_online() {
        let mut seats = soria();
        seats.onsite_confirmed = 10;
        seats.onsite_confirmed_physical_space = 3;
        assert_eq!(ask(&seats, Mode::Onsite, true, true), Placement::Waitlisted { spot: Spot::Venue });
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
        let promoted = promote_at(&mut seats, &[needy, first, second], &[]);
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
        let promoted = promote_at(&mut seats, &[], &[onsite_with_fallback, online]);
        assert_eq!(
            promoted,
            vec![Promotion { id: onsite_with_fallback.id, spot: Spot::Online, fallback_applied: true }]
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
            reseat_at(&seats, Some((Mode::Onsite, false)), Mode::Online, false),
            Err(crate::domain::refusal::Refusal::CapacityFull)
        );
        assert_eq!(reseat_at(&seats, None, Mode::Online, false), Ok(Reseat::Waitlisted));
        assert_eq!(
            reseat_at(&seats, Some((Mode::Online, false)), Mode::Onsite, false),
            Ok(Reseat::Confirmed)
        );
        // Its own seat counts as free: saying it needs a physical space keeps the seat.
        seats.onsite_capacity = 1;
        seats.onsite_reserved = 0;
        assert_eq!(reseat_at(&seats, Some((Mode::Onsite, false)), Mode::Onsite, true), Ok(Reseat::Confirmed));
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
        let promoted = promote_at(&mut seats, &[both], &[both]);
        assert_eq!(promoted.len(), 1);
        assert_eq!(promoted[0].spot, Spot::Venue);
    }
    /// Whether everyone seated fits, by trying every seating: people of each kind are given
    /// seats one by one by backtracking over the seat kinds they may take (free, the need's,
    /// each group's). Exponential, for small rooms only: the reference for [`room_feasible`].
    fn brute_force_feasible(capacity: i32, need_reserved: i32, groups: &GroupRoom) -> bool {
        let group_seats: i32 = groups.reserved.iter().sum();
        let free = capacity - need_reserved - group_seats;
        if free < 0 {
            return groups.confirmed.iter().all(|c| c[0] == 0 && c[1] == 0);
        }
        // Seats left per kind: index 0 free, 1 the need's, 2 + i group i's.
        let mut left = vec![free, need_reserved];
        left.extend(groups.reserved.iter().copied());
        let mut people = Vec::new();
        for (slot, counts) in groups.confirmed.iter().enumerate() {
            for (need, &count) in counts.iter().enumerate() {
                let mut kinds = vec![0];
                if need == 1 {
                    kinds.push(1);
                }
                if slot > 0 {
                    kinds.push(slot + 1);
                }
                for _ in 0..count {
                    people.push(kinds.clone());
                }
            }
        }
        fn seat(people: &[Vec<usize>], left: &mut [i32]) -> bool {
            let Some((first, rest)) = people.split_first() else { return true };
            for &kind in first {
                if left[kind] > 0 {
                    left[kind] -= 1;
                    let seated = seat(rest, left);
                    left[kind] += 1;
                    if seated {
                        return true;
                    }
                }
            }
            false
        }
        seat(&people, &mut left)
    }

    /// A small deterministic generator, so the random rooms are the same at every run.
    struct Xorshift(u64);

    impl Xorshift {
        fn below(&mut self, n: u64) -> i32 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n) as i32
        }
    }

    #[test]
    fn the_closed_test_agrees_with_trying_every_seating_on_many_small_rooms() {
        let mut random = Xorshift(0x9e37_79b9_7f4a_7c15);
        let (mut feasible, mut infeasible) = (0, 0);
        for _ in 0..4000 {
            let k = random.below(4) as usize;
            let capacity = random.below(9);
            let need_reserved = random.below(3);
            let reserved: Vec<i32> = (0..k).map(|_| random.below(3)).collect();
            let mut room = GroupRoom::empty(reserved);
            for counts in room.confirmed.iter_mut() {
                *counts = [random.below(3), random.below(3)];
            }
            let expected = brute_force_feasible(capacity, need_reserved, &room);
            assert_eq!(
                room_feasible(capacity, need_reserved, &room),
                expected,
                "{capacity} {need_reserved} {room:?}"
            );
            if expected {
                feasible += 1;
            } else {
                infeasible += 1;
            }
        }
        assert!(feasible > 500 && infeasible > 500, "both answers are tried: {feasible} {infeasible}");
    }

    #[test]
    fn admission_keeps_the_room_feasible_and_agrees_with_trying_every_seating() {
        let mut random = Xorshift(0x2545_f491_4f6c_dd1d);
        for _ in 0..2000 {
            let k = 1 + random.below(3) as usize;
            let capacity = random.below(8);
            let need_reserved = random.below(3).min(capacity);
            let reserved: Vec<i32> = (0..k).map(|_| random.below(3)).collect();
            let mut room = GroupRoom::empty(reserved);
            // People arrive one by one and are seated when the room has a seat for them.
            for _ in 0..12 {
                let group = match random.below(k as u64 + 1) as usize {
                    0 => None,
                    g => Some(g - 1),
                };
                let who = Who { needs_physical_space: random.below(2) == 1, group };
                let mut with = room.clone();
                with.take(who);
                let admitted = group_room_has_seat(capacity, need_reserved, &room, who);
                assert_eq!(admitted, brute_force_feasible(capacity, need_reserved, &with));
                if admitted {
                    room = with;
                }
                assert!(room_feasible(capacity, need_reserved, &room));
            }
        }
    }

    /// The roundtable's venue: 10 seats, 3 for the need, 3 for migrants and refugees (group 0).
    fn roundtable_with_a_group() -> (Seating, Who, Who, Who, Who) {
        let mut seating = Seating::without_places(soria());
        seating.groups = Some(GroupSeating { venue: GroupRoom::empty(vec![3]), places: Vec::new() });
        let member = Who { needs_physical_space: false, group: Some(0) };
        let member_with_need = Who { needs_physical_space: true, group: Some(0) };
        (seating, Who::need(false), Who::need(true), member, member_with_need)
    }

    #[test]
    fn seats_reserved_for_a_group_go_only_to_its_members() {
        let (mut seating, other, _, member, _) = roundtable_with_a_group();
        for _ in 0..4 {
            assert!(seating.has_seat_for(Spot::Venue, other));
            seating.take_for(Spot::Venue, other);
        }
        // 10 seats less 3 for the need and 3 for the group: 4 for everyone else.
        assert!(!seating.has_seat_for(Spot::Venue, other));
        for _ in 0..3 {
            assert!(seating.has_seat_for(Spot::Venue, member));
            seating.take_for(Spot::Venue, member);
        }
        assert!(!seating.has_seat_for(Spot::Venue, member), "the need's seats are not the group's");
        assert_eq!(seating.groups.as_ref().map(|g| group_seats_taken(&g.venue, 0)), Some(3));
    }

    #[test]
    fn a_member_with_the_need_uses_the_reservation_that_helps_them_most() {
        let (mut seating, other, with_need, member, member_with_need) = roundtable_with_a_group();
        // Three people with the need and a member who has it too: the member can sit in a
        // group seat, leaving the need's three seats to the others.
        for _ in 0..3 {
            seating.take_for(Spot::Venue, with_need);
        }
        assert!(seating.has_seat_for(Spot::Venue, member_with_need));
        seating.take_for(Spot::Venue, member_with_need);
        // The other two group seats: members only; the four free seats: anyone.
        for _ in 0..4 {
            seating.take_for(Spot::Venue, other);
        }
        assert!(!seating.has_seat_for(Spot::Venue, other));
        assert!(!seating.has_seat_for(Spot::Venue, with_need));
        assert!(seating.has_seat_for(Spot::Venue, member));
        // With the group's seats full the member with the need may still take a need seat
        // left free, and the closed test sees that through the member's double right.
        let (mut seating, other, _, member, member_with_need) = roundtable_with_a_group();
        for _ in 0..3 {
            seating.take_for(Spot::Venue, member);
        }
        for _ in 0..4 {
            seating.take_for(Spot::Venue, other);
        }
        assert!(!seating.has_seat_for(Spot::Venue, member));
        assert!(seating.has_seat_for(Spot::Venue, member_with_need));
    }

    #[test]
    fn a_freed_group_seat_goes_to_the_first_member_waiting() {
        let (mut seating, other, _, member, _) = roundtable_with_a_group();
        for _ in 0..4 {
            seating.take_for(Spot::Venue, other);
        }
        for _ in 0..2 {
            seating.take_for(Spot::Venue, member);
        }
        let waiting = |who: Who| Waiting {
            id: Uuid::now_v7(),
            spot: Spot::Venue,
            needs_physical_space: who.needs_physical_space,
            accept_online_fallback: false,
            group: who.group,
        };
        let (first, second, third) = (waiting(other), waiting(member), waiting(member));
        let queues = Queues { venue: vec![first, second, third], places: Vec::new(), online: Vec::new() };
        let promoted = promote(&mut seating, &queues);
        assert_eq!(promoted.iter().map(|p| p.id).collect::<Vec<_>>(), vec![second.id]);
        // Without group reservations the same queue stops at its head, as before.
        let mut plain = Seating::without_places(soria());
        plain.seats.onsite_confirmed = 7;
        let promoted = promote(&mut plain, &Queues { venue: vec![first, second], ..Queues::default() });
        assert!(promoted.is_empty());
    }

    #[test]
    fn a_room_whose_reservations_exceed_it_seats_no_one() {
        let room = GroupRoom::empty(vec![4]);
        assert!(room_feasible(3, 0, &room));
        assert!(!group_room_has_seat(3, 0, &room, Who { needs_physical_space: false, group: Some(0) }));
    }

    #[test]
    fn without_any_group_seats_the_closed_test_is_the_rule_of_the_need() {
        let mut random = Xorshift(0x1234_5678_9abc_def1);
        for _ in 0..2000 {
            let capacity = random.below(8);
            let reserved = random.below(4).min(capacity);
            let (others, with_need) = (random.below(8), random.below(8));
            let room = Room {
                capacity,
                reserved,
                confirmed: others + with_need,
                confirmed_physical_space: with_need,
            };
            let groups = GroupRoom { reserved: vec![0], confirmed: vec![[others, with_need], [0, 0]] };
            assert_eq!(room_feasible(capacity, reserved, &groups), !room.overbooked(), "{room:?}");
            if room.overbooked() {
                continue;
            }
            for need in [false, true] {
                let admitted = group_room_has_seat(capacity, reserved, &groups, Who::need(need));
                assert_eq!(admitted, room.has_seat(need), "{room:?} {need}");
            }
        }
    }
}
