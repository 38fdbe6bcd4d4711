//! Email by the server (SMTP_URL set; the sending itself is `crate::email`): claiming the
//! next item to email, and recording how the try went.
//!
//! Delivery is at least once. An item is claimed (locked with `SKIP LOCKED`, then held by a
//! lease in `next_attempt_at`) in a short transaction, sent with no transaction open (a slow
//! mail server holds no lock that a registration's change would wait for), then marked. A
//! process that dies between the mail server's acceptance and the mark leaves the item
//! claimed; once the lease ends another process sends it again, with the same Message-ID
//! (the item's id), by which mail programs can recognise the repeat. Never twice at once:
//! while one process holds the item, the others skip it.

use diesel_async::{AsyncConnection, AsyncPgConnection};

use crate::db::outreach::ItemRow;
use crate::db::outreach_email;
use crate::domain::email::{after_attempt, AfterAttempt, Attempt, CLAIM_LEASE};
use crate::domain::outreach::{channel, Channel};
use crate::error::{AppError, AppResult};

/// Open items looked at per claim: the first whose channel is email is taken.
const CANDIDATES: i64 = 20;

/// An item claimed for sending, and the address to send it to.
pub struct Claimed {
    pub item: ItemRow,
    pub address: String,
}

/// Claims the next item to email, if any, for [`CLAIM_LEASE`]: one whose channel, decided
/// now from the registration as it is (an email, consent to be contacted held, not erased),
/// is `email`. Safe from every process at once: none is claimed twice.
pub async fn claim_next(conn: &mut AsyncPgConnection) -> AppResult<Option<Claimed>> {
    conn.transaction::<_, AppError, _>(async move |conn| {
        let candidates = outreach_email::lock_sendable(conn, CANDIDATES).await?;
        let Some(item) =
            candidates.into_iter().find(|row| channel(row.kind, row.reachable()) == Channel::Email)
        else {
            return Ok(None);
        };
        let address = outreach_email::claim(conn, item.id, CLAIM_LEASE).await?;
        Ok(address.map(|address| Claimed { item, address }))
    })
    .await
}

/// Gives back a claimed item that was not tried (the mail server could not be reached
/// before anything was sent): due again at once, no attempt counted.
pub async fn release(conn: &mut AsyncPgConnection, claimed: &Claimed) -> AppResult<()> {
    outreach_email::release(conn, claimed.item.id).await
}

/// Records how the try of a claimed item went (`domain::email::after_attempt`), and says
/// what the item became.
pub async fn record(
    conn: &mut AsyncPgConnection,
    claimed: &Claimed,
    how: Attempt,
) -> AppResult<AfterAttempt> {
    let id = claimed.item.id;
    let after = after_attempt(claimed.item.attempts + 1, how);
    match after {
        AfterAttempt::Sent => outreach_email::mark_sent(conn, id).await?,
        AfterAttempt::RetryIn(wait) => outreach_email::mark_deferred(conn, id, wait).await?,
        AfterAttempt::Undeliverable => outreach_email::mark_undeliverable(conn, id).await?,
    }
    Ok(after)
}
