//! Request and response types of webhook subscriptions and their delivery logs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::outbox::DeliveryRow;
use crate::db::webhooks::SubscriptionRow;
use crate::domain::webhooks::EventType;

/// A kind of change a subscription hears about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[schema(example = "registration.promoted")]
pub enum WebhookEventType {
    #[serde(rename = "registration.confirmed")]
    RegistrationConfirmed,
    #[serde(rename = "registration.waitlisted")]
    RegistrationWaitlisted,
    #[serde(rename = "registration.promoted")]
    RegistrationPromoted,
    #[serde(rename = "registration.cancelled")]
    RegistrationCancelled,
    #[serde(rename = "registration.mode_changed")]
    RegistrationModeChanged,
    #[serde(rename = "registration.consent_changed")]
    RegistrationConsentChanged,
    #[serde(rename = "registration.place_changed")]
    RegistrationPlaceChanged,
    #[serde(rename = "event.updated")]
    EventUpdated,
    #[serde(rename = "event.cancelled")]
    EventCancelled,
    #[serde(rename = "outreach.created")]
    OutreachCreated,
    #[serde(rename = "registration.offered")]
    RegistrationOffered,
    #[serde(rename = "action.created")]
    ActionCreated,
    #[serde(rename = "action.updated")]
    ActionUpdated,
}

impl From<WebhookEventType> for EventType {
    fn from(event_type: WebhookEventType) -> Self {
        match event_type {
            WebhookEventType::RegistrationConfirmed => EventType::RegistrationConfirmed,
            WebhookEventType::RegistrationWaitlisted => EventType::RegistrationWaitlisted,
            WebhookEventType::RegistrationPromoted => EventType::RegistrationPromoted,
            WebhookEventType::RegistrationCancelled => EventType::RegistrationCancelled,
            WebhookEventType::RegistrationModeChanged => EventType::RegistrationModeChanged,
            WebhookEventType::RegistrationConsentChanged => EventType::RegistrationConsentChanged,
            WebhookEventType::RegistrationPlaceChanged => EventType::RegistrationPlaceChanged,
            WebhookEventType::EventUpdated => EventType::EventUpdated,
            WebhookEventType::EventCancelled => EventType::EventCancelled,
            WebhookEventType::OutreachCreated => EventType::OutreachCreated,
            WebhookEventType::RegistrationOffered => EventType::RegistrationOffered,
            WebhookEventType::ActionCreated => EventType::ActionCreated,
            WebhookEventType::ActionUpdated => EventType::ActionUpdated,
        }
    }
}

impl From<EventType> for WebhookEventType {
    fn from(event_type: EventType) -> Self {
        match event_type {
            EventType::RegistrationConfirmed => WebhookEventType::RegistrationConfirmed,
            EventType::RegistrationWaitlisted => WebhookEventType::RegistrationWaitlisted,
            EventType::RegistrationPromoted => WebhookEventType::RegistrationPromoted,
            EventType::RegistrationCancelled => WebhookEventType::RegistrationCancelled,
            EventType::RegistrationModeChanged => WebhookEventType::RegistrationModeChanged,
            EventType::RegistrationConsentChanged => WebhookEventType::RegistrationConsentChanged,
            EventType::RegistrationPlaceChanged => WebhookEventType::RegistrationPlaceChanged,
            EventType::EventUpdated => WebhookEventType::EventUpdated,
            EventType::EventCancelled => WebhookEventType::EventCancelled,
            EventType::OutreachCreated => WebhookEventType::OutreachCreated,
            EventType::RegistrationOffered => WebhookEventType::RegistrationOffered,
            EventType::ActionCreated => WebhookEventType::ActionCreated,
            EventType::ActionUpdated => WebhookEventType::ActionUpdated,
        }
    }
}

/// Who a subscription belongs to: a partner's API client, or an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(example = "organisation")]
pub enum WebhookOwnerKind {
    ApiClient,
    Organisation,
}

/// A new subscription.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "url": "https://partner.example.org/hooks/hybrid-events",
    "event_types": ["registration.confirmed", "registration.promoted", "event.cancelled"]}))]
pub struct CreateWebhook {
    /// Where to post: an `https` URL whose host is a public name or a global unicast address
    /// (422, field code `url_not_public`, for loopback, private and reserved addresses, unless
    /// the server allows private targets; then plain `http` to a loopback address too, on a
    /// development server). No credentials, no fragment; at most 2000 characters.
    #[schema(example = "https://partner.example.org/hooks/hybrid-events")]
    pub url: String,
    /// The changes to hear about; at least one, repeats ignored.
    #[schema(min_items = 1)]
    pub event_types: Vec<WebhookEventType>,
    /// Admins and organisers: the organisation whose events the subscription hears about
    /// (organisers may leave it out: their own). Partners leave it out: a partner's
    /// subscription is its own and hears about the registrations it created.
    #[serde(default)]
    #[schema(example = "0193a5b0-7c1e-7d2a-9f00-1a2b3c4d5e6f")]
    pub organisation_id: Option<Uuid>,
}

/// A webhook subscription. Its signing secret is shown only when it is created.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5c2-1111-7aaa-8bbb-0c0d0e0f1011", "owner_kind": "api_client",
    "api_client_id": "0193a5b1-2222-7ccc-8ddd-1e1f20212223",
    "organisation_id": "0193a5b0-7c1e-7d2a-9f00-1a2b3c4d5e6f",
    "url": "https://partner.example.org/hooks/hybrid-events",
    "event_types": ["registration.confirmed", "registration.promoted"],
    "created_at": "2026-11-29T10:00:00Z"}))]
pub struct Webhook {
    pub id: Uuid,
    pub owner_kind: WebhookOwnerKind,
    /// The partner that owns it; null for an organisation's subscription.
    pub api_client_id: Option<Uuid>,
    /// The organisation whose events it hears about, or the owning partner's organisation.
    pub organisation_id: Uuid,
    pub url: String,
    pub event_types: Vec<WebhookEventType>,
    pub created_at: DateTime<Utc>,
}

impl From<&SubscriptionRow> for Webhook {
    fn from(row: &SubscriptionRow) -> Self {
        Self {
            id: row.id,
            owner_kind: if row.api_client_id.is_some() {
                WebhookOwnerKind::ApiClient
            } else {
                WebhookOwnerKind::Organisation
            },
            api_client_id: row.api_client_id,
            organisation_id: row.organisation_id,
            url: row.url.clone(),
            event_types: row.event_types.iter().map(|&t| t.into()).collect(),
            created_at: row.created_at,
        }
    }
}

/// A subscription just created, with its signing secret: store the secret now, it is not
/// shown again.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5c2-1111-7aaa-8bbb-0c0d0e0f1011", "owner_kind": "organisation", "api_client_id": null,
    "organisation_id": "0193a5b0-7c1e-7d2a-9f00-1a2b3c4d5e6f",
    "url": "https://tools.cepaim.example/hooks", "event_types": ["registration.cancelled"],
    "created_at": "2026-11-29T10:00:00Z",
    "secret": "whsec_Q2xpZW50LXNlY3JldC1leGFtcGxlLTMyLWJ5dGVzISE="}))]
pub struct WebhookCreated {
    pub id: Uuid,
    pub owner_kind: WebhookOwnerKind,
    /// The partner that owns it; null for an organisation's subscription.
    pub api_client_id: Option<Uuid>,
    /// The organisation whose events it hears about, or the owning partner's organisation.
    pub organisation_id: Uuid,
    pub url: String,
    pub event_types: Vec<WebhookEventType>,
    pub created_at: DateTime<Utc>,
    /// The signing secret, `whsec_` and the base64 of 32 random bytes: give it as is to a
    /// Standard Webhooks library (the HMAC key of `webhook-signature` is the decoded bytes);
    /// the whole string, as UTF-8, is the key of `X-Signature`. Shown only here.
    pub secret: String,
}

impl WebhookCreated {
    pub fn new(row: &SubscriptionRow) -> Self {
        let Webhook { id, owner_kind, api_client_id, organisation_id, url, event_types, created_at } =
            Webhook::from(row);
        Self {
            id,
            owner_kind,
            api_client_id,
            organisation_id,
            url,
            event_types,
            created_at,
            secret: row.secret.clone(),
        }
    }
}

/// A page of subscriptions, newest first.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"items": [{
    "id": "0193a5c2-1111-7aaa-8bbb-0c0d0e0f1011", "owner_kind": "organisation", "api_client_id": null,
    "organisation_id": "0193a5b0-7c1e-7d2a-9f00-1a2b3c4d5e6f",
    "url": "https://tools.cepaim.example/hooks", "event_types": ["registration.cancelled"],
    "created_at": "2026-11-29T10:00:00Z"}], "next_cursor": null}))]
pub struct WebhookList {
    pub items: Vec<Webhook>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// Where a delivery stands: `pending` (waiting for its first or next attempt),
/// `delivered` (the receiver answered 2xx), `failed` (given up after the retry window, or
/// its subscription was deleted) or `cancelled` (not tried again: the API client that owns
/// the subscription was revoked).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(example = "delivered")]
pub enum DeliveryStatus {
    Pending,
    Delivered,
    Failed,
    Cancelled,
}

/// The JSON body of every webhook post. It carries ids and statuses, never personal data:
/// read the registration or event through the API for more.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5d0-3333-7eee-8fff-2a2b2c2d2e2f", "type": "registration.promoted",
    "occurred_at": "2026-11-29T10:15:00.123Z",
    "event_id": "0193a5b8-4444-7abc-8def-3a3b3c3d3e3f",
    "registration_id": "0193a5c9-5555-7bcd-8efa-4a4b4c4d4e4f",
    "data": {"status": "confirmed", "attendance_mode": "onsite", "previous_status": "waitlisted"}}))]
pub struct WebhookMessage {
    /// The message's id, the same for every subscriber and every retry: use it to ignore
    /// a message received twice.
    pub id: Uuid,
    /// What happened.
    #[serde(rename = "type")]
    pub type_: WebhookEventType,
    /// When it happened. Deliveries may arrive out of order; order by this.
    pub occurred_at: DateTime<Utc>,
    pub event_id: Uuid,
    /// The registration concerned; null for `event.*` and `action.*` messages.
    pub registration_id: Option<Uuid>,
    /// Statuses of the change, for example `status`, `previous_status`, `attendance_mode`;
    /// for a registration, `place_id` and `previous_place_id` (the event's place it attends;
    /// null: the main venue, or online).
    #[schema(value_type = WebhookData)]
    pub data: serde_json::Value,
}

/// The `data` of a webhook message: which fields it has depends on its `type` (each is
/// described with the types that carry it); more may be added.
#[derive(ToSchema)]
#[schema(example = json!({"status": "confirmed", "attendance_mode": "onsite", "place_id": null,
    "fallback_applied": false, "previous_status": "waitlisted", "previous_place_id": null}))]
#[allow(dead_code)] // the schema of what `app::transition` writes as JSON
pub struct WebhookData {
    /// `registration.*`: the registration's status after the change; `event.*`: the event's.
    #[schema(example = "confirmed")]
    pub status: Option<String>,
    /// The status before the change (null for a new registration).
    #[schema(example = "waitlisted")]
    pub previous_status: Option<String>,
    /// `registration.*`: `online` or `onsite`.
    #[schema(example = "onsite")]
    pub attendance_mode: Option<String>,
    /// `registration.*`: the event's place it attends (null: the main venue, or online);
    /// `event.updated` with `change: places_changed`: the place whose offer changed.
    pub place_id: Option<Uuid>,
    /// `registration.*`: the place before the change.
    pub previous_place_id: Option<Uuid>,
    /// `registration.*`: whether an onsite request fell back to online for want of a seat.
    pub fallback_applied: Option<bool>,
    /// `registration.consent_changed`: the consent that changed.
    pub consent: Option<WebhookConsentChange>,
    /// `event.*`: `updated`, `cancelled` or `places_changed`.
    #[schema(example = "updated")]
    pub change: Option<String>,
    /// `event.updated` with `change: updated`: the fields that changed.
    #[schema(example = json!(["starts_at", "ends_at"]))]
    pub fields: Option<Vec<String>>,
    /// `event.updated` with `change: places_changed`: the place's seats now (null: withdrawn).
    pub capacity: Option<i32>,
    /// `event.updated` with `change: places_changed`: its seats before (null: newly offered).
    pub previous_capacity: Option<i32>,
    /// `action.*`: the follow-up action (`GET /events/{event_id}/outcomes`, `PATCH
    /// /actions/{id}`); its `status` and `previous_status` are the action's (`open`,
    /// `in_progress`, `done`, `dropped`), and `fields` names what an `action.updated` changed.
    pub action_id: Option<Uuid>,
    /// `action.*`: the series of the action's event, if any (`GET /series/{id}/actions`).
    pub series_id: Option<Uuid>,
    /// `action.*`: the date it is due.
    #[schema(example = "2022-03-01")]
    pub due_on: Option<chrono::NaiveDate>,
}

/// A consent granted or withdrawn, in a `registration.consent_changed` message.
#[derive(ToSchema)]
#[schema(example = json!({"purpose": "contact", "granted": false, "version": null, "previous_version": 1}))]
#[allow(dead_code)] // the schema of what `app::transition` writes as JSON
pub struct WebhookConsentChange {
    /// The purpose's key.
    #[schema(example = "contact")]
    pub purpose: String,
    /// Whether the consent is held after the change.
    pub granted: bool,
    /// The version of the texts consented to (null: withdrawn).
    pub version: Option<i32>,
    /// The version held before (null: none).
    pub previous_version: Option<i32>,
}

/// One message to one subscription, and how its delivery went.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5d0-6666-7aaa-8bbb-5a5b5c5d5e5f", "message_id": "0193a5d0-3333-7eee-8fff-2a2b2c2d2e2f",
    "event_type": "registration.promoted", "status": "delivered", "attempts": 3,
    "next_attempt_at": null, "last_attempt_at": "2026-11-29T10:16:10Z", "last_status_code": 200,
    "last_error": null, "delivered_at": "2026-11-29T10:16:10Z", "created_at": "2026-11-29T10:15:00Z",
    "payload": {"id": "0193a5d0-3333-7eee-8fff-2a2b2c2d2e2f", "type": "registration.promoted",
                "occurred_at": "2026-11-29T10:15:00.123Z", "event_id": "0193a5b8-4444-7abc-8def-3a3b3c3d3e3f",
                "registration_id": "0193a5c9-5555-7bcd-8efa-4a4b4c4d4e4f",
                "data": {"status": "confirmed", "attendance_mode": "onsite", "previous_status": "waitlisted"}}}))]
pub struct WebhookDelivery {
    pub id: Uuid,
    /// The `id` of the message in the payload.
    pub message_id: Uuid,
    pub event_type: WebhookEventType,
    pub status: DeliveryStatus,
    /// Attempts made so far.
    pub attempts: i32,
    /// When the next attempt is due; null unless pending.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// The HTTP status the receiver last answered; null when it could not be reached.
    pub last_status_code: Option<i32>,
    /// Why the last attempt failed, in the server's words (`answered HTTP 500`, `timed out`,
    /// `the target address is not public`), or why the delivery was cancelled.
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// The body that is posted.
    #[schema(value_type = WebhookMessage)]
    pub payload: serde_json::Value,
}

impl From<DeliveryRow> for WebhookDelivery {
    fn from(row: DeliveryRow) -> Self {
        let status = match row.status.as_str() {
            "delivered" => DeliveryStatus::Delivered,
            "failed" => DeliveryStatus::Failed,
            "cancelled" => DeliveryStatus::Cancelled,
            _ => DeliveryStatus::Pending,
        };
        Self {
            id: row.id,
            message_id: row.message_id,
            event_type: row.event_type.into(),
            status,
            attempts: row.attempts,
            next_attempt_at: (status == DeliveryStatus::Pending).then_some(row.next_attempt_at),
            last_attempt_at: row.last_attempt_at,
            last_status_code: row.last_status_code,
            last_error: row.last_error,
            delivered_at: row.delivered_at,
            created_at: row.created_at,
            payload: row.payload,
        }
    }
}

/// A page of one subscription's deliveries, newest first.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"items": [{
    "id": "0193a5d0-6666-7aaa-8bbb-5a5b5c5d5e5f", "message_id": "0193a5d0-3333-7eee-8fff-2a2b2c2d2e2f",
    "event_type": "registration.cancelled", "status": "pending", "attempts": 1,
    "next_attempt_at": "2026-11-29T10:15:10Z", "last_attempt_at": "2026-11-29T10:15:00Z",
    "last_status_code": 500, "last_error": "answered HTTP 500", "delivered_at": null,
    "created_at": "2026-11-29T10:15:00Z",
    "payload": {"id": "0193a5d0-3333-7eee-8fff-2a2b2c2d2e2f", "type": "registration.cancelled",
                "occurred_at": "2026-11-29T10:15:00.123Z", "event_id": "0193a5b8-4444-7abc-8def-3a3b3c3d3e3f",
                "registration_id": "0193a5c9-5555-7bcd-8efa-4a4b4c4d4e4f",
                "data": {"status": "cancelled", "previous_status": "confirmed"}}}], "next_cursor": null}))]
pub struct WebhookDeliveryList {
    pub items: Vec<WebhookDelivery>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}
