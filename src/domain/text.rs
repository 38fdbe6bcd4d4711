//! Small parsers shared by the request types: trimmed, bounded text; and the folding under
//! which two names or emails are one.

use unicode_normalization::UnicodeNormalization;

use crate::error::FieldError;

/// The key under which two texts are the same name or email: trimmed, Unicode lower case,
/// then NFC, so that "FUNDACIÓN CEPAIM " and "Fundación Cepaim" are one, and so are an "é"
/// typed as one character and as "e" plus a combining accent. Folded here rather than by
/// `lower()` in SQL, which follows the server's locale and folds only ASCII under `C`.
/// NFC comes last so that the key is NFC whatever lower-casing produced.
pub fn fold(text: &str) -> String {
    text.trim().to_lowercase().nfc().collect()
}

/// Collects field errors while a request is checked, so the caller learns of all at once.
#[derive(Default, Debug)]
pub struct Problems(pub Vec<FieldError>);

impl Problems {
    pub fn add(&mut self, field: impl Into<String>, code: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, code, message));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Required text, trimmed, at most `max` characters as sent: the bound is the schema's
    /// `maxLength`, which counts the padding too, so a front-end that checks the schema and
    /// the server agree.
    pub fn text(&mut self, field: &str, value: &str, max: usize) -> String {
        let trimmed = value.trim();
        if trimmed.is_empty() {
            // `blank`, not `required`: the field is there, its value is empty.
            self.add(field, "blank", "must not be empty");
        } else if value.chars().count() > max {
            self.add(field, "too_long", format!("must be at most {max} characters"));
        } else if trimmed.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') {
            self.add(field, "invalid_characters", "must not contain control characters");
        }
        trimmed.to_owned()
    }

    /// Optional text: blank becomes `None`.
    pub fn optional_text(&mut self, field: &str, value: Option<&str>, max: usize) -> Option<String> {
        let value = value?;
        if value.trim().is_empty() {
            return None;
        }
        Some(self.text(field, value, max))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(problems: &Problems) -> Vec<&str> {
        problems.0.iter().map(|e| e.code.as_str()).collect()
    }

    #[test]
    fn text_is_trimmed_and_its_length_counted_as_sent() {
        let mut problems = Problems::default();
        assert_eq!(problems.text("name", "  Soria  ", 9), "Soria");
        assert!(problems.is_empty());
        assert_eq!(problems.text("name", "  Soria  ", 8), "Soria");
        assert_eq!(codes(&problems), ["too_long"]);
    }

    #[test]
    fn folding_ignores_case_beyond_ascii_and_surrounding_spaces() {
        assert_eq!(fold("FUNDACIÓN CEPAIM"), fold("Fundación Cepaim "));
        assert_eq!(fold(" FUNDACIÓN CEPAIM\t"), "fundación cepaim");
        assert_eq!(fold("ÁLVARO@Example.ES"), fold("álvaro@example.es"));
        assert_ne!(fold("Fundación Cepaim"), fold("Fundacion Cepaim"), "accents still count");
    }

    #[test]
    fn folding_makes_composed_and_decomposed_accents_one() {
        assert_eq!(fold("e\u{301}"), "\u{e9}");
        assert_eq!(fold("E\u{301}"), fold("\u{c9}"));
        assert_eq!(fold("A\u{301}LVARO@cepaim.test"), fold("\u{e1}lvaro@cepaim.test"));
    }

    #[test]
    fn a_folded_key_folds_to_itself() {
        for text in ["FUNDACIÓN CEPAIM", "ὈΔΥΣΣΕΎΣ", "İstanbul", "STRASSE", "e\u{301}"] {
            let key = fold(text);
            assert_eq!(fold(&key), key, "{text:?}");
        }
    }

    #[test]
    fn blank_text_is_blank_and_optional_blank_text_is_absent() {
        let mut problems = Problems::default();
        problems.text("name", " \t ", 10);
        assert_eq!(codes(&problems), ["blank"]);
        assert_eq!(problems.optional_text("series", Some("   "), 10), None);
        assert_eq!(problems.optional_text("series", Some(" x "), 2), Some("x".to_owned()));
        assert_eq!(codes(&problems), ["blank", "too_long"]);
    }
}
