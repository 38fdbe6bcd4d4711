//! Participant-list imports: the import of a file, and its people (matched, or waiting for
//! the organiser). The decisions are `domain::attendance_matching`'s; `app::online_attendance`
//! runs them in transactions that lock the event.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Int4, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::prepared::Prepared;
use crate::db::schema::{attendance_import_rows, attendance_imports};
use crate::domain::actors::ActorKind;
use crate::domain::attendance_matching::{Candidate, MatchedBy, RowStatus};
use crate::domain::participant_list::ListFormat;
use crate::error::AppResult;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = attendance_imports)]
pub struct ImportRow {
    pub id: Uuid,
    pub event_id: Uuid,
    pub file_sha256: Vec<u8>,
    pub format: ListFormat,
    pub min_minutes: i32,
    pub file_rows: i32,
    pub created_by: Uuid,
    pub created_by_kind: ActorKind,
    pub created_at: DateTime<Utc>,
}

/// One person of an import.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = attendance_import_rows)]
pub struct PersonRow {
    pub import_id: Uuid,
    pub line: i32,
    pub minutes: i32,
    pub status: RowStatus,
    pub matched_by: Option<MatchedBy>,
    pub registration_id: Option<Uuid>,
    pub checked_in: bool,
    pub candidates: Vec<Uuid>,
    pub platform_name: Option<String>,
    pub platform_email: Option<String>,
    pub platform_phone: Option<String>,
}

/// A person of a new import, as matched.
pub struct NewPerson<'a> {
    pub line: i32,
    pub minutes: i32,
    pub status: RowStatus,
    pub matched_by: Option<MatchedBy>,
    pub registration_id: Option<Uuid>,
    pub checked_in: bool,
    pub candidates: &'a [Uuid],
    /// The platform's name, email and phone: only for a person waiting for review.
    pub platform: [Option<&'a str>; 3],
}

/// Who a participant list may name: the event's confirmed online registrations and those
/// seated at its hosted places (`$1` the event, `$2` the registrations to look at, or NULL
/// for all). A place counts as hosted by its kind now, as in reports.
const CANDIDATES: &str = "SELECT r.id, r.email_normalised, r.phone_digits, r.full_name
                            FROM registrations r LEFT JOIN places p ON p.id = r.place_id
                           WHERE r.event_id = $1 AND r.status = 'confirmed'
                             AND (r.attendance_mode = 'online' OR p.kind = 'hosted')
                             AND ($2::uuid[] IS NULL OR r.id = ANY($2))";

#[derive(QueryableByName)]
struct CandidateRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Nullable<Text>)]
    email_normalised: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    phone_digits: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    full_name: Option<String>,
}

/// The registrations of the event a participant list may name (of `only`, when given).
pub async fn candidates(
    conn: &mut AsyncPgConnection,
    event_id: Uuid,
    only: Option<&[Uuid]>,
) -> AppResult<Vec<Candidate>> {
    let rows: Vec<CandidateRow> = Prepared(
        diesel::sql_query(CANDIDATES).bind::<SqlUuid, _>(event_id).bind::<Nullable<Array<SqlUuid>>, _>(only),
    )
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Candidate {
            id: r.id,
            email_normalised: r.email_normalised,
            phone_digits: r.phone_digits,
            full_name: r.full_name,
        })
        .collect())
}

/// The import of this file into the event, if it was imported before.
pub async fn find_by_file(
    conn: &mut AsyncPgConnection,
    event_id: Uuid,
    sha256: &[u8],
) -> AppResult<Option<ImportRow>> {
    Ok(attendance_imports::table
        .filter(attendance_imports::event_id.eq(event_id))
        .filter(attendance_imports::file_sha256.eq(sha256))
        .select(ImportRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

pub async fn find(conn: &mut AsyncPgConnection, event_id: Uuid, id: Uuid) -> AppResult<Option<ImportRow>> {
    Ok(attendance_imports::table
        .find(id)
        .filter(attendance_imports::event_id.eq(event_id))
        .select(ImportRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Inserts an import and its people, in two statements whatever their number.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    import: &ImportRow,
    people: &[NewPerson<'_>],
) -> AppResult<()> {
    diesel::insert_into(attendance_imports::table).values(import).execute(conn).await?;
    if people.is_empty() {
        return Ok(());
    }
    let platform = |i: usize| people.iter().map(|p| p.platform[i]).collect::<Vec<_>>();
    // Arrays of arrays must be rectangular in PostgreSQL: the candidates travel as one flat
    // array with each person's count.
    let candidates: Vec<Uuid> = people.iter().flat_map(|p| p.candidates.iter().copied()).collect();
    let counts: Vec<i32> = people.iter().map(|p| p.candidates.len() as i32).collect();
    Prepared(
        diesel::sql_query(
            "WITH people AS (
                 SELECT p.*, sum(p.n) OVER (ORDER BY p.ord) - p.n AS first
                   FROM unnest($2::int4[], $3::int4[], $4::text[], $5::text[], $6::uuid[], $7::bool[],
                               $8::int4[], $9::text[], $10::text[], $11::text[])
                        WITH ORDINALITY AS p(line, minutes, status, matched_by, registration_id, checked_in,
                                             n, name, email, phone, ord))
             INSERT INTO attendance_import_rows
                 (import_id, line, minutes, status, matched_by, registration_id, checked_in, candidates,
                  platform_name, platform_email, platform_phone)
             SELECT $1, line, minutes, status, matched_by, registration_id, checked_in,
                    ($12::uuid[])[(first + 1)::int : (first + n)::int], name, email, phone
               FROM people",
        )
        .bind::<SqlUuid, _>(import.id)
        .bind::<Array<Int4>, _>(people.iter().map(|p| p.line).collect::<Vec<_>>())
        .bind::<Array<Int4>, _>(people.iter().map(|p| p.minutes).collect::<Vec<_>>())
        .bind::<Array<Text>, _>(people.iter().map(|p| p.status).collect::<Vec<_>>())
        .bind::<Array<Nullable<Text>>, _>(people.iter().map(|p| p.matched_by).collect::<Vec<_>>())
        .bind::<Array<Nullable<SqlUuid>>, _>(people.iter().map(|p| p.registration_id).collect::<Vec<_>>())
        .bind::<Array<Bool>, _>(people.iter().map(|p| p.checked_in).collect::<Vec<_>>())
        .bind::<Array<Int4>, _>(counts)
        .bind::<Array<Nullable<Text>>, _>(platform(0))
        .bind::<Array<Nullable<Text>>, _>(platform(1))
        .bind::<Array<Nullable<Text>>, _>(platform(2))
        .bind::<Array<SqlUuid>, _>(candidates),
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The people of an import, by line.
pub async fn people(conn: &mut AsyncPgConnection, import_id: Uuid) -> AppResult<Vec<PersonRow>> {
    Ok(attendance_import_rows::table
        .filter(attendance_import_rows::import_id.eq(import_id))
        .order(attendance_import_rows::line.asc())
        .select(PersonRow::as_select())
        .load(conn)
        .await?)
}

/// The person of an import at `line`, locked until the transaction ends.
pub async fn lock_person(
    conn: &mut AsyncPgConnection,
    import_id: Uuid,
    line: i32,
) -> AppResult<Option<PersonRow>> {
    Ok(attendance_import_rows::table
        .find((import_id, line))
        .select(PersonRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?)
}

/// The organiser's answer for a waiting person: their registration (or nobody), whether it
/// was checked in now; the platform's name, email and phone are forgotten.
pub async fn resolve(
    conn: &mut AsyncPgConnection,
    import_id: Uuid,
    line: i32,
    registration_id: Option<Uuid>,
    checked_in: bool,
) -> AppResult<()> {
    let status = if registration_id.is_some() { RowStatus::Resolved } else { RowStatus::Dismissed };
    diesel::update(attendance_import_rows::table.find((import_id, line)))
        .set((
            attendance_import_rows::status.eq(status),
            attendance_import_rows::registration_id.eq(registration_id),
            attendance_import_rows::matched_by.eq(registration_id.map(|_| MatchedBy::Organiser)),
            attendance_import_rows::checked_in.eq(checked_in),
            attendance_import_rows::platform_name.eq(None::<String>),
            attendance_import_rows::platform_email.eq(None::<String>),
            attendance_import_rows::platform_phone.eq(None::<String>),
        ))
        .execute(conn)
        .await?;
    Ok(())
}
