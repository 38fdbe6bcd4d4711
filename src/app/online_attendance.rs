//! Importing a video platform's participant list, and the organiser's answers for the
//! people it could not match. The file is read and matched before anything is locked (the
//! candidates are read without a lock); one transaction per file then locks the event, checks
//! in and records, so the event's lock is held only for the writes.

use std::collections::HashSet;

use chrono::{SubsecRound, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::app::check_ins::transitions;
use crate::app::{actor, record};
use crate::auth::Caller;
use crate::db::attendance_imports::{self, ImportRow, NewPerson, PersonRow};
use crate::db::events;
use crate::db::registrations;
use crate::domain::actors::{EventId, RegistrationId};
use crate::domain::attendance::{CheckIn, CheckInSource};
use crate::domain::attendance_matching::{match_rows, may_import, min_minutes, Found, Person};
use crate::domain::participant_list::{self, ListFormat, ListProblem};
use crate::domain::refusal::Refusal;
use crate::error::{AppError, AppResult};

/// A file to import.
pub struct ImportRequest {
    /// `None`: the format its header shows (`auto`).
    pub format: Option<ListFormat>,
    /// Minutes to count as attended; `None`: the event's setting, else a quarter of it.
    pub min_minutes: Option<i32>,
    pub file: Vec<u8>,
}

/// An import and its people as they stand.
pub struct Imported {
    pub import: ImportRow,
    pub people: Vec<PersonRow>,
    /// False when the same file was imported before: this is that import, unchanged.
    pub new: bool,
}

/// The 422 of a file that is not a participant list this product reads.
fn unreadable(problem: ListProblem) -> AppError {
    AppError::invalid(problem.code(), "body", &problem.message())
}

/// Imports a participant list into an event (its organisers, admins): reads and matches it,
/// then, in one transaction with the event locked, checks in (source `online_import`, with
/// the minutes) the people matched who stayed `min_minutes` or more and were not checked in
/// yet, and keeps the people left for the organiser. The same file again is answered with
/// its first import, and changes nothing.
pub async fn import(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: EventId,
    request: ImportRequest,
) -> AppResult<Imported> {
    let event = events::find(conn, id.0).await?.ok_or(AppError::NotFound)?;
    caller.event_access(&event).require_manage()?;
    may_import(event.status, event.starts_at, Utc::now())?;
    let list = participant_list::parse(&request.file, request.format).map_err(unreadable)?;
    let sha256 = Sha256::digest(&request.file).to_vec();
    if let Some(earlier) = attendance_imports::find_by_file(conn, event.id, &sha256).await? {
        return replay(conn, earlier).await;
    }
    let min_minutes =
        min_minutes(request.min_minutes, event.online_attendance_min_minutes, event.starts_at, event.ends_at);
    let candidates = attendance_imports::candidates(conn, event.id, None).await?;
    let people = match_rows(&list.rows, &candidates);
    let at = Utc::now();
    let check_ins: Vec<(Uuid, CheckIn)> = people
        .iter()
        .filter_map(|person| match person.found {
            Found::One { registration, .. } if person.minutes >= min_minutes => Some((
                registration,
                CheckIn { at, source: CheckInSource::OnlineImport, minutes: Some(person.minutes) },
            )),
            _ => None,
        })
        .collect();
    let import = ImportRow {
        id: Uuid::now_v7(),
        event_id: event.id,
        file_sha256: sha256,
        format: list.format,
        min_minutes,
        file_rows: list.rows.len() as i32,
        created_by: caller.id,
        created_by_kind: caller.kind.into(),
        // As PostgreSQL keeps it, so a replay answers the same time.
        created_at: Utc::now().trunc_subsecs(6),
    };
    let by = actor(caller);
    conn.transaction::<_, AppError, _>(async move |conn| {
        let event = events::lock(conn, id.0).await?.ok_or(AppError::NotFound)?;
        // The same file may have been imported while this one was read.
        if let Some(earlier) = attendance_imports::find_by_file(conn, event.id, &import.file_sha256).await? {
            return replay(conn, earlier).await;
        }
        // Matched on candidates read before the lock: a registration cancelled or moved to a
        // room of the event since is no longer one the list may check in.
        let matched: Vec<Uuid> = check_ins.iter().map(|(registration, _)| *registration).collect();
        let still_eligible: HashSet<Uuid> = attendance_imports::candidates(conn, event.id, Some(&matched))
            .await?
            .into_iter()
            .map(|candidate| candidate.id)
            .collect();
        let check_ins: Vec<(Uuid, CheckIn)> =
            check_ins.into_iter().filter(|(registration, _)| still_eligible.contains(registration)).collect();
        let checked_in = registrations::check_in_many(conn, event.id, &check_ins).await?;
        let now_checked_in: HashSet<Uuid> =
            checked_in.iter().map(|checked| checked.registration.id).collect();
        let new_people: Vec<NewPerson<'_>> =
            people.iter().map(|person| new_person(person, &now_checked_in)).collect();
        attendance_imports::insert(conn, &import, &new_people).await?;
        record(conn, by, &transitions(&checked_in, &event)).await?;
        let people = attendance_imports::people(conn, import.id).await?;
        Ok(Imported { import, people, new: true })
    })
    .await
}

async fn replay(conn: &mut AsyncPgConnection, import: ImportRow) -> AppResult<Imported> {
    let people = attendance_imports::people(conn, import.id).await?;
    Ok(Imported { import, people, new: false })
}

fn new_person<'a>(person: &'a Person, now_checked_in: &HashSet<Uuid>) -> NewPerson<'a> {
    let (registration_id, matched_by, candidates) = match &person.found {
        Found::One { registration, by } => (Some(*registration), Some(*by), &[][..]),
        Found::Several(candidates) => (None, None, candidates.as_slice()),
        Found::Nobody => (None, None, &[][..]),
    };
    let status = person.status();
    // The platform's name is kept only for a person the organiser still has to resolve.
    let platform = if status.waiting() {
        [person.name.as_deref(), person.email.as_deref(), person.phone.as_deref()]
    } else {
        [None; 3]
    };
    NewPerson {
        line: person.line as i32,
        minutes: person.minutes,
        status,
        matched_by,
        registration_id,
        // One person per registration in an import: the first of its rows carries it.
        checked_in: registration_id.is_some_and(|id| now_checked_in.contains(&id)),
        candidates,
        platform,
    }
}

/// The organiser's answer for a person of an import that waits for one: their registration
/// (checked in, with the minutes of every row of the import counted for it, when they reach
/// the import's minimum and it was not checked in yet), or nobody (`None`). Either way the
/// platform's name, email and phone are forgotten. 409 `already_resolved` for a person
/// answered before.
pub async fn resolve(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: EventId,
    import_id: Uuid,
    line: i32,
    registration: Option<RegistrationId>,
) -> AppResult<Imported> {
    let by = actor(caller);
    conn.transaction::<_, AppError, _>(async move |conn| {
        let event = events::lock(conn, id.0).await?.ok_or(AppError::NotFound)?;
        caller.event_access(&event).require_manage()?;
        let import = attendance_imports::find(conn, event.id, import_id).await?.ok_or(AppError::NotFound)?;
        let person = attendance_imports::lock_person(conn, import.id, line).await?.ok_or_else(|| {
            AppError::invalid("unknown_row", "row", "no person of this import starts on that line")
        })?;
        if !person.status.waiting() {
            return Err(Refusal::AlreadyResolved.into());
        }
        let mut checked_in = Vec::new();
        if let Some(registration) = registration {
            let eligible = attendance_imports::candidates(conn, event.id, Some(&[registration.0])).await?;
            if eligible.is_empty() {
                return Err(AppError::invalid(
                    "registration_not_eligible",
                    "registration_id",
                    "not a confirmed online registration of this event, nor one seated at a hosted place",
                ));
            }
            let minutes: i32 = attendance_imports::people(conn, import.id)
                .await?
                .iter()
                .filter(|other| other.registration_id == Some(registration.0))
                .map(|other| other.minutes)
                .sum::<i32>()
                + person.minutes;
            if minutes >= import.min_minutes {
                let check_in =
                    CheckIn { at: Utc::now(), source: CheckInSource::OnlineImport, minutes: Some(minutes) };
                checked_in =
                    registrations::check_in_many(conn, event.id, &[(registration.0, check_in)]).await?;
            }
        }
        attendance_imports::resolve(conn, import.id, line, registration.map(|r| r.0), !checked_in.is_empty())
            .await?;
        record(conn, by, &transitions(&checked_in, &event)).await?;
        let people = attendance_imports::people(conn, import.id).await?;
        Ok(Imported { import, people, new: false })
    })
    .await
}
