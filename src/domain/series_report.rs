//! Who took part over a series: per event in order, the participants (confirmed and
//! attended), new and returning among those linked across events (`domain::people`), by
//! mode, room and stakeholder category; and the cohorts: of the people first seen at one
//! event, how many came to each later one. On plain counts, before small-count protection.
//!
//! A person is counted once per event however many registrations link to them there; a
//! participant not linked (no `link_across_events` consent) is counted as such, never as
//! new. The first event a linked person attended is theirs in every later event's
//! `returning`, so an event's `returning` is the sum of what the earlier cohorts brought.

use std::collections::BTreeMap;

use uuid::Uuid;

use crate::domain::seats::Mode;

/// A room of an event: its main venue (`place_id` none) or a place it offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomInfo {
    pub event_id: Uuid,
    pub place_id: Option<Uuid>,
}

/// Attended registrations of one event sharing a first event (none: not linked), a mode,
/// a room (onsite) and a stakeholder category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendedGroup {
    pub event_id: Uuid,
    pub first_event_id: Option<Uuid>,
    pub mode: Mode,
    pub place_id: Option<Uuid>,
    pub category: String,
    pub n: i64,
}

/// The counts of one event of the series.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EventCounts {
    pub participants: i64,
    /// Linked people at their first event of the series.
    pub new: i64,
    /// Linked people who attended an earlier event of the series.
    pub returning: i64,
    /// Participants without the consent to be linked.
    pub not_linked: i64,
    pub online: i64,
    pub onsite: i64,
    /// Per room of the event, in the order given.
    pub rooms: Vec<i64>,
    /// Per category, in the order given.
    pub categories: Vec<i64>,
    /// Per earlier event `i` (index in the series): the people first seen at `i` who came to
    /// this one. Their sum is `returning`.
    pub from_cohort: Vec<i64>,
}

/// Counts every event of the series (`events` in its order). `rooms` lists each event's rooms (a room an attended
/// registration names that is missing is added at the end of its event's rooms, so every
/// participant is somewhere); `categories` is the vocabulary, each group's category one of
/// them (another counts as the last, `other`).
pub fn count(
    events: &[Uuid],
    rooms: &[RoomInfo],
    groups: &[AttendedGroup],
    categories: &[&str],
) -> (Vec<EventCounts>, Vec<Vec<Option<Uuid>>>) {
    let index: BTreeMap<Uuid, usize> = events.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let mut event_rooms: Vec<Vec<Option<Uuid>>> = vec![Vec::new(); events.len()];
    for room in rooms {
        if let Some(&i) = index.get(&room.event_id) {
            event_rooms[i].push(room.place_id);
        }
    }
    for group in groups.iter().filter(|g| g.mode == Mode::Onsite) {
        if let Some(&i) = index.get(&group.event_id) {
            if !event_rooms[i].contains(&group.place_id) {
                event_rooms[i].push(group.place_id);
            }
        }
    }
    let mut counts: Vec<EventCounts> = event_rooms
        .iter()
        .enumerate()
        .map(|(i, rooms)| EventCounts {
            rooms: vec![0; rooms.len()],
            categories: vec![0; categories.len()],
            from_cohort: vec![0; i],
            ..EventCounts::default()
        })
        .collect();
    for group in groups {
        let Some(&at) = index.get(&group.event_id) else { continue };
        let event = &mut counts[at];
        event.participants += group.n;
        match group.first_event_id.and_then(|first| index.get(&first).copied()) {
            None => event.not_linked += group.n,
            Some(first) if first == at => event.new += group.n,
            Some(first) => {
                event.returning += group.n;
                event.from_cohort[first] += group.n;
            }
        }
        match group.mode {
            Mode::Online => event.online += group.n,
            Mode::Onsite => {
                event.onsite += group.n;
                let room = event_rooms[at]
                    .iter()
                    .position(|p| *p == group.place_id)
                    .expect("rooms were completed above");
                event.rooms[room] += group.n;
            }
        }
        let category = categories.iter().position(|c| *c == group.category).unwrap_or(categories.len() - 1);
        event.categories[category] += group.n;
    }
    (counts, event_rooms)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CATEGORIES: [&str; 3] = ["migrant", "ngo", "other"];

    fn group(
        event: Uuid,
        first: Option<Uuid>,
        mode: Mode,
        place: Option<Uuid>,
        category: &str,
        n: i64,
    ) -> AttendedGroup {
        AttendedGroup {
            event_id: event,
            first_event_id: first,
            mode,
            place_id: place,
            category: category.into(),
            n,
        }
    }

    #[test]
    fn people_are_new_at_their_first_event_and_returning_at_later_ones_by_cohort() {
        let (one, two, three) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let events = [one, two, three];
        let hosted = Uuid::now_v7();
        let rooms = [
            RoomInfo { event_id: one, place_id: None },
            RoomInfo { event_id: two, place_id: None },
            RoomInfo { event_id: two, place_id: Some(hosted) },
        ];
        let groups = [
            group(one, Some(one), Mode::Online, None, "migrant", 3),
            group(one, None, Mode::Onsite, None, "ngo", 2),
            group(two, Some(one), Mode::Onsite, Some(hosted), "migrant", 2),
            group(two, Some(two), Mode::Online, None, "ngo", 4),
            group(three, Some(one), Mode::Online, None, "migrant", 1),
            group(three, Some(two), Mode::Online, None, "volunteer", 3),
            group(three, Some(three), Mode::Onsite, None, "ngo", 1),
        ];
        let (counts, rooms) = count(&events, &rooms, &groups, &CATEGORIES);
        assert_eq!(
            counts[0],
            EventCounts {
                participants: 5,
                new: 3,
                returning: 0,
                not_linked: 2,
                online: 3,
                onsite: 2,
                rooms: vec![2],
                categories: vec![3, 2, 0],
                from_cohort: vec![],
            }
        );
        assert_eq!((counts[1].new, counts[1].returning, counts[1].from_cohort.clone()), (4, 2, vec![2]));
        assert_eq!(counts[1].rooms, vec![0, 2], "the venue, then the hosted place");
        assert_eq!((counts[2].new, counts[2].returning, counts[2].from_cohort.clone()), (1, 4, vec![1, 3]));
        assert_eq!(counts[2].categories, vec![1, 1, 3], "a category outside the vocabulary is other");
        // The third event offered no room, yet one person attended in person: at its venue.
        assert_eq!(rooms[2], vec![None]);
        assert_eq!(counts[2].rooms, vec![1]);
    }

    #[test]
    fn every_events_counts_add_up() {
        let ids: Vec<Uuid> = (0..4).map(|_| Uuid::now_v7()).collect();
        let mut groups = Vec::new();
        for (at, &event) in ids.iter().enumerate() {
            for (first, &first_id) in ids.iter().enumerate().take(at + 1) {
                groups.push(group(event, Some(first_id), Mode::Online, None, "migrant", (at + first) as i64));
            }
            groups.push(group(event, None, Mode::Onsite, None, "ngo", at as i64 + 1));
        }
        let (counts, _) = count(&ids, &[], &groups, &CATEGORIES);
        for event in &counts {
            assert_eq!(event.participants, event.new + event.returning + event.not_linked);
            assert_eq!(event.participants, event.online + event.onsite);
            assert_eq!(event.onsite, event.rooms.iter().sum::<i64>());
            assert_eq!(event.participants, event.categories.iter().sum::<i64>());
            assert_eq!(event.returning, event.from_cohort.iter().sum::<i64>());
        }
    }
}
