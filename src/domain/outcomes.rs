//! What a meeting decided and what became of it: an event's outcome (the topics discussed, in
//! the vocabulary of registrations' interests, and a summary) and its follow-up actions, each
//! owned by a registered organisation or by a body named in words, due on a date, with a
//! status. The rules on plain values: what a request may hold, what a change of an action
//! changed.

use chrono::NaiveDate;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::domain::history::FieldChange;
use crate::domain::text::{check_topics, Problems};
use crate::error::FieldError;

pub const MAX_TITLE_CHARS: usize = 300;
pub const MAX_OWNER_NAME_CHARS: usize = 200;
pub const MAX_SUMMARY_CHARS: usize = 10_000;
/// Actions one request may add: the minutes of one meeting.
pub const MAX_ACTIONS_PER_REQUEST: usize = 50;

/// Where a follow-up action stands. `open` and `in_progress` are still to do: the next
/// events of the series show them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionStatus {
    Open,
    InProgress,
    Done,
    Dropped,
}

impl ActionStatus {
    pub const ALL: [ActionStatus; 4] =
        [ActionStatus::Open, ActionStatus::InProgress, ActionStatus::Done, ActionStatus::Dropped];

    pub fn as_str(self) -> &'static str {
        match self {
            ActionStatus::Open => "open",
            ActionStatus::InProgress => "in_progress",
            ActionStatus::Done => "done",
            ActionStatus::Dropped => "dropped",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == value)
    }

    /// Still to do: shown to the next events of the series.
    pub fn is_pending(self) -> bool {
        match self {
            ActionStatus::Open | ActionStatus::InProgress => true,
            ActionStatus::Done | ActionStatus::Dropped => false,
        }
    }
}

/// Statuses as a list filter gives them: `open,in_progress` (repeats dropped); `None` for a
/// word that is not a status.
pub fn parse_statuses(list: &str) -> Option<Vec<ActionStatus>> {
    let mut statuses = Vec::new();
    for word in list.split(',') {
        let status = ActionStatus::parse(word.trim())?;
        if !statuses.contains(&status) {
            statuses.push(status);
        }
    }
    Some(statuses)
}

/// Who answers for an action: an organisation registered here, or a body named in words
/// (`Diputación de Soria`) that is not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    Organisation(Uuid),
    Named(String),
}

impl Owner {
    pub fn organisation_id(&self) -> Option<Uuid> {
        match self {
            Owner::Organisation(id) => Some(*id),
            Owner::Named(_) => None,
        }
    }

    pub fn name(&self) -> Option<&str> {
        match self {
            Owner::Organisation(_) => None,
            Owner::Named(name) => Some(name),
        }
    }
}

/// An action as asked for, before it is checked: one of a POST's `actions`, or a stored
/// action with a PATCH applied.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionDraft {
    pub title: String,
    pub owner_organisation_id: Option<Uuid>,
    pub owner_name: Option<String>,
    pub due_on: NaiveDate,
    /// `None`: `open`.
    pub status: Option<ActionStatus>,
}

/// An action that passed the checks: title trimmed, exactly one owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidAction {
    pub title: String,
    pub owner: Owner,
    pub due_on: NaiveDate,
    pub status: ActionStatus,
}

impl ValidAction {
    pub fn to_draft(&self) -> ActionDraft {
        ActionDraft {
            title: self.title.clone(),
            owner_organisation_id: self.owner.organisation_id(),
            owner_name: self.owner.name().map(str::to_owned),
            due_on: self.due_on,
            status: Some(self.status),
        }
    }
}

/// A POST of an event's outcome: `topics` and `summary` replace what was recorded when given
/// (`None`: absent, kept; `Some(None)`: the summary cleared); `actions` are added.
#[derive(Debug, Clone, Default)]
pub struct OutcomeDraft {
    pub topics: Option<Vec<String>>,
    pub summary: Option<Option<String>>,
    pub actions: Vec<ActionDraft>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ValidOutcome {
    pub topics: Option<Vec<String>>,
    pub summary: Option<Option<String>>,
    pub actions: Vec<ValidAction>,
}

/// Checks every rule of a POST, reporting every bad field at once (`actions[1].owner_name`).
pub fn validate_outcome(draft: OutcomeDraft) -> Result<ValidOutcome, Vec<FieldError>> {
    let mut problems = Problems::default();
    let topics = draft.topics.map(|topics| check_topics(&mut problems, "topics", "invalid_topic", topics));
    let summary =
        draft.summary.map(|summary| problems.optional_text("summary", summary.as_deref(), MAX_SUMMARY_CHARS));
    if draft.actions.len() > MAX_ACTIONS_PER_REQUEST {
        problems.add("actions", "too_many", format!("at most {MAX_ACTIONS_PER_REQUEST} actions at once"));
    }
    let actions: Vec<_> = draft
        .actions
        .into_iter()
        .enumerate()
        .map(|(i, action)| check_action(&mut problems, &format!("actions[{i}]."), action))
        .collect();
    if !problems.is_empty() {
        return Err(problems.0);
    }
    Ok(ValidOutcome { topics, summary, actions: actions.into_iter().flatten().collect() })
}

/// Checks one action as a PATCH leaves it (fields named without a prefix).
pub fn validate_action(draft: ActionDraft) -> Result<ValidAction, Vec<FieldError>> {
    let mut problems = Problems::default();
    let action = check_action(&mut problems, "", draft);
    match action {
        Some(action) if problems.is_empty() => Ok(action),
        _ => Err(problems.0),
    }
}

/// One action's rules, its fields named after `prefix`: a one-line title, and exactly one
/// owner (an organisation's id, or a one-line name).
fn check_action(problems: &mut Problems, prefix: &str, draft: ActionDraft) -> Option<ValidAction> {
    let title = problems.one_line(&format!("{prefix}title"), &draft.title, MAX_TITLE_CHARS);
    let owner_field = format!("{prefix}owner_name");
    let owner = match (draft.owner_organisation_id, draft.owner_name.as_deref()) {
        (Some(id), None) => Some(Owner::Organisation(id)),
        (None, Some(name)) => Some(Owner::Named(problems.one_line(&owner_field, name, MAX_OWNER_NAME_CHARS))),
        (Some(_), Some(_)) => {
            problems.add(
                format!("{prefix}owner_organisation_id"),
                "one_owner",
                "give either owner_organisation_id or owner_name, not both",
            );
            None
        }
        (None, None) => {
            problems.add(
                format!("{prefix}owner_organisation_id"),
                "owner_required",
                "give owner_organisation_id (a registered organisation) or owner_name",
            );
            None
        }
    };
    Some(ValidAction {
        title,
        owner: owner?,
        due_on: draft.due_on,
        status: draft.status.unwrap_or(ActionStatus::Open),
    })
}

/// A PATCH of an action: `None` leaves a field as it is. An owner given (either way) replaces
/// the owner; both at once is refused by [`validate_action`].
#[derive(Debug, Clone, Default)]
pub struct ActionPatch {
    pub title: Option<String>,
    pub owner_organisation_id: Option<Uuid>,
    pub owner_name: Option<String>,
    pub due_on: Option<NaiveDate>,
    pub status: Option<ActionStatus>,
}

impl ActionPatch {
    /// The action as it would be, to be checked by [`validate_action`] like a new one.
    pub fn apply(self, action: &ValidAction) -> ActionDraft {
        let current = action.to_draft();
        let owner_given = self.owner_organisation_id.is_some() || self.owner_name.is_some();
        ActionDraft {
            title: self.title.unwrap_or(current.title),
            owner_organisation_id: if owner_given {
                self.owner_organisation_id
            } else {
                current.owner_organisation_id
            },
            owner_name: if owner_given { self.owner_name } else { current.owner_name },
            due_on: self.due_on.unwrap_or(current.due_on),
            status: Some(self.status.unwrap_or(action.status)),
        }
    }
}

/// What changed between two versions of an action, as an event's history records it, each
/// field named `actions.<id>.<field>`: the status, the due date and the owner organisation
/// with their values; the title and the owner's name without them (free text that may name a
/// person).
pub fn action_changes(id: Uuid, before: &ValidAction, after: &ValidAction) -> Vec<FieldChange> {
    let field = |name: &str| format!("actions.{id}.{name}");
    let mut changes = Vec::new();
    if before.title != after.title {
        changes.push(FieldChange::withheld(&field("title")));
    }
    if before.owner.organisation_id() != after.owner.organisation_id() {
        changes.push(FieldChange::new(
            &field("owner_organisation_id"),
            json!(before.owner.organisation_id()),
            json!(after.owner.organisation_id()),
        ));
    }
    if before.owner.name() != after.owner.name() {
        changes.push(FieldChange::withheld(&field("owner_name")));
    }
    if before.due_on != after.due_on {
        changes.push(FieldChange::new(&field("due_on"), json!(before.due_on), json!(after.due_on)));
    }
    if before.status != after.status {
        changes.push(FieldChange::new(
            &field("status"),
            json!(before.status.as_str()),
            json!(after.status.as_str()),
        ));
    }
    changes
}

/// The history's change of a new action: `actions.<id>` from null to its status and due date.
pub fn action_created(id: Uuid, action: &ValidAction) -> FieldChange {
    FieldChange::new(&format!("actions.{id}"), Value::Null, action_state(action))
}

fn action_state(action: &ValidAction) -> Value {
    json!({
        "status": action.status.as_str(),
        "due_on": action.due_on,
        "owner_organisation_id": action.owner.organisation_id(),
    })
}

/// The fields of the outcome that a POST changed: `topics` from and to, `summary` named
/// without its text.
pub fn outcome_changes(
    before: (&[String], Option<&str>),
    after: (&[String], Option<&str>),
) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    if before.0 != after.0 {
        changes.push(FieldChange::new("outcome.topics", json!(before.0), json!(after.0)));
    }
    if before.1 != after.1 {
        changes.push(FieldChange::withheld("outcome.summary"));
    }
    changes
}

/// The last part of a history field (`actions.<id>.status` → `status`): what a webhook's
/// `fields` names.
pub fn field_name(change: &FieldChange) -> &str {
    change.field.rsplit('.').next().unwrap_or(&change.field)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2022, 3, d).unwrap()
    }

    fn pilot() -> ActionDraft {
        ActionDraft {
            title: "  Follow the three pilot projects  ".into(),
            owner_organisation_id: None,
            owner_name: Some("Diputación de Soria".into()),
            due_on: day(1),
            status: None,
        }
    }

    #[test]
    fn an_action_is_open_unless_said_with_one_owner_and_a_trimmed_title() {
        let valid = validate_action(pilot()).unwrap();
        assert_eq!(valid.title, "Follow the three pilot projects");
        assert_eq!(valid.owner, Owner::Named("Diputación de Soria".into()));
        assert_eq!(valid.status, ActionStatus::Open);
    }

    #[test]
    fn an_action_needs_exactly_one_owner() {
        let both = ActionDraft { owner_organisation_id: Some(Uuid::nil()), ..pilot() };
        let errors = validate_action(both).unwrap_err();
        assert_eq!(
            (errors[0].field.as_str(), errors[0].code.as_str()),
            ("owner_organisation_id", "one_owner")
        );
        let none = ActionDraft { owner_name: None, ..pilot() };
        assert_eq!(validate_action(none).unwrap_err()[0].code, "owner_required");
        let blank = ActionDraft { owner_name: Some("  ".into()), ..pilot() };
        assert_eq!(validate_action(blank).unwrap_err()[0].field, "owner_name");
    }

    #[test]
    fn every_bad_field_of_an_outcome_is_named_with_its_place() {
        let draft = OutcomeDraft {
            topics: Some(vec!["rural_initiatives".into(), "Pilot Projects".into()]),
            summary: Some(Some("Agreed.\nThree pilots.".into())),
            actions: vec![pilot(), ActionDraft { title: "two\nlines".into(), owner_name: None, ..pilot() }],
        };
        let errors = validate_outcome(draft).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| (e.field.as_str(), e.code.as_str())).collect();
        assert_eq!(
            fields,
            [
                ("topics[1]", "invalid_topic"),
                ("actions[1].title", "invalid_characters"),
                ("actions[1].owner_organisation_id", "owner_required")
            ]
        );
    }

    #[test]
    fn a_patch_giving_an_owner_replaces_the_owner_and_leaves_the_rest() {
        let action = validate_action(pilot()).unwrap();
        let org = Uuid::now_v7();
        let patched = ActionPatch { owner_organisation_id: Some(org), ..Default::default() }.apply(&action);
        let patched = validate_action(patched).unwrap();
        assert_eq!(patched.owner, Owner::Organisation(org));
        assert_eq!((patched.title.as_str(), patched.due_on), (action.title.as_str(), action.due_on));
        let both = ActionPatch {
            owner_organisation_id: Some(org),
            owner_name: Some("Ayuntamiento".into()),
            ..Default::default()
        };
        assert!(validate_action(both.apply(&action)).is_err());
    }

    #[test]
    fn changes_name_status_and_date_with_values_and_free_text_without() {
        let id = Uuid::nil();
        let before = validate_action(pilot()).unwrap();
        let after = ValidAction {
            title: "Follow the pilots".into(),
            status: ActionStatus::InProgress,
            due_on: day(15),
            ..before.clone()
        };
        let changes = action_changes(id, &before, &after);
        assert_eq!(
            serde_json::to_value(&changes).unwrap(),
            json!([
                {"field": format!("actions.{id}.title"), "withheld": true},
                {"field": format!("actions.{id}.due_on"), "from": "2022-03-01", "to": "2022-03-15"},
                {"field": format!("actions.{id}.status"), "from": "open", "to": "in_progress"},
            ])
        );
        assert_eq!(changes.iter().map(field_name).collect::<Vec<_>>(), ["title", "due_on", "status"]);
        assert!(action_changes(id, &before, &before).is_empty());
    }

    #[test]
    fn statuses_read_back_and_a_filter_lists_them_once() {
        for status in ActionStatus::ALL {
            assert_eq!(ActionStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(
            parse_statuses("open,in_progress,open"),
            Some(vec![ActionStatus::Open, ActionStatus::InProgress])
        );
        assert_eq!(parse_statuses("open,closed"), None);
        assert!(ActionStatus::InProgress.is_pending() && !ActionStatus::Dropped.is_pending());
    }
}
