//! Checking in many registrations of an event at once (`POST /events/{id}/check-ins`): the
//! sheet from the door, typed in after the meeting. One transaction, one statement for the
//! check-ins (shared with the participant-list import), a result per registration.

use std::collections::HashMap;

use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::transition::{RegistrationRef, Seat, Transition};
use crate::app::{actor, record};
use crate::auth::Caller;
use crate::db::events;
use crate::db::events::EventRow;
use crate::db::registrations::{self, CheckedIn};
use crate::domain::actors::EventId;
use crate::domain::attendance::{CheckIn, CheckInSource};
use crate::domain::registrations::{may_check_in, RegistrationStatus};
use crate::error::{AppError, AppResult};

/// Registrations one request may check in.
pub const MAX_CHECK_INS: usize = 500;

/// What became of one registration of the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(example = "checked_in")]
pub enum CheckInOutcome {
    /// Checked in now.
    CheckedIn,
    /// Checked in before: that check-in (its time and source) is kept.
    AlreadyCheckedIn,
    /// Waitlisted or cancelled: only confirmed registrations are checked in.
    NotConfirmed,
    /// Not a registration of this event.
    NotFound,
}

/// Checks in each of `ids` that is a confirmed registration of the event not checked in
/// yet (source `onsite` for onsite seats, `manual` online), within the check-in window of
/// the single check-in (409 `check_in_window` for the whole request otherwise); the others
/// are left as they are. Answers one outcome per id, in the order given (an id given twice
/// is answered once).
pub async fn check_in_many(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: EventId,
    ids: &[Uuid],
) -> AppResult<Vec<(Uuid, CheckInOutcome)>> {
    let mut asked: Vec<Uuid> = Vec::with_capacity(ids.len());
    for id in ids {
        if !asked.contains(id) {
            asked.push(*id);
        }
    }
    let by = actor(caller);
    conn.transaction::<_, AppError, _>(async move |conn| {
        let event = events::lock(conn, id.0).await?.ok_or(AppError::NotFound)?;
        caller.event_access(&event).require_manage()?;
        // The window is the event's: asked as for a confirmed registration.
        may_check_in(RegistrationStatus::Confirmed, event.starts_at, event.ends_at, Utc::now())?;
        let found = registrations::of_event(conn, event.id, &asked).await?;
        let mut outcomes: HashMap<Uuid, CheckInOutcome> = HashMap::new();
        let mut check_ins = Vec::new();
        let at = Utc::now();
        for row in &found {
            let outcome = match (row.status, row.checked_in_at) {
                (RegistrationStatus::Confirmed, Some(_)) => CheckInOutcome::AlreadyCheckedIn,
                (RegistrationStatus::Confirmed, None) => {
                    let source = CheckInSource::by_hand_for(row.attendance_mode);
                    check_ins.push((row.id, CheckIn { at, source, minutes: None }));
                    CheckInOutcome::CheckedIn
                }
                _ => CheckInOutcome::NotConfirmed,
            };
            outcomes.insert(row.id, outcome);
        }
        let checked_in = registrations::check_in_many(conn, event.id, &check_ins).await?;
        record(conn, by, &transitions(&checked_in, &event)).await?;
        Ok(asked
            .iter()
            .map(|id| (*id, outcomes.get(id).copied().unwrap_or(CheckInOutcome::NotFound)))
            .collect())
    })
    .await
}

/// The transitions of the check-ins [`registrations::check_in_many`] made, each with the
/// check-in as stored and the no-show reason it cleared.
pub fn transitions(checked_in: &[CheckedIn], event: &EventRow) -> Vec<Transition> {
    checked_in
        .iter()
        .filter_map(|checked| {
            Some(Transition::CheckedIn {
                registration: RegistrationRef::of(&checked.registration, event),
                seat: Seat::of(&checked.registration),
                check_in: checked.registration.check_in()?,
                cleared_no_show: checked.cleared_no_show,
            })
        })
        .collect()
}
