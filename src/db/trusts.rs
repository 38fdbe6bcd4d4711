//! Trust between organisations: the partners of a trusted organisation may register people
//! for the trusting organisation's events. A registration reads it in the statement that
//! locks its event (`events::lock_as_standing`); these are the queries of its endpoints.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{organisation_trusts, organisations};
use crate::error::{AppError, AppResult};

/// `organisation_id` trusts `trusted_organisation_id`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organisation_trusts)]
pub struct TrustRow {
    pub organisation_id: Uuid,
    pub trusted_organisation_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub created_by: Uuid,
}

/// A trust with the name and kind of the trusted organisation.
#[derive(Debug, Clone)]
pub struct TrustedRow {
    pub trust: TrustRow,
    pub name: String,
    pub kind: String,
}

/// Makes `organisation_id` trust `trusted`: `Some(row)` when this created it, `None` when it
/// was there already (unchanged: it keeps who set it first, and when). An unknown
/// organisation is `NotFound`.
pub async fn trust(
    conn: &mut AsyncPgConnection,
    organisation_id: Uuid,
    trusted: Uuid,
    by: Uuid,
) -> AppResult<Option<TrustRow>> {
    diesel::insert_into(organisation_trusts::table)
        .values((
            organisation_trusts::organisation_id.eq(organisation_id),
            organisation_trusts::trusted_organisation_id.eq(trusted),
            organisation_trusts::created_by.eq(by),
        ))
        .on_conflict_do_nothing()
        .returning(TrustRow::as_returning())
        .get_result(conn)
        .await
        .optional()
        .map_err(|e| match e {
            DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => AppError::NotFound,
            other => other.into(),
        })
}

/// Withdraws the trust, if there was one. Registrations made under it stay.
pub async fn withdraw(conn: &mut AsyncPgConnection, organisation_id: Uuid, trusted: Uuid) -> AppResult<()> {
    diesel::delete(organisation_trusts::table.find((organisation_id, trusted))).execute(conn).await?;
    Ok(())
}

/// A page of the organisations `organisation_id` trusts, newest trust first; `after` is the
/// last (created_at, trusted organisation id) seen.
pub async fn list(
    conn: &mut AsyncPgConnection,
    organisation_id: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> AppResult<Vec<TrustedRow>> {
    let mut query = organisation_trusts::table
        .inner_join(
            organisations::table.on(organisations::id.eq(organisation_trusts::trusted_organisation_id)),
        )
        .filter(organisation_trusts::organisation_id.eq(organisation_id))
        .select((TrustRow::as_select(), organisations::name, organisations::kind))
        .into_boxed();
    if let Some((created_at, id)) = after {
        query = query.filter(
            organisation_trusts::created_at.lt(created_at).or(organisation_trusts::created_at
                .eq(created_at)
                .and(organisation_trusts::trusted_organisation_id.lt(id))),
        );
    }
    Ok(query
        .order((organisation_trusts::created_at.desc(), organisation_trusts::trusted_organisation_id.desc()))
        .limit(limit)
        .load::<(TrustRow, String, String)>(conn)
        .await?
        .into_iter()
        .map(|(trust, name, kind)| TrustedRow { trust, name, kind })
        .collect())
}

/// Whether `organisation_id` trusts `other` (its partners may register for its events).
pub async fn trusts(conn: &mut AsyncPgConnection, organisation_id: Uuid, other: Uuid) -> AppResult<bool> {
    Ok(diesel::select(diesel::dsl::exists(organisation_trusts::table.find((organisation_id, other))))
        .get_result(conn)
        .await?)
}
