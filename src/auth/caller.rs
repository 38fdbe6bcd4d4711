//! The caller extractor and the checks that every handler uses. Handlers never compare role
//! strings themselves.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{http::header, web, FromRequest, HttpMessage, HttpRequest};
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::accounts::{self, Standing};
use crate::db::events::EventRow;
use crate::domain::actors::{Actor, ActorKind};
use crate::domain::events::EventStatus;
use crate::error::{AppError, AppResult};
use crate::http::middleware::CallerId;
use crate::state::AppState;

pub use crate::domain::actors::Role;

/// Whether a token belongs to a person (`user`) or a partner program (`api_client`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(example = "api_client")]
pub enum PrincipalKind {
    User,
    ApiClient,
}

impl PrincipalKind {
    pub fn as_str(self) -> &'static str {
        ActorKind::from(self).as_str()
    }
}

impl From<PrincipalKind> for ActorKind {
    fn from(kind: PrincipalKind) -> Self {
        match kind {
            PrincipalKind::User => ActorKind::User,
            PrincipalKind::ApiClient => ActorKind::ApiClient,
        }
    }
}

/// An authenticated caller, as the database says it is now (a revoked client or a deleted
/// user is refused even while their token has not expired).
#[derive(Debug, Clone)]
pub struct Caller {
    pub id: Uuid,
    pub kind: PrincipalKind,
    pub role: Role,
    pub organisation_id: Option<Uuid>,
}

impl Caller {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    pub fn is_partner(&self) -> bool {
        self.role == Role::Partner
    }

    /// Admins manage everything; organisers manage their own organisation.
    pub fn manages_organisation(&self, organisation_id: Uuid) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Organiser => self.organisation_id == Some(organisation_id),
            Role::Partner => false,
        }
    }

    pub fn require_admin(&self) -> AppResult<()> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Admins and organisers: the people who run events.
    pub fn require_staff(&self) -> AppResult<()> {
        match self.role {
            Role::Admin | Role::Organiser => Ok(()),
            Role::Partner => Err(AppError::Forbidden),
        }
    }

    pub fn require_manages_organisation(&self, organisation_id: Uuid) -> AppResult<()> {
        if self.manages_organisation(organisation_id) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// What a caller may do with one registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationAccess {
    /// Organisers of its event and admins: everything.
    Manage,
    /// The partner that created it: read, update, cancel.
    Own,
    /// Anyone else: it does not exist for them (404).
    None,
}

impl RegistrationAccess {
    /// 404 unless the caller may read it.
    pub fn require_read(self) -> AppResult<()> {
        match self {
            RegistrationAccess::Manage | RegistrationAccess::Own => Ok(()),
            RegistrationAccess::None => Err(AppError::NotFound),
        }
    }

    /// For organisers' actions (check-in, erasure, history): 403 to the partner that can
    /// see it, 404 to everyone else.
    pub fn require_manage(self) -> AppResult<()> {
        match self {
            RegistrationAccess::Manage => Ok(()),
            RegistrationAccess::Own => Err(AppError::Forbidden),
            RegistrationAccess::None => Err(AppError::NotFound),
        }
    }
}

impl Caller {
    pub fn registration_access(&self, event: &EventRow, created_by: Uuid) -> RegistrationAccess {
        match self.event_access(event) {
            EventAccess::Manage => RegistrationAccess::Manage,
            EventAccess::See if self.is_partner() && self.id == created_by => RegistrationAccess::Own,
            EventAccess::See | EventAccess::Hidden => RegistrationAccess::None,
        }
    }

    pub fn event_access(&self, event: &EventRow) -> EventAccess {
        event_access(Some(self), event)
    }
}

/// What a caller may do with one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventAccess {
    /// Its organisers and admins: everything, drafts included.
    Manage,
    /// Anyone else, for an event that is or was published: read it, and partners register
    /// for it.
    See,
    /// An event never published (a draft, or a draft cancelled before it was published), to
    /// anyone but its organisers: it does not exist for them (404).
    Hidden,
}

/// The one rule of who may see an event: an event that was never published (a draft, or a
/// cancelled draft) exists only for its organisers and admins; one that is or was published
/// is public, cancelled or not. Every read of an event goes through it.
pub fn event_access(caller: Option<&Caller>, event: &EventRow) -> EventAccess {
    if caller.is_some_and(|c| c.manages_organisation(event.organisation_id)) {
        EventAccess::Manage
    } else if was_published(event) {
        EventAccess::See
    } else {
        EventAccess::Hidden
    }
}

fn was_published(event: &EventRow) -> bool {
    match event.status {
        EventStatus::Draft => false,
        // Published by `set_status`, which records when; a row marked published without
        // the date (written by hand) is still published.
        EventStatus::Published => true,
        EventStatus::Cancelled => event.published_at.is_some(),
    }
}

impl EventAccess {
    /// 404 for an event never published, which the caller may not know exists.
    pub fn require_see(self) -> AppResult<()> {
        match self {
            EventAccess::Manage | EventAccess::See => Ok(()),
            EventAccess::Hidden => Err(AppError::NotFound),
        }
    }

    /// For organisers' actions: 403 to those who may only look, 404 to those who may not know
    /// it exists.
    pub fn require_manage(self) -> AppResult<()> {
        match self {
            EventAccess::Manage => Ok(()),
            EventAccess::See => Err(AppError::Forbidden),
            EventAccess::Hidden => Err(AppError::NotFound),
        }
    }
}

/// The code of the 403 a partner gets for an event of an organisation that does not trust
/// its own.
pub const PARTNER_NOT_ALLOWED: &str = "partner_not_allowed";

impl Caller {
    /// Who may register for an event: its organisers and admins (drafts included, so they can
    /// be tried out; they are still closed), and partners for events they can see of their
    /// own organisation or of one that trusts theirs (`trusted`, read with the event's lock:
    /// `events::lock_as_standing`). Anyone else would create a throw-away registration to
    /// read the event's join link.
    pub fn may_register(&self, event: &EventRow, trusted: bool) -> AppResult<()> {
        match (self.event_access(event), self.role) {
            (EventAccess::Manage, _) => Ok(()),
            (EventAccess::Hidden, _) => Err(AppError::NotFound),
            (EventAccess::See, Role::Admin) => Ok(()),
            (EventAccess::See, Role::Partner)
                if trusted || self.organisation_id == Some(event.organisation_id) =>
            {
                Ok(())
            }
            (EventAccess::See, Role::Partner) => Err(AppError::not_allowed(
                PARTNER_NOT_ALLOWED,
                "Partners register people only for events of their own organisation and of \
                 organisations that trust it.",
            )),
            (EventAccess::See, Role::Organiser) => Err(AppError::Forbidden),
        }
    }
}

/// `Some(caller)` with a valid token, `None` without an `Authorization` header. A header
/// with a bad token is 401, never silently anonymous.
pub struct MaybeCaller(pub Option<Caller>);

impl FromRequest for Caller {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = AppResult<Self>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { authenticate(&req).await?.ok_or(AppError::Unauthorized) })
    }
}

impl FromRequest for MaybeCaller {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = AppResult<Self>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { authenticate(&req).await.map(MaybeCaller) })
    }
}

pub fn bearer_token(req: &HttpRequest) -> AppResult<Option<String>> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else { return Ok(None) };
    let value = value.to_str().map_err(|_| AppError::Unauthorized)?;
    let (scheme, token) = value.split_once(' ').ok_or(AppError::Unauthorized)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(AppError::Unauthorized);
    }
    Ok(Some(token.trim().to_owned()))
}

async fn authenticate(req: &HttpRequest) -> AppResult<Option<Caller>> {
    let Some(token) = Token::from_headers(req)? else { return Ok(None) };
    Ok(Some(token.load(req).await?))
}

fn app_state(req: &HttpRequest) -> AppResult<&web::Data<AppState>> {
    req.app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("no application state")))
}

/// Names the caller in the request's log line.
pub fn note_caller(req: &HttpRequest, caller: &Caller) {
    req.extensions_mut().insert(CallerId(caller.id));
}

/// A bearer token whose signature and expiry are checked but whose principal is not looked
/// up yet. [`Caller`] does both before the handler runs; a handler that takes a `Token`
/// instead looks the caller up itself ([`Token::caller`]), in the same round trip as its
/// first statements, and must do so before it answers anything but 401.
#[derive(Debug, Clone, Copy)]
pub struct Token {
    id: Uuid,
    role: Role,
}

impl Token {
    pub fn id(self) -> Uuid {
        self.id
    }

    /// Who the token's changes are recorded under.
    pub fn actor(self) -> Actor {
        match self.kind() {
            PrincipalKind::User => Actor::user(self.id),
            PrincipalKind::ApiClient => Actor::api_client(self.id),
        }
    }

    pub fn kind(self) -> PrincipalKind {
        if self.role == Role::Partner {
            PrincipalKind::ApiClient
        } else {
            PrincipalKind::User
        }
    }

    fn from_headers(req: &HttpRequest) -> AppResult<Option<Token>> {
        let Some(token) = bearer_token(req)? else { return Ok(None) };
        let claims = app_state(req)?.tokens.verify(&token)?;
        Ok(Some(Token { id: claims.sub, role: claims.role }))
    }

    /// [`Token::caller`] on a connection of its own, named in the request's log line: what the
    /// `Caller` extractor does.
    pub async fn load(self, req: &HttpRequest) -> AppResult<Caller> {
        let conn = app_state(req)?.pool.get().await?;
        let caller = self.caller(&conn).await?;
        note_caller(req, &caller);
        Ok(caller)
    }

    /// The principal behind the token, as the database says it is now: 401 for a revoked
    /// client or a deleted user.
    pub async fn caller(self, conn: &AsyncPgConnection) -> AppResult<Caller> {
        self.caller_of(accounts::standing(conn, self.id, self.role == Role::Partner).await?)
    }

    /// The caller, from its standing read by another statement (`events::lock_as_standing`).
    pub fn caller_of(self, standing: Standing) -> AppResult<Caller> {
        match standing {
            Standing::Gone => Err(AppError::Unauthorized),
            Standing::Partner { organisation_id } => Ok(Caller {
                id: self.id,
                kind: PrincipalKind::ApiClient,
                role: Role::Partner,
                organisation_id: Some(organisation_id),
            }),
            Standing::User { role, organisation_id } => {
                Ok(Caller { id: self.id, kind: PrincipalKind::User, role, organisation_id })
            }
        }
    }
}

impl FromRequest for Token {
    type Error = AppError;
    type Future = std::future::Ready<AppResult<Self>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Token::from_headers(req).and_then(|token| token.ok_or(AppError::Unauthorized)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(role: Role, org: Option<Uuid>) -> Caller {
        Caller { id: Uuid::now_v7(), kind: PrincipalKind::User, role, organisation_id: org }
    }

    #[test]
    fn organisers_manage_only_their_organisation() {
        let (mine, other) = (Uuid::now_v7(), Uuid::now_v7());
        let organiser = caller(Role::Organiser, Some(mine));
        assert!(organiser.manages_organisation(mine));
        assert!(!organiser.manages_organisation(other));
        assert!(caller(Role::Admin, None).manages_organisation(other));
        assert!(!caller(Role::Partner, Some(mine)).manages_organisation(mine));
    }

    fn event(organisation_id: Uuid, status: EventStatus) -> EventRow {
        let now = chrono::Utc::now();
        EventRow {
            id: Uuid::now_v7(),
            organisation_id,
            title: "Roundtable".into(),
            description: None,
            region: "Soria".into(),
            series: None,
            starts_at: now,
            ends_at: now,
            timezone: "Europe/Madrid".into(),
            languages: vec!["es".into()],
            status,
            registration_closes_at: None,
            online_offered: true,
            online_join_url: Some("https://meet.example.org/abc".into()),
            online_capacity: None,
            onsite_offered: false,
            onsite_venue_name: None,
            onsite_address: None,
            onsite_capacity: None,
            onsite_reserved: 0,
            online_confirmed: 0,
            online_waitlisted: 0,
            onsite_confirmed: 0,
            onsite_confirmed_physical_space: 0,
            onsite_waitlisted: 0,
            created_at: now,
            updated_at: now,
            onsite_waitlisted_physical_space: 0,
            published_at: (status != EventStatus::Draft).then_some(now),
            retention_days: None,
            online_attendance_min_minutes: None,
            contact_phone: None,
            reminders_hours_before: vec![48, 3],
            translations: serde_json::json!({}),
            waitlist_promotion: crate::domain::offers::WaitlistPromotion::Automatic,
            offer_hours: 48,
            series_id: None,
            group_reservations: serde_json::json!([]),
        }
    }

    #[test]
    fn an_event_never_published_is_hidden_from_all_but_its_organisers_and_admins_even_cancelled() {
        let (host, guest) = (Uuid::now_v7(), Uuid::now_v7());
        let cancelled_draft = EventRow { published_at: None, ..event(host, EventStatus::Cancelled) };
        let published_then_cancelled = event(host, EventStatus::Cancelled);
        for outsider in [caller(Role::Partner, Some(host)), caller(Role::Organiser, Some(guest))] {
            assert_eq!(outsider.event_access(&cancelled_draft), EventAccess::Hidden);
            assert_eq!(outsider.event_access(&published_then_cancelled), EventAccess::See);
        }
        assert_eq!(event_access(None, &cancelled_draft), EventAccess::Hidden);
        assert_eq!(event_access(None, &published_then_cancelled), EventAccess::See);
        for insider in [caller(Role::Organiser, Some(host)), caller(Role::Admin, None)] {
            assert_eq!(insider.event_access(&cancelled_draft), EventAccess::Manage);
        }
    }

    fn code(result: AppResult<()>) -> &'static str {
        result.err().map_or("allowed", |e| e.code())
    }

    #[test]
    fn partners_register_for_their_own_organisation_and_those_that_trust_it() {
        let (host, guest) = (Uuid::now_v7(), Uuid::now_v7());
        let published = event(host, EventStatus::Published);
        let own = caller(Role::Partner, Some(host));
        let other = caller(Role::Partner, Some(guest));
        assert_eq!(code(own.may_register(&published, false)), "allowed", "no trust needed at home");
        assert_eq!(code(other.may_register(&published, true)), "allowed");
        assert_eq!(code(other.may_register(&published, false)), PARTNER_NOT_ALLOWED);
        // A partner without an organisation (never in the database) is nobody's.
        assert_eq!(code(caller(Role::Partner, None).may_register(&published, false)), PARTNER_NOT_ALLOWED);
        // Trust shows no draft.
        let draft = event(host, EventStatus::Draft);
        assert_eq!(code(other.may_register(&draft, true)), "not_found");
        assert_eq!(code(own.may_register(&draft, false)), "not_found");
    }

    #[test]
    fn organisers_and_admins_register_as_before_whatever_the_trust() {
        let (host, guest) = (Uuid::now_v7(), Uuid::now_v7());
        for status in [EventStatus::Published, EventStatus::Draft] {
            let event = event(host, status);
            for trusted in [false, true] {
                assert_eq!(code(caller(Role::Admin, None).may_register(&event, trusted)), "allowed");
                assert_eq!(
                    code(caller(Role::Organiser, Some(host)).may_register(&event, trusted)),
                    "allowed"
                );
            }
        }
        let published = event(host, EventStatus::Published);
        assert_eq!(code(caller(Role::Organiser, Some(guest)).may_register(&published, true)), "forbidden");
        assert_eq!(code(caller(Role::Organiser, Some(guest)).may_register(&published, false)), "forbidden");
    }

    #[test]
    fn partners_are_not_staff() {
        assert!(caller(Role::Partner, Some(Uuid::now_v7())).require_staff().is_err());
        assert!(caller(Role::Organiser, Some(Uuid::now_v7())).require_staff().is_ok());
        assert!(caller(Role::Organiser, Some(Uuid::now_v7())).require_admin().is_err());
    }
}
