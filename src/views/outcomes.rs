//! Request and response types of an event's outcome and its follow-up actions.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::db::outcomes::{ActionRow, OutcomeRow};
use crate::domain::outcomes::{ActionDraft, ActionPatch, ActionStatus, OutcomeDraft};
use crate::views::patch::{double_option, no_null};

/// Where a follow-up action stands: `open` and `in_progress` are still to do (the next
/// events of the series show them in their reports); `done` and `dropped` are not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(example = "in_progress")]
pub enum ActionStatusName {
    Open,
    InProgress,
    Done,
    Dropped,
}

impl From<ActionStatusName> for ActionStatus {
    fn from(status: ActionStatusName) -> Self {
        match status {
            ActionStatusName::Open => ActionStatus::Open,
            ActionStatusName::InProgress => ActionStatus::InProgress,
            ActionStatusName::Done => ActionStatus::Done,
            ActionStatusName::Dropped => ActionStatus::Dropped,
        }
    }
}

impl From<ActionStatus> for ActionStatusName {
    fn from(status: ActionStatus) -> Self {
        match status {
            ActionStatus::Open => ActionStatusName::Open,
            ActionStatus::InProgress => ActionStatusName::InProgress,
            ActionStatus::Done => ActionStatusName::Done,
            ActionStatus::Dropped => ActionStatusName::Dropped,
        }
    }
}

/// A follow-up action agreed at the meeting. Exactly one owner: `owner_organisation_id` (an
/// organisation registered here) or `owner_name` (a body that is not, e.g. `Diputación de
/// Soria`).
// Serialize: an `Idempotency-Key`'s fingerprint is taken of the request as read.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "Report on the three pilot projects", "owner_name": "Diputación de Soria",
    "due_on": "2022-03-01", "status": "open"}))]
pub struct NewAction {
    /// One line, 1 to 300 characters.
    #[schema(min_length = 1, max_length = 300, format = "line")]
    pub title: String,
    /// An existing organisation (422 `unknown_organisation` otherwise).
    #[serde(default)]
    pub owner_organisation_id: Option<Uuid>,
    /// One line, 1 to 200 characters: the owner when it is not a registered organisation.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 200, format = "line")]
    pub owner_name: Option<String>,
    /// The date it is due (`YYYY-MM-DD`).
    pub due_on: NaiveDate,
    /// Default `open`.
    #[serde(default)]
    pub status: Option<ActionStatusName>,
}

impl NewAction {
    fn into_draft(self) -> ActionDraft {
        ActionDraft {
            title: self.title,
            owner_organisation_id: self.owner_organisation_id,
            owner_name: self.owner_name,
            due_on: self.due_on,
            status: self.status.map(Into::into),
        }
    }
}

/// What a meeting decided. `topics` and `summary` replace what was recorded when given
/// (absent: kept; a `null` summary: cleared); `actions` are added to the event's actions
/// (change one with `PATCH /actions/{id}`).
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "topics": ["rural_initiatives", "women_employment"],
    "summary": "The participants want to follow the development of the three pilot projects.",
    "actions": [{"title": "Report on the three pilot projects", "owner_name": "Diputación de Soria",
                 "due_on": "2022-03-01"}]}))]
pub struct RecordOutcome {
    /// The topics discussed, in the vocabulary of registrations' `interests` (snake_case,
    /// up to 10), so that reports can set them beside what participants said they care about.
    #[serde(default, deserialize_with = "no_null")]
    #[schema(nullable = false, max_items = 10, format = "slug")]
    pub topics: Option<Vec<String>>,
    /// Up to 10000 characters; line breaks allowed.
    // Absent (kept) and null (cleared) are different requests, and fingerprint differently.
    #[serde(default, deserialize_with = "double_option", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, max_length = 10000, format = "text-or-blank")]
    pub summary: Option<Option<String>>,
    /// Up to 50 new actions.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub actions: Vec<NewAction>,
}

impl RecordOutcome {
    pub fn into_draft(self) -> OutcomeDraft {
        OutcomeDraft {
            topics: self.topics,
            summary: self.summary,
            actions: self.actions.into_iter().map(NewAction::into_draft).collect(),
        }
    }
}

/// Changes to an action: absent fields stay. An owner given (`owner_organisation_id` or
/// `owner_name`, not both) replaces the owner.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "in_progress", "due_on": "2022-04-01"}))]
pub struct PatchAction {
    #[serde(default, deserialize_with = "no_null")]
    #[schema(nullable = false, min_length = 1, max_length = 300, format = "line")]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "no_null")]
    #[schema(nullable = false)]
    pub owner_organisation_id: Option<Uuid>,
    #[serde(default, deserialize_with = "no_null")]
    #[schema(nullable = false, min_length = 1, max_length = 200, format = "line")]
    pub owner_name: Option<String>,
    #[serde(default, deserialize_with = "no_null")]
    #[schema(nullable = false)]
    pub due_on: Option<NaiveDate>,
    #[serde(default, deserialize_with = "no_null")]
    #[schema(nullable = false)]
    pub status: Option<ActionStatusName>,
}

impl PatchAction {
    pub fn into_patch(self) -> ActionPatch {
        ActionPatch {
            title: self.title,
            owner_organisation_id: self.owner_organisation_id,
            owner_name: self.owner_name,
            due_on: self.due_on,
            status: self.status.map(Into::into),
        }
    }
}

/// The event an action was agreed at.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "0193a4c2-7f1e-7c3a-9d2e-5b8f1a2c3d4e", "title": "Third regional roundtable",
    "starts_at": "2021-11-24T09:00:00Z"}))]
pub struct ActionEvent {
    pub id: Uuid,
    pub title: String,
    pub starts_at: DateTime<Utc>,
}

/// A follow-up action of an event. Not a participant's data: its owner is an organisation
/// or a body named in words.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5e0-1111-7aaa-8bbb-000000000001",
    "event": {"id": "0193a4c2-7f1e-7c3a-9d2e-5b8f1a2c3d4e", "title": "Third regional roundtable",
              "starts_at": "2021-11-24T09:00:00Z"},
    "title": "Report on the three pilot projects", "owner_organisation_id": null,
    "owner_name": "Diputación de Soria", "due_on": "2022-03-01", "status": "open",
    "created_at": "2021-11-25T10:00:00Z", "updated_at": "2021-11-25T10:00:00Z"}))]
pub struct Action {
    pub id: Uuid,
    pub event: ActionEvent,
    pub title: String,
    /// The owner, when it is an organisation registered here.
    pub owner_organisation_id: Option<Uuid>,
    /// The owner's name: the name given, or the owner organisation's.
    pub owner_name: String,
    pub due_on: NaiveDate,
    pub status: ActionStatusName,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ActionRow> for Action {
    fn from(row: ActionRow) -> Self {
        Self {
            id: row.id,
            event: ActionEvent { id: row.event_id, title: row.event_title, starts_at: row.event_starts_at },
            title: row.title,
            owner_organisation_id: row.owner_organisation_id,
            owner_name: row.owner_name,
            due_on: row.due_on,
            status: row.status.into(),
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// What an event's meeting decided: the topics discussed, a summary, and its follow-up
/// actions in the order they were recorded. An event with nothing recorded has empty lists,
/// a null summary and a null `updated_at`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "event_id": "0193a4c2-7f1e-7c3a-9d2e-5b8f1a2c3d4e",
    "topics": ["rural_initiatives", "women_employment"],
    "summary": "The participants want to follow the development of the three pilot projects.",
    "updated_at": "2021-11-25T10:00:00Z",
    "actions": [{
        "id": "0193a5e0-1111-7aaa-8bbb-000000000001",
        "event": {"id": "0193a4c2-7f1e-7c3a-9d2e-5b8f1a2c3d4e", "title": "Third regional roundtable",
                  "starts_at": "2021-11-24T09:00:00Z"},
        "title": "Report on the three pilot projects", "owner_organisation_id": null,
        "owner_name": "Diputación de Soria", "due_on": "2022-03-01", "status": "open",
        "created_at": "2021-11-25T10:00:00Z", "updated_at": "2021-11-25T10:00:00Z"}]}))]
pub struct Outcome {
    pub event_id: Uuid,
    /// In the vocabulary of registrations' `interests`.
    pub topics: Vec<String>,
    pub summary: Option<String>,
    /// When the topics or summary were last recorded; null when never.
    pub updated_at: Option<DateTime<Utc>>,
    pub actions: Vec<Action>,
}

impl Outcome {
    pub fn of(event_id: Uuid, outcome: Option<OutcomeRow>, actions: Vec<ActionRow>) -> Self {
        let (topics, summary, updated_at) = match outcome {
            Some(row) => (row.topics, row.summary, Some(row.updated_at)),
            None => (Vec::new(), None, None),
        };
        Self {
            event_id,
            topics,
            summary,
            updated_at,
            actions: actions.into_iter().map(Action::from).collect(),
        }
    }
}

/// A page of the actions of a series' events, by due date.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"items": [], "next_cursor": null}))]
pub struct ActionList {
    pub items: Vec<Action>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// Filters of `GET /series/{id}/actions`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SeriesActionsQuery {
    /// Statuses to list, separated by commas (`open,in_progress`: what is still to do);
    /// absent: every action.
    #[param(
        pattern = r"^(open|in_progress|done|dropped)(,(open|in_progress|done|dropped))*$",
        example = "open,in_progress"
    )]
    pub status: Option<String>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}
