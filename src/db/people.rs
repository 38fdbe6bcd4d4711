//! What links a person's registrations (`domain::people`): the organisation's key, a code's
//! person, and the link written on a registration.

use diesel::prelude::*;
use diesel::sql_types::{Bytea, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::prepared::Prepared;
use crate::db::schema::registrations;
use crate::error::AppResult;

/// The organisation's key, and the key of the person who holds the code asked about there.
#[derive(Debug, QueryableByName)]
pub struct Keys {
    #[diesel(sql_type = Bytea)]
    pub organisation_key: Vec<u8>,
    #[diesel(sql_type = Nullable<Bytea>)]
    pub coded_person_key: Option<Vec<u8>>,
}

/// The keys for a registration of the event: its organisation's, and the person key that
/// `code` (canonical) stands for among the organisation's registrations. None: no such event.
/// Takes a shared connection, so that it rides in the round trip that locks the event.
pub async fn keys_for_event(
    mut conn: &AsyncPgConnection,
    event_id: Uuid,
    code: Option<&str>,
) -> AppResult<Option<Keys>> {
    Ok(Prepared(
        diesel::sql_query(
            "SELECT o.link_key AS organisation_key,
                    (SELECT r.person_key FROM registrations r JOIN events e ON e.id = r.event_id
                      WHERE r.person_code = $2 AND e.organisation_id = o.id
                      LIMIT 1) AS coded_person_key
               FROM events ev JOIN organisations o ON o.id = ev.organisation_id
              WHERE ev.id = $1",
        )
        .bind::<SqlUuid, _>(event_id)
        .bind::<Nullable<Text>, _>(code),
    )
    .get_result(&mut conn)
    .await
    .optional()?)
}

/// What a registration's link is made from when its consent is granted after it was made.
#[derive(Debug, QueryableByName)]
pub struct LinkSources {
    #[diesel(sql_type = Bytea)]
    pub organisation_key: Vec<u8>,
    #[diesel(sql_type = Nullable<Text>)]
    pub email_normalised: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub phone_digits: Option<String>,
}

pub async fn link_sources(conn: &mut AsyncPgConnection, registration_id: Uuid) -> AppResult<LinkSources> {
    Ok(Prepared(
        diesel::sql_query(
            "SELECT o.link_key AS organisation_key, r.email_normalised, r.phone_digits
               FROM registrations r JOIN events e ON e.id = r.event_id
               JOIN organisations o ON o.id = e.organisation_id
              WHERE r.id = $1",
        )
        .bind::<SqlUuid, _>(registration_id),
    )
    .get_result(conn)
    .await?)
}

/// Writes (or, with `None`, removes) a registration's link: its person key and code.
pub async fn set_link(
    conn: &mut AsyncPgConnection,
    registration_id: Uuid,
    link: Option<(&[u8], &str)>,
) -> AppResult<()> {
    diesel::update(registrations::table.find(registration_id))
        .set((
            registrations::person_key.eq(link.map(|(key, _)| key)),
            registrations::person_code.eq(link.map(|(_, code)| code)),
        ))
        .execute(conn)
        .await?;
    Ok(())
}
