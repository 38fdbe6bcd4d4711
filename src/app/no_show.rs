//! Why a confirmed person did not come: recorded after the event by its organisers, an admin,
//! or the partner that registered the person (partners often know why), and cleared when
//! recorded by mistake.

use chrono::Utc;
use diesel_async::AsyncPgConnection;

use crate::app::registrations::{in_transaction, Outcome};
use crate::app::transition::{RegistrationRef, Seat, Transition};
use crate::auth::{Caller, RegistrationAccess};
use crate::db::registrations;
use crate::domain::actors::RegistrationId;
use crate::domain::attendance::{may_record_no_show, NoShowReason};
use crate::error::AppResult;

/// Records `reason` (idempotently: the same reason again changes nothing; another replaces
/// it), once the event has ended, for a confirmed registration not checked in.
pub async fn record(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: RegistrationId,
    reason: NoShowReason,
) -> AppResult<Outcome> {
    set(conn, caller, id, Some(reason)).await
}

/// Clears the reason (idempotently), whenever: undoing a mistake needs no window.
pub async fn clear(conn: &mut AsyncPgConnection, caller: &Caller, id: RegistrationId) -> AppResult<Outcome> {
    set(conn, caller, id, None).await
}

async fn set(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: RegistrationId,
    reason: Option<NoShowReason>,
) -> AppResult<Outcome> {
    in_transaction(conn, caller, id, RegistrationAccess::require_read, move |conn, registration, event| {
        Box::pin(async move {
            if registration.no_show_reason == reason {
                return Ok((registration, Vec::new()));
            }
            if reason.is_some() {
                may_record_no_show(
                    registration.status,
                    registration.checked_in_at.is_some(),
                    event.ends_at,
                    Utc::now(),
                )?;
            }
            let changed = registrations::set_no_show_reason(conn, registration.id, reason).await?;
            let transition = Transition::NoShowReasonChanged {
                registration: RegistrationRef::of(&changed, event),
                seat: Seat::of(&changed),
                before: registration.no_show_reason,
                after: reason,
            };
            Ok((changed, vec![transition]))
        })
    })
    .await
}
