//! Seats an event reserves for groups of stakeholder categories (migrants and refugees, say),
//! so that a small room is not filled before they come: per reservation, its categories, its
//! seats, and the rooms it holds them in (the main venue, or a list of the event's places,
//! `seats` in each). The seat rules that enforce them are in `domain::seats` (`GroupRoom`,
//! `room_feasible`); here is what an organiser may ask for, and how a reservation reads a
//! registration and a room.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::events::MAX_CAPACITY;
use crate::domain::seats::{GroupRoom, GroupSeating, Spot};
use crate::domain::text::Problems;

/// An event reserves seats for at most this many groups: the seat test is a sum per set of
/// reservation kinds (2 to the power of groups + 1).
pub const MAX_GROUP_RESERVATIONS: usize = 4;

/// Seats reserved for the members of a group of stakeholder categories.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupReservation {
    /// Stakeholder categories (`migrant`, `refugee`, …), each in one reservation of the event.
    pub categories: Vec<String>,
    /// Seats reserved in each room it holds in.
    pub seats: i64,
    /// `None`: the event's main venue; else these places of the event, `seats` in each.
    pub places: Option<Vec<Uuid>>,
}

impl GroupReservation {
    /// Whether it holds seats in the room at `spot`.
    pub fn holds_at(&self, spot: Spot) -> bool {
        match (spot, &self.places) {
            (Spot::Venue, None) => true,
            (Spot::Place(id), Some(places)) => places.contains(&id),
            _ => false,
        }
    }
}

/// The reservation whose group a registration of `category` is in, if any (groups are
/// disjoint, so at most one).
pub fn group_of(reservations: &[GroupReservation], category: &str) -> Option<usize> {
    reservations.iter().position(|r| r.categories.iter().any(|c| c == category))
}

/// What each reservation holds in the room at `spot` (0 where it holds none).
pub fn reserved_at(reservations: &[GroupReservation], spot: Spot) -> Vec<i32> {
    reservations
        .iter()
        .map(|r| if r.holds_at(spot) { i32::try_from(r.seats).unwrap_or(i32::MAX) } else { 0 })
        .collect()
}

/// One count of the people seated in an event's onsite rooms: in the room at `spot`, with the
/// need or not, of a stakeholder category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seated {
    pub spot: Spot,
    pub needs_physical_space: bool,
    pub category: String,
    pub count: i32,
}

/// The group reservations of an event's rooms (the main venue and `places`, in the event's
/// order) with the people seated there by kind.
pub fn group_seating(reservations: &[GroupReservation], places: &[Uuid], seated: &[Seated]) -> GroupSeating {
    let mut groups = GroupSeating {
        venue: GroupRoom::empty(reserved_at(reservations, Spot::Venue)),
        places: places
            .iter()
            .map(|&id| (id, GroupRoom::empty(reserved_at(reservations, Spot::Place(id)))))
            .collect(),
    };
    for s in seated {
        let room = match s.spot {
            Spot::Venue => Some(&mut groups.venue),
            Spot::Place(id) => groups.places.iter_mut().find(|(p, _)| *p == id).map(|(_, room)| room),
            Spot::Online => None,
        };
        if let Some(room) = room {
            let slot = group_of(reservations, &s.category).map_or(0, |g| g + 1);
            room.confirmed[slot][usize::from(s.needs_physical_space)] += s.count;
        }
    }
    groups
}

/// The rules that need nothing but the reservations: at most [`MAX_GROUP_RESERVATIONS`];
/// each with categories (each kept once; the request's type admits only the vocabulary), in
/// no other reservation of the event; 1 to `MAX_CAPACITY` seats; `places` null or a non-empty
/// list (each kept once). Returns them as kept.
pub fn check(problems: &mut Problems, reservations: Vec<GroupReservation>) -> Vec<GroupReservation> {
    if reservations.len() > MAX_GROUP_RESERVATIONS {
        problems.add(
            "group_reservations",
            "too_many",
            format!("at most {MAX_GROUP_RESERVATIONS} group reservations"),
        );
    }
    let mut seen: Vec<String> = Vec::new();
    reservations
        .into_iter()
        .enumerate()
        .map(|(i, mut reservation)| {
            let field = format!("group_reservations[{i}]");
            let mut categories: Vec<String> = Vec::new();
            for category in reservation.categories {
                if !categories.contains(&category) {
                    categories.push(category);
                }
            }
            if categories.is_empty() {
                problems.add(
                    format!("{field}.categories"),
                    "required",
                    "name at least one stakeholder category",
                );
            }
            for (j, category) in categories.iter().enumerate() {
                if seen.contains(category) {
                    problems.add(
                        format!("{field}.categories[{j}]"),
                        "category_in_two_reservations",
                        "a category belongs to at most one group reservation of the event",
                    );
                }
            }
            seen.extend(categories.iter().cloned());
            reservation.categories = categories;
            if !(1..=MAX_CAPACITY).contains(&reservation.seats) {
                problems.add(
                    format!("{field}.seats"),
                    "out_of_range",
                    format!("must be 1 to {MAX_CAPACITY}"),
                );
            }
            if let Some(places) = &mut reservation.places {
                let mut kept: Vec<Uuid> = Vec::new();
                for id in places.iter() {
                    if !kept.contains(id) {
                        kept.push(*id);
                    }
                }
                if kept.is_empty() {
                    problems.add(
                        format!("{field}.places"),
                        "required",
                        "list at least one place of the event, or null for the main venue",
                    );
                }
                *places = kept;
            }
            reservation
        })
        .collect()
}

/// The seats of one onsite room: its capacity and the seats reserved for the need there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoomSize {
    pub capacity: i64,
    pub need_reserved: i64,
}

/// Whether the seats reserved in the room at `spot` (for the need and for groups) fit in it.
pub fn fit_in(reservations: &[GroupReservation], spot: Spot, size: RoomSize) -> bool {
    let groups: i64 = reservations.iter().filter(|r| r.holds_at(spot)).map(|r| r.seats).sum();
    size.need_reserved + groups <= size.capacity
}

/// The rooms of an event for [`check_rooms`]: its main venue (when onsite is offered, as
/// `draft` asks) and `places` (the event's, with their seats).
pub fn rooms_of(
    onsite: Option<&crate::domain::events::OnsiteDraft>,
    places: impl IntoIterator<Item = (Uuid, i32, i32)>,
) -> (Option<RoomSize>, Vec<(Uuid, RoomSize)>) {
    let venue = onsite.map(|o| RoomSize {
        capacity: o.capacity.unwrap_or(0),
        need_reserved: o.reserved_for_physical_space_need,
    });
    let places = places
        .into_iter()
        .map(|(id, capacity, reserved)| {
            (id, RoomSize { capacity: i64::from(capacity), need_reserved: i64::from(reserved) })
        })
        .collect();
    (venue, places)
}

/// The rules on the event's rooms: a reservation holds at the main venue only when onsite is
/// offered (`venue`), names only places the event offers (`places`, with their sizes), and in
/// every room the seats reserved for the need and for groups fit its capacity.
pub fn check_rooms(
    problems: &mut Problems,
    reservations: &[GroupReservation],
    venue: Option<RoomSize>,
    places: &[(Uuid, RoomSize)],
) {
    for (i, reservation) in reservations.iter().enumerate() {
        let field = format!("group_reservations[{i}]");
        match &reservation.places {
            None if venue.is_none() => problems.add(
                format!("{field}.places"),
                "no_onsite_venue",
                "the event has no main venue (onsite is not offered): list places of the event",
            ),
            None => {}
            Some(listed) => {
                for (j, id) in listed.iter().enumerate() {
                    if !places.iter().any(|(p, _)| p == id) {
                        problems.add(
                            format!("{field}.places[{j}]"),
                            "place_not_offered",
                            "the event does not offer this place",
                        );
                    }
                }
            }
        }
    }
    let rooms = venue
        .map(|size| (Spot::Venue, size))
        .into_iter()
        .chain(places.iter().map(|(id, size)| (Spot::Place(*id), *size)));
    for (spot, size) in rooms {
        if fit_in(reservations, spot, size) {
            continue;
        }
        let room = match spot {
            Spot::Place(id) => format!("place {id}"),
            Spot::Venue | Spot::Online => "the main venue".to_owned(),
        };
        for (i, _) in reservations.iter().enumerate().filter(|(_, r)| r.holds_at(spot)) {
            problems.add(
                format!("group_reservations[{i}].seats"),
                "reserved_above_capacity",
                format!(
                    "at {room}, the seats reserved for groups and for the physical-space need exceed its {} seats",
                    size.capacity
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reservation(categories: &[&str], seats: i64, places: Option<Vec<Uuid>>) -> GroupReservation {
        GroupReservation { categories: categories.iter().map(|c| c.to_string()).collect(), seats, places }
    }

    fn codes(problems: Problems) -> Vec<(String, String)> {
        problems.0.into_iter().map(|e| (e.field, e.code)).collect()
    }

    #[test]
    fn groups_are_disjoint_non_empty_few_and_hold_seats() {
        let mut problems = Problems::default();
        let kept = check(
            &mut problems,
            vec![
                reservation(&["migrant", "refugee", "migrant"], 5, None),
                reservation(&["refugee"], 0, Some(vec![])),
                reservation(&[], 2, None),
            ],
        );
        assert_eq!(kept[0].categories, ["migrant", "refugee"], "each category kept once");
        assert_eq!(
            codes(problems),
            vec![
                ("group_reservations[1].categories[0]".into(), "category_in_two_reservations".into()),
                ("group_reservations[1].seats".into(), "out_of_range".into()),
                ("group_reservations[1].places".into(), "required".into()),
                ("group_reservations[2].categories".into(), "required".into()),
            ]
        );
        let mut problems = Problems::default();
        let five =
            (0..5).map(|i| reservation(&[["ngo", "volunteer", "other", "migrant", "refugee"][i]], 1, None));
        check(&mut problems, five.collect());
        assert_eq!(codes(problems), vec![("group_reservations".into(), "too_many".into())]);
    }

    #[test]
    fn reserved_seats_fit_each_room_and_name_only_offered_places() {
        let (almazan, elsewhere) = (Uuid::now_v7(), Uuid::now_v7());
        let venue = RoomSize { capacity: 10, need_reserved: 3 };
        let places = [(almazan, RoomSize { capacity: 4, need_reserved: 2 })];
        let mut problems = Problems::default();
        check_rooms(
            &mut problems,
            &[reservation(&["migrant"], 7, None), reservation(&["ngo"], 2, Some(vec![almazan, elsewhere]))],
            Some(venue),
            &places,
        );
        assert_eq!(
            codes(problems),
            vec![("group_reservations[1].places[1]".into(), "place_not_offered".into())],
            "3 + 7 fit the venue's 10 seats, 2 + 2 Almazán's 4"
        );
        let mut problems = Problems::default();
        check_rooms(
            &mut problems,
            &[reservation(&["migrant"], 8, None), reservation(&["ngo"], 3, Some(vec![almazan]))],
            None,
            &places,
        );
        assert_eq!(
            codes(problems),
            vec![
                ("group_reservations[0].places".into(), "no_onsite_venue".into()),
                ("group_reservations[1].seats".into(), "reserved_above_capacity".into()),
            ]
        );
        let mut problems = Problems::default();
        check_rooms(&mut problems, &[reservation(&["migrant"], 8, None)], Some(venue), &places);
        assert_eq!(
            codes(problems),
            vec![("group_reservations[0].seats".into(), "reserved_above_capacity".into())]
        );
    }

    #[test]
    fn a_registration_is_in_the_group_of_its_category_and_rooms_count_by_kind() {
        let almazan = Uuid::now_v7();
        let reservations =
            [reservation(&["migrant", "refugee"], 3, None), reservation(&["ngo"], 1, Some(vec![almazan]))];
        assert_eq!(group_of(&reservations, "refugee"), Some(0));
        assert_eq!(group_of(&reservations, "ngo"), Some(1));
        assert_eq!(group_of(&reservations, "volunteer"), None);
        assert_eq!(reserved_at(&reservations, Spot::Venue), vec![3, 0]);
        assert_eq!(reserved_at(&reservations, Spot::Place(almazan)), vec![0, 1]);
        let seated = |spot, need, category: &str, count| Seated {
            spot,
            needs_physical_space: need,
            category: category.into(),
            count,
        };
        let groups = group_seating(
            &reservations,
            &[almazan],
            &[
                seated(Spot::Venue, true, "refugee", 2),
                seated(Spot::Venue, false, "volunteer", 4),
                seated(Spot::Place(almazan), false, "ngo", 1),
            ],
        );
        assert_eq!(groups.venue.confirmed, vec![[4, 0], [0, 2], [0, 0]]);
        assert_eq!(groups.places[0].1.confirmed, vec![[0, 0], [0, 0], [1, 0]]);
    }
}
