//! Webhook subscriptions of partners (API clients) and organisations.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{webhook_deliveries, webhook_subscriptions};
use crate::domain::webhooks::EventType;
use crate::error::{AppError, AppResult};

/// A subscription row. It holds the signing secret, so it derives neither `Debug` nor
/// `Serialize`: it cannot end up in a log line or an answer by accident.
#[derive(Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_subscriptions)]
pub struct SubscriptionRow {
    pub id: Uuid,
    /// `api_client` or `organisation`.
    pub owner_kind: String,
    pub api_client_id: Option<Uuid>,
    pub organisation_id: Uuid,
    pub url: String,
    pub event_types: Vec<EventType>,
    pub secret: String,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// Whose subscriptions a list shows.
#[derive(Debug, Clone, Copy)]
pub enum Owner {
    Anyone,
    ApiClient(Uuid),
    Organisation(Uuid),
}

/// Active subscriptions one owner may hold, so that one caller cannot multiply the work
/// (and the traffic) every change causes.
pub const MAX_SUBSCRIPTIONS_PER_OWNER: i64 = 20;

/// Inserts a subscription unless its owner already has the most allowed (409
/// `too_many_subscriptions`). The count and the insert share a transaction that locks the
/// owner's row, so concurrent requests cannot both pass the limit.
pub async fn insert_subscription(
    conn: &mut AsyncPgConnection,
    row: SubscriptionRow,
) -> AppResult<SubscriptionRow> {
    conn.transaction::<_, AppError, _>(async move |conn| {
        lock_owner(conn, &row).await?;
        let active: i64 = owned_by(owner_of(&row)).count().get_result(conn).await?;
        if active >= MAX_SUBSCRIPTIONS_PER_OWNER {
            return Err(AppError::conflict(
                "too_many_subscriptions",
                format!("At most {MAX_SUBSCRIPTIONS_PER_OWNER} subscriptions per owner; delete one first."),
            ));
        }
        Ok(diesel::insert_into(webhook_subscriptions::table)
            .values(&row)
            .returning(SubscriptionRow::as_returning())
            .get_result(conn)
            .await?)
    })
    .await
}

fn owner_of(row: &SubscriptionRow) -> Owner {
    match row.api_client_id {
        Some(client) => Owner::ApiClient(client),
        None => Owner::Organisation(row.organisation_id),
    }
}

async fn lock_owner(conn: &mut AsyncPgConnection, row: &SubscriptionRow) -> AppResult<()> {
    let sql = match row.api_client_id {
        Some(_) => "SELECT 1 FROM api_clients WHERE id = $1 FOR UPDATE",
        None => "SELECT 1 FROM organisations WHERE id = $1 FOR UPDATE",
    };
    diesel::sql_query(sql)
        .bind::<diesel::sql_types::Uuid, _>(row.api_client_id.unwrap_or(row.organisation_id))
        .execute(conn)
        .await?;
    Ok(())
}

/// Active subscriptions of `owner`.
fn owned_by(owner: Owner) -> webhook_subscriptions::BoxedQuery<'static, diesel::pg::Pg> {
    let query = webhook_subscriptions::table.filter(webhook_subscriptions::deleted_at.is_null()).into_boxed();
    match owner {
        Owner::Anyone => query,
        Owner::ApiClient(client) => query
            .filter(webhook_subscriptions::owner_kind.eq("api_client"))
            .filter(webhook_subscriptions::api_client_id.eq(client)),
        Owner::Organisation(org) => query
            .filter(webhook_subscriptions::owner_kind.eq("organisation"))
            .filter(webhook_subscriptions::organisation_id.eq(org)),
    }
}

/// An active (not deleted) subscription.
pub async fn find_subscription(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<SubscriptionRow>> {
    Ok(owned_by(Owner::Anyone)
        .filter(webhook_subscriptions::id.eq(id))
        .select(SubscriptionRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// A page of active subscriptions, newest first; `after` is the last (created_at, id) seen.
pub async fn list_subscriptions(
    conn: &mut AsyncPgConnection,
    owner: Owner,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> AppResult<Vec<SubscriptionRow>> {
    let mut query = owned_by(owner);
    if let Some((created_at, id)) = after {
        query = query.filter(
            webhook_subscriptions::created_at
                .lt(created_at)
                .or(webhook_subscriptions::created_at.eq(created_at).and(webhook_subscriptions::id.lt(id))),
        );
    }
    Ok(query
        .order((webhook_subscriptions::created_at.desc(), webhook_subscriptions::id.desc()))
        .limit(limit)
        .select(SubscriptionRow::as_select())
        .load(conn)
        .await?)
}

/// Deletes a subscription: it hears nothing more, and what was still waiting for it is
/// marked failed, in one transaction. The delivery log stays in the database.
pub async fn delete_subscription(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<()> {
    conn.transaction::<_, AppError, _>(async move |conn| {
        let deleted = diesel::update(
            webhook_subscriptions::table
                .filter(webhook_subscriptions::id.eq(id))
                .filter(webhook_subscriptions::deleted_at.is_null()),
        )
        .set(webhook_subscriptions::deleted_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
        if deleted == 0 {
            return Err(AppError::NotFound);
        }
        diesel::update(
            webhook_deliveries::table
                .filter(webhook_deliveries::subscription_id.eq(id))
                .filter(webhook_deliveries::status.eq("pending")),
        )
        .set((
            webhook_deliveries::status.eq("failed"),
            webhook_deliveries::last_error.eq("subscription deleted"),
        ))
        .execute(conn)
        .await?;
        Ok(())
    })
    .await
}
