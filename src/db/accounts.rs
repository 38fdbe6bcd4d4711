//! Organisations, users and API clients.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{api_clients, organisations, users};
use crate::db::DbPool;
use crate::domain::actors::Role;
use crate::domain::text::fold;
use crate::error::{AppError, AppResult};

/// Whether the principal behind a token still stands, as the database has it now: a partner
/// (API client) until it is revoked, a user until it is deleted.
#[derive(Debug, Clone)]
pub enum Standing {
    Gone,
    Partner { organisation_id: Uuid },
    User { role: Role, organisation_id: Option<Uuid> },
}

/// The organisation of the API client `id` while it is not revoked: a scalar subquery, to be
/// read alone ([`standing`]) or alongside another statement's columns.
#[diesel::dsl::auto_type]
pub fn partner_organisation(id: Uuid) -> _ {
    api_clients::table
        .filter(api_clients::id.eq(id))
        .filter(api_clients::revoked_at.is_null())
        .select(api_clients::organisation_id)
        .single_value()
}

/// The role of the user `id`, while it exists: a scalar subquery.
#[diesel::dsl::auto_type]
pub fn user_role(id: Uuid) -> _ {
    users::table.filter(users::id.eq(id)).select(users::role).single_value()
}

/// The organisation of the user `id`: a scalar subquery.
#[diesel::dsl::auto_type]
pub fn user_organisation(id: Uuid) -> _ {
    users::table.filter(users::id.eq(id)).select(users::organisation_id).single_value()
}

impl Standing {
    pub fn of_partner(organisation_id: Option<Uuid>) -> Self {
        organisation_id.map_or(Standing::Gone, |organisation_id| Standing::Partner { organisation_id })
    }

    pub fn of_user(role: Option<Role>, organisation_id: Option<Uuid>) -> Self {
        role.map_or(Standing::Gone, |role| Standing::User { role, organisation_id })
    }
}

/// The standing of a partner (`is_partner`) or user, in one statement.
pub async fn standing(mut conn: &AsyncPgConnection, id: Uuid, is_partner: bool) -> AppResult<Standing> {
    Ok(if is_partner {
        Standing::of_partner(diesel::select(partner_organisation(id)).get_result(&mut conn).await?)
    } else {
        let (role, organisation_id) =
            diesel::select((user_role(id), user_organisation(id))).get_result(&mut conn).await?;
        Standing::of_user(role, organisation_id)
    })
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = organisations)]
pub struct OrganisationRow {
    pub id: Uuid,
    pub name: String,
    pub kind: String,
    pub created_at: DateTime<Utc>,
    /// The default small-count threshold of its reports; `None`: none.
    pub report_suppress_below: Option<i32>,
    /// Days after an event ends that its personal data is kept (unless the event says).
    pub retention_days: i32,
}

/// The privacy settings of an organisation, validated (`domain::privacy`), as a PATCH sets
/// them: `None` leaves a setting as it is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = organisations)]
pub struct OrganisationSettings {
    pub report_suppress_below: Option<Option<i32>>,
    pub retention_days: Option<i32>,
}

/// Writes `settings` over the organisation `id` and returns it; `None` when there is none.
pub async fn update_organisation_settings(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    settings: OrganisationSettings,
) -> AppResult<Option<OrganisationRow>> {
    if settings.report_suppress_below.is_none() && settings.retention_days.is_none() {
        return find_organisation(conn, id).await;
    }
    Ok(diesel::update(organisations::table.find(id))
        .set(settings)
        .returning(OrganisationRow::as_returning())
        .get_result(conn)
        .await
        .optional()?)
}

/// A user row; holds the password hash, so it is never serialised.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: Uuid,
    pub email: String,
    pub password_hash: String,
    pub role: Role,
    pub organisation_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub id: Uuid,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub organisation_id: Option<Uuid>,
}

/// An API client row; holds the secret's hash, so it is never serialised.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = api_clients)]
pub struct ApiClientRow {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub name: String,
    pub client_id: String,
    pub secret_hash: String,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// The only unique index of either table besides its uuid primary key is the one on the
/// folded name (`organisations_name_key`) or email (`users_email_key`).
fn is_unique_violation(error: &DieselError) -> bool {
    matches!(error, DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _))
}

/// Inserts `row` with the folded key its name is unique by.
pub async fn insert_organisation(
    conn: &mut AsyncPgConnection,
    row: OrganisationRow,
) -> AppResult<OrganisationRow> {
    let name_key = fold(&row.name);
    diesel::insert_into(organisations::table)
        .values((&row, organisations::name_key.eq(name_key)))
        .returning(OrganisationRow::as_returning())
        .get_result(conn)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                AppError::conflict("organisation_exists", "An organisation with this name exists.")
            } else {
                e.into()
            }
        })
}

pub async fn find_organisation(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<OrganisationRow>> {
    Ok(organisations::table.find(id).select(OrganisationRow::as_select()).first(conn).await.optional()?)
}

/// A page of organisations, newest first; `after` is the last (created_at, id) seen.
pub async fn list_organisations(
    conn: &mut AsyncPgConnection,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> AppResult<Vec<OrganisationRow>> {
    let mut query = organisations::table.select(OrganisationRow::as_select()).into_boxed();
    if let Some((created_at, id)) = after {
        query = query.filter(
            organisations::created_at
                .lt(created_at)
                .or(organisations::created_at.eq(created_at).and(organisations::id.lt(id))),
        );
    }
    Ok(query
        .order((organisations::created_at.desc(), organisations::id.desc()))
        .limit(limit)
        .load(conn)
        .await?)
}

/// Inserts `user` with the folded key its email is unique by, and found by at login.
pub async fn insert_user(conn: &mut AsyncPgConnection, user: NewUser<'_>) -> AppResult<UserRow> {
    let email_key = fold(user.email);
    diesel::insert_into(users::table)
        .values((&user, users::email_key.eq(email_key)))
        .returning(UserRow::as_returning())
        .get_result(conn)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                AppError::conflict("email_taken", "A user with this email exists.")
            } else {
                e.into()
            }
        })
}

/// The user whose email folds as `email` does.
pub async fn find_user_by_email(conn: &mut AsyncPgConnection, email: &str) -> AppResult<Option<UserRow>> {
    Ok(users::table
        .filter(users::email_key.eq(fold(email)))
        .select(UserRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

pub async fn find_user(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<Option<UserRow>> {
    Ok(users::table.find(id).select(UserRow::as_select()).first(conn).await.optional()?)
}

/// Creates the admin when no user has `email` (start-up bootstrap). Returns whether it did.
pub async fn bootstrap_admin(pool: &DbPool, email: &str, password: &str) -> anyhow::Result<bool> {
    let email = crate::domain::contact::Email::parse(email)
        .map_err(|e| anyhow::anyhow!("BOOTSTRAP_ADMIN_EMAIL {e}"))?;
    crate::domain::check_password(password).map_err(|e| anyhow::anyhow!("BOOTSTRAP_ADMIN_PASSWORD {e}"))?;
    let mut conn = pool.get().await?;
    if find_user_by_email(&mut conn, email.as_str()).await?.is_some() {
        return Ok(false);
    }
    drop(conn);
    let hash = crate::auth::password::hash(password.to_owned()).await?;
    let mut conn = pool.get().await?;
    match insert_user(
        &mut conn,
        NewUser {
            id: Uuid::now_v7(),
            email: email.as_str(),
            password_hash: &hash,
            role: Role::Admin,
            organisation_id: None,
        },
    )
    .await
    {
        Ok(user) => {
            tracing::info!(user_id = %user.id, "created the bootstrap admin");
            Ok(true)
        }
        // Another process bootstrapped the same admin at the same moment.
        Err(AppError::Conflict { .. }) => Ok(false),
        Err(e) => Err(anyhow::anyhow!("{e}")),
    }
}

/// Creates the admin, or makes the existing user with `email` an admin with this password
/// (the `create-admin` command). Returns the user's id and whether it was created.
pub async fn upsert_admin(pool: &DbPool, email: &str, password: &str) -> anyhow::Result<(Uuid, bool)> {
    let email = crate::domain::contact::Email::parse(email).map_err(|e| anyhow::anyhow!("--email {e}"))?;
    crate::domain::check_password(password).map_err(|e| anyhow::anyhow!("the password {e}"))?;
    let hash = crate::auth::password::hash(password.to_owned()).await?;
    let mut conn = pool.get().await?;
    if let Some(user) = find_user_by_email(&mut conn, email.as_str()).await? {
        diesel::update(users::table.find(user.id))
            .set((
                users::password_hash.eq(&hash),
                users::role.eq(Role::Admin),
                users::organisation_id.eq(None::<Uuid>),
                users::updated_at.eq(diesel::dsl::now),
            ))
            .execute(&mut conn)
            .await?;
        return Ok((user.id, false));
    }
    let user = insert_user(
        &mut conn,
        NewUser {
            id: Uuid::now_v7(),
            email: email.as_str(),
            password_hash: &hash,
            role: Role::Admin,
            organisation_id: None,
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok((user.id, true))
}

pub async fn insert_api_client(conn: &mut AsyncPgConnection, row: ApiClientRow) -> AppResult<ApiClientRow> {
    Ok(diesel::insert_into(api_clients::table)
        .values(&row)
        .returning(ApiClientRow::as_returning())
        .get_result(conn)
        .await?)
}

pub async fn find_active_client(
    conn: &mut AsyncPgConnection,
    client_id: &str,
) -> AppResult<Option<ApiClientRow>> {
    Ok(api_clients::table
        .filter(api_clients::client_id.eq(client_id))
        .filter(api_clients::revoked_at.is_null())
        .select(ApiClientRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

pub async fn list_api_clients(
    conn: &mut AsyncPgConnection,
    organisation_id: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> AppResult<Vec<ApiClientRow>> {
    let mut query = api_clients::table
        .filter(api_clients::organisation_id.eq(organisation_id))
        .select(ApiClientRow::as_select())
        .into_boxed();
    if let Some((created_at, id)) = after {
        query = query.filter(
            api_clients::created_at
                .lt(created_at)
                .or(api_clients::created_at.eq(created_at).and(api_clients::id.lt(id))),
        );
    }
    Ok(query.order((api_clients::created_at.desc(), api_clients::id.desc())).limit(limit).load(conn).await?)
}

/// How a request names an API client: by its `id` or by its public `client_id`.
pub enum ClientRef<'a> {
    Id(Uuid),
    ClientId(&'a str),
}

/// Revokes a client of `organisation_id` and returns its `id`; its tokens stop working at
/// once (the caller extractor checks `revoked_at` on every request), and the webhook
/// deliveries still waiting for it are cancelled in the same transaction. Revoking twice is
/// harmless. A client of another organisation is `NotFound`.
pub async fn revoke_api_client(
    conn: &mut AsyncPgConnection,
    organisation_id: Uuid,
    client: ClientRef<'_>,
) -> AppResult<Uuid> {
    let target = api_clients::table.filter(api_clients::organisation_id.eq(organisation_id)).into_boxed();
    let target = match client {
        ClientRef::Id(id) => target.filter(api_clients::id.eq(id)),
        ClientRef::ClientId(client_id) => target.filter(api_clients::client_id.eq(client_id.to_owned())),
    };
    conn.transaction::<_, AppError, _>(async move |conn| {
        let id =
            target.select(api_clients::id).first::<Uuid>(conn).await.optional()?.ok_or(AppError::NotFound)?;
        diesel::update(api_clients::table.find(id))
            .set(api_clients::revoked_at.eq(diesel::dsl::sql::<
                diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>,
            >("coalesce(revoked_at, now())")))
            .execute(conn)
            .await?;
        let cancelled = crate::db::outbox::cancel_for_revoked_client(conn, id).await?;
        tracing::debug!(api_client = %id, cancelled, "cancelled the webhook deliveries of a revoked client");
        Ok(id)
    })
    .await
}
