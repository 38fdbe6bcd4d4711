//! The iCalendar entries of an event, and of one person's registration for it.
//!
//! Every text that reaches a property passes through [`one_line`] or [`multi_line`] first, so
//! no value can hold a raw CR or LF whatever is stored (a title from before one-line fields
//! were checked, a row written by hand): the icalendar crate escapes LF in TEXT values but
//! leaves CR as it is, and writes `NAME` (which it does not know as TEXT) unescaped.

use icalendar::{Calendar, Component, EventLike, EventStatus as IcsStatus, Property};

use crate::db::events::EventRow;
use crate::db::registrations::RegistrationRow;
use crate::domain::events::EventStatus;
use crate::domain::registrations::RegistrationStatus;
use crate::domain::text::is_refused_in_line;
use crate::views::registrations::RegistrationPlace;

/// Who wrote the calendar (RFC 5545 3.7.3), with the version, so that a bad entry in someone's
/// calendar can be traced to the release that wrote it.
pub const PRODID: &str = concat!("-//hybrid-events//hybrid-events ", env!("CARGO_PKG_VERSION"), "//EN");

/// What lets a calendar program that imported an entry before replace it with this one.
#[derive(Debug, Clone, Copy)]
pub struct Revision<'a> {
    /// Grows with each change of time or place (`app::events::schedule_sequence`).
    pub sequence: u32,
    /// The API address of the event.
    pub event_url: &'a str,
}

/// The entry every calendar of an event starts from: its title, times and revision. `stamp`
/// is when the entry last changed (DTSTAMP and LAST-MODIFIED).
fn entry(
    uid: String,
    title: &str,
    row: &EventRow,
    stamp: chrono::DateTime<chrono::Utc>,
    revision: Revision,
) -> icalendar::Event {
    let mut event = icalendar::Event::new();
    event
        .uid(&uid)
        .summary(title)
        .starts(row.starts_at)
        .ends(row.ends_at)
        .timestamp(stamp)
        .last_modified(stamp)
        .sequence(revision.sequence)
        .url(&one_line(revision.event_url));
    event
}

/// The API address of an event, from the service's public base URL.
pub fn event_url(public_base_url: &str, row: &EventRow) -> String {
    format!("{public_base_url}/api/v1/events/{}", row.id)
}

/// The calendar holding `event`, named after it.
fn calendar(title: &str, event: icalendar::Event) -> String {
    Calendar::empty()
        .append_property(Property::new("VERSION", "2.0"))
        .append_property(Property::new("PRODID", PRODID))
        .append_property(Property::new("CALSCALE", "GREGORIAN"))
        // What `Calendar::name` writes, with `NAME` escaped as the TEXT it is (RFC 7986).
        .append_property(Property::new("NAME", escape_text(title)))
        .append_property(Property::new("X-WR-CALNAME", title))
        .push(event)
        .done()
        .to_string()
}

pub fn render(row: &EventRow, revision: Revision) -> String {
    let title = one_line(&row.title);
    let mut event = entry(format!("{}@hybrid-events", row.id), &title, row, row.updated_at, revision);
    let mut description = row.description.as_deref().map(multi_line).unwrap_or_default();
    if row.online_offered {
        if !description.is_empty() {
            description.push_str("\n\n");
        }
        description
            .push_str("Online attendance: the join link is sent with a confirmed online registration.");
    }
    if !description.is_empty() {
        event.description(&description);
    }
    if row.onsite_offered {
        let location: Vec<String> = [row.onsite_venue_name.as_deref(), row.onsite_address.as_deref()]
            .into_iter()
            .flatten()
            .map(one_line)
            .collect();
        if !location.is_empty() {
            event.location(&location.join(", "));
        }
    }
    if row.status == EventStatus::Cancelled {
        event.status(IcsStatus::Cancelled);
    } else {
        event.status(IcsStatus::Confirmed);
    }
    calendar(&title, event.done())
}

/// One person's entry for the event they registered for: where they go (`place`, as the
/// registration reads show it) or, once confirmed online, the join link (`join_url`, given
/// only when the registration may show it). Nothing about the person: an entry gets
/// forwarded, so it names neither them nor their needs.
///
/// STATUS: `CANCELLED` when the registration or the event is cancelled, `TENTATIVE` while
/// waitlisted (the time is held, the seat is not), `CONFIRMED` otherwise. The UID is the
/// registration's, so a calendar that imports the entry again updates it. URL is the join link
/// when given, else the event's.
pub fn render_registration(
    registration: &RegistrationRow,
    row: &EventRow,
    place: Option<&RegistrationPlace>,
    join_url: Option<&str>,
    revision: Revision,
) -> String {
    let title = one_line(&row.title);
    let stamp = registration.updated_at.max(row.updated_at);
    let uid = format!("registration-{}@hybrid-events", registration.id);
    let mut event = entry(uid, &title, row, stamp, revision);
    let status = if registration.status == RegistrationStatus::Cancelled
        || row.status == EventStatus::Cancelled
    {
        IcsStatus::Cancelled
    } else if matches!(registration.status, RegistrationStatus::Waitlisted | RegistrationStatus::Offered) {
        IcsStatus::Tentative
    } else {
        IcsStatus::Confirmed
    };
    let mut about: Vec<String> = Vec::new();
    match status {
        IcsStatus::Cancelled => about.push("Cancelled.".to_owned()),
        IcsStatus::Tentative => about.push(match registration.offer_expires_at {
            Some(deadline) => format!(
                "A seat is offered: it is kept until {} UTC, and confirmed once accepted.",
                deadline.format("%Y-%m-%d %H:%M")
            ),
            None => "On the waiting list: a seat is not confirmed yet.".to_owned(),
        }),
        _ => {}
    }
    if let Some(place) = place {
        let address = place.full_address();
        let location: Vec<String> =
            [place.name.as_deref(), address.as_deref()].into_iter().flatten().map(one_line).collect();
        if !location.is_empty() {
            event.location(&location.join(", "));
        }
        if let Some(phone) = &place.contact_phone {
            about.push(format!("Contact at the place: {}", one_line(phone)));
        }
    } else if let Some(url) = join_url {
        let url = one_line(url);
        event.location(&url).url(&url);
        about.push(format!("Join online: {url}"));
    } else {
        event.location("Online");
    }
    if let Some(description) = row.description.as_deref().map(multi_line) {
        about.push(description);
    }
    if !about.is_empty() {
        event.description(&about.join("\n\n"));
    }
    event.status(status);
    calendar(&title, event.done())
}

/// A one-line value: each control character, line or paragraph separator becomes a space.
fn one_line(value: &str) -> String {
    value.chars().map(|c| if is_refused_in_line(c) { ' ' } else { c }).collect()
}

/// A multi-line value: every kind of line break becomes LF (which the crate writes as the
/// escape `\n`), tabs stay, and other control characters are dropped.
fn multi_line(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                chars.next_if_eq(&'\n');
                out.push('\n');
            }
            '\n' | '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{b}' | '\u{c}' => out.push('\n'),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// RFC 5545 3.3.11 TEXT escaping, for the property the crate leaves as it is.
fn escape_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use uuid::Uuid;

    use super::*;
    use crate::domain::actors::ActorKind;
    use crate::domain::places::PlaceKind;
    use crate::domain::seats::Mode;

    const REVISION: Revision =
        Revision { sequence: 2, event_url: "https://events.example.org/api/v1/events/x" };

    fn row(title: &str) -> EventRow {
        let starts_at = Utc.with_ymd_and_hms(2026, 12, 3, 9, 0, 0).unwrap();
        EventRow {
            id: Uuid::nil(),
            organisation_id: Uuid::nil(),
            title: title.to_owned(),
            description: Some("Agenda\r\nURL:http://evil\rBEGIN:VALARM\u{2028}END:VALARM\u{7}".into()),
            region: "Soria".into(),
            series: None,
            starts_at,
            ends_at: starts_at + chrono::Duration::hours(3),
            timezone: "Europe/Madrid".into(),
            languages: vec!["es".into()],
            status: EventStatus::Published,
            registration_closes_at: None,
            online_offered: true,
            online_join_url: Some("https://meet.example.org/abc".into()),
            online_capacity: None,
            onsite_offered: true,
            onsite_venue_name: Some("CEPAIM\nORGANIZER:mailto:x@evil".into()),
            onsite_address: Some("Calle Example 1\r\nATTACH:http://evil".into()),
            onsite_capacity: Some(10),
            onsite_reserved: 3,
            online_confirmed: 0,
            online_waitlisted: 0,
            onsite_confirmed: 0,
            onsite_confirmed_physical_space: 0,
            onsite_waitlisted: 0,
            created_at: starts_at,
            updated_at: starts_at,
            published_at: Some(starts_at),
            onsite_waitlisted_physical_space: 0,
            retention_days: None,
            online_attendance_min_minutes: None,
            contact_phone: None,
            reminders_hours_before: vec![48, 3],
            translations: serde_json::json!({}),
            waitlist_promotion: crate::domain::offers::WaitlistPromotion::Automatic,
            offer_hours: 48,
            series_id: None,
            group_reservations: serde_json::json!([]),
        }
    }

    /// The content lines of `ics` (RFC 5545 3.1: lines end in CRLF, a line that starts
    /// with a space continues the one before), after checking that CR and LF appear only as
    /// line ends.
    fn content_lines(ics: &str) -> Vec<String> {
        let body = ics.strip_suffix("\r\n").expect("ends with CRLF");
        let mut lines: Vec<String> = Vec::new();
        for physical in body.split("\r\n") {
            assert!(!physical.contains(['\r', '\n']), "a bare CR or LF in {physical:?}");
            match physical.strip_prefix(' ') {
                Some(continued) => lines.last_mut().expect("a first line").push_str(continued),
                None => lines.push(physical.to_owned()),
            }
        }
        lines
    }

    fn name(line: &str) -> &str {
        line.split([':', ';']).next().unwrap()
    }

    /// Every content line is one of the properties the writer writes, in one event.
    fn assert_well_formed(ics: &str) -> Vec<String> {
        const WRITTEN: [&str; 18] = [
            "BEGIN",
            "END",
            "VERSION",
            "PRODID",
            "CALSCALE",
            "NAME",
            "X-WR-CALNAME",
            "UID",
            "SUMMARY",
            "DTSTART",
            "DTEND",
            "DTSTAMP",
            "DESCRIPTION",
            "LOCATION",
            "STATUS",
            "URL",
            "SEQUENCE",
            "LAST-MODIFIED",
        ];
        let lines = content_lines(ics);
        for line in &lines {
            assert!(line.contains(':') && WRITTEN.contains(&name(line)), "{line:?} in\n{ics}");
        }
        let begins: Vec<&str> = lines.iter().filter(|l| name(l) == "BEGIN").map(|l| l.as_str()).collect();
        let ends: Vec<&str> = lines.iter().filter(|l| name(l) == "END").map(|l| l.as_str()).collect();
        assert_eq!(begins, ["BEGIN:VCALENDAR", "BEGIN:VEVENT"], "{ics}");
        assert_eq!(ends, ["END:VEVENT", "END:VCALENDAR"], "{ics}");
        lines
    }

    #[test]
    fn a_title_with_line_breaks_cannot_add_properties_or_components() {
        let ics =
            render(&row("Roundtable\r\nURL:http://evil\r\nBEGIN:VALARM\nACTION:AUDIO\u{2028}X"), REVISION);
        let lines = assert_well_formed(&ics);
        let url = format!("URL:{}", REVISION.event_url);
        assert!(
            !lines.iter().any(|l| l.starts_with("URL:") && *l != url || l.starts_with("BEGIN:VALARM")),
            "{ics}"
        );
        let flattened = "Roundtable  URL:http://evil  BEGIN:VALARM ACTION:AUDIO X";
        assert!(lines.contains(&format!("SUMMARY:{flattened}")), "{ics}");
        assert!(lines.contains(&format!("NAME:{flattened}")), "{ics}");
    }

    #[test]
    fn the_description_keeps_its_line_breaks_as_escapes() {
        let lines = content_lines(&render(&row("Roundtable"), REVISION));
        let description = lines.iter().find(|l| l.starts_with("DESCRIPTION:")).unwrap();
        assert_eq!(
            description,
            "DESCRIPTION:Agenda\\nURL:http://evil\\nBEGIN:VALARM\\nEND:VALARM\\n\\nOnline attendance: the \
             join link is sent with a confirmed online registration."
        );
        let location = lines.iter().find(|l| l.starts_with("LOCATION:")).unwrap();
        assert_eq!(
            location,
            "LOCATION:CEPAIM ORGANIZER:mailto:x@evil\\, Calle Example 1  ATTACH:http://evil"
        );
    }

    #[test]
    fn the_entry_says_who_wrote_it_which_revision_it_is_and_where_the_event_is() {
        let mut event = row("Roundtable");
        event.updated_at = Utc.with_ymd_and_hms(2026, 11, 30, 8, 15, 30).unwrap();
        let lines = assert_well_formed(&render(&event, REVISION));
        assert_eq!(
            value(&lines, "PRODID"),
            Some(concat!("-//hybrid-events//hybrid-events ", env!("CARGO_PKG_VERSION"), "//EN"))
        );
        assert_eq!(lines.iter().filter(|l| name(l) == "PRODID").count(), 1);
        assert_eq!(value(&lines, "SEQUENCE"), Some("2"));
        assert_eq!(value(&lines, "LAST-MODIFIED"), Some("20261130T081530Z"));
        assert_eq!(value(&lines, "URL"), Some(REVISION.event_url));
        assert_eq!(
            event_url("https://events.example.org", &event),
            "https://events.example.org/api/v1/events/00000000-0000-0000-0000-000000000000"
        );
    }

    #[test]
    fn the_calendar_name_is_escaped_text() {
        let lines = content_lines(&render(&row("Soria; Teruel, and \\ Cuenca"), REVISION));
        assert!(lines.contains(&"NAME:Soria\\; Teruel\\, and \\\\ Cuenca".to_owned()), "{lines:?}");
        assert!(lines.contains(&"X-WR-CALNAME:Soria\\; Teruel\\, and \\\\ Cuenca".to_owned()), "{lines:?}");
        assert!(lines.contains(&"SUMMARY:Soria\\; Teruel\\, and \\\\ Cuenca".to_owned()), "{lines:?}");
    }

    fn registration(status: RegistrationStatus, mode: Mode) -> RegistrationRow {
        let at = Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap();
        RegistrationRow {
            id: Uuid::from_u128(7),
            seq: 1,
            event_id: Uuid::nil(),
            status,
            attendance_mode: mode,
            needs_physical_space: true,
            needs_transport: true,
            interpretation_language: Some("ar".into()),
            accessibility_notes: Some("Wheelchair".into()),
            accept_online_fallback: false,
            fallback_applied: false,
            interests: vec![],
            full_name: Some("Amina Haddad".into()),
            email: Some("amina@example.org".into()),
            phone: Some("+34 600 000 000".into()),
            organisation_name: None,
            preferred_language: Some("ar".into()),
            stakeholder_category: "refugee".into(),
            checked_in_at: None,
            created_by: Uuid::nil(),
            created_by_kind: ActorKind::User,
            created_at: at,
            updated_at: at,
            erased_at: None,
            place_id: None,
            acceptable_place_ids: vec![],
            check_in_source: None,
            check_in_minutes: None,
            no_show_reason: None,
            offer_expires_at: None,
            person_code: None,
            barriers: Default::default(),
        }
    }

    fn almazan(text: &str) -> RegistrationPlace {
        RegistrationPlace {
            id: Some(Uuid::from_u128(9)),
            kind: PlaceKind::Hosted,
            name: Some(format!("Centro cívico{text}")),
            address: Some(format!("Plaza Mayor 1{text}")),
            municipality: Some(format!("Almazán{text}")),
            contact_phone: Some(format!("+34 975 000 000{text}")),
            language: None,
            translations: Default::default(),
        }
    }

    fn value<'l>(lines: &'l [String], name: &str) -> Option<&'l str> {
        lines.iter().find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
    }

    #[test]
    fn a_registration_at_a_place_is_located_there_and_names_no_one() {
        let row = registration(RegistrationStatus::Confirmed, Mode::Onsite);
        let ics = render_registration(&row, &row_of_event(), Some(&almazan("")), None, REVISION);
        let lines = assert_well_formed(&ics);
        assert_eq!(value(&lines, "LOCATION"), Some("Centro cívico\\, Plaza Mayor 1\\, Almazán"), "{ics}");
        assert_eq!(value(&lines, "STATUS"), Some("CONFIRMED"));
        assert_eq!(value(&lines, "URL"), Some(REVISION.event_url), "the event's, with no join link");
        assert_eq!(
            value(&lines, "UID"),
            Some("registration-00000000-0000-0000-0000-000000000007@hybrid-events")
        );
        assert!(value(&lines, "DESCRIPTION")
            .unwrap()
            .starts_with("Contact at the place: +34 975 000 000\\n"));
        for personal in ["Amina", "amina@", "600 000", "Wheelchair"] {
            assert!(!ics.contains(personal), "{personal} in {ics}");
        }
    }

    #[test]
    fn an_address_that_names_its_municipality_is_not_followed_by_it_again() {
        let row = registration(RegistrationStatus::Confirmed, Mode::Onsite);
        let mut place = almazan("");
        place.address = Some("Plaza Mayor 1, Almazán".into());
        let lines = content_lines(&render_registration(&row, &row_of_event(), Some(&place), None, REVISION));
        assert_eq!(value(&lines, "LOCATION"), Some("Centro cívico\\, Plaza Mayor 1\\, Almazán"));
    }

    #[test]
    fn the_status_follows_the_registration_and_the_event() {
        let place = almazan("");
        let status = |registration_status, event_status| {
            let mut event = row_of_event();
            event.status = event_status;
            let row = registration(registration_status, Mode::Onsite);
            let lines = content_lines(&render_registration(&row, &event, Some(&place), None, REVISION));
            value(&lines, "STATUS").map(str::to_owned)
        };
        assert_eq!(
            status(RegistrationStatus::Confirmed, EventStatus::Published).as_deref(),
            Some("CONFIRMED")
        );
        assert_eq!(
            status(RegistrationStatus::Waitlisted, EventStatus::Published).as_deref(),
            Some("TENTATIVE")
        );
        assert_eq!(
            status(RegistrationStatus::Cancelled, EventStatus::Published).as_deref(),
            Some("CANCELLED")
        );
        assert_eq!(
            status(RegistrationStatus::Waitlisted, EventStatus::Cancelled).as_deref(),
            Some("CANCELLED")
        );
    }

    #[test]
    fn online_shows_the_join_link_only_when_given() {
        let row = registration(RegistrationStatus::Confirmed, Mode::Online);
        let link = "https://meet.example.org/abc";
        let lines =
            assert_well_formed(&render_registration(&row, &row_of_event(), None, Some(link), REVISION));
        assert_eq!(value(&lines, "URL"), Some(link));
        assert_eq!(value(&lines, "LOCATION"), Some(link));
        let row = registration(RegistrationStatus::Waitlisted, Mode::Online);
        let ics = render_registration(&row, &row_of_event(), None, None, REVISION);
        let lines = assert_well_formed(&ics);
        assert_eq!(value(&lines, "URL"), Some(REVISION.event_url));
        assert_eq!(value(&lines, "LOCATION"), Some("Online"));
        assert!(!ics.contains("meet.example.org"), "{ics}");
    }

    #[test]
    fn no_control_character_in_a_place_breaks_a_line() {
        for c in (0u32..0x20).chain(0x7f..0xa0).chain([0x2028, 0x2029]).filter_map(char::from_u32) {
            let text = format!("a{c}b{c}\r\n{c}END:VEVENT");
            let row = registration(RegistrationStatus::Confirmed, Mode::Onsite);
            assert_well_formed(&render_registration(
                &row,
                &row_of_event(),
                Some(&almazan(&text)),
                None,
                REVISION,
            ));
            let row = registration(RegistrationStatus::Confirmed, Mode::Online);
            assert_well_formed(&render_registration(&row, &row_of_event(), None, Some(&text), REVISION));
        }
    }

    fn row_of_event() -> EventRow {
        row("Roundtable")
    }

    #[test]
    fn no_control_character_in_any_field_breaks_a_line() {
        for c in (0u32..0x20).chain(0x7f..0xa0).chain([0x2028, 0x2029]).filter_map(char::from_u32) {
            let text = format!("a{c}b{c}\r\n{c}END:VEVENT");
            let mut event = row(&text);
            event.description = Some(text.clone());
            event.onsite_venue_name = Some(text.clone());
            event.onsite_address = Some(text.clone());
            assert_well_formed(&render(&event, REVISION));
        }
    }
}
