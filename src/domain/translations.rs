//! Event content in more than one language: an organiser writes the title and description
//! once more per language, and each reader gets the one closest to what they read.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::events::is_language_tag;
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

/// Checks translations as the event's own title and description are checked, under
/// `translations.<tag>.title`; at most 20 languages, each a registered language tag.
pub fn check_event_translations(
    problems: &mut Problems,
    translations: EventTranslations,
) -> EventTranslations {
    if translations.len() > MAX_TRANSLATIONS {
        problems.add("translations", "too_many", "at most 20 languages");
    }
    let checked = translations
        .0
        .into_iter()
        .map(|(tag, text)| {
            if !is_language_tag(&tag) {
                problems.add(
                    format!("translations.{tag}"),
                    "invalid_language",
                    "must be a BCP 47 language tag such as es or ar-MA",
                );
            }
            let title = problems.one_line(&format!("translations.{tag}.title"), &text.title, 200);
            let description = problems.optional_text(
                &format!("translations.{tag}.description"),
                text.description.as_deref(),
                5000,
            );
            (tag, EventText { title, description })
        })
        .collect();
    EventTranslations(checked)
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

/// An event's title for someone reading `language`: its translation in that language (or one
/// sharing its primary subtag) when there is one, else `title` as written.
pub fn title_in<'a>(title: &'a str, translations: &'a EventTranslations, language: &str) -> &'a str {
    best_language(translations.keys().map(String::as_str), &[language.to_owned()])
        .map_or(title, |tag| translations[tag].title.as_str())
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
