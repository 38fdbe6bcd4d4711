//! The use cases: one function per change the product makes. Each owns its transaction:
//! it locks what the decision depends on, asks `domain` for the decision, writes through
//! `db`, and returns typed transitions ([`transition::Transition`]); [`record`] turns them
//! into the history entries and webhook messages, in the same transaction. Handlers parse,
//! call one of these, and render.

pub mod check_ins;
pub mod consents;
pub mod erasure;
pub mod event_places;
pub mod events;
pub mod no_show;
pub mod online_attendance;
pub mod organisations;
pub mod outcomes;
pub mod outreach;
pub mod outreach_email;
pub mod places;
pub mod registrations;
pub mod series;
pub mod transition;
pub mod trusts;

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::auth::Caller;
use crate::db::accounts::{self, OrganisationRow};
use crate::db::{history, outbox, outreach as outreach_items};
use crate::domain::actors::Actor;
use crate::domain::outreach::OutreachResult;
use crate::error::{AppError, AppResult};
use transition::{Entry, Outreach, Transition};

/// The actor that a caller's changes are recorded under.
pub fn actor(caller: &Caller) -> Actor {
    Actor { id: Some(caller.id), kind: caller.kind.into() }
}

/// The organisation `id`, when the caller manages it: 403 to partners, 404 for an unknown
/// organisation, 403 to organisers of another one (its API clients, its trust).
pub async fn managed_organisation(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
) -> AppResult<OrganisationRow> {
    caller.require_staff()?;
    let organisation = accounts::find_organisation(conn, id).await?.ok_or(AppError::NotFound)?;
    caller.require_manages_organisation(id)?;
    Ok(organisation)
}

/// Writes what `transitions` leave behind, made by `actor`: their history entries, their
/// webhook messages and their outreach items (each announced by `outreach.created`). Call
/// inside the transaction that made them.
pub async fn record(conn: &mut AsyncPgConnection, actor: Actor, transitions: &[Transition]) -> AppResult<()> {
    let mut registration_entries = Vec::new();
    let mut told_one = Vec::new();
    let mut told_all = Vec::new();
    let mut withdrawn = Vec::new();
    for transition in transitions {
        let effects = transition.effects(actor);
        match effects.entry {
            Entry::Registration(entry) => registration_entries.push(entry),
            Entry::Event(entry) => history::append_event_entry(conn, &entry).await?,
            Entry::DuplicateTally(tally) => history::count_duplicate_refused(conn, &tally).await?,
        }
        if let Some(change) = &effects.announcement {
            outbox::enqueue(conn, change).await?;
        }
        match effects.outreach {
            // A change that makes several items for one registration (moved, then given a
            // seat) leaves the last: it says what holds now.
            Some(Outreach::Registration { registration, kind }) => {
                told_one.retain(|(_, id, _)| *id != registration.id.0);
                told_one.push((Uuid::now_v7(), registration.id.0, kind));
            }
            Some(Outreach::Withdrawn { registration }) => {
                told_one.retain(|(_, id, _)| *id != registration.id.0);
                withdrawn.push(registration.id.0);
            }
            Some(Outreach::Event { event, kind, reach, previous_start }) => {
                told_all.push((event, kind, reach, previous_start));
            }
            None => {}
        }
    }
    history::append_registration_entries(conn, &registration_entries).await?;
    outreach_items::close(conn, &withdrawn, OutreachResult::Cancelled).await?;
    let mut created = Vec::new();
    for (event, kind, reach, previous_start) in told_all {
        let details = serde_json::json!({ "previous_starts_at": previous_start });
        created.extend(outreach_items::create_for_event(conn, event.id.0, kind, reach, &details).await?);
    }
    created.extend(outreach_items::create_for_registrations(conn, &told_one).await?);
    announce_outreach(conn, &created).await
}

/// `outreach.created` for each item just made, in one statement; each message's id is its
/// item's.
pub async fn announce_outreach(
    conn: &mut AsyncPgConnection,
    items: &[outreach_items::Created],
) -> AppResult<()> {
    let announcements: Vec<_> = items
        .iter()
        .map(|item| outbox::Message::with_id(item.id, &transition::about_outreach(item)))
        .collect();
    outbox::enqueue_all(conn, &announcements).await
}
