//! Email addresses and phone numbers as the product compares them.

use super::text::patterns::{CONTROL, SPACE};
use super::text::{fold, Problems};

pub const MAX_EMAIL_CHARS: usize = 254;

/// An email address, trimmed; compared folded ([`fold`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// A deliberately plain check: one `@`, something on each side, a dot in the domain, no
    /// spaces, at most 254 characters. Real validation is a message that arrives.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let value = raw.trim();
        if value.chars().count() > MAX_EMAIL_CHARS {
            return Err("must be at most 254 characters");
        }
        let (local, domain) = value.split_once('@').ok_or("is not an email address")?;
        let plausible = !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
            && !value.chars().any(|c| c.is_whitespace() || c.is_control());
        if !plausible {
            return Err("is not an email address");
        }
        Ok(Self(value.to_owned()))
    }

    /// [`Email::parse`] as a pattern for the OpenAPI document, without anchors or padding:
    /// a local part, `@`, a domain with a dot that neither starts nor ends it, and no space,
    /// control character or second `@` anywhere.
    pub fn pattern() -> String {
        let unreserved = format!("[^@{SPACE}{CONTROL}]");
        let no_dot = format!("[^@.{SPACE}{CONTROL}]");
        format!("{unreserved}+@{no_dot}{unreserved}*\\.{unreserved}*{no_dot}")
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form used for "same person" comparisons: the same folding as the key of a user's
    /// email, so one address is one person wherever the product compares them.
    pub fn normalised(&self) -> String {
        fold(&self.0)
    }
}

pub const MAX_PHONE_CHARS: usize = 40;

/// A phone number as typed, with the digits kept for comparison: "+34 600-000 000" and
/// "0034600000000" are not the same digits, but "+34 600 000 000" and "34600000000" are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone {
    display: String,
    digits: String,
}

impl Phone {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let display = raw.trim();
        if display.chars().count() > MAX_PHONE_CHARS {
            return Err("must be at most 40 characters");
        }
        let allowed = |c: char| c.is_ascii_digit() || " +-().".contains(c);
        if !display.chars().all(allowed) {
            return Err("may contain only digits, spaces, +, -, ( ) and .");
        }
        let digits: String = display.chars().filter(|c| c.is_ascii_digit()).collect();
        if !(6..=20).contains(&digits.len()) {
            return Err("must have between 6 and 20 digits");
        }
        Ok(Self { display: display.to_owned(), digits })
    }

    /// [`Phone::parse`] as a pattern for the OpenAPI document, without anchors or padding.
    pub const PATTERN: &'static str = r"[ +().-]*(?:[0-9][ +().-]*){6,20}";

    pub fn as_str(&self) -> &str {
        &self.display
    }

    pub fn digits(&self) -> &str {
        &self.digits
    }
}

/// An optional contact phone of an event or a place: blank is none (within the length as
/// sent); else [`Phone::parse`] trims it, bounds its length and allows no control character,
/// one check and one error (`invalid_phone`). The number as written is kept.
pub fn optional_contact_phone(problems: &mut Problems, field: &str, raw: Option<&str>) -> Option<String> {
    let raw = problems.optional_text(field, raw, MAX_PHONE_CHARS)?;
    Phone::parse(&raw)
        .map(|phone| phone.as_str().to_owned())
        .map_err(|message| problems.add(field, "invalid_phone", message))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_compared_case_insensitively() {
        let a = Email::parse(" Amina@Example.org ").unwrap();
        let b = Email::parse("amina@example.ORG").unwrap();
        assert_eq!(a.normalised(), b.normalised());
        assert_eq!(a.as_str(), "Amina@Example.org");
        let c = Email::parse("A\u{301}LVARO@cepaim.test").unwrap();
        assert_eq!(c.normalised(), "\u{e1}lvaro@cepaim.test", "beyond ASCII, and composed");
    }

    #[test]
    fn implausible_emails_are_refused() {
        for bad in
            ["", "amina", "amina@", "@example.org", "a b@example.org", "a@example", "a@.org", "a@b@c.org"]
        {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn phones_compare_by_digits() {
        let a = Phone::parse("+34 600 000 000").unwrap();
        let b = Phone::parse("34-600-000-000").unwrap();
        assert_eq!(a.digits(), b.digits());
        assert_eq!(a.as_str(), "+34 600 000 000");
        assert!(Phone::parse("call me").is_err());
        assert!(Phone::parse("12").is_err());
    }

    /// The patterns of the OpenAPI document (`padded`, as the fields trim first) take what
    /// the parsers take.
    #[test]
    fn patterns_accept_what_the_parsers_accept() {
        use crate::domain::text::patterns::padded;
        let email = regex::Regex::new(&padded(&Email::pattern(), false)).unwrap();
        for sample in [
            "amina@example.org",
            " Amina@Example.org\t",
            "a.b+c@sub.example.es",
            "álvaro@cepaim.test",
            "!#$%&'*+/=?^_`{|}~@x.y",
            "a@b..c",
            "",
            "amina",
            "amina@",
            "@example.org",
            "a b@example.org",
            "a@example",
            "a@.org",
            "a@org.",
            "a@b@c.org",
            "a\u{a0}b@c.org",
            "a\u{85}@c.org",
            "a@b.c\u{7f}",
        ] {
            assert_eq!(email.is_match(sample), Email::parse(sample).is_ok(), "{sample:?}");
        }
        let phone = regex::Regex::new(&padded(Phone::PATTERN, false)).unwrap();
        for sample in [
            "+34 600 000 000",
            "(+34) 600.000-000",
            " 600000\n",
            "123456",
            "12345",
            "1234567890123456789012",
            "12345678901234567890",
            "+34\t600000000",
            "call me",
            "",
            "600 000 000 ext 12",
            "٦٠٠٠٠٠٠٠٠",
        ] {
            assert_eq!(phone.is_match(sample), Phone::parse(sample).is_ok(), "{sample:?}");
        }
    }
}
