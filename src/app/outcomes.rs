//! An event's outcome and its follow-up actions: recorded by its organisers and admins after
//! the meeting, changed as the work goes on, listed across a series. Each change is a typed
//! transition: the event's history records it, and `action.*` messages tell the
//! organisation's subscribers.

use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

use crate::app::transition::{ActionRef, EventRef, Transition};
use crate::app::{actor, record};
use crate::auth::Caller;
use crate::db::events::{self, EventRow};
use crate::db::idempotency::{self, Replay};
use crate::db::outcomes::{self, ActionRow, OutcomeRow, SeriesKey};
use crate::domain::actors::{ActionId, EventId, OrganisationId};
use crate::domain::events::EventStatus;
use crate::domain::outcomes::{
    outcome_changes, validate_action, validate_outcome, ActionPatch, ActionStatus, OutcomeDraft, ValidAction,
};
use crate::domain::refusal::Refusal;
use crate::error::{AppError, AppResult};

/// An event's outcome and all its actions, as a use case leaves them. `created`: the
/// outcome was recorded for the first time.
pub struct Recorded {
    pub outcome: OutcomeRow,
    pub actions: Vec<ActionRow>,
    pub created: bool,
}

/// What recording an outcome answers: the outcome as recorded now, or, for a retry with the
/// same `Idempotency-Key`, the first request's answer.
pub enum Answered {
    Recorded(Recorded),
    Replay(Replay),
}

/// Records the outcome of the event: `topics` and `summary` replace what was recorded when
/// given, `actions` are added (a second POST after the minutes were corrected corrects the
/// record and adds what was missing; an action is changed by `change_action`). A bad field,
/// or an owner organisation that does not exist, is 422 and changes nothing; a cancelled
/// event is 409 `event_cancelled`.
///
/// With `idempotent` (an `Idempotency-Key` and the request's fingerprint), the first request
/// claims the key in the same transaction and keeps the answer `answer` renders; a retry
/// gets that answer back ([`Answered::Replay`]) and adds nothing. The key is claimed behind
/// the event's lock and after the caller's access is checked, so a retry waits for the first
/// request to commit and a caller who lost access learns nothing from it.
pub async fn record_outcome(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: EventId,
    draft: OutcomeDraft,
    idempotent: Option<(&str, &[u8])>,
    answer: impl FnOnce(&Recorded) -> serde_json::Value + Send,
) -> AppResult<Answered> {
    conn.transaction::<_, AppError, _>(async move |conn| {
        // Locked for update, not share: recording an outcome moves the event's changed_at
        // (its trigger), and two recorders each holding a share lock would deadlock there.
        let event = events::lock(conn, id.0).await?.ok_or(AppError::NotFound)?;
        caller.event_access(&event).require_manage()?;
        if let Some((key, hash)) = idempotent {
            if !idempotency::try_claim(conn, caller.id, key, hash).await? {
                return Ok(Answered::Replay(idempotency::stored(conn, caller.id, key, hash).await?));
            }
        }
        if event.status == EventStatus::Cancelled {
            return Err(Refusal::EventCancelled.into());
        }
        let valid = validate_outcome(draft).map_err(AppError::validation)?;
        let owners: Vec<Uuid> = valid.actions.iter().filter_map(|a| a.owner.organisation_id()).collect();
        let unknown = outcomes::unknown_organisations(conn, &owners).await?;
        if let Some(i) =
            valid.actions.iter().position(|a| a.owner.organisation_id().is_some_and(|o| unknown.contains(&o)))
        {
            return Err(unknown_owner(&format!("actions[{i}].owner_organisation_id")));
        }
        let (current, created) = outcomes::lock_outcome(conn, event.id).await?;
        let topics = valid.topics.unwrap_or_else(|| current.topics.clone());
        let summary = valid.summary.unwrap_or_else(|| current.summary.clone());
        let changes =
            outcome_changes((&current.topics, current.summary.as_deref()), (&topics, summary.as_deref()));
        let mut transitions = Vec::new();
        let event_ref = EventRef::of(&event);
        if !changes.is_empty() {
            outcomes::update_outcome(conn, event.id, &topics, summary.as_deref()).await?;
            transitions.push(Transition::OutcomeRecorded { event: event_ref, changes });
        }
        let new: Vec<(Uuid, ValidAction)> = valid.actions.into_iter().map(|a| (Uuid::now_v7(), a)).collect();
        let added = new.len();
        outcomes::insert_actions(conn, event.id, &new).await?;
        transitions.extend(new.into_iter().map(|(action_id, created)| Transition::ActionCreated {
            action: action_ref(ActionId(action_id), &event),
            created,
        }));
        record(conn, actor(caller), &transitions).await?;
        tracing::info!(event = %event.id, by = %caller.id, actions = added, "recorded an event's outcome");
        let shared: &AsyncPgConnection = conn;
        let outcome = outcomes::find_outcome(shared, event.id).await?.ok_or(AppError::NotFound)?;
        let actions = outcomes::event_actions(shared, event.id).await?;
        let recorded = Recorded { outcome, actions, created };
        if let Some((key, _)) = idempotent {
            let status = if created { 201 } else { 200 };
            idempotency::remember(conn, caller.id, key, status, &answer(&recorded), None).await?;
        }
        Ok(Answered::Recorded(recorded))
    })
    .await
}

/// 422 `unknown_organisation` at `field`: an owner must be an existing organisation, or be
/// named in `owner_name`.
fn unknown_owner(field: &str) -> AppError {
    AppError::invalid(
        "unknown_organisation",
        field,
        "no organisation has this id; name an owner that is not registered in owner_name",
    )
}

fn action_ref(id: ActionId, event: &EventRow) -> ActionRef {
    ActionRef { id, event: EventRef::of(event), series: event.series_id }
}

/// The event's outcome and actions, to its organisers and admins; an event with none
/// recorded has no topics, no summary and no actions (`None`).
pub async fn read_outcome(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: EventId,
) -> AppResult<(Option<OutcomeRow>, Vec<ActionRow>)> {
    let event = events::find(conn, id.0).await?.ok_or(AppError::NotFound)?;
    caller.event_access(&event).require_manage()?;
    let shared: &AsyncPgConnection = conn;
    Ok((outcomes::find_outcome(shared, event.id).await?, outcomes::event_actions(shared, event.id).await?))
}

/// One action, to the organisers and admins of its event's organisation (403 to anyone else
/// who is signed in, as for places; 404 for an unknown action).
pub async fn find_action(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: ActionId,
) -> AppResult<ActionRow> {
    caller.require_staff()?;
    let row = outcomes::find_action(conn, id.0).await?.ok_or(AppError::NotFound)?;
    caller.require_manages_organisation(row.organisation_id)?;
    Ok(row)
}

/// Applies `patch` to the action, checked as a new action is; an owner organisation that
/// does not exist is 422 `unknown_organisation`. A PATCH that changes nothing records and
/// announces nothing.
pub async fn change_action(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: ActionId,
    patch: ActionPatch,
) -> AppResult<ActionRow> {
    caller.require_staff()?;
    conn.transaction::<_, AppError, _>(async move |conn| {
        let current = outcomes::lock_action(conn, id.0).await?.ok_or(AppError::NotFound)?;
        caller.require_manages_organisation(current.organisation_id)?;
        let before = current.to_valid();
        let after = validate_action(patch.apply(&before)).map_err(AppError::validation)?;
        if after == before {
            return Ok(current);
        }
        if let Some(owner) = after.owner.organisation_id() {
            if !outcomes::unknown_organisations(conn, &[owner]).await?.is_empty() {
                return Err(unknown_owner("owner_organisation_id"));
            }
        }
        outcomes::update_action(conn, id.0, &after).await?;
        let event = EventRef {
            id: EventId(current.event_id),
            organisation_id: OrganisationId(current.organisation_id),
        };
        let transition = Transition::ActionChanged {
            action: ActionRef { id, event, series: current.series_id },
            before,
            after,
        };
        record(conn, actor(caller), &[transition]).await?;
        tracing::info!(action = %id, by = %caller.id, "changed an action");
        outcomes::find_action(conn, id.0).await?.ok_or(AppError::NotFound)
    })
    .await
}

/// A page of the actions of the series' events (see `db::outcomes::series_actions`), to the
/// organisers and admins of its organisation.
pub async fn series_actions(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    series_id: Uuid,
    statuses: &[ActionStatus],
    after: Option<SeriesKey>,
    limit: i64,
) -> AppResult<Vec<ActionRow>> {
    crate::app::series::find(conn, caller, series_id).await?;
    outcomes::series_actions(conn, series_id, statuses, after, limit).await
}
