//! Consent per purpose, on plain values: the purposes an organisation asks consent for (each
//! with versions of its text per language), what a registration accepted, what a change of
//! consent asks for, and whether a participant may be sent messages ([`may_contact`]).
//!
//! Two purposes are special. `data_processing` is always required: without it nothing is
//! stored, and withdrawing it erases the personal data. `contact` is never required (being
//! sent messages is not a condition of taking part), and every message to a participant
//! must ask [`may_contact`] first.

use std::collections::BTreeMap;

use crate::domain::events::is_language_tag;
use crate::domain::refusal::Refusal;
use crate::domain::registrations::problems_to_error;
use crate::domain::text::{is_slug, Problems};
use crate::error::AppError;

pub const DATA_PROCESSING: &str = "data_processing";
pub const CONTACT: &str = "contact";
pub const MAX_TEXT_CHARS: usize = 4000;
pub const MAX_LANGUAGES: usize = 40;

/// The texts of one version: language tag → text, at least one, each tag once (tags compare
/// case-insensitively, as BCP 47 says). Multi-line texts keep their line breaks.
pub fn check_texts(problems: &mut Problems, texts: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    if texts.is_empty() {
        problems.add("texts", "required", "give the text in at least one language");
    }
    if texts.len() > MAX_LANGUAGES {
        problems.add("texts", "too_many", format!("at most {MAX_LANGUAGES} languages"));
    }
    let mut seen: Vec<String> = Vec::new();
    let mut checked = BTreeMap::new();
    for (language, text) in texts {
        let field = format!("texts.{language}");
        if !is_language_tag(language) {
            problems.add(&field, "invalid_language", "must be a BCP 47 language tag such as es or ar-MA");
        } else if seen.contains(&language.to_ascii_lowercase()) {
            problems.add(&field, "duplicate_language", "this language is given twice");
        }
        seen.push(language.to_ascii_lowercase());
        checked.insert(language.clone(), problems.text(&field, text, MAX_TEXT_CHARS));
    }
    checked
}

/// A purpose as an organisation defines it, with the texts of its version 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPurpose {
    pub key: String,
    pub required: bool,
    pub texts: BTreeMap<String, String>,
}

/// Checks a new purpose. `required` defaults to false, and to true for `data_processing`,
/// which cannot be optional; `contact` cannot be required.
pub fn check_new_purpose(
    key: &str,
    required: Option<bool>,
    texts: &BTreeMap<String, String>,
) -> Result<NewPurpose, AppError> {
    let mut problems = Problems::default();
    if !is_slug(key) {
        problems.add(
            "purpose",
            "invalid_consent_purpose",
            "must be snake_case, 1 to 40 characters: a-z first, then a-z, 0-9 and single underscores",
        );
    }
    let required = match (key, required) {
        (DATA_PROCESSING, Some(false)) => {
            problems.add("required", "consent_purpose_required", "data_processing is always required");
            true
        }
        (DATA_PROCESSING, _) => true,
        (CONTACT, Some(true)) => {
            problems.add(
                "required",
                "consent_purpose_optional",
                "contact cannot be required: being sent messages is never a condition of taking part",
            );
            false
        }
        (crate::domain::people::LINK_ACROSS_EVENTS, Some(true)) => {
            problems.add(
                "required",
                "consent_purpose_optional",
                "link_across_events cannot be required: being recognised at the next meeting is never a condition of taking part",
            );
            false
        }
        (_, required) => required.unwrap_or(false),
    };
    let texts = check_texts(&mut problems, texts);
    if !problems.is_empty() {
        return Err(problems_to_error(problems.0));
    }
    Ok(NewPurpose { key: key.to_owned(), required, texts })
}

/// An organisation's purpose, as a registration is checked against it. Its versions are
/// 1 to `current_version`, all still valid: a person who accepted an older text accepted it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purpose {
    pub key: String,
    pub required: bool,
    pub current_version: i32,
}

/// What a registration body says about consent: the two booleans of the first contract,
/// or the purposes accepted, each with the version of the text shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsentGiven {
    Booleans { data_processing: bool, contact: bool },
    PerPurpose(Vec<(String, i32)>),
}

impl ConsentGiven {
    /// Whether it accepts `purpose` (the first contract's booleans name only theirs).
    pub fn names(&self, purpose: &str) -> bool {
        match self {
            ConsentGiven::Booleans { data_processing, contact } => {
                (purpose == DATA_PROCESSING && *data_processing) || (purpose == CONTACT && *contact)
            }
            ConsentGiven::PerPurpose(given) => given.iter().any(|(key, _)| key == purpose),
        }
    }
}

/// A consent to record: this purpose, at this version of its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub purpose: String,
    pub version: i32,
}

/// The checks that need no organisation: `data_processing` is given (422
/// `consent_required`), keys are slugs, versions positive, and no purpose twice.
pub fn check_given(problems: &mut Problems, given: &ConsentGiven) {
    match given {
        ConsentGiven::Booleans { data_processing: false, .. } => problems.add(
            "consent.data_processing",
            "consent_required",
            "the participant must consent to data processing",
        ),
        ConsentGiven::Booleans { .. } => {}
        ConsentGiven::PerPurpose(accepted) => {
            for (i, (key, version)) in accepted.iter().enumerate() {
                if !is_slug(key) {
                    problems.add(
                        format!("consents[{i}].purpose"),
                        "unknown_consent_purpose",
                        "no such purpose",
                    );
                } else if accepted[..i].iter().any(|(other, _)| other == key) {
                    problems.add(
                        format!("consents[{i}].purpose"),
                        "duplicate_consent",
                        "this purpose is given twice",
                    );
                }
                if *version < 1 {
                    problems.add(
                        format!("consents[{i}].version"),
                        "unknown_consent_version",
                        "no such version",
                    );
                }
            }
            if !accepted.iter().any(|(key, _)| key == DATA_PROCESSING) {
                problems.add(
                    "consents",
                    "consent_required",
                    "the participant must consent to data_processing",
                );
            }
        }
    }
}

/// The consents a registration records, given the organisation's `purposes`: the booleans
/// map to the current versions of `data_processing` and `contact`; purposes given one by one
/// must exist at the version named. Every required purpose must be among them (422
/// `consent_required`; with the booleans, an organisation that requires more than
/// `data_processing` needs the per-purpose form).
pub fn resolve(purposes: &[Purpose], given: &ConsentGiven) -> Result<Vec<Accepted>, AppError> {
    let mut problems = Problems::default();
    check_given(&mut problems, given);
    let find = |key: &str| purposes.iter().find(|p| p.key == key);
    let mut accepted = Vec::new();
    let field = match given {
        ConsentGiven::Booleans { data_processing, contact } => {
            for (key, given) in [(DATA_PROCESSING, *data_processing), (CONTACT, *contact)] {
                match find(key) {
                    Some(purpose) if given => {
                        accepted.push(Accepted { purpose: key.to_owned(), version: purpose.current_version })
                    }
                    Some(_) => {}
                    None => {
                        return Err(AppError::Unexpected(anyhow::anyhow!("built-in purpose {key} missing")))
                    }
                }
            }
            "consent"
        }
        ConsentGiven::PerPurpose(given) => {
            for (i, (key, version)) in given.iter().enumerate() {
                match find(key) {
                    None if is_slug(key) => problems.add(
                        format!("consents[{i}].purpose"),
                        "unknown_consent_purpose",
                        "this organisation has no such consent purpose",
                    ),
                    None => {}
                    Some(purpose) if *version > purpose.current_version => problems.add(
                        format!("consents[{i}].version"),
                        "unknown_consent_version",
                        format!("{key} has versions 1 to {}", purpose.current_version),
                    ),
                    Some(_) if *version < 1 || accepted.iter().any(|a: &Accepted| a.purpose == *key) => {}
                    Some(_) => accepted.push(Accepted { purpose: key.clone(), version: *version }),
                }
            }
            "consents"
        }
    };
    for purpose in purposes.iter().filter(|p| p.required && p.key != DATA_PROCESSING) {
        if !accepted.iter().any(|a| a.purpose == purpose.key) {
            problems.add(field, "consent_required", format!("consent to {} is required", purpose.key));
        }
    }
    if !problems.is_empty() {
        return Err(problems_to_error(problems.0));
    }
    Ok(accepted)
}

/// What a change asks for one purpose: withdraw it, or grant it at a version of its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentChange {
    Withdraw,
    Grant { version: i32 },
}

/// A consent a registration holds or held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub purpose: String,
    pub version: i32,
    pub withdrawn: bool,
}

/// One consent that changes: the version held before and after (`None`: not held).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentStep {
    pub purpose: String,
    pub before: Option<i32>,
    pub after: Option<i32>,
}

/// What a change of consent does: the consents that change, in the order asked, and whether
/// the personal data is erased (`data_processing` withdrawn).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConsentDecision {
    pub steps: Vec<ConsentStep>,
    pub erase: bool,
}

/// Decides a change of consent. Any purpose may be withdrawn, required ones too (consent is
/// withdrawn as easily as it is given); withdrawing `data_processing` withdraws every other
/// consent held and erases the personal data. Granting needs the personal data: 409
/// `personal_data_erased` once it is erased, or when the same change withdraws
/// `data_processing`. Asking for what is already so changes nothing.
pub fn decide(
    purposes: &[Purpose],
    held: &[Held],
    asked: &[(String, ConsentChange)],
    personal_data_erased: bool,
) -> Result<ConsentDecision, AppError> {
    let mut problems = Problems::default();
    for (key, change) in asked {
        match (purposes.iter().find(|p| p.key == *key), change) {
            (None, _) => problems.add(
                format!("consents.{key}"),
                "unknown_consent_purpose",
                "this organisation has no such consent purpose",
            ),
            (Some(purpose), ConsentChange::Grant { version })
                if *version < 1 || *version > purpose.current_version =>
            {
                problems.add(
                    format!("consents.{key}.version"),
                    "unknown_consent_version",
                    format!("{key} has versions 1 to {}", purpose.current_version),
                )
            }
            _ => {}
        }
    }
    if !problems.is_empty() {
        return Err(problems_to_error(problems.0));
    }
    let withdraws_data_processing =
        asked.iter().any(|(key, change)| key == DATA_PROCESSING && *change == ConsentChange::Withdraw);
    let grants = asked.iter().any(|(_, change)| matches!(change, ConsentChange::Grant { .. }));
    if grants && (personal_data_erased || withdraws_data_processing) {
        return Err(Refusal::PersonalDataErased.into());
    }
    let active = |key: &str| held.iter().find(|h| h.purpose == key && !h.withdrawn).map(|h| h.version);
    let mut steps: Vec<ConsentStep> = Vec::new();
    for (key, change) in asked {
        let before = active(key);
        let after = match change {
            ConsentChange::Withdraw => None,
            ConsentChange::Grant { version } => Some(*version),
        };
        if before != after {
            steps.push(ConsentStep { purpose: key.clone(), before, after });
        }
    }
    if withdraws_data_processing {
        for h in held.iter().filter(|h| !h.withdrawn) {
            if !steps.iter().any(|s| s.purpose == h.purpose) {
                steps.push(ConsentStep { purpose: h.purpose.clone(), before: Some(h.version), after: None });
            }
        }
    }
    Ok(ConsentDecision { steps, erase: withdraws_data_processing && !personal_data_erased })
}

/// Whether a participant may be sent a message (a reminder, an offer, news of the event):
/// they consented to `contact` and have not withdrawn it, and their personal data is not
/// erased. Every message to a participant must ask this first.
pub fn may_contact(personal_data_erased: bool, consents: &[Held]) -> bool {
    !personal_data_erased && consents.iter().any(|c| c.purpose == CONTACT && !c.withdrawn)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn purposes() -> Vec<Purpose> {
        vec![
            Purpose { key: DATA_PROCESSING.into(), required: true, current_version: 2 },
            Purpose { key: CONTACT.into(), required: false, current_version: 3 },
            Purpose { key: "photos".into(), required: false, current_version: 1 },
        ]
    }

    fn held(purpose: &str, version: i32, withdrawn: bool) -> Held {
        Held { purpose: purpose.into(), version, withdrawn }
    }

    fn codes(error: AppError) -> (String, Vec<(String, String)>) {
        let code = error.code().to_owned();
        let AppError::Validation { errors, .. } = error else { panic!("not a validation error") };
        (code, errors.into_iter().map(|e| (e.field, e.code.to_owned())).collect())
    }

    #[test]
    fn the_booleans_map_to_the_current_versions() {
        let accepted =
            resolve(&purposes(), &ConsentGiven::Booleans { data_processing: true, contact: true }).unwrap();
        assert_eq!(
            accepted,
            vec![
                Accepted { purpose: DATA_PROCESSING.into(), version: 2 },
                Accepted { purpose: CONTACT.into(), version: 3 }
            ]
        );
        let accepted =
            resolve(&purposes(), &ConsentGiven::Booleans { data_processing: true, contact: false }).unwrap();
        assert_eq!(accepted, vec![Accepted { purpose: DATA_PROCESSING.into(), version: 2 }]);
        let refused = resolve(&purposes(), &ConsentGiven::Booleans { data_processing: false, contact: true });
        assert_eq!(refused.unwrap_err().code(), "consent_required");
    }

    #[test]
    fn the_booleans_cannot_give_a_further_required_purpose() {
        let mut required_photos = purposes();
        required_photos[2].required = true;
        let (code, errors) = codes(
            resolve(&required_photos, &ConsentGiven::Booleans { data_processing: true, contact: false })
                .unwrap_err(),
        );
        assert_eq!(code, "consent_required");
        assert_eq!(errors, vec![("consent".to_owned(), "consent_required".to_owned())]);
    }

    #[test]
    fn purposes_given_one_by_one_are_recorded_at_the_version_named() {
        let given = ConsentGiven::PerPurpose(vec![(DATA_PROCESSING.into(), 1), ("photos".into(), 1)]);
        assert_eq!(
            resolve(&purposes(), &given).unwrap(),
            vec![
                Accepted { purpose: DATA_PROCESSING.into(), version: 1 },
                Accepted { purpose: "photos".into(), version: 1 }
            ],
            "an older version of a text is still a text someone accepted"
        );
    }

    #[test]
    fn unknown_purposes_and_versions_are_named_by_code() {
        let given = ConsentGiven::PerPurpose(vec![(DATA_PROCESSING.into(), 3), ("press".into(), 1)]);
        let (code, errors) = codes(resolve(&purposes(), &given).unwrap_err());
        assert_eq!(code, "unknown_consent_purpose");
        assert_eq!(
            errors,
            vec![
                ("consents[0].version".to_owned(), "unknown_consent_version".to_owned()),
                ("consents[1].purpose".to_owned(), "unknown_consent_purpose".to_owned()),
            ]
        );
        let given = ConsentGiven::PerPurpose(vec![(DATA_PROCESSING.into(), 1), (CONTACT.into(), 4)]);
        assert_eq!(resolve(&purposes(), &given).unwrap_err().code(), "unknown_consent_version");
    }

    #[test]
    fn data_processing_must_be_among_the_purposes_and_none_twice() {
        let given =
            ConsentGiven::PerPurpose(vec![(CONTACT.into(), 1), (CONTACT.into(), 1), ("Bad".into(), 0)]);
        let mut problems = Problems::default();
        check_given(&mut problems, &given);
        let found: Vec<_> = problems.0.iter().map(|e| (e.field.as_str(), e.code.as_str())).collect();
        assert_eq!(
            found,
            vec![
                ("consents[1].purpose", "duplicate_consent"),
                ("consents[2].purpose", "unknown_consent_purpose"),
                ("consents[2].version", "unknown_consent_version"),
                ("consents", "consent_required"),
            ]
        );
        assert_eq!(resolve(&purposes(), &given).unwrap_err().code(), "consent_required");
    }

    #[test]
    fn data_processing_is_always_required_and_contact_never() {
        let texts = BTreeMap::from([("en".to_owned(), "I agree.".to_owned())]);
        assert!(check_new_purpose(DATA_PROCESSING, None, &texts).unwrap().required);
        assert_eq!(
            check_new_purpose(DATA_PROCESSING, Some(false), &texts).unwrap_err().code(),
            "consent_purpose_required"
        );
        assert_eq!(
            check_new_purpose(crate::domain::people::LINK_ACROSS_EVENTS, Some(true), &texts)
                .unwrap_err()
                .code(),
            "consent_purpose_optional"
        );
        assert_eq!(
            check_new_purpose(CONTACT, Some(true), &texts).unwrap_err().code(),
            "consent_purpose_optional"
        );
        assert!(!check_new_purpose("photos", None, &texts).unwrap().required);
        assert!(check_new_purpose("photos", Some(true), &texts).unwrap().required);
    }

    #[test]
    fn texts_need_a_language_tag_and_words() {
        let texts = BTreeMap::from([
            ("en".to_owned(), "I agree.".to_owned()),
            ("EN".to_owned(), "Again.".to_owned()),
            ("not a tag".to_owned(), "Text".to_owned()),
            ("es".to_owned(), "   ".to_owned()),
            ("ar".to_owned(), "Line one\nline two".to_owned()),
        ]);
        let (code, errors) = codes(check_new_purpose("photos", None, &texts).unwrap_err());
        assert_eq!(code, "validation_failed");
        let mut errors = errors;
        errors.sort();
        assert_eq!(
            errors,
            vec![
                ("texts.en".to_owned(), "duplicate_language".to_owned()),
                ("texts.es".to_owned(), "blank".to_owned()),
                ("texts.not a tag".to_owned(), "invalid_language".to_owned()),
            ]
        );
        assert_eq!(
            check_new_purpose("photos", None, &BTreeMap::new()).unwrap_err().code(),
            "validation_failed"
        );
        let invalid = check_new_purpose("Photos!", None, &BTreeMap::from([("en".into(), "x".into())]));
        assert_eq!(invalid.unwrap_err().code(), "invalid_consent_purpose");
    }

    #[test]
    fn withdrawing_and_granting_change_only_what_differs() {
        let held = vec![held(DATA_PROCESSING, 1, false), held(CONTACT, 1, false), held("photos", 1, true)];
        let asked = vec![
            (CONTACT.to_owned(), ConsentChange::Withdraw),
            ("photos".to_owned(), ConsentChange::Grant { version: 1 }),
            (DATA_PROCESSING.to_owned(), ConsentChange::Grant { version: 1 }),
        ];
        let decision = decide(&purposes(), &held, &asked, false).unwrap();
        assert_eq!(
            decision,
            ConsentDecision {
                steps: vec![
                    ConsentStep { purpose: CONTACT.into(), before: Some(1), after: None },
                    ConsentStep { purpose: "photos".into(), before: None, after: Some(1) },
                ],
                erase: false,
            }
        );
        let again =
            decide(&purposes(), &held, &[(CONTACT.to_owned(), ConsentChange::Grant { version: 3 })], false);
        assert_eq!(
            again.unwrap().steps,
            vec![ConsentStep { purpose: CONTACT.into(), before: Some(1), after: Some(3) }],
            "granting a newer text replaces the older one"
        );
    }

    #[test]
    fn withdrawing_data_processing_withdraws_everything_and_erases() {
        let held = vec![held(DATA_PROCESSING, 2, false), held(CONTACT, 1, false), held("photos", 1, true)];
        let decision =
            decide(&purposes(), &held, &[(DATA_PROCESSING.to_owned(), ConsentChange::Withdraw)], false)
                .unwrap();
        assert!(decision.erase);
        assert_eq!(
            decision.steps,
            vec![
                ConsentStep { purpose: DATA_PROCESSING.into(), before: Some(2), after: None },
                ConsentStep { purpose: CONTACT.into(), before: Some(1), after: None },
            ]
        );
        let both = [
            (DATA_PROCESSING.to_owned(), ConsentChange::Withdraw),
            ("photos".to_owned(), ConsentChange::Grant { version: 1 }),
        ];
        assert_eq!(decide(&purposes(), &held, &both, false).unwrap_err().code(), "personal_data_erased");
        let after_erasure =
            decide(&purposes(), &[], &[(CONTACT.to_owned(), ConsentChange::Grant { version: 1 })], true);
        assert_eq!(after_erasure.unwrap_err().code(), "personal_data_erased");
        let erased_already =
            decide(&purposes(), &[], &[(DATA_PROCESSING.to_owned(), ConsentChange::Withdraw)], true).unwrap();
        assert_eq!(erased_already, ConsentDecision::default(), "nothing left to withdraw or erase");
    }

    #[test]
    fn changes_name_unknown_purposes_and_versions() {
        let asked = [
            ("press".to_owned(), ConsentChange::Withdraw),
            ("photos".to_owned(), ConsentChange::Grant { version: 2 }),
        ];
        let (code, errors) = codes(decide(&purposes(), &[], &asked, false).unwrap_err());
        assert_eq!(code, "unknown_consent_purpose");
        assert_eq!(
            errors,
            vec![
                ("consents.press".to_owned(), "unknown_consent_purpose".to_owned()),
                ("consents.photos.version".to_owned(), "unknown_consent_version".to_owned()),
            ]
        );
    }

    #[test]
    fn only_a_contact_consent_held_allows_messages() {
        assert!(may_contact(false, &[held(DATA_PROCESSING, 1, false), held(CONTACT, 2, false)]));
        assert!(!may_contact(false, &[held(DATA_PROCESSING, 1, false)]));
        assert!(!may_contact(false, &[held(CONTACT, 2, true)]), "withdrawn");
        assert!(!may_contact(true, &[held(CONTACT, 2, false)]), "erased: nobody to write to");
    }
}
