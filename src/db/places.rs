//! Places of an organisation and the places an event offers, with their seat counters (kept
//! by the trigger on registrations, like the event's).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::places;
use crate::domain::places::PlaceKind;
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
        }
    }
}

impl PlaceRow {
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
