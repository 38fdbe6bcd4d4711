//! Places: the main venue of an event and the hosted places near people's homes where those
//! without a device follow the meeting on a provided screen.

use uuid::Uuid;

use crate::domain::contact::optional_contact_phone;
use crate::domain::refusal::Refusal;
use crate::domain::text::Problems;
use crate::domain::translations::{check_place_translations, PlaceTranslations};
use crate::error::FieldError;

/// The most devices a place may have: more than any room in a village holds, and far
/// inside `integer`.
pub const MAX_DEVICES: i64 = 10_000;
/// The most accessibility features a place lists, as sent (repeats count).
pub const MAX_ACCESSIBILITY: usize = 16;
pub const MAX_NOTES_CHARS: usize = 1000;
/// Name, address, municipality and region.
pub const MAX_LINE_CHARS: usize = 200;

/// What a place is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(example = json!("hosted"))]
pub enum PlaceKind {
    /// Where the meeting itself happens.
    Venue,
    /// A room with devices (a community centre, a library, an NGO office in a village) where
    /// people follow the meeting with a host who helps.
    Hosted,
}

impl PlaceKind {
    pub const ALL: [PlaceKind; 2] = [PlaceKind::Venue, PlaceKind::Hosted];

    pub fn as_str(self) -> &'static str {
        match self {
            PlaceKind::Venue => "venue",
            PlaceKind::Hosted => "hosted",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == value)
    }
}

/// The most seats an event may offer at a place: a hosted place seats no more people than it
/// has devices for them to follow on (when the organisation counted them); the room's own
/// limit is the organiser's number.
pub fn seats_allowed(kind: PlaceKind, devices: Option<i32>) -> Option<i32> {
    match kind {
        PlaceKind::Hosted => devices,
        PlaceKind::Venue => None,
    }
}

/// What a place offers people who need it, from a closed list so that front-ends can show
/// each feature in the person's language and filter on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(example = json!("step_free"))]
pub enum AccessibilityFeature {
    /// Entrance and rooms reachable without steps (ramp or lift).
    StepFree,
    AccessibleToilet,
    /// An induction loop for hearing aids.
    HearingLoop,
    /// Someone there signs, or the screen shows a sign-language interpreter.
    SignLanguage,
    /// A room to withdraw to.
    QuietRoom,
    Childcare,
    Parking,
    /// Reachable by bus or train.
    PublicTransport,
}

impl AccessibilityFeature {
    pub const ALL: [AccessibilityFeature; 8] = [
        AccessibilityFeature::StepFree,
        AccessibilityFeature::AccessibleToilet,
        AccessibilityFeature::HearingLoop,
        AccessibilityFeature::SignLanguage,
        AccessibilityFeature::QuietRoom,
        AccessibilityFeature::Childcare,
        AccessibilityFeature::Parking,
        AccessibilityFeature::PublicTransport,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AccessibilityFeature::StepFree => "step_free",
            AccessibilityFeature::AccessibleToilet => "accessible_toilet",
            AccessibilityFeature::HearingLoop => "hearing_loop",
            AccessibilityFeature::SignLanguage => "sign_language",
            AccessibilityFeature::QuietRoom => "quiet_room",
            AccessibilityFeature::Childcare => "childcare",
            AccessibilityFeature::Parking => "parking",
            AccessibilityFeature::PublicTransport => "public_transport",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|feature| feature.as_str() == value)
    }
}

/// A place as the organiser wants it, before it is checked: the body of a create, or the
/// stored place with a PATCH applied.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaceDraft {
    pub name: String,
    pub kind: PlaceKind,
    pub address: Option<String>,
    pub municipality: Option<String>,
    pub region: Option<String>,
    /// Wider than the column so that a huge number is a field error, not a parse error.
    pub devices: Option<i64>,
    pub accessibility: Vec<String>,
    pub host_organisation_id: Option<Uuid>,
    pub contact_phone: Option<String>,
    pub notes: Option<String>,
    pub translations: PlaceTranslations,
}

/// A place that passed [`validate`]: text trimmed (blank optional text is `None`), features
/// known and each listed once, `devices` within `0..=MAX_DEVICES`.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidPlace {
    pub name: String,
    pub kind: PlaceKind,
    pub address: Option<String>,
    pub municipality: Option<String>,
    pub region: Option<String>,
    pub devices: Option<i32>,
    pub accessibility: Vec<AccessibilityFeature>,
    /// Whether it names an existing organisation is checked against the database.
    pub host_organisation_id: Option<Uuid>,
    /// As typed (trimmed), like participants' phones.
    pub contact_phone: Option<String>,
    pub notes: Option<String>,
    /// Checked as `name` and `notes` are, under `translations.<tag>`.
    pub translations: PlaceTranslations,
}

/// A PATCH of a place: `None` leaves a field as it is; `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct PlacePatch {
    pub name: Option<String>,
    pub kind: Option<PlaceKind>,
    pub address: Option<Option<String>>,
    pub municipality: Option<Option<String>>,
    pub region: Option<Option<String>>,
    pub devices: Option<Option<i64>>,
    /// `[]` clears the list.
    pub accessibility: Option<Vec<String>>,
    pub host_organisation_id: Option<Option<Uuid>>,
    pub contact_phone: Option<Option<String>>,
    pub notes: Option<Option<String>>,
    /// Replaces every translation.
    pub translations: Option<PlaceTranslations>,
}

impl PlacePatch {
    /// The place as it would be: checked afterwards by [`validate`], like a new one.
    pub fn apply(self, place: PlaceDraft) -> PlaceDraft {
        PlaceDraft {
            name: self.name.unwrap_or(place.name),
            kind: self.kind.unwrap_or(place.kind),
            address: self.address.unwrap_or(place.address),
            municipality: self.municipality.unwrap_or(place.municipality),
            region: self.region.unwrap_or(place.region),
            devices: self.devices.unwrap_or(place.devices),
            accessibility: self.accessibility.unwrap_or(place.accessibility),
            host_organisation_id: self.host_organisation_id.unwrap_or(place.host_organisation_id),
            contact_phone: self.contact_phone.unwrap_or(place.contact_phone),
            notes: self.notes.unwrap_or(place.notes),
            translations: self.translations.unwrap_or(place.translations),
        }
    }
}

/// Checks every rule, reporting every bad field at once.
pub fn validate(draft: PlaceDraft) -> Result<ValidPlace, Vec<FieldError>> {
    let mut problems = Problems::default();
    let name = check_name(&mut problems, "name", &draft.name);
    let address = problems.optional_one_line("address", draft.address.as_deref(), MAX_LINE_CHARS);
    let municipality =
        problems.optional_one_line("municipality", draft.municipality.as_deref(), MAX_LINE_CHARS);
    let region = problems.optional_one_line("region", draft.region.as_deref(), MAX_LINE_CHARS);
    let devices = check_devices(&mut problems, draft.kind, draft.devices);
    let accessibility = check_accessibility(&mut problems, &draft.accessibility);
    let contact_phone =
        optional_contact_phone(&mut problems, "contact_phone", draft.contact_phone.as_deref());
    let notes = check_notes(&mut problems, "notes", draft.notes.as_deref());
    let translations = check_place_translations(&mut problems, draft.translations);
    if !problems.is_empty() {
        return Err(problems.0);
    }
    Ok(ValidPlace {
        name,
        kind: draft.kind,
        address,
        municipality,
        region,
        devices,
        accessibility,
        host_organisation_id: draft.host_organisation_id,
        contact_phone,
        notes,
        translations,
    })
}

/// A place's name, or its translation (`field`): one line, 1 to 200 characters.
pub fn check_name(problems: &mut Problems, field: &str, name: &str) -> String {
    problems.one_line(field, name, MAX_LINE_CHARS)
}

/// A place's notes, or their translation (`field`): up to 1000 characters; blank is none.
pub fn check_notes(problems: &mut Problems, field: &str, notes: Option<&str>) -> Option<String> {
    problems.optional_text(field, notes, MAX_NOTES_CHARS)
}

/// Devices are the screens people follow the meeting on at a hosted place; a venue is where
/// the meeting itself happens, so a number there would be read as a seat limit it is not.
fn check_devices(problems: &mut Problems, kind: PlaceKind, devices: Option<i64>) -> Option<i32> {
    let devices = devices?;
    if kind == PlaceKind::Venue {
        problems.add(
            "devices",
            "devices_at_venue",
            "must be null for a venue: devices are for people following online at a hosted place",
        );
        None
    } else if devices < 0 {
        problems.add("devices", "negative", "must be 0 or more");
        None
    } else if devices > MAX_DEVICES {
        problems.add("devices", "too_large", format!("must be at most {MAX_DEVICES}"));
        None
    } else {
        Some(devices as i32)
    }
}

/// Known features, each once, in the order first given.
fn check_accessibility(problems: &mut Problems, features: &[String]) -> Vec<AccessibilityFeature> {
    if features.len() > MAX_ACCESSIBILITY {
        problems.add("accessibility", "too_many", format!("at most {MAX_ACCESSIBILITY} features"));
        return Vec::new();
    }
    let mut known = Vec::new();
    for (i, feature) in features.iter().enumerate() {
        match AccessibilityFeature::parse(feature) {
            Some(feature) if known.contains(&feature) => {}
            Some(feature) => known.push(feature),
            None => problems.add(
                format!("accessibility[{i}]"),
                "unknown_feature",
                format!("must be one of {}", AccessibilityFeature::ALL.map(|f| f.as_str()).join(", ")),
            ),
        }
    }
    known
}

/// Whether a place changed to `kind` with `devices` still seats everyone the events that
/// have not ended offer there: the largest of their capacities is `largest_capacity`. Only a
/// lower bound than before is checked, so that a place already short of devices (they broke)
/// can still have its other fields corrected.
pub fn fits_offers(
    before: (PlaceKind, Option<i32>),
    after: (PlaceKind, Option<i32>),
    largest_capacity: Option<i32>,
) -> Result<(), Refusal> {
    let (Some(capacity), Some(allowed)) = (largest_capacity, seats_allowed(after.0, after.1)) else {
        return Ok(());
    };
    let lowered = seats_allowed(before.0, before.1).is_none_or(|previous| allowed < previous);
    if lowered && allowed < capacity {
        return Err(Refusal::DevicesBelowCapacity { devices: allowed, capacity });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> PlaceDraft {
        PlaceDraft {
            name: "  Centro cívico de Almazán ".into(),
            kind: PlaceKind::Hosted,
            address: Some("Plaza Mayor 1".into()),
            municipality: Some("Almazán".into()),
            region: Some("Soria".into()),
            devices: Some(6),
            accessibility: vec!["step_free".into(), "hearing_loop".into()],
            host_organisation_id: None,
            contact_phone: Some(" +34 975 000 000 ".into()),
            notes: Some("Ask for Lucía at the desk.\nOpen from 9:00.".into()),
            translations: PlaceTranslations::default(),
        }
    }

    fn fields(errors: &[FieldError]) -> Vec<(&str, &str)> {
        errors.iter().map(|e| (e.field.as_str(), e.code.as_str())).collect()
    }

    #[test]
    fn a_good_place_is_trimmed_and_kept_as_given() {
        let valid = validate(draft()).unwrap();
        assert_eq!(valid.name, "Centro cívico de Almazán");
        assert_eq!(valid.devices, Some(6));
        assert_eq!(valid.accessibility, [AccessibilityFeature::StepFree, AccessibilityFeature::HearingLoop]);
        assert_eq!(valid.contact_phone.as_deref(), Some("+34 975 000 000"), "stored as typed");
        assert_eq!(valid.notes.as_deref(), Some("Ask for Lucía at the desk.\nOpen from 9:00."));
    }

    #[test]
    fn blank_optional_text_is_absent() {
        let valid = validate(PlaceDraft {
            address: Some("  ".into()),
            municipality: None,
            contact_phone: Some("".into()),
            notes: Some(" ".into()),
            ..draft()
        })
        .unwrap();
        assert_eq!(
            (valid.address, valid.municipality, valid.contact_phone, valid.notes),
            (None, None, None, None)
        );
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let errors = validate(PlaceDraft {
            name: " ".into(),
            address: Some("a\nb".into()),
            municipality: Some("m".repeat(201)),
            region: Some("r\tx".into()),
            devices: Some(-1),
            accessibility: vec!["step_free".into(), "lift".into()],
            contact_phone: Some("call me".into()),
            notes: Some("n".repeat(1001)),
            ..draft()
        })
        .unwrap_err();
        assert_eq!(
            fields(&errors),
            [
                ("name", "blank"),
                ("address", "invalid_characters"),
                ("municipality", "too_long"),
                ("region", "invalid_characters"),
                ("devices", "negative"),
                ("accessibility[1]", "unknown_feature"),
                ("contact_phone", "invalid_phone"),
                ("notes", "too_long"),
            ]
        );
    }

    #[test]
    fn translations_are_checked_as_the_name_and_notes_are() {
        use crate::domain::translations::PlaceText;
        let text =
            |name: &str, notes: Option<&str>| PlaceText { name: name.into(), notes: notes.map(Into::into) };
        let mut translations = PlaceTranslations::default();
        translations.0.insert("ar".into(), text(" المركز المدني ", Some(" ")));
        translations.0.insert("fr".into(), text("Centre civique", Some("Demandez Lucía.\nOuvert à 9 h.")));
        let valid = validate(PlaceDraft { translations: translations.clone(), ..draft() }).unwrap();
        assert_eq!(valid.translations["ar"], text("المركز المدني", None), "trimmed, blank notes none");
        assert_eq!(valid.translations["fr"], translations["fr"]);

        let mut bad = PlaceTranslations::default();
        bad.0.insert("ar".into(), text("a\nb", Some(&"n".repeat(MAX_NOTES_CHARS + 1))));
        bad.0.insert("not a tag".into(), text(" ", None));
        bad.0.insert("fr".into(), text(&"x".repeat(MAX_LINE_CHARS + 1), None));
        let errors = validate(PlaceDraft { translations: bad, ..draft() }).unwrap_err();
        assert_eq!(
            fields(&errors),
            [
                ("translations.ar.name", "invalid_characters"),
                ("translations.ar.notes", "too_long"),
                ("translations.fr.name", "too_long"),
                ("translations.not a tag", "invalid_language"),
                ("translations.not a tag.name", "blank"),
            ]
        );

        let tags = "aa ab af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca";
        let many = tags.split(' ').map(|tag| (tag.to_owned(), text("n", None))).collect();
        let errors = validate(PlaceDraft { translations: PlaceTranslations(many), ..draft() }).unwrap_err();
        assert_eq!(fields(&errors), [("translations", "too_many")]);
    }

    #[test]
    fn a_patch_replaces_every_translation() {
        use crate::domain::translations::PlaceText;
        let mut before = PlaceTranslations::default();
        before.0.insert("ar".into(), PlaceText { name: "المركز".into(), notes: None });
        let before = PlaceDraft { translations: before, ..draft() };
        let mut after = PlaceTranslations::default();
        after.0.insert("fr".into(), PlaceText { name: "Centre".into(), notes: None });
        let patch = PlacePatch { translations: Some(after.clone()), ..Default::default() };
        assert_eq!(patch.apply(before.clone()).translations, after, "the whole map, not merged");
        assert_eq!(PlacePatch::default().apply(before.clone()).translations, before.translations);
    }

    #[test]
    fn devices_are_for_hosted_places_within_bounds() {
        let at_venue =
            validate(PlaceDraft { kind: PlaceKind::Venue, devices: Some(3), ..draft() }).unwrap_err();
        assert_eq!(fields(&at_venue), [("devices", "devices_at_venue")]);
        let venue = validate(PlaceDraft { kind: PlaceKind::Venue, devices: None, ..draft() }).unwrap();
        assert_eq!(venue.devices, None);
        let unknown = validate(PlaceDraft { devices: None, ..draft() }).unwrap();
        assert_eq!(unknown.devices, None, "a hosted place may not have counted them yet");
        assert_eq!(validate(PlaceDraft { devices: Some(0), ..draft() }).unwrap().devices, Some(0));
        assert_eq!(
            validate(PlaceDraft { devices: Some(MAX_DEVICES), ..draft() }).unwrap().devices,
            Some(10_000)
        );
        let huge = validate(PlaceDraft { devices: Some(i64::MAX), ..draft() }).unwrap_err();
        assert_eq!(fields(&huge), [("devices", "too_large")]);
    }

    #[test]
    fn features_are_known_listed_once_and_few() {
        let repeated = vec!["parking".into(), "step_free".into(), "parking".into()];
        let valid = validate(PlaceDraft { accessibility: repeated, ..draft() }).unwrap();
        assert_eq!(valid.accessibility, [AccessibilityFeature::Parking, AccessibilityFeature::StepFree]);
        let too_many = vec!["parking".to_owned(); MAX_ACCESSIBILITY + 1];
        let errors = validate(PlaceDraft { accessibility: too_many, ..draft() }).unwrap_err();
        assert_eq!(fields(&errors), [("accessibility", "too_many")]);
        let errors = validate(PlaceDraft { accessibility: vec!["Step_Free".into()], ..draft() }).unwrap_err();
        assert_eq!(fields(&errors), [("accessibility[0]", "unknown_feature")], "snake_case exactly");
        for feature in AccessibilityFeature::ALL {
            assert_eq!(AccessibilityFeature::parse(feature.as_str()), Some(feature));
        }
    }

    #[test]
    fn a_patch_changes_what_it_names_and_null_clears() {
        let host = Uuid::now_v7();
        let before = PlaceDraft { host_organisation_id: Some(host), ..draft() };
        let patch = PlacePatch {
            name: Some("Biblioteca".into()),
            address: Some(None),
            devices: Some(None),
            accessibility: Some(Vec::new()),
            host_organisation_id: Some(None),
            ..Default::default()
        };
        let after = patch.apply(before.clone());
        assert_eq!(after.name, "Biblioteca");
        assert_eq!((after.address, after.devices, after.host_organisation_id), (None, None, None));
        assert!(after.accessibility.is_empty());
        assert_eq!(after.municipality, before.municipality, "absent stays");
        assert_eq!(after.contact_phone, before.contact_phone);
        assert_eq!(PlacePatch::default().apply(before.clone()), before);
    }

    #[test]
    fn a_hosted_place_becomes_a_venue_only_without_devices() {
        let to_venue = PlacePatch { kind: Some(PlaceKind::Venue), ..Default::default() };
        let errors = validate(to_venue.clone().apply(draft())).unwrap_err();
        assert_eq!(fields(&errors), [("devices", "devices_at_venue")]);
        let cleared = PlacePatch { devices: Some(None), ..to_venue };
        assert_eq!(validate(cleared.apply(draft())).unwrap().kind, PlaceKind::Venue);
    }

    #[test]
    fn lowering_devices_under_an_offered_capacity_is_refused() {
        let hosted = |devices| (PlaceKind::Hosted, devices);
        assert_eq!(
            fits_offers(hosted(Some(8)), hosted(Some(4)), Some(5)),
            Err(Refusal::DevicesBelowCapacity { devices: 4, capacity: 5 })
        );
        assert_eq!(fits_offers(hosted(Some(8)), hosted(Some(5)), Some(5)), Ok(()), "down to it is fine");
        assert_eq!(
            fits_offers(hosted(None), hosted(Some(2)), Some(5)).unwrap_err().code(),
            "devices_below_capacity"
        );
        assert_eq!(fits_offers(hosted(Some(8)), hosted(Some(4)), None), Ok(()), "nothing offered there");
        assert_eq!(fits_offers(hosted(Some(8)), hosted(None), Some(5)), Ok(()), "unknown bounds nothing");
        assert_eq!(fits_offers(hosted(Some(8)), (PlaceKind::Venue, None), Some(5)), Ok(()));
        assert_eq!(fits_offers(hosted(Some(3)), hosted(Some(3)), Some(5)), Ok(()), "not lowered");
        assert_eq!(fits_offers(hosted(Some(3)), hosted(Some(4)), Some(5)), Ok(()), "raised, if not enough");
    }

    #[test]
    fn kinds_read_back_what_they_write() {
        for kind in PlaceKind::ALL {
            assert_eq!(PlaceKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(PlaceKind::parse("online"), None);
    }

    #[test]
    fn devices_bound_the_seats_of_a_hosted_place_only() {
        assert_eq!(seats_allowed(PlaceKind::Hosted, Some(4)), Some(4));
        assert_eq!(seats_allowed(PlaceKind::Hosted, None), None);
        assert_eq!(seats_allowed(PlaceKind::Venue, Some(4)), None);
    }
}
