//! Reaching participants: the items a partner (or the organisers) must act on, and what they
//! report back. A person who declines gives their seat to the next one, in the same
//! transaction.

use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

use crate::app::announce_outreach;
use crate::app::registrations::{cancel_locked, in_transaction, Outcome};
use crate::auth::{Caller, RegistrationAccess};
use crate::db::outreach::{self, Assigned, ItemFilter, ItemRow};
use crate::domain::actors::{RegistrationId, Role};
use crate::domain::outreach::{OutreachStatus, ReportedResult};
use crate::domain::refusal::Refusal;
use crate::error::{AppError, AppResult};

/// Whose items `caller` sees: a partner those assigned to it, an organiser their
/// organisation's (whoever they are assigned to), an admin all.
pub fn assigned_to(caller: &Caller) -> AppResult<Assigned> {
    match (caller.role, caller.organisation_id) {
        (Role::Partner, _) => Ok(Assigned::ToPartner(caller.id)),
        (Role::Organiser, Some(organisation)) => Ok(Assigned::InOrganisation(organisation)),
        (Role::Organiser, None) => Err(AppError::Forbidden),
        (Role::Admin, _) => Ok(Assigned::Everywhere),
    }
}

/// Makes the reminders that have fallen due (`db::outreach::create_due_reminders`) and
/// announces each, in one transaction. Safe to run from every process at once. Returns how
/// many were made.
pub async fn remind(conn: &mut AsyncPgConnection) -> AppResult<usize> {
    conn.transaction::<_, AppError, _>(async move |conn| {
        let made = outreach::create_due_reminders(conn).await?;
        announce_outreach(conn, &made).await?;
        Ok(made.len())
    })
    .await
}

/// A page of the items `caller` sees, oldest first.
pub async fn list(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    filter: ItemFilter,
    after: Option<i64>,
    limit: i64,
) -> AppResult<Vec<ItemRow>> {
    outreach::list(conn, assigned_to(caller)?, filter, after, limit).await
}

/// One item, when `caller` sees it (404 otherwise).
pub async fn find(conn: &mut AsyncPgConnection, caller: &Caller, id: Uuid) -> AppResult<ItemRow> {
    let item = outreach::find(conn, id).await?.ok_or(AppError::NotFound)?;
    let sees = match assigned_to(caller)? {
        Assigned::ToPartner(partner) => item.partner_id == Some(partner),
        Assigned::InOrganisation(organisation) => item.organisation_id == organisation,
        Assigned::Everywhere => true,
    };
    if sees {
        Ok(item)
    } else {
        Err(AppError::NotFound)
    }
}

/// A partner's report of an attempt to reach the person: `reached`, `no_answer` (the item
/// stays open), `declined` (the registration is cancelled and its seat goes to the next
/// person) or `wrong_contact`. The partner of the registration, its event's organisers and
/// admins may report; 409 `outreach_closed` once the item is done or failed.
pub async fn report(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
    result: ReportedResult,
    note: Option<String>,
) -> AppResult<(ItemRow, Outcome)> {
    let registration = outreach::registration_of(conn, id).await?.ok_or(AppError::NotFound)?;
    let by = caller.id;
    let outcome = in_transaction(
        conn,
        caller,
        RegistrationId(registration),
        RegistrationAccess::require_read,
        |conn, registration, event| {
            Box::pin(async move {
                if outreach::lock_status(conn, id).await? != OutreachStatus::Open {
                    return Err(Refusal::OutreachClosed.into());
                }
                outreach::record_result(
                    conn,
                    id,
                    result.status_after(),
                    result.result(),
                    note.as_deref(),
                    by,
                )
                .await?;
                match result {
                    ReportedResult::Declined => cancel_locked(conn, registration, event).await,
                    ReportedResult::Reached | ReportedResult::NoAnswer | ReportedResult::WrongContact => {
                        Ok((registration, Vec::new()))
                    }
                }
            })
        },
    )
    .await?;
    let item = outreach::find(conn, id).await?.ok_or(AppError::NotFound)?;
    Ok((item, outcome))
}
