//! The iCalendar entry of an event.

use icalendar::{Calendar, Component, EventLike, EventStatus as IcsStatus};

use crate::db::events::EventRow;
use crate::domain::events::EventStatus;

pub fn render(row: &EventRow) -> String {
    let mut event = icalendar::Event::new();
    event
        .uid(&format!("{}@hybrid-events", row.id))
        .summary(&row.title)
        .starts(row.starts_at)
        .ends(row.ends_at)
        .timestamp(row.updated_at);
    let mut description = row.description.clone().unwrap_or_default();
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
        let location: Vec<&str> =
            [row.onsite_venue_name.as_deref(), row.onsite_address.as_deref()].into_iter().flatten().collect();
        if !location.is_empty() {
            event.location(&location.join(", "));
        }
    }
    if row.status == EventStatus::Cancelled {
        event.status(IcsStatus::Cancelled);
    } else {
        event.status(IcsStatus::Confirmed);
    }
    Calendar::new().name(&row.title).push(event.done()).done().to_string()
}
