//! The server's checks of single strings, written into the document as standard JSON Schema
//! so that a client that validates against it, or a fuzzer that generates from it, agrees with
//! the server: a request type names its field's rule with a marker format
//! (`#[schema(format = "line")]`), and [`document`] replaces every marker with the rule's
//! pattern, or a reference to the `TimeZone` component. The patterns come from the rules' own
//! modules (`domain::text::patterns`, `domain::contact`, …), where tests hold them to the
//! checks.
//!
//! What a pattern cannot say stays a 422 with the field named: rules across fields, against
//! stored data (an organisation's purposes, an event's places), and registry membership (a
//! well-formed language tag whose subtags IANA never registered).

use utoipa::openapi::schema::{AdditionalProperties, ArrayItems, Schema, SchemaFormat};
use utoipa::openapi::{Object, OpenApi, Ref, RefOr};

use crate::domain::contact::{Email, Phone};
use crate::domain::events::{LANGUAGE_TAG_PATTERN, MAX_LANGUAGE_TAG_CHARS};
use crate::domain::text::patterns::{padded, trimmed, REFUSED_IN_LINE, REFUSED_IN_TEXT, SLUG};
use crate::domain::text::MAX_SLUG_CHARS;

/// The component every `time-zone` field refers to: chrono-tz's names, the ones the server
/// parses.
const TIME_ZONE: &str = "TimeZone";

/// A field's rule, by its marker. `-or-blank`: the field is optional and all-space text means
/// none (the server trims before it checks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FieldRule {
    /// `Problems::one_line`, `Problems::optional_one_line`.
    Line { blank_allowed: bool },
    /// `Problems::text`, `Problems::optional_text`.
    Text { blank_allowed: bool },
    /// `Email::parse`.
    Email { blank_allowed: bool },
    /// `Phone::parse`; always optional.
    Phone,
    /// `domain::events::is_language_tag`, untrimmed (`languages`) or trimmed and optional.
    LanguageTag { padded: bool },
    /// `domain::text::is_slug`: a consent purpose's key, an interest.
    Slug,
    /// An IANA time zone that chrono-tz knows.
    TimeZone,
    /// `domain::events::is_https_url` on optional one-line text: the pattern says `https:`
    /// and one line; what a URL parser refuses stays a 422.
    HttpsUrl,
}

impl FieldRule {
    fn from_marker(marker: &str) -> Option<Self> {
        Some(match marker {
            "line" => Self::Line { blank_allowed: false },
            "line-or-blank" => Self::Line { blank_allowed: true },
            "text" => Self::Text { blank_allowed: false },
            "text-or-blank" => Self::Text { blank_allowed: true },
            "email" => Self::Email { blank_allowed: false },
            "email-or-blank" => Self::Email { blank_allowed: true },
            "phone-or-blank" => Self::Phone,
            "language-tag" => Self::LanguageTag { padded: false },
            "language-tag-or-blank" => Self::LanguageTag { padded: true },
            "slug" => Self::Slug,
            "time-zone" => Self::TimeZone,
            "https-url-or-blank" => Self::HttpsUrl,
            _ => return None,
        })
    }

    fn pattern(self) -> Option<String> {
        Some(match self {
            Self::Line { blank_allowed } => trimmed(REFUSED_IN_LINE, blank_allowed),
            Self::Text { blank_allowed } => trimmed(REFUSED_IN_TEXT, blank_allowed),
            Self::Email { blank_allowed } => padded(&Email::pattern(), blank_allowed),
            Self::Phone => padded(Phone::PATTERN, true),
            Self::LanguageTag { padded: false } => format!("^{LANGUAGE_TAG_PATTERN}$"),
            Self::LanguageTag { padded: true } => padded(LANGUAGE_TAG_PATTERN, true),
            Self::Slug => SLUG.to_owned(),
            Self::HttpsUrl => padded(&format!("[Hh][Tt][Tt][Pp][Ss]:[^{REFUSED_IN_LINE}]+"), true),
            Self::TimeZone => return None,
        })
    }

    /// The bound that is part of the rule itself; other fields give theirs in `max_length`.
    fn max_length(self) -> Option<usize> {
        match self {
            Self::LanguageTag { .. } => Some(MAX_LANGUAGE_TAG_CHARS),
            Self::Slug => Some(MAX_SLUG_CHARS),
            _ => None,
        }
    }
}

/// Replaces every marker in the document's component schemas and inline bodies, and adds the
/// `TimeZone` component. Panics on a custom format that is neither a marker nor standard: a
/// typo would otherwise reach the document as a format no client knows.
pub fn document(api: &mut OpenApi) {
    let components = api.components.get_or_insert_with(Default::default);
    for schema in components.schemas.values_mut() {
        visit(schema);
    }
    components.schemas.insert(TIME_ZONE.to_owned(), time_zones().into());
    for item in api.paths.paths.values_mut() {
        for (_, operation) in crate::openapi::operations_mut(item) {
            let Some(RefOr::T(body)) = operation.as_mut().and_then(|o| o.request_body.as_mut()) else {
                continue;
            };
            for content in body.content.values_mut() {
                if let RefOr::T(utoipa::openapi::Content { schema: Some(schema), .. }) = content {
                    visit(schema);
                }
            }
        }
    }
}

fn visit(schema: &mut RefOr<Schema>) {
    let RefOr::T(inner) = schema else { return };
    match inner {
        Schema::Object(object) => {
            if let Some(rule) = marker(object) {
                if rule == FieldRule::TimeZone {
                    let mut reference = Ref::from_schema_name(TIME_ZONE);
                    reference.description = object.description.clone().unwrap_or_default();
                    *schema = RefOr::Ref(reference);
                    return;
                }
                object.pattern = rule.pattern();
                // Not `email` even for an email: that format refuses the padding the server
                // trims off, and the pattern already says all.
                object.format = None;
                if let Some(max) = rule.max_length() {
                    object.max_length = Some(max);
                }
            }
            for property in object.properties.values_mut() {
                visit(property);
            }
            if let Some(AdditionalProperties::RefOr(values)) = object.additional_properties.as_deref_mut() {
                visit(values);
            }
        }
        Schema::Array(array) => {
            if let ArrayItems::RefOrSchema(items) = &mut array.items {
                visit(items);
            }
        }
        Schema::OneOf(one_of) => one_of.items.iter_mut().for_each(visit),
        Schema::AllOf(all_of) => all_of.items.iter_mut().for_each(visit),
        Schema::AnyOf(any_of) => any_of.items.iter_mut().for_each(visit),
        _ => {}
    }
}

/// JSON Schema's own formats that a field may name as a custom one (utoipa knows them only
/// with its `url` feature); any other custom format must be a marker.
const STANDARD_FORMATS: &[&str] = &["uri", "uri-reference"];

fn marker(object: &Object) -> Option<FieldRule> {
    match &object.format {
        Some(SchemaFormat::Custom(format)) if !STANDARD_FORMATS.contains(&format.as_str()) => Some(
            FieldRule::from_marker(format)
                .unwrap_or_else(|| panic!("`{format}` is no rule of openapi::field_rules")),
        ),
        _ => None,
    }
}

/// The names as one pattern rather than an `enum`: generated clients turn an enum into a type
/// with a member per name, and "Etc/GMT+0", "Etc/GMT-0" and "Etc/GMT0" make the same member
/// name (openapi-python-client refuses the document).
fn time_zones() -> Object {
    let mut names: Vec<&str> = chrono_tz::TZ_VARIANTS.iter().map(|zone| zone.name()).collect();
    names.sort_unstable();
    let alternatives: Vec<String> = names.iter().map(|name| name.replace('+', "\\+")).collect();
    let mut object = Object::with_type(utoipa::openapi::Type::String);
    object.description =
        Some("An IANA time zone name, e.g. `Europe/Madrid`: one of the IANA database's.".to_owned());
    object.pattern = Some(format!("^(?:{})$", alternatives.join("|")));
    object.example = Some("Europe/Madrid".into());
    object
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every marker a request type may name maps to a rule, and back.
    #[test]
    fn markers_name_rules() {
        for marker in [
            "line",
            "line-or-blank",
            "text",
            "text-or-blank",
            "email",
            "email-or-blank",
            "phone-or-blank",
            "language-tag",
            "language-tag-or-blank",
            "slug",
            "time-zone",
            "https-url-or-blank",
        ] {
            let rule = FieldRule::from_marker(marker).unwrap();
            if rule != FieldRule::TimeZone {
                regex::Regex::new(&rule.pattern().unwrap()).unwrap();
            }
        }
        assert_eq!(FieldRule::from_marker("lines"), None);
    }

    /// The time zones of the document are the ones the server parses.
    #[test]
    fn time_zones_are_those_the_server_parses() {
        let pattern = regex::Regex::new(&time_zones().pattern.unwrap()).unwrap();
        for zone in chrono_tz::TZ_VARIANTS {
            assert!(pattern.is_match(zone.name()), "{}", zone.name());
        }
        for other in
            ["Europe/Soria", "europe/madrid", " Europe/Madrid", "Etc/GMT+01", "Europe/Madrid|UTC", ""]
        {
            assert!(!pattern.is_match(other) && other.parse::<chrono_tz::Tz>().is_err(), "{other}");
        }
    }
}
