//! Who in a video platform's participant list is which registration. Only what names one
//! person is taken: in this order, the email (folded), the phone's digits, then the full
//! name (case, accents, punctuation and word order ignored) when it names exactly one of
//! the candidates; a name that fits several is left to the organiser, and so is a row that
//! fits nobody. Rejoins are summed: the rows of one registration, and the unmatched rows of
//! one platform identity.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::events::EventStatus;
use crate::domain::participant_list::ListRow;
use crate::domain::refusal::Refusal;
use crate::domain::text::name_key;

/// A registration a row may be: confirmed online, or seated at a hosted place.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub id: Uuid,
    pub email_normalised: Option<String>,
    pub phone_digits: Option<String>,
    pub full_name: Option<String>,
}

/// How a row found its registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(example = "email")]
pub enum MatchedBy {
    Email,
    Phone,
    Name,
    /// An organiser resolved the row.
    Organiser,
}

impl MatchedBy {
    pub const ALL: [MatchedBy; 4] =
        [MatchedBy::Email, MatchedBy::Phone, MatchedBy::Name, MatchedBy::Organiser];

    pub fn as_str(self) -> &'static str {
        match self {
            MatchedBy::Email => "email",
            MatchedBy::Phone => "phone",
            MatchedBy::Name => "name",
            MatchedBy::Organiser => "organiser",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|by| by.as_str() == value)
    }
}

/// Where a person of an import stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowStatus {
    Matched,
    /// Their name fits several registrations: waiting for the organiser.
    Ambiguous,
    /// Nothing fits: waiting for the organiser.
    Unmatched,
    /// The organiser named their registration.
    Resolved,
    /// The organiser said they are nobody registered.
    Dismissed,
}

impl RowStatus {
    pub const ALL: [RowStatus; 5] = [
        RowStatus::Matched,
        RowStatus::Ambiguous,
        RowStatus::Unmatched,
        RowStatus::Resolved,
        RowStatus::Dismissed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RowStatus::Matched => "matched",
            RowStatus::Ambiguous => "ambiguous",
            RowStatus::Unmatched => "unmatched",
            RowStatus::Resolved => "resolved",
            RowStatus::Dismissed => "dismissed",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == value)
    }

    /// Whether the row waits for the organiser (and so may keep the platform's name).
    pub fn waiting(self) -> bool {
        matches!(self, RowStatus::Ambiguous | RowStatus::Unmatched)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    One { registration: Uuid, by: MatchedBy },
    Several(Vec<Uuid>),
    Nobody,
}

/// One person of a participant list, their rows summed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// The line of their first row.
    pub line: u32,
    /// Whole minutes of all their rows together.
    pub minutes: i32,
    pub found: Found,
    /// As the platform wrote them (from their first row), for the organiser's review.
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

impl Person {
    pub fn status(&self) -> RowStatus {
        match self.found {
            Found::One { .. } => RowStatus::Matched,
            Found::Several(_) => RowStatus::Ambiguous,
            Found::Nobody => RowStatus::Unmatched,
        }
    }
}

/// The minutes someone must stay to count as attended: the import's own, else the event's
/// minimum (`domain::attendance::min_minutes`, the one event reads and reports show).
pub fn min_minutes(
    asked: Option<i32>,
    event_setting: Option<i32>,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
) -> i32 {
    asked.unwrap_or_else(|| crate::domain::attendance::min_minutes(event_setting, starts_at, ends_at))
}

/// When a participant list may be imported: once the event has started (a list can only say
/// who came), with no end: the export is often downloaded days later, and until the
/// retention purge the registrations it is matched against are there. Never for a cancelled
/// event.
pub fn may_import(status: EventStatus, starts_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), Refusal> {
    if status == EventStatus::Cancelled {
        return Err(Refusal::EventCancelled);
    }
    if now < starts_at {
        return Err(Refusal::EventNotStarted { starts_at });
    }
    Ok(())
}

/// The forms of a platform's display name worth looking up: as written, and for
/// `Shown (Other)` (Zoom's "Name (Original Name)", Teams' "(Guest)") each part alone.
fn name_forms(name: &str) -> Vec<String> {
    let mut forms = vec![name_key(name)];
    if let Some(open) = name.trim_end().strip_suffix(')').and_then(|rest| rest.rfind('(').map(|i| (rest, i)))
    {
        let (rest, i) = open;
        forms.push(name_key(&rest[..i]));
        forms.push(name_key(&rest[i + 1..]));
    }
    forms.retain(|form| !form.is_empty());
    forms
}

struct Index {
    by_email: HashMap<String, Vec<Uuid>>,
    by_phone: HashMap<String, Vec<Uuid>>,
    by_name: HashMap<String, Vec<Uuid>>,
}

impl Index {
    fn of(candidates: &[Candidate]) -> Self {
        let mut index = Index { by_email: HashMap::new(), by_phone: HashMap::new(), by_name: HashMap::new() };
        for candidate in candidates {
            if let Some(email) = &candidate.email_normalised {
                index.by_email.entry(email.clone()).or_default().push(candidate.id);
            }
            if let Some(phone) = &candidate.phone_digits {
                index.by_phone.entry(phone.clone()).or_default().push(candidate.id);
            }
            if let Some(name) = candidate.full_name.as_deref().map(name_key).filter(|k| !k.is_empty()) {
                index.by_name.entry(name).or_default().push(candidate.id);
            }
        }
        index
    }

    fn find(&self, row: &ListRow) -> Found {
        let exact = [
            (row.email.as_ref().map(|e| e.normalised()), &self.by_email, MatchedBy::Email),
            (row.phone.as_ref().map(|p| p.digits().to_owned()), &self.by_phone, MatchedBy::Phone),
        ];
        for (key, index, by) in exact {
            match key.and_then(|key| index.get(&key)).map(Vec::as_slice) {
                Some([registration]) => return Found::One { registration: *registration, by },
                Some(several @ [_, _, ..]) => return Found::Several(sorted(several.to_vec())),
                _ => {}
            }
        }
        let mut named: Vec<Uuid> = row
            .name
            .as_deref()
            .map(name_forms)
            .unwrap_or_default()
            .iter()
            .filter_map(|form| self.by_name.get(form))
            .flatten()
            .copied()
            .collect();
        named = sorted(named);
        match named[..] {
            [] => Found::Nobody,
            [registration] => Found::One { registration, by: MatchedBy::Name },
            _ => Found::Several(named),
        }
    }
}

fn sorted(mut ids: Vec<Uuid>) -> Vec<Uuid> {
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Which rows are one person: the same registration, else the same platform identity.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Registration(Uuid),
    Email(String),
    Phone(String),
    Name(String),
}

/// The people of a participant list, each matched to a registration or waiting for the
/// organiser, in the order of their first line.
pub fn match_rows(rows: &[ListRow], candidates: &[Candidate]) -> Vec<Person> {
    let index = Index::of(candidates);
    let mut people: Vec<(Person, u64)> = Vec::new();
    let mut positions: HashMap<Key, usize> = HashMap::new();
    for row in rows {
        let found = index.find(row);
        let key = match (&found, &row.email, &row.phone) {
            (Found::One { registration, .. }, _, _) => Key::Registration(*registration),
            (_, Some(email), _) => Key::Email(email.normalised()),
            (_, None, Some(phone)) => Key::Phone(phone.digits().to_owned()),
            (_, None, None) => Key::Name(row.name.as_deref().map(name_key).unwrap_or_default()),
        };
        match positions.get(&key) {
            Some(&at) => people[at].1 += row.seconds,
            None => {
                positions.insert(key, people.len());
                let person = Person {
                    line: row.line,
                    minutes: 0,
                    found,
                    name: row.name.clone(),
                    email: row.email.as_ref().map(|e| e.as_str().to_owned()),
                    phone: row.phone.as_ref().map(|p| p.as_str().to_owned()),
                };
                people.push((person, row.seconds));
            }
        }
    }
    people
        .into_iter()
        .map(|(person, seconds)| Person {
            minutes: i32::try_from(seconds / 60).unwrap_or(i32::MAX),
            ..person
        })
        .collect()
}

/// The counts of an import, from its rows: (registration, minutes, checked in by this
/// import) for each row that names a registration.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Registrations found.
    pub matched: usize,
    /// Of them, checked in by this import.
    pub checked_in: usize,
    /// Of them, who stayed long enough but had been checked in before (at the door, by
    /// hand, by another import): their check-in is left as it was.
    pub already_checked_in: usize,
    /// Of them, who stayed less than the minimum.
    pub below_minimum: usize,
}

pub fn tally(rows: impl IntoIterator<Item = (Uuid, i32, bool)>, min_minutes: i32) -> Tally {
    let mut by_registration: HashMap<Uuid, (i64, bool)> = HashMap::new();
    for (registration, minutes, checked_in) in rows {
        let entry = by_registration.entry(registration).or_default();
        entry.0 += i64::from(minutes);
        entry.1 |= checked_in;
    }
    let mut tally = Tally { matched: by_registration.len(), ..Tally::default() };
    for (minutes, checked_in) in by_registration.into_values() {
        if checked_in {
            tally.checked_in += 1;
        } else if minutes < i64::from(min_minutes) {
            tally.below_minimum += 1;
        } else {
            tally.already_checked_in += 1;
        }
    }
    tally
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::contact::{Email, Phone};
    use crate::domain::participant_list::{parse, ListFormat};
    use chrono::TimeZone;

    fn candidate(n: u128, name: &str, email: Option<&str>, phone: Option<&str>) -> Candidate {
        Candidate {
            id: Uuid::from_u128(n),
            email_normalised: email.map(|e| Email::parse(e).unwrap().normalised()),
            phone_digits: phone.map(|p| Phone::parse(p).unwrap().digits().to_owned()),
            full_name: Some(name.to_owned()),
        }
    }

    /// The people registered online for the roundtable of the fixtures.
    fn roundtable() -> Vec<Candidate> {
        vec![
            candidate(1, "Amina Haddad", Some("amina.haddad@example.org"), None),
            candidate(2, "Karim Benali", None, Some("+34 600 111 222")),
            candidate(3, "Álvaro Ruiz Gómez", None, None),
            candidate(4, "Ana López", None, Some("+34 600 444 444")),
            candidate(5, "ana lopez", None, Some("+34 600 555 555")),
            candidate(6, "Fatima Zahra", None, None),
            candidate(7, "Youssef El Amrani", None, None),
        ]
    }

    fn outcome(people: &[Person]) -> Vec<(u32, i32, Found)> {
        people.iter().map(|p| (p.line, p.minutes, p.found.clone())).collect()
    }

    fn one(n: u128, by: MatchedBy) -> Found {
        Found::One { registration: Uuid::from_u128(n), by }
    }

    #[test]
    fn a_zoom_list_matches_by_email_then_phone_then_a_name_that_names_one_person() {
        let list = parse(include_bytes!("../../tests/fixtures/attendance/zoom.csv"), Some(ListFormat::Zoom))
            .unwrap();
        let people = match_rows(&list.rows, &roundtable());
        assert_eq!(
            outcome(&people),
            [
                (5, 186, Found::Nobody),
                (6, 121, one(1, MatchedBy::Email)),
                (7, 51, one(2, MatchedBy::Phone)),
                (8, 75, one(3, MatchedBy::Name)),
                (10, 90, Found::Several(vec![Uuid::from_u128(4), Uuid::from_u128(5)])),
                (11, 20, one(6, MatchedBy::Name)),
                (12, 150, one(7, MatchedBy::Name)),
                (13, 100, Found::Nobody),
                (14, 60, Found::Nobody),
            ],
            "the rejoin on line 9 is summed into line 8"
        );
        assert_eq!(people[0].name.as_deref(), Some("CEPAIM Soria"));
        assert_eq!(people[0].email.as_deref(), Some("host@cepaim.example"));
        assert_eq!(people[4].status(), RowStatus::Ambiguous);
    }

    #[test]
    fn a_teams_list_matches_names_with_the_guest_mark() {
        let list = parse(include_bytes!("../../tests/fixtures/attendance/teams.csv"), None).unwrap();
        let people = match_rows(&list.rows, &roundtable());
        let found: Vec<Found> = people.into_iter().map(|p| p.found).collect();
        assert_eq!(
            found,
            [
                Found::Nobody,
                one(1, MatchedBy::Email),
                one(2, MatchedBy::Name),
                one(3, MatchedBy::Name),
                one(6, MatchedBy::Name),
                Found::Nobody,
            ]
        );
    }

    #[test]
    fn nothing_is_guessed_from_part_of_a_name_and_an_unknown_email_falls_back_to_the_name() {
        let rows = parse(
            "name,email,minutes\nAmina,,50\nHaddad Amina,someone.else@example.org,50\n".as_bytes(),
            Some(ListFormat::Generic),
        )
        .unwrap()
        .rows;
        let people = match_rows(&rows, &roundtable());
        assert_eq!(people[0].found, Found::Nobody, "a first name alone is nobody in particular");
        assert_eq!(people[1].found, one(1, MatchedBy::Name));
    }

    #[test]
    fn unmatched_rejoins_of_one_platform_identity_are_one_person() {
        let rows = parse(
            "name,email,minutes\niPhone,,10\nIPHONE,,15\nGuest,guest@example.org,5\nguest 2,GUEST@example.org,5\n"
                .as_bytes(),
            None,
        )
        .unwrap()
        .rows;
        let people = match_rows(&rows, &roundtable());
        assert_eq!(outcome(&people), [(2, 25, Found::Nobody), (4, 10, Found::Nobody)]);
    }

    #[test]
    fn the_minimum_is_the_imports_else_the_events_else_a_quarter_of_its_length() {
        let starts = Utc.with_ymd_and_hms(2021, 11, 24, 9, 0, 0).unwrap();
        let ends = starts + chrono::Duration::hours(3);
        assert_eq!(min_minutes(Some(30), Some(60), starts, ends), 30);
        assert_eq!(min_minutes(None, Some(60), starts, ends), 60);
        assert_eq!(min_minutes(None, None, starts, ends), 45);
        assert_eq!(min_minutes(None, None, starts, starts + chrono::Duration::minutes(2)), 1);
        assert_eq!(
            min_minutes(None, None, starts, starts + chrono::Duration::minutes(110)),
            28,
            "a quarter rounded up, as the event's effective minimum"
        );
    }

    #[test]
    fn the_import_opens_at_the_start_and_does_not_close() {
        let now = Utc::now();
        let published = EventStatus::Published;
        assert!(may_import(published, now - chrono::Duration::days(30), now).is_ok());
        assert!(may_import(published, now, now).is_ok());
        let soon = now + chrono::Duration::minutes(1);
        assert_eq!(may_import(published, soon, now), Err(Refusal::EventNotStarted { starts_at: soon }));
        assert_eq!(
            may_import(EventStatus::Cancelled, now - chrono::Duration::days(1), now),
            Err(Refusal::EventCancelled)
        );
    }

    #[test]
    fn a_tally_sums_the_rows_of_each_registration() {
        let (a, b, c, d) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3), Uuid::from_u128(4));
        let rows =
            [(a, 30, true), (a, 30, false), (b, 20, false), (b, 20, false), (c, 10, false), (d, 50, false)];
        assert_eq!(
            tally(rows, 45),
            Tally { matched: 4, checked_in: 1, already_checked_in: 1, below_minimum: 2 }
        );
    }

    #[test]
    fn statuses_and_match_kinds_read_back_what_they_write() {
        for status in RowStatus::ALL {
            assert_eq!(RowStatus::parse(status.as_str()), Some(status));
        }
        for by in MatchedBy::ALL {
            assert_eq!(MatchedBy::parse(by.as_str()), Some(by));
            assert_eq!(serde_json::to_value(by).unwrap(), by.as_str());
        }
    }
}
