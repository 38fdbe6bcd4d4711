//! Places of an organisation and the places an event offers, with their seat counters (kept
//! by the trigger on registrations, like the event's).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{event_places, places};
use crate::domain::places::PlaceKind;
use crate::domain::seats::{PlaceSeats, Room};
use crate::domain::translations::PlaceTranslations;
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
    /// The name and notes in more languages (`domain::translations::PlaceTranslations`).
    pub translations: serde_json::Value,
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<PlaceRow>> {
    Ok(places::table.find(id).select(PlaceRow::as_select()).first(conn).await.optional()?)
}

/// The place, share-locked until the transaction ends: an event's seats there are decided on
/// its `devices`, which a concurrent PATCH of the place (holding the row FOR UPDATE while it
/// checks the seats offered) must not lower meanwhile.
pub async fn find_share_locked(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<PlaceRow>> {
    Ok(places::table.find(id).select(PlaceRow::as_select()).for_share().first(conn).await.optional()?)
}

// The places of an organisation, as its organisers manage them. (Paths are written out here
// so that these functions and the event-place queries each keep their own imports.)

/// The stored form of a validated place (everything an organiser may set).
#[derive(AsChangeset, Insertable)]
#[diesel(table_name = places, treat_none_as_null = true)]
struct PlaceFields {
    name: String,
    kind: PlaceKind,
    address: Option<String>,
    municipality: Option<String>,
    region: Option<String>,
    devices: Option<i32>,
    accessibility: Vec<String>,
    host_organisation_id: Option<Uuid>,
    contact_phone: Option<String>,
    notes: Option<String>,
    translations: serde_json::Value,
}

impl From<crate::domain::places::ValidPlace> for PlaceFields {
    fn from(place: crate::domain::places::ValidPlace) -> Self {
        Self {
            name: place.name,
            kind: place.kind,
            address: place.address,
            municipality: place.municipality,
            region: place.region,
            devices: place.devices,
            accessibility: place.accessibility.iter().map(|f| f.as_str().to_owned()).collect(),
            host_organisation_id: place.host_organisation_id,
            contact_phone: place.contact_phone,
            notes: place.notes,
            translations: serde_json::to_value(&place.translations).expect("translations serialise"),
        }
    }
}

impl PlaceRow {
    /// The translations as stored; only the server writes them, checked.
    pub fn translations(&self) -> PlaceTranslations {
        serde_json::from_value(self.translations.clone()).unwrap_or_default()
    }

    /// The place as a draft, for a PATCH to be applied to.
    pub fn to_draft(&self) -> crate::domain::places::PlaceDraft {
        crate::domain::places::PlaceDraft {
            name: self.name.clone(),
            kind: self.kind,
            address: self.address.clone(),
            municipality: self.municipality.clone(),
            region: self.region.clone(),
            devices: self.devices.map(i64::from),
            accessibility: self.accessibility.clone(),
            host_organisation_id: self.host_organisation_id,
            contact_phone: self.contact_phone.clone(),
            notes: self.notes.clone(),
            translations: self.translations(),
        }
    }
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    organisation_id: Uuid,
    place: crate::domain::places::ValidPlace,
) -> AppResult<PlaceRow> {
    Ok(diesel::insert_into(places::table)
        .values((
            places::id.eq(Uuid::now_v7()),
            places::organisation_id.eq(organisation_id),
            PlaceFields::from(place),
        ))
        .returning(PlaceRow::as_returning())
        .get_result(conn)
        .await?)
}

/// The place locked until the transaction ends, with the largest capacity that an event
/// that has not ended (nor was cancelled) offers there, in one statement: whoever offers
/// seats at a place checks its devices under the same lock.
pub async fn lock_with_largest_offer(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> AppResult<Option<(PlaceRow, Option<i32>)>> {
    use crate::db::schema::{event_places, events};
    use crate::domain::events::EventStatus;
    use diesel::dsl::{max, now};
    let largest_offer = event_places::table
        .inner_join(events::table)
        .filter(event_places::place_id.eq(id))
        .filter(events::ends_at.gt(now))
        .filter(events::status.ne(EventStatus::Cancelled))
        .select(max(event_places::capacity))
        .single_value();
    Ok(places::table
        .find(id)
        .select((PlaceRow::as_select(), largest_offer))
        .for_update()
        .first(conn)
        .await
        .optional()?)
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    place: crate::domain::places::ValidPlace,
) -> AppResult<PlaceRow> {
    Ok(diesel::update(places::table.find(id))
        .set((PlaceFields::from(place), places::updated_at.eq(diesel::dsl::now)))
        .returning(PlaceRow::as_returning())
        .get_result(conn)
        .await?)
}

/// A page of the organisation's places, newest first (ids are time-ordered, UUIDv7).
pub async fn list(
    conn: &mut AsyncPgConnection,
    organisation_id: Uuid,
    after: Option<Uuid>,
    limit: i64,
) -> AppResult<Vec<PlaceRow>> {
    let mut query = places::table
        .filter(places::organisation_id.eq(organisation_id))
        .select(PlaceRow::as_select())
        .into_boxed();
    if let Some(id) = after {
        query = query.filter(places::id.lt(id));
    }
    Ok(query.order(places::id.desc()).limit(limit).load(conn).await?)
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
/// the counters are the ones the seat rules decide on. Takes a shared connection so that it
/// can be pipelined with other reads (see `db::pipelined`); an exclusive one coerces to it.
pub async fn of_event(mut conn: &AsyncPgConnection, event_id: Uuid) -> AppResult<Vec<EventPlaceRow>> {
    Ok(event_places::table
        .filter(event_places::event_id.eq(event_id))
        .select(EventPlaceRow::as_select())
        .order(event_places::position.asc())
        .load(&mut conn)
        .await?)
}

/// The places each of `event_ids` offers, with the places, in one query, each event's in
/// the order they were added. Takes a shared connection, as [`of_event`] does: a
/// registration that names a place reads its event's this way behind the lock, so that it
/// is answered with where the person goes without another query.
pub async fn offered_by(mut conn: &AsyncPgConnection, event_ids: &[Uuid]) -> AppResult<Vec<OfferedPlace>> {
    if event_ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(EventPlaceRow, PlaceRow)> = event_places::table
        .inner_join(places::table)
        .filter(event_places::event_id.eq_any(event_ids))
        .select((EventPlaceRow::as_select(), PlaceRow::as_select()))
        .order((event_places::event_id, event_places::position))
        .load(&mut conn)
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
