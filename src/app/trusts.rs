//! Trust between organisations: an organisation's organisers (or an admin) let the partners
//! of another organisation register people for its events. Trust changes no event and no
//! registration, so it announces nothing and writes no history entry (README: "Changes,
//! announcements and the audit trail"); withdrawing it leaves the registrations made under
//! it with the partners that made them.

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::app::managed_organisation;
use crate::auth::Caller;
use crate::db::accounts;
use crate::db::trusts::{self, TrustedRow};
use crate::error::{AppError, AppResult};

/// Makes `id` trust `other`: `Some` with the trust when this created it, `None` when it was
/// there already. An organisation's own partners need no trust: trusting itself is 422
/// `cannot_trust_itself`.
pub async fn trust(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
    other: Uuid,
) -> AppResult<Option<TrustedRow>> {
    managed_organisation(conn, caller, id).await?;
    if other == id {
        return Err(AppError::invalid(
            "cannot_trust_itself",
            "other",
            "an organisation's own partners need no trust",
        ));
    }
    let trusted = accounts::find_organisation(conn, other).await?.ok_or(AppError::NotFound)?;
    let created = trusts::trust(conn, id, other, caller.id).await?;
    if created.is_some() {
        tracing::info!(organisation = %id, trusted = %other, by = %caller.id, "trust given");
    }
    Ok(created.map(|trust| TrustedRow { trust, name: trusted.name, kind: trusted.kind }))
}

/// Withdraws `id`'s trust in `other`, whether or not it was given. Registrations made under
/// it stay, readable and changeable by the partners that made them.
pub async fn withdraw(conn: &mut AsyncPgConnection, caller: &Caller, id: Uuid, other: Uuid) -> AppResult<()> {
    managed_organisation(conn, caller, id).await?;
    accounts::find_organisation(conn, other).await?.ok_or(AppError::NotFound)?;
    trusts::withdraw(conn, id, other).await?;
    tracing::info!(organisation = %id, trusted = %other, by = %caller.id, "trust withdrawn");
    Ok(())
}

/// A page of the organisations `id` trusts, newest trust first.
pub async fn list(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
    after: Option<(chrono::DateTime<chrono::Utc>, Uuid)>,
    limit: i64,
) -> AppResult<Vec<TrustedRow>> {
    managed_organisation(conn, caller, id).await?;
    trusts::list(conn, id, after, limit).await
}
