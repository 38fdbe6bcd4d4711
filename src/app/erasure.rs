//! Erasing participants' personal data: one registration, every registration of an ended
//! event, and the retention purge. All go through [`erase_in`], and through it through the
//! one statement that erases (`db::registrations::erase_personal_data`), so every path
//! erases the same things.

use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};

use crate::app::transition::{EventRef, RegistrationRef, Seat, Transition};
use crate::app::{actor, record};
use crate::auth::Caller;
use crate::db::events::{self, EventRow};
use crate::db::registrations::{self, RegistrationRow};
use crate::domain::actors::{Actor, EventId};
use crate::domain::privacy::{may_erase_event, purge_due};
use crate::domain::refusal::Refusal;
use crate::error::{AppError, AppResult};

pub use crate::db::registrations::Erasure;

/// Erases the registrations of `event` that `which` chooses (those not erased yet) and
/// returns them with their transitions, one `PersonalDataErased` each. Call inside a
/// transaction with `event` locked, and record the transitions (`app::record`) with the
/// event's own, if any. Used by every erasure, and by consent withdrawals.
pub async fn erase_in(
    conn: &mut AsyncPgConnection,
    event: &EventRow,
    which: Erasure<'_>,
) -> AppResult<(Vec<RegistrationRow>, Vec<Transition>)> {
    let which = match which {
        Erasure::Registrations { ids, .. } => Erasure::Registrations { event_id: event.id, ids },
        Erasure::Event { limit, .. } => Erasure::Event { event_id: event.id, limit },
    };
    let erased = registrations::erase_personal_data(conn, which).await?;
    let ids: Vec<_> = erased.iter().map(|row| row.id).collect();
    crate::db::outreach::erase(conn, &ids).await?;
    let transitions = erased
        .iter()
        .map(|row| Transition::PersonalDataErased {
            registration: RegistrationRef::of(row, event),
            seat: Seat::of(row),
        })
        .collect();
    Ok((erased, transitions))
}

/// What an erasure of an event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Erased {
    pub event: EventId,
    /// Registrations erased now (not counting those erased before).
    pub registrations: i64,
}

/// `DELETE /events/{id}/personal-data`: erases every registration of an ended event at once
/// (its organisers, admins). Idempotent: once all are erased, nothing more happens and
/// nothing more is recorded. 409 `event_not_ended` before the end.
pub async fn erase_event(conn: &mut AsyncPgConnection, caller: &Caller, id: EventId) -> AppResult<Erased> {
    let by = actor(caller);
    conn.transaction::<_, AppError, _>(async move |conn| {
        let event = events::lock(conn, id.0).await?.ok_or(AppError::NotFound)?;
        caller.event_access(&event).require_manage()?;
        if !may_erase_event(event.ends_at, Utc::now()) {
            return Err(Refusal::EventNotEnded.into());
        }
        let (erased, mut transitions) =
            erase_in(conn, &event, Erasure::Event { event_id: event.id, limit: i64::MAX }).await?;
        let count = erased.len() as i64;
        if count > 0 {
            transitions
                .push(Transition::EventPersonalDataErased { event: EventRef::of(&event), erased: count });
        }
        record(conn, by, &transitions).await?;
        Ok(Erased { event: id, registrations: count })
    })
    .await
}

/// One step of the retention purge: locks one event past its retention that still holds
/// personal data (skipping events another process or request holds, so several processes
/// may purge at once), erases up to `batch` of its registrations, and records the purge in
/// the event's history (counts only), as the server. `None` when no event is due.
pub async fn purge_next(conn: &mut AsyncPgConnection, batch: i64) -> AppResult<Option<Erased>> {
    conn.transaction::<_, AppError, _>(async move |conn| {
        let Some((event, retention_days)) = events::lock_next_due_for_purge(conn).await? else {
            return Ok(None);
        };
        // The query chose it; the rule decides (the two agree unless the clocks disagree).
        if !purge_due(event.ends_at, retention_days, Utc::now()) {
            return Ok(None);
        }
        let (erased, mut transitions) =
            erase_in(conn, &event, Erasure::Event { event_id: event.id, limit: batch.max(1) }).await?;
        let count = erased.len() as i64;
        // Chosen with nothing but participant-list rows left to forget: they are forgotten
        // now (by the same statement), and there is nothing to count.
        if count == 0 {
            return Ok(Some(Erased { event: EventId(event.id), registrations: 0 }));
        }
        transitions.push(Transition::RetentionPurged { event: EventRef::of(&event), erased: count });
        record(conn, Actor::system(), &transitions).await?;
        Ok(Some(Erased { event: EventId(event.id), registrations: count }))
    })
    .await
}

/// The retention purge, until no event is due: each step is a transaction of its own, of at
/// most `batch` registrations. Returns the registrations erased.
pub async fn purge_due_events(conn: &mut AsyncPgConnection, batch: i64) -> AppResult<i64> {
    let mut total = 0;
    while let Some(erased) = purge_next(conn, batch).await? {
        tracing::info!(event_id = %erased.event.0, registrations = erased.registrations, "retention purge");
        total += erased.registrations;
    }
    Ok(total)
}
