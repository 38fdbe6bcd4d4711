//! The use cases of an event: create, change, publish, cancel; and the reads every other use
//! case starts from.

use diesel_async::{AsyncConnection, AsyncPgConnection};

use crate::app::registrations::{promote, with_groups};
use crate::app::transition::{EventRef, Transition};
use crate::app::{actor, record, series};
use crate::auth::{event_access, Caller};
use crate::db::events::{self, EventRow};
use crate::db::history::{self, EventHistoryRow};
use crate::db::places::{self, EventPlaceRow};
use crate::domain::actors::EventId;
use crate::domain::events::{fits_registrations, EventDraft, EventStatus};
use crate::domain::group_reservations::{check_rooms, rooms_of};
use crate::domain::history::{event_changes, reschedules_event, FieldChange};
use crate::domain::refusal::Refusal;
use crate::domain::seats::Mode;
use crate::domain::text::Problems;
use crate::error::{AppError, AppResult};

/// The event, when the caller may know it exists (`auth::event_access`): every read of an
/// event starts here.
pub async fn find_visible(
    conn: &mut AsyncPgConnection,
    caller: Option<&Caller>,
    id: EventId,
) -> AppResult<EventRow> {
    let event = events::find(conn, id.0).await?.ok_or(AppError::NotFound)?;
    event_access(caller, &event).require_see()?;
    Ok(event)
}

/// The event, when the caller manages it: 404 if they may not know it exists, 403 if they
/// may only look.
pub async fn find_managed(conn: &mut AsyncPgConnection, caller: &Caller, id: EventId) -> AppResult<EventRow> {
    let event = events::find(conn, id.0).await?.ok_or(AppError::NotFound)?;
    caller.event_access(&event).require_manage()?;
    Ok(event)
}

/// The locked event, when the caller manages it.
async fn lock_managed(conn: &mut AsyncPgConnection, caller: &Caller, id: EventId) -> AppResult<EventRow> {
    let event = events::lock(conn, id.0).await?.ok_or(AppError::NotFound)?;
    caller.event_access(&event).require_manage()?;
    Ok(event)
}

/// An event after a use case.
pub struct Outcome {
    pub event: EventRow,
    pub transitions: Vec<Transition>,
}

/// Creates an event from a validated draft, as a draft, in its series (`series::link`). The
/// caller must manage its organisation (checked by the handler before validation, so that
/// 403 comes first).
pub async fn create(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    mut draft: EventDraft,
) -> AppResult<Outcome> {
    caller.require_manages_organisation(draft.organisation_id)?;
    let by = actor(caller);
    conn.transaction::<_, AppError, _>(async move |conn| {
        // A new event offers no place yet: its group reservations hold at the main venue.
        check_group_rooms(&draft, &[])?;
        series::link(conn, &mut draft).await?;
        let event = events::insert(conn, draft).await?;
        let transitions = vec![Transition::EventCreated { event: EventRef::of(&event) }];
        record(conn, by, &transitions).await?;
        Ok(Outcome { event, transitions })
    })
    .await
}

/// Writes `merged` over the event, which the caller read as `read` (a validated draft of it
/// with a PATCH applied). Refused when the event changed since it was read, when it is
/// cancelled, or when its registrations would not fit; raising a capacity (or lowering the
/// reserved seats) promotes the waitlist in the same transaction. The event is linked to
/// its series (`series::link`) under its lock.
pub async fn change(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: EventId,
    read: EventDraft,
    mut merged: EventDraft,
) -> AppResult<Outcome> {
    caller.require_manages_organisation(merged.organisation_id)?;
    let by = actor(caller);
    conn.transaction::<_, AppError, _>(async move |conn| {
        let current = lock_managed(conn, caller, id).await?;
        if current.status == EventStatus::Cancelled {
            return Err(Refusal::EventCancelled.into());
        }
        if current.to_draft() != read {
            return Err(Refusal::ConcurrentUpdate.into());
        }
        fits_registrations(&current.seats(), current.online_waitlisted, current.onsite_waitlisted, &merged)?;
        if !merged.group_reservations.is_empty() || current.has_group_reservations() {
            let offered = places::of_event(conn, current.id).await?;
            check_group_rooms(&merged, &offered)?;
            fits_group_reservations(conn, &current, &offered, &merged).await?;
        }
        series::link(conn, &mut merged).await?;
        if event_changes(&read, &merged).is_empty() {
            return Ok(Outcome { event: current, transitions: Vec::new() });
        }
        let stored = events::store(conn, current.id, merged).await?;
        // What was stored, which PostgreSQL keeps to the microsecond.
        let changes = event_changes(&read, &stored.to_draft());
        let mut transitions =
            vec![Transition::EventChanged { event: EventRef::of(&stored), status: stored.status, changes }];
        transitions.extend(promote(conn, &stored).await?);
        record(conn, by, &transitions).await?;
        let event = events::find(conn, current.id).await?.ok_or(AppError::NotFound)?;
        Ok(Outcome { event, transitions })
    })
    .await
}

/// 422 unless the group reservations of `draft` name only places the event offers
/// (`offered`), and fit with the seats reserved for the need in every room.
fn check_group_rooms(draft: &EventDraft, offered: &[EventPlaceRow]) -> AppResult<()> {
    let mut problems = Problems::default();
    let (venue, places) =
        rooms_of(draft.onsite.as_ref(), offered.iter().map(|p| (p.place_id, p.capacity, p.reserved)));
    check_rooms(&mut problems, &draft.group_reservations, venue, &places);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(AppError::validation(problems.0))
    }
}

/// 409 `capacity_below_confirmed` unless everyone seated at the locked event `current` still
/// has a seat they may take with the main venue and group reservations of `draft` (the
/// rules of the need alone are `fits_registrations`').
async fn fits_group_reservations(
    conn: &mut AsyncPgConnection,
    current: &EventRow,
    offered: &[EventPlaceRow],
    draft: &EventDraft,
) -> AppResult<()> {
    if draft.group_reservations.is_empty() {
        return Ok(());
    }
    let mut proposed = current.seating(offered);
    if let Some(onsite) = &draft.onsite {
        proposed.seats.onsite_capacity = onsite.capacity.unwrap_or(0) as i32;
        proposed.seats.onsite_reserved = onsite.reserved_for_physical_space_need as i32;
    }
    let proposed = with_groups(conn, current, proposed, &draft.group_reservations).await?;
    if proposed.rooms_fit() {
        Ok(())
    } else {
        Err(Refusal::CapacityBelowConfirmed {
            mode: Mode::Onsite,
            confirmed: current.onsite_confirmed + offered.iter().map(|p| p.confirmed).sum::<i32>(),
        }
        .into())
    }
}

/// Publishes a draft.
pub async fn publish(conn: &mut AsyncPgConnection, caller: &Caller, id: EventId) -> AppResult<Outcome> {
    move_to(conn, caller, id, EventStatus::Published).await
}

/// Cancels a draft or published event; its registrations stay readable, and everyone holding
/// one hears of it.
pub async fn cancel(conn: &mut AsyncPgConnection, caller: &Caller, id: EventId) -> AppResult<Outcome> {
    move_to(conn, caller, id, EventStatus::Cancelled).await
}

async fn move_to(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: EventId,
    next: EventStatus,
) -> AppResult<Outcome> {
    let by = actor(caller);
    conn.transaction::<_, AppError, _>(async move |conn| {
        let current = lock_managed(conn, caller, id).await?;
        if !current.status.may_become(next) {
            return Err(Refusal::InvalidTransition { from: current.status, to: next }.into());
        }
        let event = events::set_status(conn, current.id, next).await?;
        let reference = EventRef::of(&event);
        let transition = match next {
            EventStatus::Published => Transition::EventPublished { event: reference },
            EventStatus::Cancelled => {
                Transition::EventCancelled { event: reference, previous: current.status }
            }
            EventStatus::Draft => {
                return Err(Refusal::InvalidTransition { from: current.status, to: next }.into());
            }
        };
        let transitions = vec![transition];
        record(conn, by, &transitions).await?;
        Ok(Outcome { event, transitions })
    })
    .await
}

/// The event's history, oldest first (its organisers and admins).
pub async fn history(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: EventId,
) -> AppResult<Vec<EventHistoryRow>> {
    let event = find_managed(conn, caller, id).await?;
    history::of_event(conn, event.id).await
}

/// The SEQUENCE of the event's calendar entries: how many entries of its history changed its
/// time or place or cancelled it. Counted from the history, which is never purged, so it only
/// grows and needs no column of its own kept in step.
pub async fn schedule_sequence(conn: &mut AsyncPgConnection, id: EventId) -> AppResult<u32> {
    let rows = history::of_event(conn, id.0).await?;
    let mut sequence = 0;
    for row in rows {
        let changes: Vec<FieldChange> = serde_json::from_value(row.changes)
            .map_err(|e| AppError::Unexpected(anyhow::Error::new(e).context("reading an event's history")))?;
        sequence += u32::from(reschedules_event(row.action, &changes));
    }
    Ok(sequence)
}
