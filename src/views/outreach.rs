//! Outreach items as partners and organisers read them: what to tell whom, how, and in which
//! words (rendered now from the registration and its event, in the person's language).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::db::outreach::{ItemFilter, ItemRow};
use crate::domain::actors::ActorKind;
use crate::domain::outreach::{
    channel, message_language, Channel, OutreachKind, OutreachResult, OutreachStatus, ReportedResult,
};
use crate::domain::seats::Mode;
use crate::domain::translations::{place_name_in, title_in, EventTranslations, PlaceTranslations};
use crate::views::messages::{self, Facts, Message, Whereabouts};
use crate::views::registrations::full_address;

/// Who must reach the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(example = "partner")]
pub enum Assignee {
    /// The partner (API client) that registered them: `partner_id`.
    Partner,
    /// The event's organisers: they registered the person themselves.
    Organisers,
}

/// Something a participant must be told, and how.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0192f0c4-3b7a-7c1e-9d2a-5f8e1a2b3c4d",
    "registration_id": "0192f0c4-1111-7c1e-9d2a-5f8e1a2b3c4d",
    "event_id": "0192f0c4-2222-7c1e-9d2a-5f8e1a2b3c4d",
    "kind": "promoted",
    "due_at": "2022-05-09T10:00:00Z",
    "channel": "phone",
    "language": "es",
    "message": {
        "subject": "Una plaza para ti en Mesa redonda de Soria",
        "text": "Ha quedado una plaza libre: ya tienes plaza en Mesa redonda de Soria, jueves 12 de mayo de 2022, a las 10:00.\nDónde: Biblioteca de Almazán, Plaza Mayor 1, Almazán.\n¿Dudas? Llama al +34 975 000 000.",
        "direction": "ltr"
    },
    "status": "open",
    "result": null,
    "note": null,
    "attempts": 0,
    "assigned_to": "partner",
    "partner_id": "0192f0c4-3333-7c1e-9d2a-5f8e1a2b3c4d",
    "created_at": "2022-05-09T10:00:00Z",
    "resolved_at": null,
    "sent_by_server_at": null,
    "next_attempt_at": null
}))]
pub struct OutreachItem {
    pub id: Uuid,
    pub registration_id: Uuid,
    pub event_id: Uuid,
    pub kind: OutreachKind,
    /// When the person should hear it: at once for a change.
    pub due_at: DateTime<Utc>,
    /// How best to reach them: `email` or `sms` or a `phone` call when they agreed to be
    /// contacted and left those details, else `in_person`, by the partner who knows them.
    /// Where the server sends email (SMTP_URL set), it sends the `email` ones itself: see
    /// `sent_by_server_at`, and the results `sent` and `undeliverable`.
    pub channel: Channel,
    /// The language of `message`: the person's preferred one when there are messages in it,
    /// else the event's first language that has them, else English.
    #[schema(example = "es")]
    pub language: &'static str,
    pub message: Message,
    pub status: OutreachStatus,
    /// The last reported result, or why the item closed (`superseded` by a newer item of the
    /// same registration; `erased` with the registration's personal data).
    pub result: Option<OutreachResult>,
    /// What the partner noted with the result; erased with the registration's personal data.
    #[schema(max_length = 1000)]
    pub note: Option<String>,
    /// Attempts so far: the results the partner reported, and the server's tries to email
    /// the message (SMTP_URL set).
    pub attempts: i32,
    pub assigned_to: Assignee,
    /// The partner assigned, when `assigned_to` is `partner`.
    pub partner_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// When the server emailed the message and the mail server accepted it (only where the
    /// server sends email: `channel` is `email` and it is configured to). The item is then
    /// `done` with the result `sent`, unless it had closed otherwise meanwhile. Null when the
    /// server did not send it.
    pub sent_by_server_at: Option<DateTime<Utc>>,
    /// While the item is open and the server is to email it: the earliest time of its next
    /// try, after a temporary failure (or while a try is under way). Null otherwise.
    pub next_attempt_at: Option<DateTime<Utc>>,
}

impl OutreachItem {
    pub fn from_row(row: ItemRow) -> Self {
        let language =
            message_language(row.preferred_language.as_deref(), &row.languages, &messages::languages());
        let reachable = row.reachable();
        let address = full_address(row.place_address.as_deref(), row.place_municipality.as_deref());
        let place_translations: PlaceTranslations = row
            .place_translations
            .clone()
            .and_then(|value| serde_json::from_value(value).ok())
            .unwrap_or_default();
        let place_name =
            row.place_name.as_deref().map(|name| place_name_in(name, &place_translations, language));
        let whereabouts = match (row.attendance_mode, place_name) {
            (Mode::Online, _) => Whereabouts::Online,
            (Mode::Onsite, Some(place)) => Whereabouts::Onsite { place, address: address.as_deref() },
            (Mode::Onsite, None) => Whereabouts::Onsite {
                place: row.venue_name.as_deref().unwrap_or(&row.title),
                address: row.venue_address.as_deref(),
            },
        };
        let previous_start = row
            .details
            .get("previous_starts_at")
            .and_then(|value| value.as_str())
            .and_then(|value| value.parse().ok());
        let translations: EventTranslations =
            serde_json::from_value(row.translations.clone()).unwrap_or_default();
        let title = title_in(&row.title, &translations, language);
        let message = messages::render(
            language,
            &Facts {
                kind: row.kind,
                title,
                starts_at: row.starts_at,
                timezone: &row.timezone,
                whereabouts,
                phone: row.event_contact_phone.as_deref().or(row.place_contact_phone.as_deref()),
                previous_start,
                offer_expires_at: row.offer_expires_at,
            },
        );
        let assigned_to = match row.partner_id {
            Some(_) => Assignee::Partner,
            None => Assignee::Organisers,
        };
        debug_assert!(row.partner_id.is_none() || row.created_by_kind == ActorKind::ApiClient);
        OutreachItem {
            id: row.id,
            registration_id: row.registration_id,
            event_id: row.event_id,
            kind: row.kind,
            due_at: row.due_at,
            channel: channel(row.kind, reachable),
            language,
            message,
            status: row.status,
            result: row.result,
            note: row.note,
            attempts: row.attempts,
            assigned_to,
            partner_id: row.partner_id,
            created_at: row.created_at,
            resolved_at: row.resolved_at,
            sent_by_server_at: row.sent_at,
            next_attempt_at: row.next_attempt_at.filter(|_| row.status == OutreachStatus::Open),
        }
    }
}

/// A page of outreach items, oldest first.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"items": [], "next_cursor": null}))]
pub struct OutreachList {
    pub items: Vec<OutreachItem>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// Filters of `GET /outreach`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutreachQuery {
    /// `open`: what is still to do.
    pub status: Option<OutreachStatus>,
    pub event_id: Option<Uuid>,
    pub kind: Option<OutreachKind>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl OutreachQuery {
    pub fn filter(&self) -> ItemFilter {
        ItemFilter { status: self.status, event_id: self.event_id, kind: self.kind }
    }
}

pub const MAX_NOTE_CHARS: usize = 1000;

/// How an attempt to reach the person went.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"result": "reached", "note": "Called; she will come with her neighbour."}))]
pub struct OutreachResultRequest {
    pub result: ReportedResult,
    /// What to remember about the attempt (no more than needed: it is personal data, and is
    /// erased with the registration's).
    #[schema(max_length = 1000, format = "text-or-blank")]
    pub note: Option<String>,
}
