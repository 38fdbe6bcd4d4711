//! Reaching the participant: the rules of outreach items. A change that matters to a person
//! (`app::transition`) becomes an item for whoever can reach them; these functions decide how
//! (the channel), in which language, and what a partner's report of an attempt does to it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::history::FieldChange;

/// What happened that the person must hear about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(example = "promoted")]
pub enum OutreachKind {
    /// Registered with a seat.
    Confirmed,
    /// Registered on the waitlist: no seat yet.
    Waitlisted,
    /// Given a seat that freed up.
    Promoted,
    /// Asked for a seat onsite, given one online (they accepted that fallback).
    MovedOnline,
    /// Moved to another place of the event (the main venue is one).
    PlaceChanged,
    /// Moved between online and onsite.
    ModeChanged,
    /// The registration was cancelled by someone other than the partner who made it.
    RegistrationCancelled,
    /// The event's time, venue or join link changed.
    EventChanged,
    EventCancelled,
    /// The event is near (`reminders_hours_before`), for confirmed people.
    Reminder,
    /// Offered a seat that freed up, until a deadline (`offer_expires_at`): they accept or
    /// decline it.
    Offered,
    /// The offer expired unanswered: the seat went to the next person, and the registration
    /// was cancelled.
    OfferExpired,
}

impl OutreachKind {
    pub const ALL: [OutreachKind; 12] = [
        OutreachKind::Confirmed,
        OutreachKind::Waitlisted,
        OutreachKind::Promoted,
        OutreachKind::MovedOnline,
        OutreachKind::PlaceChanged,
        OutreachKind::ModeChanged,
        OutreachKind::RegistrationCancelled,
        OutreachKind::EventChanged,
        OutreachKind::EventCancelled,
        OutreachKind::Reminder,
        OutreachKind::Offered,
        OutreachKind::OfferExpired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OutreachKind::Confirmed => "confirmed",
            OutreachKind::Waitlisted => "waitlisted",
            OutreachKind::Promoted => "promoted",
            OutreachKind::MovedOnline => "moved_online",
            OutreachKind::PlaceChanged => "place_changed",
            OutreachKind::ModeChanged => "mode_changed",
            OutreachKind::RegistrationCancelled => "registration_cancelled",
            OutreachKind::EventChanged => "event_changed",
            OutreachKind::EventCancelled => "event_cancelled",
            OutreachKind::Reminder => "reminder",
            OutreachKind::Offered => "offered",
            OutreachKind::OfferExpired => "offer_expired",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == value)
    }

    /// Whether the person should be spoken to rather than sent a text: the change asks
    /// something of them (to go elsewhere, at another time, or not at all), or they may want
    /// to answer (a seat given, which they can still decline).
    fn needs_a_conversation(self) -> bool {
        match self {
            OutreachKind::Confirmed | OutreachKind::Waitlisted | OutreachKind::Reminder => false,
            OutreachKind::Promoted
            | OutreachKind::MovedOnline
            | OutreachKind::PlaceChanged
            | OutreachKind::ModeChanged
            | OutreachKind::RegistrationCancelled
            | OutreachKind::EventChanged
            | OutreachKind::EventCancelled
            | OutreachKind::Offered
            | OutreachKind::OfferExpired => true,
        }
    }
}

/// How the person is best reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(example = "phone")]
pub enum Channel {
    Email,
    Sms,
    /// A call.
    Phone,
    /// Face to face, by the partner who registered them: no contact details, or no consent to
    /// be contacted.
    InPerson,
}

/// What can reach a person: the contact details they left and whether they agreed to be
/// contacted (the `contact` consent purpose).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reachable {
    pub email: bool,
    pub phone: bool,
    pub consented_to_contact: bool,
}

/// The channel of an item of `kind` for a person. Without consent to be contacted, only the
/// partner who registered them may speak to them, in person: their email and phone are not
/// used. With it: email when they have one; else a call for a change that needs a
/// conversation and a text for one that does not; else in person.
pub fn channel(kind: OutreachKind, reachable: Reachable) -> Channel {
    match reachable {
        Reachable { consented_to_contact: false, .. } => Channel::InPerson,
        Reachable { email: true, .. } => Channel::Email,
        Reachable { phone: true, .. } if kind.needs_a_conversation() => Channel::Phone,
        Reachable { phone: true, .. } => Channel::Sms,
        Reachable { .. } => Channel::InPerson,
    }
}

/// Where an outreach item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(example = "open")]
pub enum OutreachStatus {
    /// Someone still has to reach the person.
    Open,
    /// Reached (or no longer needed).
    Done,
    /// Could not be reached this way.
    Failed,
}

impl OutreachStatus {
    pub const ALL: [OutreachStatus; 3] = [OutreachStatus::Open, OutreachStatus::Done, OutreachStatus::Failed];

    pub fn as_str(self) -> &'static str {
        match self {
            OutreachStatus::Open => "open",
            OutreachStatus::Done => "done",
            OutreachStatus::Failed => "failed",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == value)
    }
}

/// How an item ended, or how its last attempt went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(example = "reached")]
pub enum OutreachResult {
    /// The person got the message.
    Reached,
    /// Nobody answered; the item stays open for another attempt.
    NoAnswer,
    /// The person does not want the seat: the registration is cancelled.
    Declined,
    /// The contact details do not reach them.
    WrongContact,
    /// A later item of the same registration replaced it: that one says what holds now.
    Superseded,
    /// The registration's personal data was erased.
    Erased,
    /// The partner cancelled the registration for the person: nothing is left to tell.
    Cancelled,
    /// The server emailed the message (SMTP_URL set) and the mail server accepted it.
    Sent,
    /// The server's email could not be delivered: the mail server refused it for good, or
    /// every retry failed. The item failed; the person is to be reached another way.
    Undeliverable,
}

impl OutreachResult {
    pub const ALL: [OutreachResult; 9] = [
        OutreachResult::Reached,
        OutreachResult::NoAnswer,
        OutreachResult::Declined,
        OutreachResult::WrongContact,
        OutreachResult::Superseded,
        OutreachResult::Erased,
        OutreachResult::Cancelled,
        OutreachResult::Sent,
        OutreachResult::Undeliverable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OutreachResult::Reached => "reached",
            OutreachResult::NoAnswer => "no_answer",
            OutreachResult::Declined => "declined",
            OutreachResult::WrongContact => "wrong_contact",
            OutreachResult::Superseded => "superseded",
            OutreachResult::Erased => "erased",
            OutreachResult::Cancelled => "cancelled",
            OutreachResult::Sent => "sent",
            OutreachResult::Undeliverable => "undeliverable",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|result| result.as_str() == value)
    }
}

/// What a person reached (or not) says, as a partner reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(example = "reached")]
pub enum ReportedResult {
    Reached,
    NoAnswer,
    Declined,
    WrongContact,
}

impl ReportedResult {
    pub fn result(self) -> OutreachResult {
        match self {
            ReportedResult::Reached => OutreachResult::Reached,
            ReportedResult::NoAnswer => OutreachResult::NoAnswer,
            ReportedResult::Declined => OutreachResult::Declined,
            ReportedResult::WrongContact => OutreachResult::WrongContact,
        }
    }

    /// The item's status once this is reported: a person who did not answer is tried again.
    pub fn status_after(self) -> OutreachStatus {
        match self {
            ReportedResult::Reached | ReportedResult::Declined => OutreachStatus::Done,
            ReportedResult::NoAnswer => OutreachStatus::Open,
            ReportedResult::WrongContact => OutreachStatus::Failed,
        }
    }
}

/// The language a message is written in: the person's preferred language when there are
/// messages in it (matched on its primary subtag, so `ar-SY` reads `ar`), else the event's
/// first language that has them, else English (`FALLBACK_LANGUAGE`), which always has them.
pub fn message_language<'a>(
    preferred: Option<&str>,
    event_languages: &[String],
    available: &[&'a str],
) -> &'a str {
    let primary = |tag: &str| tag.split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase();
    let find = |tag: &str| available.iter().copied().find(|a| *a == primary(tag));
    preferred
        .and_then(find)
        .or_else(|| event_languages.iter().find_map(|tag| find(tag)))
        .unwrap_or(FALLBACK_LANGUAGE)
}

pub const FALLBACK_LANGUAGE: &str = "en";

/// When confirmed people are reminded, by default: two days before, and three hours before.
pub const DEFAULT_REMINDERS_HOURS_BEFORE: [i64; 2] = [48, 3];
pub const MAX_REMINDERS: usize = 5;
pub const MAX_REMINDER_HOURS: i64 = 720;

/// Checks an event's `reminders_hours_before` (at most five, each 1 to 720 hours, no two the
/// same) and gives it latest first, the order they fall due.
pub fn check_reminders(hours: &[i64]) -> Result<Vec<i64>, &'static str> {
    if hours.len() > MAX_REMINDERS {
        return Err("at most 5 reminders");
    }
    if hours.iter().any(|h| !(1..=MAX_REMINDER_HOURS).contains(h)) {
        return Err("each must be between 1 and 720 hours");
    }
    let mut sorted = hours.to_vec();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    sorted.dedup();
    if sorted.len() != hours.len() {
        return Err("must not repeat an hour");
    }
    Ok(sorted)
}

/// Whom a change of an event reaches, among its confirmed and waitlisted registrations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Reach {
    /// Everyone: when it is changed.
    pub everyone: bool,
    /// Those attending at the main venue: where it is changed.
    pub venue: bool,
    /// Those attending online: how to join changed.
    pub online: bool,
}

/// Whom a change of these fields of an event (as `history::event_changes` names them) must
/// be told about; `None` when nobody (a title, a capacity, a description).
pub fn reach_of_event_change(changes: &[FieldChange]) -> Option<Reach> {
    let mut reach = Reach::default();
    for change in changes {
        match change.field.as_str() {
            "starts_at" | "ends_at" | "timezone" => reach.everyone = true,
            "onsite" | "onsite.venue_name" | "onsite.address" => reach.venue = true,
            "online" | "online.join_url" => reach.online = true,
            _ => {}
        }
    }
    (reach != Reach::default()).then_some(reach)
}

#[cfg(test)]
mod tests {
    use super::*;

    const AVAILABLE: [&str; 4] = ["ar", "en", "es", "fr"];

    #[test]
    fn every_kind_reads_back_as_itself() {
        for kind in OutreachKind::ALL {
            assert_eq!(OutreachKind::parse(kind.as_str()), Some(kind));
        }
        for status in OutreachStatus::ALL {
            assert_eq!(OutreachStatus::parse(status.as_str()), Some(status));
        }
        for result in OutreachResult::ALL {
            assert_eq!(OutreachResult::parse(result.as_str()), Some(result));
        }
    }

    #[test]
    fn without_consent_to_contact_only_in_person() {
        for kind in OutreachKind::ALL {
            let reachable = Reachable { email: true, phone: true, consented_to_contact: false };
            assert_eq!(channel(kind, reachable), Channel::InPerson);
        }
    }

    #[test]
    fn email_first_then_a_call_or_a_text_then_in_person() {
        let with = |email, phone| Reachable { email, phone, consented_to_contact: true };
        assert_eq!(channel(OutreachKind::Promoted, with(true, true)), Channel::Email);
        assert_eq!(channel(OutreachKind::Promoted, with(false, true)), Channel::Phone);
        assert_eq!(channel(OutreachKind::EventCancelled, with(false, true)), Channel::Phone);
        assert_eq!(channel(OutreachKind::Confirmed, with(false, true)), Channel::Sms);
        assert_eq!(channel(OutreachKind::Waitlisted, with(false, true)), Channel::Sms);
        assert_eq!(channel(OutreachKind::Reminder, with(false, true)), Channel::Sms);
        assert_eq!(channel(OutreachKind::Confirmed, with(false, false)), Channel::InPerson);
    }

    #[test]
    fn a_person_who_did_not_answer_is_tried_again() {
        assert_eq!(ReportedResult::NoAnswer.status_after(), OutreachStatus::Open);
        assert_eq!(ReportedResult::Reached.status_after(), OutreachStatus::Done);
        assert_eq!(ReportedResult::Declined.status_after(), OutreachStatus::Done);
        assert_eq!(ReportedResult::WrongContact.status_after(), OutreachStatus::Failed);
    }

    #[test]
    fn an_events_time_reaches_everyone_its_venue_those_there_its_link_those_online() {
        let changed = |fields: &[&str]| -> Vec<FieldChange> {
            fields.iter().map(|f| FieldChange::new(f, serde_json::json!(1), serde_json::json!(2))).collect()
        };
        assert_eq!(reach_of_event_change(&changed(&["title", "onsite.capacity", "description"])), None);
        assert_eq!(
            reach_of_event_change(&changed(&["starts_at"])),
            Some(Reach { everyone: true, venue: false, online: false })
        );
        assert_eq!(
            reach_of_event_change(&changed(&["title", "onsite.address", "online.join_url"])),
            Some(Reach { everyone: false, venue: true, online: true })
        );
    }

    #[test]
    fn reminders_are_a_few_distinct_hours_within_a_month_earliest_first() {
        assert_eq!(check_reminders(&[3, 48]), Ok(vec![48, 3]));
        assert_eq!(check_reminders(&[]), Ok(vec![]));
        assert!(check_reminders(&[0]).is_err());
        assert!(check_reminders(&[721]).is_err());
        assert!(check_reminders(&[3, 3]).is_err());
        assert!(check_reminders(&[1, 2, 3, 4, 5, 6]).is_err());
    }

    #[test]
    fn the_persons_language_then_the_events_then_english() {
        let event = |tags: &[&str]| tags.iter().map(|t| t.to_string()).collect::<Vec<_>>();
        assert_eq!(message_language(Some("ar"), &event(&["es"]), &AVAILABLE), "ar");
        assert_eq!(message_language(Some("ar-SY"), &event(&["es"]), &AVAILABLE), "ar");
        assert_eq!(message_language(Some("FR"), &event(&["es"]), &AVAILABLE), "fr");
        // Tigrinya has no messages: the event's language.
        assert_eq!(message_language(Some("ti"), &event(&["es"]), &AVAILABLE), "es");
        assert_eq!(message_language(None, &event(&["ca", "es"]), &AVAILABLE), "es");
        assert_eq!(message_language(Some("ti"), &event(&["ca"]), &AVAILABLE), "en");
        assert_eq!(message_language(None, &[], &AVAILABLE), "en");
    }
}
