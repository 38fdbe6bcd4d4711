//! Content in more than one language: an organiser writes an event's title and description,
//! or a place's name and notes, once more per language, and each reader gets the one closest
//! to what they read.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::events::{self, is_language_tag};
use crate::domain::places;
use crate::domain::text::Problems;

pub const MAX_TRANSLATIONS: usize = 20;

/// An event's title and description in one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "الطاولة المستديرة الإقليمية الرابعة", "description": null}))]
pub struct EventText {
    /// 1 to 200 characters, one line.
    #[schema(max_length = 200, format = "line")]
    pub title: String,
    /// Up to 5000 characters.
    #[serde(default)]
    #[schema(max_length = 5000, format = "text-or-blank")]
    pub description: Option<String>,
}

/// An event's title and description in more languages, by BCP 47 tag.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(transparent)]
#[schema(example = json!({"ar": {"title": "الطاولة المستديرة الإقليمية الثالثة", "description": null}}))]
pub struct EventTranslations(pub BTreeMap<String, EventText>);

impl std::ops::Deref for EventTranslations {
    type Target = BTreeMap<String, EventText>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

/// A place's name and notes in one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "المركز المدني في المازان", "notes": "اسأل عن لوسيا في مكتب الاستقبال."}))]
pub struct PlaceText {
    /// 1 to 200 characters, one line.
    #[schema(max_length = 200, format = "line")]
    pub name: String,
    /// Up to 1000 characters; line breaks allowed.
    #[serde(default)]
    #[schema(max_length = 1000, format = "text-or-blank")]
    pub notes: Option<String>,
}

/// A place's name and notes in more languages, by BCP 47 tag.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(transparent)]
#[schema(example = json!({"ar": {"name": "المركز المدني في المازان", "notes": null}}))]
pub struct PlaceTranslations(pub BTreeMap<String, PlaceText>);

impl std::ops::Deref for PlaceTranslations {
    type Target = BTreeMap<String, PlaceText>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

/// The text fields of something written once more per language (an event's title and
/// description, a place's name and notes), checked by the rules of the fields they translate.
pub trait Translation: Sized {
    /// The fields trimmed as the original's are, each problem under `{field}.<name>`.
    fn checked(self, problems: &mut Problems, field: &str) -> Self;
}

impl Translation for EventText {
    fn checked(self, problems: &mut Problems, field: &str) -> Self {
        let title = events::check_title(problems, &format!("{field}.title"), &self.title);
        let description =
            events::check_description(problems, &format!("{field}.description"), self.description.as_deref());
        EventText { title, description }
    }
}

impl Translation for PlaceText {
    fn checked(self, problems: &mut Problems, field: &str) -> Self {
        let name = places::check_name(problems, &format!("{field}.name"), &self.name);
        let notes = places::check_notes(problems, &format!("{field}.notes"), self.notes.as_deref());
        PlaceText { name, notes }
    }
}

/// Checks translations under `translations.<tag>`: at most 20 languages, each a registered
/// language tag, each text as [`Translation::checked`] says.
pub fn check_translations<T: Translation>(
    problems: &mut Problems,
    translations: BTreeMap<String, T>,
) -> BTreeMap<String, T> {
    if translations.len() > MAX_TRANSLATIONS {
        problems.add("translations", "too_many", "at most 20 languages");
    }
    translations
        .into_iter()
        .map(|(tag, text)| {
            let field = format!("translations.{tag}");
            if !is_language_tag(&tag) {
                problems.add(&field, "invalid_language", "must be a BCP 47 language tag such as es or ar-MA");
            }
            let text = text.checked(problems, &field);
            (tag, text)
        })
        .collect()
}

/// Checks an event's translations as its own title and description are checked
/// ([`check_translations`]).
pub fn check_event_translations(
    problems: &mut Problems,
    translations: EventTranslations,
) -> EventTranslations {
    EventTranslations(check_translations(problems, translations.0))
}

/// Checks a place's translations as its own name and notes are checked
/// ([`check_translations`]).
pub fn check_place_translations(
    problems: &mut Problems,
    translations: PlaceTranslations,
) -> PlaceTranslations {
    PlaceTranslations(check_translations(problems, translations.0))
}

/// The language, of those `available`, that a reader who ranks languages as `wanted` (best
/// first) reads best: the first wanted tag available as it is, or by its primary subtag
/// (`ar-MA` reads `ar`, and `ar` reads `ar-MA`); `None` when none is.
pub fn best_language<'a>(
    available: impl IntoIterator<Item = &'a str> + Clone,
    wanted: &[String],
) -> Option<&'a str> {
    let primary = |tag: &str| tag.split('-').next().unwrap_or_default().to_ascii_lowercase();
    wanted.iter().find_map(|want| {
        available
            .clone()
            .into_iter()
            .find(|tag| tag.eq_ignore_ascii_case(want))
            .or_else(|| available.clone().into_iter().find(|tag| primary(tag) == primary(want)))
    })
}

/// The translation, of `translations`, that a reader who ranks languages as `wanted` (best
/// first) reads best ([`best_language`]), with its tag; `None`: the text as written.
pub fn best_translation<'a, T>(
    translations: &'a BTreeMap<String, T>,
    wanted: &[String],
) -> Option<(&'a str, &'a T)> {
    best_language(translations.keys().map(String::as_str), wanted).map(|tag| (tag, &translations[tag]))
}

/// An event's title for someone reading `language`: its translation in that language (or one
/// sharing its primary subtag) when there is one, else `title` as written.
pub fn title_in<'a>(title: &'a str, translations: &'a EventTranslations, language: &str) -> &'a str {
    best_translation(translations, &[language.to_owned()]).map_or(title, |(_, text)| text.title.as_str())
}

/// A place's name for someone reading `language`, as [`title_in`] chooses an event's title.
pub fn place_name_in<'a>(name: &'a str, translations: &'a PlaceTranslations, language: &str) -> &'a str {
    best_translation(translations, &[language.to_owned()]).map_or(name, |(_, text)| text.name.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_wanted_language_available_exactly_or_by_its_primary_subtag() {
        let available = ["ar", "fr-CA"];
        let wanted = |tags: &[&str]| tags.iter().map(|t| t.to_string()).collect::<Vec<_>>();
        assert_eq!(best_language(available, &wanted(&["ar-MA", "fr"])), Some("ar"));
        assert_eq!(best_language(available, &wanted(&["de", "fr"])), Some("fr-CA"));
        assert_eq!(best_language(available, &wanted(&["AR"])), Some("ar"));
        assert_eq!(best_language(available, &wanted(&["de"])), None);
        assert_eq!(best_language(available, &[]), None);
    }

    #[test]
    fn a_place_name_in_a_language_is_its_translation_or_the_name_as_written() {
        let mut translations = PlaceTranslations::default();
        translations.0.insert("ar".into(), PlaceText { name: "المركز المدني".into(), notes: None });
        translations.0.insert("fr-CA".into(), PlaceText { name: "Centre civique".into(), notes: None });
        assert_eq!(place_name_in("Centro cívico", &translations, "ar"), "المركز المدني");
        assert_eq!(
            place_name_in("Centro cívico", &translations, "fr"),
            "Centre civique",
            "by primary subtag"
        );
        assert_eq!(place_name_in("Centro cívico", &translations, "es"), "Centro cívico");
        let wanted = ["de".to_owned(), "fr-FR".to_owned()];
        assert_eq!(best_translation(&translations, &wanted).map(|(tag, _)| tag), Some("fr-CA"));
        assert_eq!(best_translation(&translations, &["de".to_owned()]), None);
    }

    #[test]
    fn translations_are_checked_like_the_event_text() {
        let mut problems = Problems::default();
        let mut translations = EventTranslations::default();
        translations
            .0
            .insert("ar".into(), EventText { title: "  عنوان ".into(), description: Some(" ".into()) });
        translations.0.insert("xx-!".into(), EventText { title: "".into(), description: None });
        let checked = check_event_translations(&mut problems, translations);
        assert_eq!(checked["ar"], EventText { title: "عنوان".into(), description: None });
        let fields: Vec<&str> = problems.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["translations.xx-!", "translations.xx-!.title"]);
    }
}
