//! Arranging events and registrations directly in the database (the events and registrations
//! endpoints live elsewhere); the seat counters follow through the table's trigger.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use hybrid_events::db::schema::{events, registrations};
use hybrid_events::domain::attendance::CheckInSource;
use hybrid_events::domain::barriers::{Barrier, BarrierKind, BarrierStatus, Barriers};
use uuid::Uuid;

use crate::helpers::TestApp;

pub struct NewEvent {
    pub title: String,
    pub region: String,
    pub series: Option<String>,
    pub status: &'static str,
    pub starts_at: DateTime<Utc>,
    /// `None`: not offered; `Some(None)`: unlimited.
    pub online: Option<Option<i32>>,
    /// Capacity and seats reserved for people who need a physical space.
    pub onsite: Option<(i32, i32)>,
}

impl NewEvent {
    /// A published hybrid event next week: online unlimited, 10 onsite seats (3 reserved).
    pub fn hybrid(title: &str) -> Self {
        Self {
            title: title.to_owned(),
            region: "Soria".to_owned(),
            series: Some("Regional cooperation platform".to_owned()),
            status: "published",
            starts_at: Utc::now() + Duration::days(7),
            online: Some(None),
            onsite: Some((10, 3)),
        }
    }
}

pub async fn seed_event(app: &TestApp, organisation_id: Uuid, event: NewEvent) -> Uuid {
    let id = Uuid::now_v7();
    diesel::insert_into(events::table)
        .values((
            events::id.eq(id),
            events::organisation_id.eq(organisation_id),
            events::title.eq(&event.title),
            events::region.eq(&event.region),
            events::series.eq(&event.series),
            events::starts_at.eq(event.starts_at),
            events::ends_at.eq(event.starts_at + Duration::hours(3)),
            events::timezone.eq("Europe/Madrid"),
            events::status.eq(event.status),
            // Anything but a draft has been published (a cancelled seed was cancelled after).
            events::published_at.eq((event.status != "draft").then(Utc::now)),
            events::online_offered.eq(event.online.is_some()),
            events::online_join_url.eq(event.online.map(|_| "https://meet.example.org/abc")),
            events::online_capacity.eq(event.online.flatten()),
            events::onsite_offered.eq(event.onsite.is_some()),
            events::onsite_venue_name.eq(event.onsite.map(|_| "CEPAIM Soria")),
            events::onsite_capacity.eq(event.onsite.map(|(capacity, _)| capacity)),
            events::onsite_reserved.eq(event.onsite.map(|(_, reserved)| reserved).unwrap_or(0)),
        ))
        .execute(&mut app.conn().await)
        .await
        .unwrap();
    id
}

/// Moves the event into the past, so that it has ended by the database's clock.
pub async fn end_event(app: &TestApp, event_id: Uuid) {
    diesel::sql_query(
        "UPDATE events SET starts_at = now() - interval '3 hours', ends_at = now() - interval '1 hour' WHERE id = $1",
    )
    .bind::<diesel::sql_types::Uuid, _>(event_id)
    .execute(&mut app.conn().await)
    .await
    .unwrap();
}

pub struct NewRegistration {
    pub status: &'static str,
    pub mode: &'static str,
    pub category: &'static str,
    pub full_name: Option<String>,
    pub needs_physical_space: bool,
    pub needs_transport: bool,
    pub interpretation_language: Option<&'static str>,
    pub accessibility_notes: Option<&'static str>,
    pub fallback_applied: bool,
    pub checked_in: bool,
    pub interests: Vec<&'static str>,
}

impl NewRegistration {
    pub fn new(status: &'static str, mode: &'static str) -> Self {
        Self {
            status,
            mode,
            category: "migrant",
            full_name: Some("Amina Haddad".to_owned()),
            needs_physical_space: false,
            needs_transport: false,
            interpretation_language: None,
            accessibility_notes: None,
            fallback_applied: false,
            checked_in: false,
            interests: vec![],
        }
    }
}

pub async fn seed_registration(app: &TestApp, event_id: Uuid, r: NewRegistration) -> Uuid {
    let id = Uuid::now_v7();
    // The barriers the two needs always come with (`domain::barriers::reconcile`).
    let barriers = Barriers(
        [(BarrierKind::Transport, r.needs_transport), (BarrierKind::DigitalGap, r.needs_physical_space)]
            .into_iter()
            .filter(|(_, needed)| *needed)
            .map(|(kind, _)| Barrier { barrier: kind, status: BarrierStatus::Raised, arranged: vec![] })
            .collect(),
    );
    diesel::insert_into(registrations::table)
        .values((
            registrations::id.eq(id),
            registrations::event_id.eq(event_id),
            registrations::status.eq(r.status),
            registrations::attendance_mode.eq(r.mode),
            registrations::stakeholder_category.eq(r.category),
            registrations::full_name.eq(&r.full_name),
            registrations::needs_physical_space.eq(r.needs_physical_space),
            registrations::needs_transport.eq(r.needs_transport),
            registrations::barriers.eq(&barriers),
            registrations::interpretation_language.eq(r.interpretation_language),
            registrations::accessibility_notes.eq(r.accessibility_notes),
            registrations::accept_online_fallback.eq(r.fallback_applied),
            registrations::fallback_applied.eq(r.fallback_applied),
            registrations::checked_in_at.eq(r.checked_in.then(Utc::now)),
            registrations::check_in_source.eq(r.checked_in.then_some(CheckInSource::Manual)),
            registrations::interests.eq(r.interests.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
            registrations::consent_data_processing.eq(true),
            registrations::created_by.eq(Uuid::now_v7()),
            registrations::created_by_kind.eq("user"),
            registrations::cancelled_at.eq((r.status == "cancelled").then(Utc::now)),
        ))
        .execute(&mut app.conn().await)
        .await
        .unwrap();
    id
}

/// What `DELETE /registrations/{id}/personal-data` does to the row.
pub async fn erase(app: &TestApp, registration_id: Uuid) {
    diesel::update(registrations::table.find(registration_id))
        .set((
            registrations::full_name.eq(None::<String>),
            registrations::email.eq(None::<String>),
            registrations::email_normalised.eq(None::<String>),
            registrations::phone.eq(None::<String>),
            registrations::phone_digits.eq(None::<String>),
            registrations::organisation_name.eq(None::<String>),
            registrations::accessibility_notes.eq(None::<String>),
            registrations::erased_at.eq(Some(Utc::now())),
        ))
        .execute(&mut app.conn().await)
        .await
        .unwrap();
}

/// `n` registrations at once, made by PostgreSQL: confirmed, every third online, every
/// fifth checked in. The counting trigger is set aside meanwhile (it updates the event row once
/// per registration, which is quadratic within one statement) and its counters and the
/// report's tallies set after.
pub async fn seed_many(app: &TestApp, event_id: Uuid, n: i64) {
    use diesel_async::SimpleAsyncConnection;
    let mut conn = app.conn().await;
    conn.batch_execute(&format!(
        "BEGIN;
         SET LOCAL statement_timeout = 0;
         ALTER TABLE registrations DISABLE TRIGGER registrations_after_insert;
         ALTER TABLE registrations DISABLE TRIGGER registrations_tally_insert;
         INSERT INTO registrations (id, event_id, status, attendance_mode, stakeholder_category, full_name,
                                    consent_data_processing, created_by, created_by_kind, checked_in_at,
                                    check_in_source)
         SELECT gen_random_uuid(), '{event_id}', 'confirmed', CASE WHEN i % 3 = 0 THEN 'online' ELSE 'onsite' END,
                'migrant', 'Person ' || i, true, gen_random_uuid(), 'user',
                CASE WHEN i % 5 = 0 THEN now() END,
                CASE WHEN i % 5 = 0 THEN 'manual' END
           FROM generate_series(1, {n}) AS i;
         ALTER TABLE registrations ENABLE TRIGGER registrations_after_insert;
         ALTER TABLE registrations ENABLE TRIGGER registrations_tally_insert;
         SELECT recount_registration_tallies('{event_id}');
         UPDATE events SET
             online_confirmed = (SELECT count(*) FROM registrations
                                  WHERE event_id = '{event_id}' AND status = 'confirmed' AND attendance_mode = 'online'),
             onsite_confirmed = (SELECT count(*) FROM registrations
                                  WHERE event_id = '{event_id}' AND status = 'confirmed' AND attendance_mode = 'onsite')
          WHERE id = '{event_id}';
         COMMIT;"
    ))
    .await
    .unwrap();
}
