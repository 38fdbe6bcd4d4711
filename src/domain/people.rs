//! People across events, with consent: what links a person's registrations within one
//! organisation, so that a series report can tell who came back.
//!
//! A registration that holds the `link_across_events` consent gets a `person_key`, a keyed
//! hash (HMAC-SHA-256 under the organisation's own secret key) of what identifies the person
//! to the organisation, in this order: the reference the registering partner supplied
//! (`person_ref`, its own client number say), else the normalised email, else the phone's
//! digits, else a random value (a person with no email and no phone is linked at the next
//! event by their code). The reference, email or phone is never stored in the key, and the
//! same person has unrelated keys in two organisations.
//!
//! From the key the server derives the person's code (`P-XXXX-XXXX`), printed on their
//! participant card: typed in as the `person_ref` of a later registration, it links that
//! one to the same key, whoever registers them.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use uuid::Uuid;

use crate::domain::registrations::crockford_base32;

/// The consent purpose without which no registration is linked to any other.
pub const LINK_ACROSS_EVENTS: &str = "link_across_events";
/// The longest reference a partner may supply.
pub const MAX_PERSON_REF_CHARS: usize = 200;

const CODE_PREFIX: &str = "P-";

/// A `person_ref` as given: one of the server's codes, or the partner's own reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PersonRef {
    /// A code the server printed on a card, in its canonical form.
    Code(String),
    /// The partner's own stable reference for the person, trimmed.
    Supplied(String),
}

impl PersonRef {
    /// Reads a reference: a code when it has a code's shape (whatever its case, spacing or
    /// hyphens, and with O, I and L read as 0, 1 and 1, as people misread them), else the
    /// partner's reference: one line of 1 to 200 characters.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let trimmed = raw.trim();
        if let Some(code) = canonical_code(trimmed) {
            return Ok(PersonRef::Code(code));
        }
        if trimmed.is_empty() {
            return Err("must not be blank");
        }
        if trimmed.chars().count() > MAX_PERSON_REF_CHARS {
            return Err("at most 200 characters");
        }
        if trimmed.chars().any(char::is_control) {
            return Err("one line, without control characters");
        }
        Ok(PersonRef::Supplied(trimmed.to_owned()))
    }
}

fn canonical_code(raw: &str) -> Option<String> {
    let compact: String =
        raw.chars().filter(|c| !c.is_whitespace() && *c != '-').map(|c| c.to_ascii_uppercase()).collect();
    let body = compact.strip_prefix('P')?;
    if body.chars().count() != 8 {
        return None;
    }
    let body: String = body
        .chars()
        .map(|c| match c {
            'O' => Some('0'),
            'I' | 'L' => Some('1'),
            c if c.is_ascii_digit() || (c.is_ascii_uppercase() && c != 'U') => Some(c),
            _ => None,
        })
        .collect::<Option<String>>()?;
    Some(format!("{CODE_PREFIX}{}-{}", &body[..4], &body[4..]))
}

/// What identifies the person, for their key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity<'a> {
    /// A partner's reference, in the namespace of whoever supplied it (their organisation, or
    /// their account when they have none): two partners' "42" are two people.
    Supplied {
        supplier: Uuid,
        reference: &'a str,
    },
    Email(&'a str),
    PhoneDigits(&'a str),
    /// Nothing identifies the person: a random value, so their code is all that links them.
    Fresh(Uuid),
}

/// How a registration is to be linked, decided before the organisation's key is at hand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link<'a> {
    /// Not linked: no `link_across_events` consent.
    None,
    /// The key of the person who holds this code in the organisation (unknown code: 422).
    Code(&'a str),
    /// The key made from this identity.
    Identity(Identity<'a>),
}

/// Why a registration cannot be linked as asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkRefusal {
    /// A `person_ref` without the `link_across_events` consent.
    ConsentRequired,
}

/// Decides the link of a registration from its consent, reference, email and phone (the
/// email normalised, the phone as digits).
pub fn link<'a>(
    consented: bool,
    person_ref: Option<&'a PersonRef>,
    supplier: Uuid,
    email: Option<&'a str>,
    phone_digits: Option<&'a str>,
) -> Result<Link<'a>, LinkRefusal> {
    if !consented {
        return match person_ref {
            Some(_) => Err(LinkRefusal::ConsentRequired),
            None => Ok(Link::None),
        };
    }
    Ok(match (person_ref, email, phone_digits) {
        (Some(PersonRef::Code(code)), _, _) => Link::Code(code),
        (Some(PersonRef::Supplied(reference)), _, _) => {
            Link::Identity(Identity::Supplied { supplier, reference })
        }
        (None, Some(email), _) => Link::Identity(Identity::Email(email)),
        (None, None, Some(digits)) => Link::Identity(Identity::PhoneDigits(digits)),
        (None, None, None) => Link::Identity(Identity::Fresh(Uuid::new_v4())),
    })
}

/// The person's key under the organisation's key. Each kind of identity is hashed with its
/// own label, so an email can never produce the key of a partner reference spelled the same.
pub fn person_key(organisation_key: &[u8], identity: &Identity<'_>) -> Vec<u8> {
    let mut mac = keyed(organisation_key);
    match identity {
        Identity::Supplied { supplier, reference } => {
            mac.update(b"person-ref\0");
            mac.update(supplier.as_bytes());
            mac.update(reference.as_bytes());
        }
        Identity::Email(email) => {
            mac.update(b"email\0");
            mac.update(email.as_bytes());
        }
        Identity::PhoneDigits(digits) => {
            mac.update(b"phone\0");
            mac.update(digits.as_bytes());
        }
        Identity::Fresh(random) => {
            mac.update(b"fresh\0");
            mac.update(random.as_bytes());
        }
    }
    mac.finalize().into_bytes().to_vec()
}

/// The person's code, derived from their key (the same person always has the same code):
/// 40 bits in Crockford's base 32, so about one organisation in a million with 1 000 linked
/// people has two who share one.
pub fn person_code(organisation_key: &[u8], person_key: &[u8]) -> String {
    let mut mac = keyed(organisation_key);
    mac.update(b"code\0");
    mac.update(person_key);
    let digest = mac.finalize().into_bytes();
    let bits = u64::from_be_bytes(digest[..8].try_into().expect("a SHA-256 digest has 32 bytes"));
    let code = crockford_base32(bits >> 24, 8);
    format!("{CODE_PREFIX}{}-{}", &code[..4], &code[4..])
}

fn keyed(organisation_key: &[u8]) -> Hmac<Sha256> {
    Hmac::<Sha256>::new_from_slice(organisation_key).expect("HMAC takes a key of any length")
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"an organisation's key of 32 byte";
    const OTHER_KEY: &[u8] = b"another organisation's 32-b key!";

    #[test]
    fn a_code_is_read_whatever_its_case_spacing_and_misread_letters() {
        for typed in ["P-7K3M-Q9TX", "p7k3mq9tx", " P 7K3M Q9TX ", "P-7K3M-Q9TX\n"] {
            assert_eq!(PersonRef::parse(typed), Ok(PersonRef::Code("P-7K3M-Q9TX".into())), "{typed:?}");
        }
        assert_eq!(PersonRef::parse("P-O1IL-0000"), Ok(PersonRef::Code("P-0111-0000".into())));
    }

    #[test]
    fn anything_else_is_the_partners_own_reference() {
        assert_eq!(PersonRef::parse(" client 42 "), Ok(PersonRef::Supplied("client 42".into())));
        // A U is not in the alphabet, and nine characters are not a code.
        assert_eq!(PersonRef::parse("P-UUUU-0000"), Ok(PersonRef::Supplied("P-UUUU-0000".into())));
        assert_eq!(PersonRef::parse("P-0000-00000"), Ok(PersonRef::Supplied("P-0000-00000".into())));
        assert!(PersonRef::parse("   ").is_err());
        assert!(PersonRef::parse(&"x".repeat(201)).is_err());
        assert!(PersonRef::parse("two\nlines").is_err());
        assert!(PersonRef::parse(&"ñ".repeat(200)).is_ok(), "counted in characters");
    }

    #[test]
    fn without_consent_nothing_is_linked_and_a_reference_is_refused() {
        let supplier = Uuid::now_v7();
        assert_eq!(link(false, None, supplier, Some("a@b.example"), None), Ok(Link::None));
        let reference = PersonRef::Supplied("42".into());
        assert_eq!(link(false, Some(&reference), supplier, None, None), Err(LinkRefusal::ConsentRequired));
    }

    #[test]
    fn with_consent_the_reference_comes_first_then_email_then_phone_then_a_random_value() {
        let supplier = Uuid::now_v7();
        let code = PersonRef::Code("P-0000-0000".into());
        let reference = PersonRef::Supplied("42".into());
        assert_eq!(
            link(true, Some(&code), supplier, Some("a@b.example"), None),
            Ok(Link::Code("P-0000-0000"))
        );
        assert_eq!(
            link(true, Some(&reference), supplier, Some("a@b.example"), Some("34600")),
            Ok(Link::Identity(Identity::Supplied { supplier, reference: "42" }))
        );
        assert_eq!(
            link(true, None, supplier, Some("a@b.example"), Some("34600")),
            Ok(Link::Identity(Identity::Email("a@b.example")))
        );
        assert_eq!(
            link(true, None, supplier, None, Some("34600")),
            Ok(Link::Identity(Identity::PhoneDigits("34600")))
        );
        let (Ok(Link::Identity(Identity::Fresh(one))), Ok(Link::Identity(Identity::Fresh(two)))) =
            (link(true, None, supplier, None, None), link(true, None, supplier, None, None))
        else {
            panic!("a person with neither email nor phone gets a random identity");
        };
        assert_ne!(one, two);
    }

    #[test]
    fn keys_are_stable_per_organisation_and_never_shared_between_kinds_suppliers_or_organisations() {
        let partner = Uuid::now_v7();
        let other_partner = Uuid::now_v7();
        let by_partner = Identity::Supplied { supplier: partner, reference: "a@b.example" };
        let key = person_key(KEY, &by_partner);
        assert_eq!(key.len(), 32);
        assert_eq!(key, person_key(KEY, &by_partner), "the same person, the same key");
        assert_ne!(key, person_key(OTHER_KEY, &by_partner), "another organisation, an unrelated key");
        assert_ne!(
            key,
            person_key(KEY, &Identity::Supplied { supplier: other_partner, reference: "a@b.example" })
        );
        assert_ne!(key, person_key(KEY, &Identity::Email("a@b.example")), "an email is not a reference");
        assert_ne!(person_key(KEY, &Identity::Email("1")), person_key(KEY, &Identity::PhoneDigits("1")));
        assert!(!key.windows(11).any(|w| w == b"a@b.example"), "the reference is not in the key");
    }

    #[test]
    fn a_code_is_derived_from_the_key_in_the_shape_that_reads_back_as_a_code() {
        let key = person_key(KEY, &Identity::Email("a@b.example"));
        let code = person_code(KEY, &key);
        assert_eq!(code, person_code(KEY, &key), "the same person keeps their code");
        assert_eq!(PersonRef::parse(&code), Ok(PersonRef::Code(code.clone())));
        assert_eq!(code.len(), "P-XXXX-XXXX".len());
        assert_ne!(code, person_code(OTHER_KEY, &key));
        let codes: std::collections::HashSet<String> = (0..10_000)
            .map(|_| person_code(KEY, &person_key(KEY, &Identity::Fresh(Uuid::new_v4()))))
            .collect();
        assert_eq!(codes.len(), 10_000);
    }
}
