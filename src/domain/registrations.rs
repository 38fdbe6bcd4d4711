//! What makes a registration acceptable, on plain values.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::barriers::{self, Barrier, Barriers};
use crate::domain::consent::{check_given, ConsentGiven};
use crate::domain::contact::{Email, Phone, MAX_EMAIL_CHARS, MAX_PHONE_CHARS};
use crate::domain::events::is_language_tag;
use crate::domain::people::PersonRef;
use crate::domain::refusal::Refusal;
use crate::domain::seats::Mode;
use crate::domain::text::{check_topics, Problems};
use crate::error::{AppError, FieldError};

pub const MAX_INTERESTS: usize = crate::domain::text::MAX_TOPICS;

/// Where a registration stands: it has a seat, waits for one, is offered one until a
/// deadline (`domain::offers`), or was withdrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RegistrationStatus {
    Confirmed,
    Waitlisted,
    Cancelled,
    Offered,
}

impl RegistrationStatus {
    pub const ALL: [RegistrationStatus; 4] = [
        RegistrationStatus::Confirmed,
        RegistrationStatus::Waitlisted,
        RegistrationStatus::Cancelled,
        RegistrationStatus::Offered,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RegistrationStatus::Confirmed => "confirmed",
            RegistrationStatus::Waitlisted => "waitlisted",
            RegistrationStatus::Cancelled => "cancelled",
            RegistrationStatus::Offered => "offered",
        }
    }

    /// Whether it takes a seat: an offered seat is held for the person until they answer, so
    /// it counts as taken (the counters count it so too).
    pub fn holds_seat(self) -> bool {
        match self {
            RegistrationStatus::Confirmed | RegistrationStatus::Offered => true,
            RegistrationStatus::Waitlisted | RegistrationStatus::Cancelled => false,
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == value)
    }
}

/// The participant as given, before checking.
#[derive(Debug, Clone, Default)]
pub struct ParticipantDraft {
    pub full_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub preferred_language: Option<String>,
    pub organisation_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    pub full_name: String,
    pub email: Option<Email>,
    pub phone: Option<Phone>,
    pub preferred_language: Option<String>,
    pub organisation_name: Option<String>,
}

#[derive(Debug, Clone)]
pub struct RegistrationDraft {
    pub participant: ParticipantDraft,
    pub attendance_mode: Mode,
    pub needs_physical_space: bool,
    pub needs_transport: bool,
    pub interpretation_language: Option<String>,
    pub accessibility_notes: Option<String>,
    pub accept_online_fallback: bool,
    pub consent: ConsentGiven,
    pub interests: Vec<String>,
    /// The place asked for (onsite only); `None`: the main venue.
    pub place_id: Option<Uuid>,
    pub acceptable_place_ids: Vec<Uuid>,
    /// A code from the person's card or the partner's own reference (`domain::people`).
    pub person_ref: Option<String>,
    pub barriers: Vec<Barrier>,
}

#[derive(Debug, Clone)]
pub struct ValidRegistration {
    pub participant: Participant,
    pub attendance_mode: Mode,
    pub needs_physical_space: bool,
    pub needs_transport: bool,
    pub interpretation_language: Option<String>,
    pub accessibility_notes: Option<String>,
    pub accept_online_fallback: bool,
    pub interests: Vec<String>,
    /// Checked as far as it can be without the organisation's purposes
    /// (`domain::consent::resolve` does the rest).
    pub consent: ConsentGiven,
    /// Checked as far as it can be without the event (`domain::seats::Seating::offers` does
    /// the rest).
    pub place_id: Option<Uuid>,
    pub acceptable_place_ids: Vec<Uuid>,
    /// Linked only with the `link_across_events` consent (`domain::people::link`).
    pub person_ref: Option<PersonRef>,
    /// With the barriers the two needs raise (`domain::barriers::reconcile`).
    pub barriers: Barriers,
}

pub fn check_participant(problems: &mut Problems, draft: ParticipantDraft) -> Participant {
    let full_name = problems.one_line("participant.full_name", &draft.full_name, 200);
    let email = problems
        .optional_text("participant.email", draft.email.as_deref(), MAX_EMAIL_CHARS)
        .and_then(|raw| {
            Email::parse(&raw)
                .map_err(|message| problems.add("participant.email", "invalid_email", message))
                .ok()
        });
    let phone = problems
        .optional_text("participant.phone", draft.phone.as_deref(), MAX_PHONE_CHARS)
        .and_then(|raw| {
            Phone::parse(&raw)
                .map_err(|message| problems.add("participant.phone", "invalid_phone", message))
                .ok()
        });
    let preferred_language = language(problems, "participant.preferred_language", draft.preferred_language);
    let organisation_name =
        problems.optional_one_line("participant.organisation_name", draft.organisation_name.as_deref(), 200);
    Participant { full_name, email, phone, preferred_language, organisation_name }
}

fn language(problems: &mut Problems, field: &str, value: Option<String>) -> Option<String> {
    let value = problems.optional_text(field, value.as_deref(), 35)?;
    if !is_language_tag(&value) {
        problems.add(field, "invalid_language", "must be a BCP 47 language tag such as ar or fr");
    }
    Some(value)
}

/// Checks the attendance fields that PATCH may change too.
pub fn check_needs(
    problems: &mut Problems,
    mode: Mode,
    needs_physical_space: bool,
    interpretation_language: Option<String>,
    accessibility_notes: Option<String>,
) -> (Option<String>, Option<String>) {
    if needs_physical_space && mode != Mode::Onsite {
        problems.add(
            "needs_physical_space",
            "physical_space_required",
            "a participant who needs a physical space must attend onsite",
        );
    }
    let interpretation_language = language(problems, "interpretation_language", interpretation_language);
    let accessibility_notes =
        problems.optional_text("accessibility_notes", accessibility_notes.as_deref(), 1000);
    (interpretation_language, accessibility_notes)
}

/// How many other places a person may list as acceptable.
pub const MAX_ACCEPTABLE_PLACES: usize = 10;

/// A place is attended in person: `place_id` and `acceptable_place_ids` need `onsite` (422
/// `place_requires_onsite`). The acceptable places are kept in their order, without repeats
/// and without the place asked for.
pub fn check_places(
    problems: &mut Problems,
    mode: Mode,
    place_id: Option<Uuid>,
    acceptable: Vec<Uuid>,
) -> Vec<Uuid> {
    if mode != Mode::Onsite && (place_id.is_some() || !acceptable.is_empty()) {
        let field = if place_id.is_some() { "place_id" } else { "acceptable_place_ids" };
        problems.add(
            field,
            "place_requires_onsite",
            "a place is attended onsite: set attendance_mode to onsite",
        );
    }
    if acceptable.len() > MAX_ACCEPTABLE_PLACES {
        problems.add(
            "acceptable_place_ids",
            "too_many",
            format!("at most {MAX_ACCEPTABLE_PLACES} acceptable places"),
        );
    }
    let mut kept: Vec<Uuid> = Vec::new();
    for id in acceptable {
        if Some(id) != place_id && !kept.contains(&id) {
            kept.push(id);
        }
    }
    kept
}

/// Interests are short snake_case topics (`women_employment`), at most ten, without repeats:
/// the topics vocabulary ([`check_topics`]), which an event's outcome uses too.
pub fn check_interests(problems: &mut Problems, interests: Vec<String>) -> Vec<String> {
    check_topics(problems, "interests", "invalid_interest", interests)
}

/// How long before an event starts its participants may be checked in: people arrive early,
/// and a hosted place opens its room before the meeting.
pub const CHECK_IN_OPENS_BEFORE_START: chrono::Duration = chrono::Duration::hours(2);
/// How long after an event ends check-ins are still taken: the sheet from the door is often
/// typed in the next day.
pub const CHECK_IN_CLOSES_AFTER_END: chrono::Duration = chrono::Duration::hours(24);

/// Whether a registration may be checked in at `now`: confirmed, and within the window
/// around the event (so a report never shows as attended someone whose event has not begun).
pub fn may_check_in(
    status: RegistrationStatus,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), Refusal> {
    if status != RegistrationStatus::Confirmed {
        return Err(Refusal::NotConfirmed);
    }
    let opens_at = starts_at - CHECK_IN_OPENS_BEFORE_START;
    let closes_at = ends_at + CHECK_IN_CLOSES_AFTER_END;
    if now < opens_at || now > closes_at {
        return Err(Refusal::CheckInWindow { opens_at, closes_at });
    }
    Ok(())
}

pub fn validate(draft: RegistrationDraft) -> Result<ValidRegistration, AppError> {
    let mut problems = Problems::default();
    check_given(&mut problems, &draft.consent);
    let participant = check_participant(&mut problems, draft.participant);
    let (interpretation_language, accessibility_notes) = check_needs(
        &mut problems,
        draft.attendance_mode,
        draft.needs_physical_space,
        draft.interpretation_language,
        draft.accessibility_notes,
    );
    let interests = check_interests(&mut problems, draft.interests);
    let acceptable_place_ids =
        check_places(&mut problems, draft.attendance_mode, draft.place_id, draft.acceptable_place_ids);
    let person_ref = draft.person_ref.as_deref().and_then(|raw| {
        PersonRef::parse(raw)
            .map_err(|message| problems.add("person_ref", "invalid_person_ref", message))
            .ok()
    });
    // A new registration says a need only by setting it: false is the default.
    let asked = barriers::Asked {
        barriers: Some(barriers::check(&mut problems, draft.barriers)),
        needs_physical_space: draft.needs_physical_space.then_some(true),
        needs_transport: draft.needs_transport.then_some(true),
    };
    let (barriers, needs_transport) =
        barriers::reconcile(&mut problems, asked, &Barriers::default(), draft.needs_physical_space);
    if !problems.is_empty() {
        return Err(problems_to_error(problems.0));
    }
    Ok(ValidRegistration {
        participant,
        attendance_mode: draft.attendance_mode,
        needs_physical_space: draft.needs_physical_space,
        needs_transport,
        interpretation_language,
        accessibility_notes,
        accept_online_fallback: draft.accept_online_fallback,
        interests,
        consent: draft.consent,
        place_id: draft.place_id,
        acceptable_place_ids,
        person_ref,
        barriers,
    })
}

/// The problem's top-level `code` is the contract's specific one when present, so that
/// front-ends can switch on it; `errors` still lists every field.
pub fn problems_to_error(errors: Vec<FieldError>) -> AppError {
    const SPECIFIC: [&str; 11] = [
        "consent_required",
        "physical_space_required",
        "place_requires_onsite",
        "place_not_offered",
        "unknown_consent_purpose",
        "unknown_consent_version",
        "duplicate_consent",
        "invalid_consent_purpose",
        "consent_purpose_required",
        "consent_purpose_optional",
        "barriers_contradict_needs",
    ];
    let specific = SPECIFIC.into_iter().find(|code| errors.iter().any(|e| e.code == *code));
    match specific {
        Some(code) => AppError::Validation {
            code,
            detail: errors.iter().find(|e| e.code == code).map(|e| e.message.clone()).unwrap_or_default(),
            errors,
        },
        None => AppError::validation(errors),
    }
}

/// The registration's short code, for a volunteer to read out or a person to show: eight
/// characters of Crockford's base 32 (no I, L, O or U, so nothing is misread), in two groups,
/// from the random bits of its id. Two registrations of one event share a code about once in
/// a trillion pairs; it names the registration to a person, it does not admit anyone.
pub fn short_code(id: Uuid) -> String {
    let code = crockford_base32(id.as_u128() as u64, 8);
    format!("{}-{}", &code[..4], &code[4..])
}

/// The low `5 × chars` bits of `bits` in Crockford's base 32, most significant first: the
/// alphabet of the codes people read out (`short_code`, `domain::people::person_code`).
pub fn crockford_base32(bits: u64, chars: u32) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    (0..chars).map(|i| ALPHABET[((bits >> (5 * (chars - 1 - i))) & 31) as usize] as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_code_is_eight_unambiguous_characters_from_the_ids_random_bits() {
        let id: Uuid = "01936f2a-0000-7000-8000-00000000001f".parse().unwrap();
        assert_eq!(short_code(id), "0000-000Z");
        let code = short_code(Uuid::now_v7());
        assert_eq!(code.len(), 9);
        assert!(code.chars().all(|c| c == '-' || "0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(c)), "{code}");
        let codes: std::collections::HashSet<String> =
            (0..10_000).map(|_| short_code(Uuid::now_v7())).collect();
        assert_eq!(codes.len(), 10_000, "ids made in the same millisecond still differ");
    }

    fn draft() -> RegistrationDraft {
        RegistrationDraft {
            participant: ParticipantDraft {
                full_name: "Amina".into(),
                email: None,
                phone: Some("+34 600 000 000".into()),
                preferred_language: Some("ar".into()),
                organisation_name: None,
            },
            attendance_mode: Mode::Onsite,
            needs_physical_space: true,
            needs_transport: true,
            interpretation_language: Some("ar".into()),
            accessibility_notes: None,
            accept_online_fallback: false,
            consent: ConsentGiven::Booleans { data_processing: true, contact: false },
            interests: vec!["entrepreneurship".into(), "women_employment".into(), "entrepreneurship".into()],
            place_id: None,
            acceptable_place_ids: Vec::new(),
            person_ref: None,
            barriers: Vec::new(),
        }
    }

    #[test]
    fn a_place_needs_onsite_and_acceptable_places_keep_their_order_once() {
        let (almazan, burgo) = (Uuid::now_v7(), Uuid::now_v7());
        let mut problems = Problems::default();
        let kept = check_places(&mut problems, Mode::Onsite, Some(almazan), vec![burgo, almazan, burgo]);
        assert!(problems.is_empty());
        assert_eq!(kept, vec![burgo]);

        let online = RegistrationDraft {
            attendance_mode: Mode::Online,
            needs_physical_space: false,
            place_id: Some(almazan),
            ..draft()
        };
        let Err(AppError::Validation { code, .. }) = validate(online) else {
            panic!("a place online was accepted")
        };
        assert_eq!(code, "place_requires_onsite");

        let mut problems = Problems::default();
        check_places(&mut problems, Mode::Onsite, None, (0..11).map(|_| Uuid::now_v7()).collect());
        assert_eq!(problems.0[0].code, "too_many");
    }

    #[test]
    fn a_participant_without_email_or_device_is_accepted() {
        let valid = validate(draft()).unwrap();
        assert_eq!(valid.participant.phone.unwrap().digits(), "34600000000");
        assert_eq!(valid.interests, vec!["entrepreneurship", "women_employment"], "repeats are dropped");
    }

    #[test]
    fn check_in_opens_two_hours_before_and_closes_a_day_after() {
        use chrono::TimeZone;
        let starts = Utc.with_ymd_and_hms(2021, 11, 24, 9, 0, 0).unwrap();
        let ends = starts + chrono::Duration::hours(3);
        let at = |hours: i64, minutes: i64| {
            starts + chrono::Duration::hours(hours) + chrono::Duration::minutes(minutes)
        };
        let confirmed = RegistrationStatus::Confirmed;
        assert!(may_check_in(confirmed, starts, ends, at(-2, 0)).is_ok());
        assert!(may_check_in(confirmed, starts, ends, at(1, 0)).is_ok());
        assert!(may_check_in(confirmed, starts, ends, at(27, 0)).is_ok(), "24 hours after the end");
        for too_early_or_late in [at(-2, -1), at(-14 * 24, 0), at(27, 1)] {
            assert!(
                matches!(
                    may_check_in(confirmed, starts, ends, too_early_or_late),
                    Err(Refusal::CheckInWindow { .. })
                ),
                "{too_early_or_late}"
            );
        }
        assert_eq!(
            may_check_in(RegistrationStatus::Waitlisted, starts, ends, at(0, 0)),
            Err(Refusal::NotConfirmed)
        );
        assert_eq!(
            may_check_in(RegistrationStatus::Cancelled, starts, ends, at(0, 0)),
            Err(Refusal::NotConfirmed)
        );
    }

    #[test]
    fn statuses_read_back_what_they_write() {
        for status in RegistrationStatus::ALL {
            assert_eq!(RegistrationStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(RegistrationStatus::parse("attended"), None);
    }

    #[test]
    fn consent_is_required_and_named_by_code() {
        let mut bad = draft();
        bad.consent = ConsentGiven::Booleans { data_processing: false, contact: true };
        assert_eq!(validate(bad).unwrap_err().code(), "consent_required");
    }

    #[test]
    fn physical_space_requires_onsite() {
        let mut bad = draft();
        bad.attendance_mode = Mode::Online;
        assert_eq!(validate(bad).unwrap_err().code(), "physical_space_required");
    }

    #[test]
    fn interests_are_short_snake_case_topics_at_most_ten() {
        let mut problems = Problems::default();
        check_interests(&mut problems, vec!["Rural Initiatives".into(), "a__b".into(), "ok_1".into()]);
        assert_eq!(
            problems.0.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(),
            vec!["interests[0]", "interests[1]"]
        );
        let mut problems = Problems::default();
        check_interests(&mut problems, (0..11).map(|i| format!("topic_{i}")).collect());
        assert_eq!(problems.0[0].code, "too_many");
    }

    #[test]
    fn bad_contact_details_are_reported_per_field() {
        let mut bad = draft();
        bad.participant.email = Some("not-an-email".into());
        bad.participant.phone = Some("call me".into());
        bad.participant.full_name = "  ".into();
        let AppError::Validation { errors, .. } = validate(bad).unwrap_err() else { panic!() };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["participant.full_name", "participant.email", "participant.phone"]);
    }

    #[test]
    fn names_are_one_line_while_accessibility_notes_keep_their_line_breaks() {
        let mut bad = draft();
        bad.participant.full_name = "Amina\r\nX-Injected: yes".into();
        bad.participant.organisation_name = Some("CEPAIM\u{2028}Soria".into());
        bad.accessibility_notes = Some("Wheelchair\r\nHearing loop".into());
        let error = validate(bad).unwrap_err();
        assert_eq!(error.code(), "invalid_characters");
        let AppError::Validation { errors, .. } = error else { panic!() };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["participant.full_name", "participant.organisation_name"]);
    }
}
