//! `hybrid-events demo`: the roundtable this product comes from, loaded into the configured
//! database so a newcomer sees the API work within minutes. The third roundtable of the
//! regional multi-stakeholder platform in Soria (24 November 2021): 21 stakeholders, 18
//! online and 3 onsite, the 3 without a computer or internet seated where the organisers
//! found room for them: one at the main venue in Soria, one in each of two hosted places of
//! the province (Almazán and El Burgo de Osma), where a host sets up the screen. Loading
//! twice changes nothing: every row has a fixed id, and the places are found by name.

use chrono::{DateTime, TimeZone, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::app::record;
use crate::app::transition::{EventRef, RegistrationRef, Seat, Transition};
use crate::auth::{password, Caller, PrincipalKind};
use crate::config::{Environment, Settings};
use crate::db::schema::{api_clients, events, organisations, registration_consents, registrations, users};
use crate::db::DbPool;
use crate::domain::actors::{Actor, EventId, OrganisationId, PlaceId, RegistrationId, Role};
use crate::domain::attendance::{CheckIn, CheckInSource};
use crate::domain::barriers::{Arrangement, Barrier, BarrierKind, BarrierStatus, Barriers};
use crate::domain::consent::DATA_PROCESSING;
use crate::domain::event_places::OfferDraft;
use crate::domain::events::EventStatus;
use crate::domain::outcomes::{ActionDraft, ActionStatus, OutcomeDraft};
use crate::domain::people::{person_code, person_key, Identity, LINK_ACROSS_EVENTS};
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

/// The third roundtable, as it happened.
pub fn event_id() -> Uuid {
    third_roundtable().id()
}

/// The earlier roundtable and the promised 2022 one, both illustrative.
pub fn illustrative_event_ids() -> [Uuid; 2] {
    [second_roundtable().id(), fourth_roundtable().id()]
}

/// The registration of the `i`th newcomer without a device (0: at Almazán, 1: at El Burgo
/// de Osma, 2: at the main venue).
pub fn onsite_registration_id(i: usize) -> Uuid {
    id(&format!("registration/onsite/{i}"))
}

pub struct Loaded {
    pub event_id: Uuid,
    pub organisation_id: Uuid,
    pub series_id: Uuid,
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
        for roundtable in [second_roundtable(), third_roundtable(), fourth_roundtable()] {
            insert_event(conn, &roundtable).await?;
        }
        let places = offer_places(conn).await?;
        insert_registrations(conn, &places).await?;
        Ok(())
    })
    .await?;
    let series_id =
        events::table.find(event_id()).select(events::series_id).first::<Option<Uuid>>(&mut conn).await?;
    Ok(Loaded {
        event_id: event_id(),
        organisation_id: id("organisation/cepaim"),
        series_id: series_id.expect("the demo's roundtable is in its series"),
    })
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

/// One roundtable of the platform's series, as the demo loads it.
struct Roundtable {
    key: &'static str,
    title: &'static str,
    description: &'static str,
    starts: DateTime<Utc>,
    /// Seats at the main venue, and of them those kept for people without a device.
    venue_seats: (i32, i32),
    /// `group_reservations`, as the API takes them.
    group_reservations: serde_json::Value,
}

impl Roundtable {
    fn id(&self) -> Uuid {
        id(&format!("event/{}", self.key))
    }

    fn event(&self) -> EventRef {
        EventRef { id: EventId(self.id()), organisation_id: OrganisationId(id("organisation/cepaim")) }
    }
}

/// An earlier roundtable, illustrative: the seed tells of the third only.
fn second_roundtable() -> Roundtable {
    Roundtable {
        key: "soria-roundtable-2",
        title: "Second roundtable of the regional platform for migrant and refugee integration",
        description:
            "Illustrative: an earlier meeting of the platform, made up for the demo so that the series \
                      report has people who come back. The Share SIRA pilot actions were presented.",
        starts: Utc.with_ymd_and_hms(2021, 6, 16, 8, 0, 0).unwrap(),
        venue_seats: (3, 3),
        group_reservations: serde_json::json!([]),
    }
}

/// The third roundtable, as it happened (24 November 2021).
fn third_roundtable() -> Roundtable {
    Roundtable {
        key: "soria-roundtable-3",
        title: "Third roundtable of the regional platform for migrant and refugee integration",
        description:
            "What constitutes genuine participation, and what keeps migrants from forums and activities: \
                      transport, the digital gap, clashing schedules, confidence in Spanish.",
        starts: Utc.with_ymd_and_hms(2021, 11, 24, 9, 0, 0).unwrap(),
        venue_seats: (3, 3),
        group_reservations: serde_json::json!([]),
    }
}

/// The "one more occasion in 2022" the seed promises, illustrative: with seats kept for
/// migrants and refugees, so that a small room is not filled before they come.
fn fourth_roundtable() -> Roundtable {
    Roundtable {
        key: "soria-roundtable-4",
        title: "Fourth roundtable of the regional platform for migrant and refugee integration",
        description:
            "Illustrative: the meeting the platform promised for 2022, made up for the demo. The three \
                      pilot projects in Spain report on their progress.",
        starts: Utc.with_ymd_and_hms(2022, 5, 18, 8, 0, 0).unwrap(),
        venue_seats: (6, 2),
        group_reservations: serde_json::json!([{"categories": ["migrant", "refugee"], "seats": 3, "places": null}]),
    }
}

async fn insert_event(conn: &mut AsyncPgConnection, roundtable: &Roundtable) -> anyhow::Result<()> {
    // The platform's series, as an event naming it would find or create it.
    let series = crate::db::series::find_or_create(conn, id("organisation/cepaim"), SERIES).await?;
    let starts = roundtable.starts;
    let inserted = diesel::insert_into(events::table)
        .values((
            events::id.eq(roundtable.id()),
            events::organisation_id.eq(id("organisation/cepaim")),
            events::title.eq(roundtable.title),
            events::description.eq(roundtable.description),
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
            events::online_join_url.eq(format!("https://meet.example.org/{}", roundtable.key)),
            events::onsite_offered.eq(true),
            events::onsite_venue_name.eq("Fundación CEPAIM, Soria office"),
            events::onsite_address.eq("Soria, Spain"),
            events::onsite_capacity.eq(roundtable.venue_seats.0),
            events::onsite_reserved.eq(roundtable.venue_seats.1),
            events::group_reservations.eq(&roundtable.group_reservations),
            // Kept ten years, as a funder's audit may ask: past the organisation's default of a
            // year, the server's first retention sweep would erase the people of 2021 and
            // their links, and the series report would show nobody coming back.
            events::retention_days.eq(Some(3650)),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    if inserted == 1 {
        let event = roundtable.event();
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

/// Someone at a roundtable, as the demo loads them.
struct Attendance {
    registration: Uuid,
    /// The partner's own stable reference for the person (`person_ref`), given with the
    /// `link_across_events` consent; `None`: they did not consent to be linked.
    reference: Option<String>,
    name: String,
    category: &'static str,
    organisation: Option<&'static str>,
    /// Onsite at this room (`None`: the main venue), or online.
    onsite: Option<Option<Uuid>>,
    /// No device or internet: a room, and interpreting into this language.
    newcomer_language: Option<&'static str>,
    interests: Vec<String>,
    barriers: Barriers,
    /// Who registered them: the organiser, or the partner's tablet.
    by: Actor,
}

/// Registers `a` at `roundtable`, confirmed and checked in (online from the video
/// platform's list, onsite at the door), linked under the organisation's key when they
/// consented; unless the registration exists already.
async fn insert_attended(
    conn: &mut AsyncPgConnection,
    roundtable: &Roundtable,
    link_key: &[u8],
    a: &Attendance,
) -> anyhow::Result<()> {
    let attended = roundtable.starts + chrono::Duration::minutes(5);
    let created = roundtable.starts - chrono::Duration::days(9);
    let check_in = match a.onsite {
        None => CheckIn { at: attended, source: CheckInSource::OnlineImport, minutes: Some(ONLINE_MINUTES) },
        Some(_) => CheckIn { at: attended, source: CheckInSource::Onsite, minutes: None },
    };
    let (mode, place) = match a.onsite {
        None => (Mode::Online, None),
        Some(place) => (Mode::Onsite, place),
    };
    let supplier = id("organisation/cepaim");
    let person_key = a
        .reference
        .as_deref()
        .map(|reference| person_key(link_key, &Identity::Supplied { supplier, reference }));
    let person_code = person_key.as_deref().map(|key| person_code(link_key, key));
    let inserted = diesel::insert_into(registrations::table)
        .values((
            registrations::id.eq(a.registration),
            registrations::event_id.eq(roundtable.id()),
            registrations::status.eq(RegistrationStatus::Confirmed),
            registrations::attendance_mode.eq(mode),
            registrations::place_id.eq(place),
            registrations::needs_physical_space.eq(a.newcomer_language.is_some()),
            registrations::needs_transport.eq(a.barriers.has(BarrierKind::Transport)),
            registrations::barriers.eq(&a.barriers),
            registrations::interpretation_language.eq(a.newcomer_language),
            registrations::interests.eq(&a.interests),
            registrations::full_name.eq(&a.name),
            registrations::organisation_name.eq(a.organisation),
            registrations::preferred_language.eq(a.newcomer_language.unwrap_or("es")),
            registrations::stakeholder_category.eq(a.category),
            registrations::consent_data_processing.eq(true),
            registrations::checked_in_at.eq(check_in.at),
            registrations::check_in_source.eq(check_in.source),
            registrations::check_in_minutes.eq(check_in.minutes),
            registrations::created_by.eq(a.by.id.expect("a person or a partner registered them")),
            registrations::created_by_kind.eq(a.by.kind),
            registrations::created_at.eq(created),
            registrations::updated_at.eq(attended),
            registrations::person_key.eq(person_key),
            registrations::person_code.eq(person_code),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    if inserted == 0 {
        return Ok(());
    }
    let registration = RegistrationRef {
        id: RegistrationId(a.registration),
        event: roundtable.event(),
        created_by: a.by.id.expect("a person or a partner registered them"),
    };
    let seat = Seat {
        status: RegistrationStatus::Confirmed,
        mode,
        place: place.map(PlaceId),
        fallback_applied: false,
    };
    record(
        conn,
        a.by,
        &[
            Transition::Registered { registration, seat },
            Transition::CheckedIn { registration, seat, check_in, cleared_no_show: None },
        ],
    )
    .await?;
    // They consented to data processing, and those with a reference to being linked, at the
    // first version of each text.
    let purposes: &[&str] =
        if a.reference.is_some() { &[DATA_PROCESSING, LINK_ACROSS_EVENTS] } else { &[DATA_PROCESSING] };
    for purpose in purposes {
        diesel::insert_into(registration_consents::table)
            .values((
                registration_consents::registration_id.eq(a.registration),
                registration_consents::organisation_id.eq(registration.event.organisation_id.0),
                registration_consents::purpose.eq(*purpose),
                registration_consents::version.eq(1),
                registration_consents::granted_at.eq(created),
            ))
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// The organisation's `link_across_events` purpose, defined by the organiser unless it is.
async fn ask_to_link(conn: &mut AsyncPgConnection) -> anyhow::Result<()> {
    let organisation = id("organisation/cepaim");
    if crate::db::consents::find(conn, organisation, LINK_ACROSS_EVENTS).await?.is_none() {
        let texts = std::collections::BTreeMap::from([
            ("es".to_owned(), "Podéis reconocerme en las próximas reuniones de la plataforma.".to_owned()),
            ("en".to_owned(), "You may recognise me at the platform's next meetings.".to_owned()),
        ]);
        crate::app::consents::define(conn, &organiser(), organisation, LINK_ACROSS_EVENTS, None, &texts)
            .await?;
    }
    Ok(())
}

/// The stakeholders of the third roundtable online: (name, category, organisation).
const ONLINE: [(&str, &str, Option<&str>); 18] = [
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

/// Who of [`ONLINE`] did not consent to be linked across events (the staff of ICMC Europe
/// and of Cruz Roja): they count at each roundtable, but never as returning.
const NOT_LINKED: [usize; 2] = [8, 9];

/// The newcomers without a device: (name, category, language).
const NEWCOMERS: [(&str, &str, &str); 3] =
    [("Newcomer 1", "refugee", "ar"), ("Newcomer 2", "migrant", "ar"), ("Newcomer 3", "migrant", "fr")];

const INTERESTS: [&str; 4] =
    ["intercultural_community_action", "entrepreneurship", "women_employment", "rural_initiatives"];

fn barrier(kind: BarrierKind, status: BarrierStatus, arranged: &[Arrangement]) -> Barrier {
    Barrier { barrier: kind, status, arranged: arranged.to_vec() }
}

/// The barriers of the `i`th online stakeholder: the few the seed names, on the migrants and
/// refugees who raised them.
fn online_barriers(i: usize) -> Barriers {
    Barriers(match i {
        14 => vec![barrier(BarrierKind::DigitalGap, BarrierStatus::Arranged, &[Arrangement::DeviceLent])],
        15 => vec![barrier(BarrierKind::Schedule, BarrierStatus::Unresolved, &[])],
        17 => vec![barrier(
            BarrierKind::LanguageConfidence,
            BarrierStatus::Arranged,
            &[Arrangement::PlainLanguage],
        )],
        _ => Vec::new(),
    })
}

/// A newcomer's barriers, all met: transport to the room, the room for the digital gap
/// (`room`: a hosted place near home, or the main venue), an interpreter.
fn newcomer_barriers(room: Arrangement) -> Barriers {
    Barriers(vec![
        barrier(BarrierKind::Transport, BarrierStatus::Arranged, &[Arrangement::TransportBooked]),
        barrier(BarrierKind::DigitalGap, BarrierStatus::Arranged, &[room]),
        barrier(BarrierKind::LanguageConfidence, BarrierStatus::Arranged, &[Arrangement::Interpreter]),
    ])
}

fn online_attendance(roundtable: &Roundtable, i: usize, registration: Uuid) -> Attendance {
    let (name, category, organisation) = ONLINE[i];
    Attendance {
        registration,
        reference: (!NOT_LINKED.contains(&i)).then(|| format!("soria-{i}")),
        name: name.to_owned(),
        category,
        organisation,
        onsite: None,
        newcomer_language: None,
        interests: vec![INTERESTS[i % 4].to_owned()],
        barriers: if roundtable.key == "soria-roundtable-2" {
            Barriers::default()
        } else {
            online_barriers(i)
        },
        by: Actor::user(id("user/organiser")),
    }
}

fn newcomer_attendance(i: usize, registration: Uuid, room: Option<Uuid>) -> Attendance {
    let (name, category, language) = NEWCOMERS[i];
    Attendance {
        registration,
        reference: Some(format!("soria-newcomer-{i}")),
        name: name.to_owned(),
        category,
        organisation: None,
        onsite: Some(room),
        newcomer_language: Some(language),
        interests: vec!["entrepreneurship".to_owned(), "women_employment".to_owned()],
        barriers: newcomer_barriers(if room.is_some() {
            Arrangement::HostedPlace
        } else {
            Arrangement::PhysicalSpace
        }),
        by: Actor::api_client(id("api-client/partner")),
    }
}

/// Someone at only one of the illustrative roundtables.
fn newcomer_to_the_series(
    roundtable: &Roundtable,
    key: &str,
    (name, category): (&str, &'static str),
    onsite: bool,
    barriers: Barriers,
) -> Attendance {
    Attendance {
        registration: id(&format!("registration/{}/{key}", roundtable.key)),
        reference: Some(format!("soria-{key}")),
        name: name.to_owned(),
        category,
        organisation: None,
        onsite: onsite.then_some(None),
        newcomer_language: None,
        interests: vec!["rural_initiatives".to_owned()],
        barriers,
        by: Actor::api_client(id("api-client/partner")),
    }
}

/// The third roundtable as it happened: 18 stakeholders online and 3 newcomers without a
/// device, all of whom attended: the first at the first of `places` (Almazán), the second
/// at the second (El Burgo de Osma), the third at the main venue.
fn third_roundtable_attendance(places: &[Uuid]) -> Vec<Attendance> {
    let third = third_roundtable();
    let mut people: Vec<Attendance> = (0..ONLINE.len())
        .map(|i| online_attendance(&third, i, id(&format!("registration/online/{i}"))))
        .collect();
    for i in 0..NEWCOMERS.len() {
        people.push(newcomer_attendance(i, onsite_registration_id(i), places.get(i).copied()));
    }
    people
}

/// The earlier roundtable (illustrative): nine of the third's stakeholders online, one of
/// its newcomers at the main venue, and three people who did not come back.
fn second_roundtable_attendance() -> Vec<Attendance> {
    let second = second_roundtable();
    let online_id = |i: usize| id(&format!("registration/{}/online/{i}", second.key));
    let mut people: Vec<Attendance> = [0, 2, 4, 6, 7, 8, 10, 12, 14, 16]
        .into_iter()
        .map(|i| online_attendance(&second, i, online_id(i)))
        .collect();
    let mut newcomer = newcomer_attendance(0, id(&format!("registration/{}/newcomer/0", second.key)), None);
    newcomer.barriers = Barriers(vec![
        barrier(BarrierKind::Transport, BarrierStatus::Arranged, &[Arrangement::TravelCostsRefunded]),
        barrier(BarrierKind::DigitalGap, BarrierStatus::Arranged, &[Arrangement::PhysicalSpace]),
        barrier(BarrierKind::LanguageConfidence, BarrierStatus::Unresolved, &[]),
    ]);
    people.push(newcomer);
    people.push(newcomer_to_the_series(
        &second,
        "early-0",
        ("Town hall officer", "public_agency"),
        false,
        Barriers::default(),
    ));
    people.push(newcomer_to_the_series(
        &second,
        "early-1",
        ("Volunteer 3", "volunteer"),
        false,
        Barriers::default(),
    ));
    people.push(newcomer_to_the_series(
        &second,
        "early-2",
        ("Migrant participant 3", "migrant"),
        false,
        Barriers(vec![barrier(BarrierKind::Schedule, BarrierStatus::Unresolved, &[])]),
    ));
    people
}

/// The promised 2022 roundtable (illustrative): twelve of the third's stakeholders online,
/// its three newcomers at the main venue in the seats kept for migrants and refugees, and
/// three people new to the series.
fn fourth_roundtable_attendance() -> Vec<Attendance> {
    let fourth = fourth_roundtable();
    let online_id = |i: usize| id(&format!("registration/{}/online/{i}", fourth.key));
    let mut people: Vec<Attendance> = [0, 1, 2, 4, 6, 8, 10, 11, 14, 15, 16, 17]
        .into_iter()
        .map(|i| online_attendance(&fourth, i, online_id(i)))
        .collect();
    for i in 0..NEWCOMERS.len() {
        let mut newcomer =
            newcomer_attendance(i, id(&format!("registration/{}/newcomer/{i}", fourth.key)), None);
        newcomer.barriers = newcomer_barriers(Arrangement::PhysicalSpace);
        people.push(newcomer);
    }
    people.push(newcomer_to_the_series(
        &fourth,
        "2022-0",
        ("Migrant participant 4", "migrant"),
        true,
        Barriers(vec![barrier(
            BarrierKind::Childcare,
            BarrierStatus::Arranged,
            &[Arrangement::ChildcareProvided],
        )]),
    ));
    people.push(newcomer_to_the_series(
        &fourth,
        "2022-1",
        ("Refugee participant 3", "refugee"),
        false,
        Barriers::default(),
    ));
    people.push(newcomer_to_the_series(
        &fourth,
        "2022-2",
        ("Rural cooperative member", "other"),
        false,
        Barriers::default(),
    ));
    people
}

/// What the third roundtable decided, recorded by its organiser through the use case (its
/// history lines and `action.created` messages follow): the topics the participants asked
/// for and the follow-up of the three pilot projects in Spain (named here for the demo; the
/// seed does not name them), as the work stood after the 2022 meeting.
async fn record_follow_up(conn: &mut AsyncPgConnection) -> anyhow::Result<()> {
    let event = third_roundtable().id();
    if crate::db::outcomes::find_outcome(conn, event).await?.is_some() {
        return Ok(());
    }
    let action = |title: &str, owner: &str, due: (i32, u32, u32), status: ActionStatus| ActionDraft {
        title: title.to_owned(),
        owner_organisation_id: Some(id(owner)),
        owner_name: None,
        due_on: chrono::NaiveDate::from_ymd_opt(due.0, due.1, due.2).expect("a date"),
        status: Some(status),
    };
    let draft = OutcomeDraft {
        topics: Some(INTERESTS.iter().map(|t| (*t).to_owned()).chain(["social_movements".to_owned()]).collect()),
        summary: Some(Some(
            "Barriers to participation named: transport, the digital gap, clashing schedules and confidence in \
             Spanish. Offering online and onsite attendance brings more newcomers. Participants want to follow the \
             three pilot projects to be implemented in Spain."
                .to_owned(),
        )),
        actions: vec![
            action("Pilot project 1 (employment): report its progress to the platform", "organisation/iom", (2022, 3, 31), ActionStatus::Done),
            action("Pilot project 2 (women's employment): report its progress to the platform", "organisation/cepaim", (2022, 5, 18), ActionStatus::InProgress),
            action("Pilot project 3 (rural initiatives): report its progress to the platform", "organisation/cepaim", (2022, 9, 30), ActionStatus::Open),
            action("Map transport between the villages and Soria for onsite participants", "organisation/soria", (2022, 5, 1), ActionStatus::InProgress),
        ],
    };
    crate::app::outcomes::record_outcome(conn, &organiser(), EventId(event), draft, None, |_| {
        serde_json::Value::Null
    })
    .await?;
    Ok(())
}

/// The platform's roundtables and who attended each.
async fn insert_registrations(conn: &mut AsyncPgConnection, places: &[Uuid]) -> anyhow::Result<()> {
    ask_to_link(conn).await?;
    let link_key: Vec<u8> = organisations::table
        .find(id("organisation/cepaim"))
        .select(organisations::link_key)
        .first(conn)
        .await?;
    for (roundtable, people) in [
        (second_roundtable(), second_roundtable_attendance()),
        (third_roundtable(), third_roundtable_attendance(places)),
        (fourth_roundtable(), fourth_roundtable_attendance()),
    ] {
        for attendance in &people {
            insert_attended(conn, &roundtable, &link_key, attendance).await?;
        }
    }
    record_follow_up(conn).await
}

/// What the command prints: how to log in and where to look.
pub fn summary(base_url: &str, loaded: &Loaded) -> String {
    let event = loaded.event_id;
    format!(
        "Loaded the Soria roundtable (21 registrations: 18 online, 3 onsite who need a physical space:\n\
         one at the main venue in Soria, one at each hosted place, in Almazán and El Burgo de Osma),\n\
         in its platform's series with an earlier roundtable and the promised 2022 one (both\n\
         illustrative): people who came back, seats kept for migrants and refugees, barriers and\n\
         the pilot projects' follow-up actions.\n\n\
         Organiser login:   {ORGANISER_EMAIL} / {ORGANISER_PASSWORD}\n\
         Partner client:    client_id {PARTNER_CLIENT_ID}\n\
         \x20                  client_secret {PARTNER_CLIENT_SECRET}\n\
         Organisation:      {org}\n\n\
         Event:             {base_url}/api/v1/events/{event}\n\
         Report (JSON):     {base_url}/api/v1/events/{event}/report\n\
         Attendance (CSV):  {base_url}/api/v1/events/{event}/attendance.csv\n\
         Report page:       {base_url}/api/v1/events/{event}/report.html\n\
         \x20                  (send the organiser's bearer token, or get a link a browser can open from\n\
         \x20                   POST {base_url}/api/v1/events/{event}/report-links)\n\
         Series report:     {base_url}/api/v1/series/{series}/report\n\
         Follow-up actions: {base_url}/api/v1/series/{series}/actions\n",
        org = loaded.organisation_id,
        series = loaded.series_id,
    )
}
