//! `hybrid-events demo`: the roundtable this product comes from, loaded into the configured
//! database so a newcomer sees the API work within minutes. The third roundtable of the
//! regional multi-stakeholder platform in Soria (24 November 2021): 21 stakeholders, 18
//! online and 3 onsite, the 3 without a computer or internet seated where the organisers
//! found room for them: one at the main venue in Soria, one in each of two hosted places of
//! the province (Almazán and El Burgo de Osma), where a host sets up the screen. Loading
//! twice changes nothing: every row has a fixed id, and the places are found by name.

use chrono::{TimeZone, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::app::record;
use crate::app::transition::{EventRef, RegistrationRef, Seat, Transition};
use crate::auth::{password, Caller, PrincipalKind};
use crate::config::{Environment, Settings};
use crate::db::schema::{api_clients, events, organisations, registration_consents, registrations, users};
use crate::db::DbPool;
use crate::domain::actors::{Actor, ActorKind, EventId, OrganisationId, PlaceId, RegistrationId, Role};
use crate::domain::attendance::{CheckIn, CheckInSource};
use crate::domain::event_places::OfferDraft;
use crate::domain::events::EventStatus;
use crate::domain::places::{PlaceDraft, PlaceKind};
use crate::domain::registrations::RegistrationStatus;
use crate::domain::seats::Mode;
use crate::domain::text::fold;

pub const ORGANISER_EMAIL: &str = "organiser@cepaim.example";
/// Known on purpose: this is demo data, refused in production.
pub const ORGANISER_PASSWORD: &str = "soria-roundtable-2021";
pub const PARTNER_CLIENT_ID: &str = "hec_demo_soria_partner";
pub const PARTNER_CLIENT_SECRET: &str = "demo-secret-for-the-soria-roundtable";

/// Stable ids, so that a second run finds what the first one made.
fn id(name: &str) -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_URL, format!("https://hybrid-events.example/demo/{name}").as_bytes())
}

pub fn event_id() -> Uuid {
    id("event/soria-roundtable-3")
}

/// The registration of the `i`th newcomer without a device (0: at Almazán, 1: at El Burgo
/// de Osma, 2: at the main venue).
pub fn onsite_registration_id(i: usize) -> Uuid {
    id(&format!("registration/onsite/{i}"))
}

pub struct Loaded {
    pub event_id: Uuid,
    pub organisation_id: Uuid,
}

pub async fn load(settings: &Settings, pool: &DbPool) -> anyhow::Result<Loaded> {
    anyhow::ensure!(
        settings.app_env != Environment::Production,
        "the demo loads known passwords: it refuses to run with APP_ENV=production"
    );
    let organiser_hash = password::hash(ORGANISER_PASSWORD.to_owned()).await?;
    let secret_hash = password::hash(PARTNER_CLIENT_SECRET.to_owned()).await?;
    let mut conn = pool.get().await?;
    conn.transaction::<_, anyhow::Error, _>(async |conn| {
        insert_organisations(conn).await?;
        diesel::insert_into(users::table)
            .values((
                users::id.eq(id("user/organiser")),
                users::email.eq(ORGANISER_EMAIL),
                users::email_key.eq(fold(ORGANISER_EMAIL)),
                users::password_hash.eq(&organiser_hash),
                users::role.eq(crate::domain::actors::Role::Organiser),
                users::organisation_id.eq(id("organisation/cepaim")),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
        diesel::insert_into(api_clients::table)
            .values((
                api_clients::id.eq(id("api-client/partner")),
                api_clients::organisation_id.eq(id("organisation/cepaim")),
                api_clients::name.eq("Registration tablet, CEPAIM Soria"),
                api_clients::client_id.eq(PARTNER_CLIENT_ID),
                api_clients::secret_hash.eq(&secret_hash),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
        insert_event(conn).await?;
        let places = offer_places(conn).await?;
        insert_registrations(conn, &places).await?;
        Ok(())
    })
    .await?;
    Ok(Loaded { event_id: event_id(), organisation_id: id("organisation/cepaim") })
}

async fn insert_organisations(conn: &mut AsyncPgConnection) -> anyhow::Result<()> {
    let rows = [
        ("organisation/iom", "IOM Spain", "international_organisation"),
        ("organisation/cepaim", "Fundación CEPAIM", "ngo"),
        ("organisation/soria", "Diputación Provincial de Soria", "regional_authority"),
        (
            "organisation/migrant-women",
            "Asociación de Mujeres Migrantes de Soria",
            "migrant_led_organisation",
        ),
    ];
    for (key, name, kind) in rows {
        diesel::insert_into(organisations::table)
            .values((
                organisations::id.eq(id(key)),
                organisations::name.eq(name),
                organisations::name_key.eq(fold(name)),
                organisations::kind.eq(kind),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
    }
    Ok(())
}

async fn insert_event(conn: &mut AsyncPgConnection) -> anyhow::Result<()> {
    // The platform's series, as an event naming it would find or create it.
    let series = crate::db::series::find_or_create(conn, id("organisation/cepaim"), SERIES).await?;
    let starts = Utc.with_ymd_and_hms(2021, 11, 24, 9, 0, 0).unwrap();
    let inserted = diesel::insert_into(events::table)
        .values((
            events::id.eq(event_id()),
            events::organisation_id.eq(id("organisation/cepaim")),
            events::title.eq("Third roundtable of the regional platform for migrant and refugee integration"),
            events::description.eq(
                "What constitutes genuine participation, and what keeps migrants from forums and activities: \
                 transport, the digital gap, clashing schedules, confidence in Spanish.",
            ),
            events::region.eq("Soria"),
            events::series.eq(&series.name),
            events::series_id.eq(series.id),
            events::starts_at.eq(starts),
            events::ends_at.eq(starts + chrono::Duration::hours(3)),
            events::timezone.eq("Europe/Madrid"),
            events::languages.eq(vec!["es".to_owned()]),
            events::status.eq(EventStatus::Published),
            events::published_at.eq(diesel::dsl::now),
            events::online_offered.eq(true),
            events::online_join_url.eq("https://meet.example.org/soria-roundtable-3"),
            events::onsite_offered.eq(true),
            events::onsite_venue_name.eq("Fundación CEPAIM, Soria office"),
            events::onsite_address.eq("Soria, Spain"),
            events::onsite_capacity.eq(3),
            events::onsite_reserved.eq(3),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    if inserted == 1 {
        let event = soria_event();
        let transitions = [Transition::EventCreated { event }, Transition::EventPublished { event }];
        record(conn, Actor::user(id("user/organiser")), &transitions).await?;
    }
    Ok(())
}

/// The series of the demo's roundtable.
const SERIES: &str = "Regional multi-stakeholder cooperation platform";

/// The hosted places of the demo: (name, municipality, address, contact phone).
/// Minutes each online participant of the three-hour roundtable stayed, as the video
/// platform's participant list said.
const ONLINE_MINUTES: i32 = 165;

pub const PLACES: [(&str, &str, &str, &str); 2] = [
    ("Centro social de Almazán", "Almazán", "Plaza Mayor 1", "+34 975 000 101"),
    ("Biblioteca municipal de El Burgo de Osma", "El Burgo de Osma", "Calle Mayor 1", "+34 975 000 102"),
];

/// The demo organiser, as the use cases hear them.
fn organiser() -> Caller {
    Caller {
        id: id("user/organiser"),
        kind: PrincipalKind::User,
        role: Role::Organiser,
        organisation_id: Some(id("organisation/cepaim")),
    }
}

/// The hosted places of [`PLACES`], created by the organiser when the organisation has
/// none of that name yet, and offered at the roundtable (2 seats each, both kept for people
/// without a device) unless offered already: through the use cases, so the offers are
/// announced and in the event's history as if made over the API. Their ids, in order.
async fn offer_places(conn: &mut AsyncPgConnection) -> anyhow::Result<Vec<Uuid>> {
    let organiser = organiser();
    let organisation = id("organisation/cepaim");
    let existing = crate::app::places::list(conn, &organiser, organisation, None, 100).await?;
    let offered = crate::db::places::of_event(conn, event_id()).await?;
    let mut ids = Vec::new();
    for (name, municipality, address, phone) in PLACES {
        let place = match existing.iter().find(|place| place.name == name) {
            Some(place) => place.id,
            None => {
                let draft = PlaceDraft {
                    name: name.to_owned(),
                    kind: PlaceKind::Hosted,
                    address: Some(address.to_owned()),
                    municipality: Some(municipality.to_owned()),
                    region: Some("Soria".to_owned()),
                    devices: Some(2),
                    accessibility: vec!["step_free".to_owned()],
                    host_organisation_id: Some(id("organisation/soria")),
                    contact_phone: Some(phone.to_owned()),
                    notes: Some(
                        "A volunteer of the town hall opens the room and sets up the screen.".to_owned(),
                    ),
                    translations: Default::default(),
                };
                crate::app::places::create(conn, &organiser, organisation, draft).await?.id
            }
        };
        if !offered.iter().any(|o| o.place_id == place) {
            let seats = OfferDraft { capacity: 2, reserved_for_physical_space_need: 2 };
            crate::app::event_places::offer(conn, &organiser, EventId(event_id()), PlaceId(place), seats)
                .await?;
        }
        ids.push(place);
    }
    Ok(ids)
}

fn soria_event() -> EventRef {
    EventRef { id: EventId(event_id()), organisation_id: OrganisationId(id("organisation/cepaim")) }
}

/// The history of a registration loaded as it happened: registered by `by`, confirmed in
/// `mode` (at `place`, when not the main venue or online), and checked in.
async fn record_attended(
    conn: &mut AsyncPgConnection,
    registration: Uuid,
    by: Actor,
    (mode, place): (Mode, Option<Uuid>),
    check_in: CheckIn,
) -> anyhow::Result<()> {
    let registration = RegistrationRef {
        id: RegistrationId(registration),
        event: soria_event(),
        created_by: by.id.expect("a person or a partner registered them"),
    };
    let seat = Seat {
        status: RegistrationStatus::Confirmed,
        mode,
        place: place.map(PlaceId),
        fallback_applied: false,
    };
    record(
        conn,
        by,
        &[
            Transition::Registered { registration, seat },
            Transition::CheckedIn { registration, seat, check_in, cleared_no_show: None },
        ],
    )
    .await?;
    // They consented to data processing, at the first version of the built-in text.
    diesel::insert_into(registration_consents::table)
        .values((
            registration_consents::registration_id.eq(registration.id.0),
            registration_consents::organisation_id.eq(registration.event.organisation_id.0),
            registration_consents::purpose.eq(crate::domain::consent::DATA_PROCESSING),
            registration_consents::version.eq(1),
            registration_consents::granted_at.eq(Utc.with_ymd_and_hms(2021, 11, 15, 10, 0, 0).unwrap()),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// 18 online stakeholders and 3 onsite newcomers without a device, all of whom attended:
/// the first at the first of `places` (Almazán), the second at the second (El Burgo de
/// Osma), the third at the main venue.
async fn insert_registrations(conn: &mut AsyncPgConnection, places: &[Uuid]) -> anyhow::Result<()> {
    const INTERESTS: [&str; 4] =
        ["intercultural_community_action", "entrepreneurship", "women_employment", "rural_initiatives"];
    let online: [(&str, &str, Option<&str>); 18] = [
        ("Regional authority representative 1", "regional_authority", Some("Junta de Castilla y León")),
        ("Regional authority representative 2", "regional_authority", Some("Diputación Provincial de Soria")),
        ("Public agency officer 1", "public_agency", Some("Public employment service")),
        ("Public agency officer 2", "public_agency", Some("Social services, Soria")),
        ("IOM Spain staff 1", "ngo", Some("IOM Spain")),
        ("IOM Spain staff 2", "ngo", Some("IOM Spain")),
        ("CEPAIM staff 1", "ngo", Some("Fundación CEPAIM")),
        ("CEPAIM staff 2", "ngo", Some("Fundación CEPAIM")),
        ("ICMC Europe staff", "ngo", Some("ICMC Europe / SHARE Network")),
        ("NGO worker", "ngo", Some("Cruz Roja Soria")),
        (
            "Migrant-led organisation member 1",
            "migrant_led_organisation",
            Some("Asociación de Mujeres Migrantes de Soria"),
        ),
        (
            "Migrant-led organisation member 2",
            "migrant_led_organisation",
            Some("Asociación de Mujeres Migrantes de Soria"),
        ),
        ("Volunteer 1", "volunteer", None),
        ("Volunteer 2", "volunteer", None),
        ("Migrant participant 1", "migrant", None),
        ("Migrant participant 2", "migrant", None),
        ("Refugee participant 1", "refugee", None),
        ("Refugee participant 2", "refugee", None),
    ];
    let attended = Utc.with_ymd_and_hms(2021, 11, 24, 9, 5, 0).unwrap();
    let from_the_platform =
        CheckIn { at: attended, source: CheckInSource::OnlineImport, minutes: Some(ONLINE_MINUTES) };
    let at_the_door = CheckIn { at: attended, source: CheckInSource::Onsite, minutes: None };
    let created = Utc.with_ymd_and_hms(2021, 11, 15, 10, 0, 0).unwrap();
    for (i, (name, category, organisation)) in online.iter().enumerate() {
        let interests: Vec<String> = vec![INTERESTS[i % 4].to_owned()];
        let registration = id(&format!("registration/online/{i}"));
        let inserted = diesel::insert_into(registrations::table)
            .values((
                registrations::id.eq(registration),
                registrations::event_id.eq(event_id()),
                registrations::status.eq(RegistrationStatus::Confirmed),
                registrations::attendance_mode.eq(Mode::Online),
                registrations::interests.eq(interests),
                registrations::full_name.eq(*name),
                registrations::organisation_name.eq(*organisation),
                registrations::preferred_language.eq("es"),
                registrations::stakeholder_category.eq(*category),
                registrations::consent_data_processing.eq(true),
                registrations::checked_in_at.eq(from_the_platform.at),
                registrations::check_in_source.eq(from_the_platform.source),
                registrations::check_in_minutes.eq(from_the_platform.minutes),
                registrations::created_by.eq(id("user/organiser")),
                registrations::created_by_kind.eq(ActorKind::User),
                registrations::created_at.eq(created),
                registrations::updated_at.eq(attended),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
        if inserted == 1 {
            let organiser = Actor::user(id("user/organiser"));
            record_attended(conn, registration, organiser, (Mode::Online, None), from_the_platform).await?;
        }
    }
    let onsite =
        [("Newcomer 1", "refugee", "ar"), ("Newcomer 2", "migrant", "ar"), ("Newcomer 3", "migrant", "fr")];
    for (i, (name, category, language)) in onsite.iter().enumerate() {
        let registration = onsite_registration_id(i);
        let place = places.get(i).copied();
        let inserted = diesel::insert_into(registrations::table)
            .values((
                registrations::id.eq(registration),
                registrations::event_id.eq(event_id()),
                registrations::status.eq(RegistrationStatus::Confirmed),
                registrations::attendance_mode.eq(Mode::Onsite),
                registrations::needs_physical_space.eq(true),
                registrations::place_id.eq(place),
                registrations::needs_transport.eq(true),
                registrations::interpretation_language.eq(*language),
                registrations::interests
                    .eq(vec!["entrepreneurship".to_owned(), "women_employment".to_owned()]),
                registrations::full_name.eq(*name),
                registrations::preferred_language.eq(*language),
                registrations::stakeholder_category.eq(*category),
                registrations::consent_data_processing.eq(true),
                registrations::checked_in_at.eq(at_the_door.at),
                registrations::check_in_source.eq(at_the_door.source),
                registrations::created_by.eq(id("api-client/partner")),
                registrations::created_by_kind.eq(ActorKind::ApiClient),
                registrations::created_at.eq(created),
                registrations::updated_at.eq(attended),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
        if inserted == 1 {
            let partner = Actor::api_client(id("api-client/partner"));
            record_attended(conn, registration, partner, (Mode::Onsite, place), at_the_door).await?;
        }
    }
    Ok(())
}

/// What the command prints: how to log in and where to look.
pub fn summary(base_url: &str, loaded: &Loaded) -> String {
    let event = loaded.event_id;
    format!(
        "Loaded the Soria roundtable (21 registrations: 18 online, 3 onsite who need a physical space:\n\
         one at the main venue in Soria, one at each hosted place, in Almazán and El Burgo de Osma).\n\n\
         Organiser login:   {ORGANISER_EMAIL} / {ORGANISER_PASSWORD}\n\
         Partner client:    client_id {PARTNER_CLIENT_ID}\n\
         \x20                  client_secret {PARTNER_CLIENT_SECRET}\n\
         Organisation:      {org}\n\n\
         Event:             {base_url}/api/v1/events/{event}\n\
         Report (JSON):     {base_url}/api/v1/events/{event}/report\n\
         Attendance (CSV):  {base_url}/api/v1/events/{event}/attendance.csv\n\
         Report page:       {base_url}/api/v1/events/{event}/report.html\n\
         \x20                  (send the organiser's bearer token, or get a link a browser can open from\n\
         \x20                   POST {base_url}/api/v1/events/{event}/report-links)\n",
        org = loaded.organisation_id,
    )
}
