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

