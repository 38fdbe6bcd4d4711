//! The messages to participants, written from the Fluent files of `templates/outreach/` (one
//! per language, built into the binary): what happened, when (in the event's time zone, as the
//! language writes dates), where, and whom to call. Messages are rendered when read, never
//! stored, and never logged.

use std::collections::HashMap;
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use serde::Serialize;
use unic_langid::CharacterDirection;
use unic_langid::LanguageIdentifier;
use utoipa::ToSchema;

use crate::domain::outreach::OutreachKind;
use crate::domain::registrations::RegistrationStatus;

/// The template files, by language code. English must be among them: it is the last fallback.
const FILES: [(&str, &str); 4] = [
    ("ar", include_str!("../../templates/outreach/ar.ftl")),
    ("en", include_str!("../../templates/outreach/en.ftl")),
    ("es", include_str!("../../templates/outreach/es.ftl")),
    ("fr", include_str!("../../templates/outreach/fr.ftl")),
];

/// The languages messages can be written in.
pub fn languages() -> Vec<&'static str> {
    FILES.iter().map(|(language, _)| *language).collect()
}

struct Language {
    bundle: FluentBundle<FluentResource>,
    right_to_left: bool,
    date_format: String,
    date_locale: chrono::Locale,
}

static TEMPLATES: LazyLock<HashMap<&'static str, Language>> = LazyLock::new(|| {
    FILES.iter().map(|(code, text)| (*code, load(code, text).unwrap_or_else(|e| panic!("{e}")))).collect()
});

fn load(code: &str, text: &str) -> Result<Language, String> {
    let resource = FluentResource::try_new(text.to_owned())
        .map_err(|(_, errors)| format!("templates/outreach/{code}.ftl does not parse: {errors:?}"))?;
    let id: LanguageIdentifier = code.parse().map_err(|e| format!("{code} is no language: {e}"))?;
    let right_to_left = id.character_direction() == CharacterDirection::RTL;
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // Only where the text runs right to left do Latin names and numbers inside it need
    // isolating; elsewhere the marks would only lengthen a text message.
    bundle.set_use_isolating(right_to_left);
    bundle.add_resource(resource).map_err(|e| format!("templates/outreach/{code}.ftl: {e:?}"))?;
    let mut language =
        Language { bundle, right_to_left, date_format: String::new(), date_locale: chrono::Locale::POSIX };
    language.date_format = language.text("date-format", None)?;
    let locale = language.text("date-locale", None)?;
    language.date_locale =
        locale.parse().map_err(|_| format!("templates/outreach/{code}.ftl: unknown date-locale {locale}"))?;
    for kind in OutreachKind::ALL {
        for part in ["subject", "text"] {
            language.has(&format!("{}-{part}", kind.as_str()))?;
        }
    }
    for id in [
        "event-changed-previous",
        "offer-deadline",
        "card-offered",
        "where-place",
        "where-place-without-address",
        "where-online",
        "call",
        "code",
        "card-confirmed",
        "card-waitlisted",
        "card-cancelled",
        "card-heading",
    ] {
        language.has(id)?;
    }
    Ok(language)
}

impl Language {
    fn has(&self, id: &str) -> Result<(), String> {
        match self.bundle.get_message(id) {
            Some(message) if message.value().is_some() => Ok(()),
            _ => Err(format!("a template file has no message {id}")),
        }
    }

    fn text(&self, id: &str, args: Option<&FluentArgs>) -> Result<String, String> {
        let message = self.bundle.get_message(id).ok_or_else(|| format!("no message {id}"))?;
        let pattern = message.value().ok_or_else(|| format!("message {id} has no value"))?;
        let mut errors = Vec::new();
        let text = self.bundle.format_pattern(pattern, args, &mut errors);
        if errors.is_empty() {
            Ok(text.into_owned())
        } else {
            Err(format!("message {id}: {errors:?}"))
        }
    }

    fn date(&self, at: DateTime<Utc>, timezone: &str) -> String {
        let zone: chrono_tz::Tz = timezone.parse().unwrap_or(chrono_tz::UTC);
        at.with_timezone(&zone).format_localized(&self.date_format, self.date_locale).to_string()
    }
}

/// Where the person goes.
#[derive(Debug, Clone, Copy)]
pub enum Whereabouts<'a> {
    /// The main venue or a place, with its address when known.
    Onsite {
        place: &'a str,
        address: Option<&'a str>,
    },
    Online,
}

/// What a message says.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    pub kind: OutreachKind,
    pub title: &'a str,
    pub starts_at: DateTime<Utc>,
    pub timezone: &'a str,
    pub whereabouts: Whereabouts<'a>,
    /// Whom to call: the event's contact phone, else the place's.
    pub phone: Option<&'a str>,
    /// When the event was to start before it changed (`event_changed`).
    pub previous_start: Option<DateTime<Utc>>,
    /// Until when a seat offered is kept (`offered`, while the offer stands).
    pub offer_expires_at: Option<DateTime<Utc>>,
}

/// A message to a participant.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(example = json!({
    "subject": "Una plaza para ti en Mesa redonda de Soria",
    "text": "Ha quedado una plaza libre: ya tienes plaza en Mesa redonda de Soria, jueves 12 de mayo de 2022, a las 10:00.\nDónde: Biblioteca de Almazán, Plaza Mayor 1, Almazán.\n¿Dudas? Llama al +34 975 000 000.",
    "direction": "ltr"
}))]
pub struct Message {
    pub subject: String,
    /// Lines: what happened and when, where, whom to call.
    pub text: String,
    /// `rtl` for a language written right to left (Arabic): how to lay the text out.
    #[schema(example = "ltr")]
    pub direction: &'static str,
}

/// The message of `facts` in `language` (one of [`languages`]; anything else reads English).
pub fn render(language: &str, facts: &Facts) -> Message {
    let templates = &*TEMPLATES;
    let language =
        templates.get(language).unwrap_or_else(|| &templates[crate::domain::outreach::FALLBACK_LANGUAGE]);
    let mut args = FluentArgs::new();
    args.set("title", facts.title.to_owned());
    args.set("when", language.date(facts.starts_at, facts.timezone));
    let kind = facts.kind.as_str();
    // The files were checked whole when loaded, so a message is missing only when a variable
    // is: that shows as the variable's name in braces, which a reader can still follow.
    let line = |id: &str, args: &FluentArgs| language.text(id, Some(args)).unwrap_or_else(|e| e);
    let subject = line(&format!("{kind}-subject"), &args);
    let mut lines = vec![line(&format!("{kind}-text"), &args)];
    if let (OutreachKind::EventChanged, Some(previous)) = (facts.kind, facts.previous_start) {
        args.set("previous", language.date(previous, facts.timezone));
        lines.push(line("event-changed-previous", &args));
    }
    if let (OutreachKind::Offered, Some(deadline)) = (facts.kind, facts.offer_expires_at) {
        args.set("deadline", language.date(deadline, facts.timezone));
        lines.push(line("offer-deadline", &args));
    }
    let cancelled = matches!(
        facts.kind,
        OutreachKind::RegistrationCancelled | OutreachKind::EventCancelled | OutreachKind::OfferExpired
    );
    if !cancelled {
        lines.push(match facts.whereabouts {
            Whereabouts::Onsite { place, address: Some(address) } => {
                args.set("place", place.to_owned());
                args.set("address", address.to_owned());
                line("where-place", &args)
            }
            Whereabouts::Onsite { place, address: None } => {
                args.set("place", place.to_owned());
                line("where-place-without-address", &args)
            }
            Whereabouts::Online => line("where-online", &args),
        });
    }
    if let Some(phone) = facts.phone {
        args.set("phone", phone.to_owned());
        lines.push(line("call", &args));
    }
    Message { subject, text: lines.join("\n"), direction: if language.right_to_left { "rtl" } else { "ltr" } }
}

/// A registration's card: what a volunteer reads out or prints for the person.
#[derive(Debug, Clone, Copy)]
pub struct CardFacts<'a> {
    pub status: RegistrationStatus,
    pub title: &'a str,
    pub starts_at: DateTime<Utc>,
    pub timezone: &'a str,
    pub whereabouts: Whereabouts<'a>,
    pub phone: Option<&'a str>,
    /// The registration's short code (`domain::registrations::short_code`).
    pub code: &'a str,
    /// Until when a seat offered is kept (an `offered` registration).
    pub offer_expires_at: Option<DateTime<Utc>>,
    /// The person's code across the organisation's events, when linked (`domain::people`).
    pub person_code: Option<&'a str>,
}

/// The card's lines in its language: what and when with the person's status, where, whom to
/// call, the code; and the heading of the printed card.
pub struct Card {
    pub heading: String,
    pub lines: Vec<String>,
    pub right_to_left: bool,
    pub language: &'static str,
}

/// The longest a card may be as one text message (two SMS segments of 160 characters).
pub const MAX_SMS_CHARS: usize = 320;

/// The card of `facts` in `language` (one of [`languages`]; anything else reads English).
pub fn card(language: &str, facts: &CardFacts) -> Card {
    let templates = &*TEMPLATES;
    let (code, language) = templates
        .get_key_value(language)
        .or_else(|| templates.get_key_value(crate::domain::outreach::FALLBACK_LANGUAGE))
        .expect("English messages are built in");
    let line = |id: &str, args: &FluentArgs| language.text(id, Some(args)).unwrap_or_else(|e| e);
    let lines = |title: &str, address: Option<&str>| {
        let mut args = FluentArgs::new();
        args.set("title", title.to_owned());
        args.set("when", language.date(facts.starts_at, facts.timezone));
        args.set("code", facts.code.to_owned());
        if let Some(deadline) = facts.offer_expires_at {
            args.set("deadline", language.date(deadline, facts.timezone));
        }
        let mut lines = vec![line(
            match facts.status {
                RegistrationStatus::Confirmed => "card-confirmed",
                RegistrationStatus::Waitlisted => "card-waitlisted",
                RegistrationStatus::Cancelled => "card-cancelled",
                RegistrationStatus::Offered => "card-offered",
            },
            &args,
        )];
        lines.push(match facts.whereabouts {
            Whereabouts::Onsite { place, .. } => {
                args.set("place", place.to_owned());
                match address {
                    Some(address) => {
                        args.set("address", address.to_owned());
                        line("where-place", &args)
                    }
                    None => line("where-place-without-address", &args),
                }
            }
            Whereabouts::Online => line("where-online", &args),
        });
        if let Some(phone) = facts.phone {
            args.set("phone", phone.to_owned());
            lines.push(line("call", &args));
        }
        if let Some(person_code) = facts.person_code {
            args.set("person_code", person_code.to_owned());
            lines.push(line("card-person-code", &args));
        }
        lines.push(line("code", &args));
        lines
    };
    let address = match facts.whereabouts {
        Whereabouts::Onsite { address, .. } => address,
        Whereabouts::Online => None,
    };
    let heading = line("card-heading", &FluentArgs::new());
    let length = |lines: &[String]| lines.join("\n").chars().count();
    // Too long for a text message: the title shortens first (to an ellipsis), then the
    // address goes; the status, the place, the number to call and the codes always stay.
    let mut fitted = lines(facts.title, address);
    let over = length(&fitted).saturating_sub(MAX_SMS_CHARS);
    if over > 0 {
        let kept = facts.title.chars().count().saturating_sub(over + 1).max(12);
        let short = facts.title.chars().take(kept).collect::<String>() + "…";
        fitted = lines(&short, address);
        if length(&fitted) > MAX_SMS_CHARS {
            fitted = lines(&short, None);
        }
        // A place with a very long name: its line is cut to what is left.
        let over = length(&fitted).saturating_sub(MAX_SMS_CHARS);
        if over > 0 {
            let place = &fitted[1];
            let kept = place.chars().count().saturating_sub(over + 1);
            fitted[1] = place.chars().take(kept).collect::<String>() + "…";
        }
    }
    Card { heading, lines: fitted, right_to_left: language.right_to_left, language: code }
}

impl Card {
    /// The card as one text message.
    pub fn text(&self) -> String {
        self.lines.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn facts(kind: OutreachKind) -> Facts<'static> {
        Facts {
            kind,
            title: "Mesa redonda",
            // 10:00 in Madrid (CEST).
            starts_at: Utc.with_ymd_and_hms(2022, 5, 12, 8, 0, 0).unwrap(),
            timezone: "Europe/Madrid",
            whereabouts: Whereabouts::Onsite {
                place: "Biblioteca de Almazán",
                address: Some("Plaza Mayor 1"),
            },
            phone: Some("+34 975 000 000"),
            previous_start: None,
            offer_expires_at: None,
        }
    }

    #[test]
    fn every_language_has_every_message() {
        // Loading checks each file whole; this forces it for all of them.
        assert_eq!(TEMPLATES.len(), FILES.len());
        for language in languages() {
            for kind in OutreachKind::ALL {
                let message = render(language, &facts(kind));
                assert!(!message.subject.contains('{'), "{language} {kind:?}: {}", message.subject);
                assert!(!message.text.contains('{'), "{language} {kind:?}: {}", message.text);
            }
        }
    }

    #[test]
    fn says_what_when_where_and_whom_to_call_in_the_events_time_zone() {
        let message = render("es", &facts(OutreachKind::Promoted));
        assert_eq!(message.subject, "Una plaza para ti en Mesa redonda");
        assert_eq!(
            message.text,
            "Ha quedado una plaza libre: ya tienes plaza en Mesa redonda, jueves 12 de mayo de 2022, a las 10:00.\n\
             Dónde: Biblioteca de Almazán, Plaza Mayor 1.\n\
             ¿Dudas? Llama al +34 975 000 000."
        );
        assert_eq!(message.direction, "ltr");
        let english = render("en", &facts(OutreachKind::Confirmed));
        assert!(english
            .text
            .starts_with("Your place at Mesa redonda is confirmed: Thursday 12 May 2022, 10:00."));
        let french = render("fr", &facts(OutreachKind::Confirmed));
        assert!(french.text.contains("jeudi 12 mai 2022 à 10:00"), "{}", french.text);
    }

    #[test]
    fn arabic_runs_right_to_left_with_latin_names_isolated() {
        let message = render("ar", &facts(OutreachKind::Confirmed));
        assert_eq!(message.direction, "rtl");
        assert!(message.text.contains("\u{2068}Mesa redonda\u{2069}"), "{}", message.text);
        assert!(message.text.contains("\u{2068}+34 975 000 000\u{2069}"), "{}", message.text);
    }

    #[test]
    fn online_people_hear_the_link_comes_from_their_partner_and_cancellations_say_no_place() {
        let online =
            Facts { whereabouts: Whereabouts::Online, phone: None, ..facts(OutreachKind::Confirmed) };
        assert_eq!(
            render("en", &online).text.lines().collect::<Vec<_>>(),
            [
                "Your place at Mesa redonda is confirmed: Thursday 12 May 2022, 10:00.",
                "Online: the organisation that registered you will send you the link to join.",
            ]
        );
        let cancelled = render("en", &facts(OutreachKind::EventCancelled));
        assert_eq!(
            cancelled.text,
            "Mesa redonda, planned for Thursday 12 May 2022, 10:00, has been cancelled.\nQuestions? Call +34 975 000 000."
        );
    }

    #[test]
    fn a_moved_event_says_when_it_was_planned() {
        let moved = Facts {
            previous_start: Some(Utc.with_ymd_and_hms(2022, 5, 5, 8, 0, 0).unwrap()),
            ..facts(OutreachKind::EventChanged)
        };
        let text = render("en", &moved).text;
        assert!(text.starts_with(
            "Mesa redonda has changed. It takes place Thursday 12 May 2022, 10:00.\nIt was planned for Thursday 5 May 2022, 10:00."
        ), "{text}");
    }

    #[test]
    fn an_unknown_language_reads_english() {
        assert_eq!(
            render("ti", &facts(OutreachKind::Confirmed)),
            render("en", &facts(OutreachKind::Confirmed))
        );
    }
}
