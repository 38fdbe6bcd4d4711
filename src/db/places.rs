//! Places of an organisation and the places an event offers, with their seat counters (kept
//! by the trigger on registrations, like the event's).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{event_places, places};
use crate::domain::places::PlaceKind;
use crate::domain::seats::{PlaceSeats, Room};
use crate::error::AppResult;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = places)]
pub struct PlaceRow {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub name: String,
    pub kind: PlaceKind,
    pub address: Option<String>,
    pub municipality: Option<String>,
    pub region: Option<String>,
    pub devices: Option<i32>,
    pub accessibility: Vec<String>,
    pub host_organisation_id: Option<Uuid>,
    pub contact_phone: Option<String>,
    pub notes: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<PlaceRow>> {
    Ok(places::table.find(id).select(PlaceRow::as_select()).first(conn).await.optional()?)
}

/// A place an event offers, with its seats as they stand.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = event_places)]
pub struct EventPlaceRow {
    pub event_id: Uuid,
    pub place_id: Uuid,
    pub position: i64,
    pub capacity: i32,
    pub reserved: i32,
    pub confirmed: i32,
    pub confirmed_physical_space: i32,
    pub waitlisted: i32,
    pub waitlisted_physical_space: i32,
}

impl EventPlaceRow {
    pub fn seats(&self) -> PlaceSeats {
        PlaceSeats {
            id: self.place_id,
            room: Room {
                capacity: self.capacity,
                reserved: self.reserved,
                confirmed: self.confirmed,
                confirmed_physical_space: self.confirmed_physical_space,
            },
        }
    }
}

/// An event's place with the place itself, as reads show it.
#[derive(Debug, Clone)]
pub struct OfferedPlace {
    pub seats: EventPlaceRow,
    pub place: PlaceRow,
}

/// The places the event offers, in the order they were added. Read with the event locked,
/// the counters are the ones the seat rules decide on.
pub async fn of_event(conn: &mut AsyncPgConnection, event_id: Uuid) -> AppResult<Vec<EventPlaceRow>> {
    Ok(event_places::table
        .filter(event_places::event_id.eq(event_id))
        .select(EventPlaceRow::as_select())
        .order(event_places::position.asc())
        .load(conn)
        .await?)
}

/// [`of_event`] on a shared connection, to be pipelined behind the statement that locks the
/// event (see `db::pipelined`).
pub async fn of_event_shared(mut conn: &AsyncPgConnection, event_id: Uuid) -> AppResult<Vec<EventPlaceRow>> {
    Ok(event_places::table
        .filter(event_places::event_id.eq(event_id))
        .select(EventPlaceRow::as_select())
        .order(event_places::position.asc())
        .load(&mut conn)
        .await?)
}

/// The places each of `event_ids` offers, with the places, in one query.
pub async fn offered_by(conn: &mut AsyncPgConnection, event_ids: &[Uuid]) -> AppResult<Vec<OfferedPlace>> {
    if event_ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(EventPlaceRow, PlaceRow)> = event_places::table
        .inner_join(places::table)
        .filter(event_places::event_id.eq_any(event_ids))
        .select((EventPlaceRow::as_select(), PlaceRow::as_select()))
        .order((event_places::event_id, event_places::position))
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(|(seats, place)| OfferedPlace { seats, place }).collect())
}

/// The place of an event, locked (call with the event locked: the same order everywhere).
pub async fn lock_offered(
    conn: &mut AsyncPgConnection,
    event_id: Uuid,
    place_id: Uuid,
) -> AppResult<Option<EventPlaceRow>> {
    Ok(event_places::table
        .find((event_id, place_id))
        .select(EventPlaceRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?)
}

/// Offers `place_id` at the event with these seats; `None` when it is offered already.
pub async fn offer(
    conn: &mut AsyncPgConnection,
    event_id: Uuid,
    place_id: Uuid,
    capacity: i32,
    reserved: i32,
) -> AppResult<Option<EventPlaceRow>> {
    Ok(diesel::insert_into(event_places::table)
        .values((
            event_places::event_id.eq(event_id),
            event_places::place_id.eq(place_id),
            event_places::capacity.eq(capacity),
            event_places::reserved.eq(reserved),
        ))
        .on_conflict_do_nothing()
        .returning(EventPlaceRow::as_returning())
        .get_result(conn)
        .await
        .optional()?)
}

pub async fn set_seats(
    conn: &mut AsyncPgConnection,
    event_id: Uuid,
    place_id: Uuid,
    capacity: i32,
    reserved: i32,
) -> AppResult<EventPlaceRow> {
    Ok(diesel::update(event_places::table.find((event_id, place_id)))
        .set((event_places::capacity.eq(capacity), event_places::reserved.eq(reserved)))
        .returning(EventPlaceRow::as_returning())
        .get_result(conn)
        .await?)
}

/// Withdraws the place from the event, and from the acceptable places of the event's
/// registrations, in one statement.
pub async fn withdraw(conn: &mut AsyncPgConnection, event_id: Uuid, place_id: Uuid) -> AppResult<()> {
    diesel::sql_query(
        "WITH forgotten AS (
             UPDATE registrations SET acceptable_place_ids = array_remove(acceptable_place_ids, $2)
              WHERE event_id = $1 AND $2 = ANY(acceptable_place_ids))
         DELETE FROM event_places WHERE event_id = $1 AND place_id = $2",
    )
    .bind::<diesel::sql_types::Uuid, _>(event_id)
    .bind::<diesel::sql_types::Uuid, _>(place_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// The places with these ids, in one query (registration reads: the places of a page).
pub async fn by_ids(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> AppResult<Vec<PlaceRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(places::table.filter(places::id.eq_any(ids)).select(PlaceRow::as_select()).load(conn).await?)
}

/// [`of_event_shared`] with each place itself, so that a registration at one of them is
/// answered with where it is without another query.
pub async fn offered_at_shared(mut conn: &AsyncPgConnection, event_id: Uuid) -> AppResult<Vec<OfferedPlace>> {
    let rows: Vec<(EventPlaceRow, PlaceRow)> = event_places::table
        .inner_join(places::table)
        .filter(event_places::event_id.eq(event_id))
        .select((EventPlaceRow::as_select(), PlaceRow::as_select()))
        .order(event_places::position.asc())
        .load(&mut conn)
        .await?;
    Ok(rows.into_iter().map(|(seats, place)| OfferedPlace { seats, place }).collect())
}
