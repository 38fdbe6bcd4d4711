//! Small parsers shared by the request types: trimmed, bounded text.

use crate::error::FieldError;

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

    /// Required text, trimmed, 1..=max characters.
    pub fn text(&mut self, field: &str, value: &str, max: usize) -> String {
        let trimmed = value.trim();
        if trimmed.is_empty() {
            // `blank`, not `required`: the field is there, its value is empty.
            self.add(field, "blank", "must not be empty");
        } else if trimmed.chars().count() > max {
            self.add(field, "too_long", format!("must be at most {max} characters"));
        } else if trimmed.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') {
            self.add(field, "invalid_characters", "must not contain control characters");
        }
        trimmed.to_owned()
    }

    /// Optional text: blank becomes `None`.
    pub fn optional_text(&mut self, field: &str, value: Option<&str>, max: usize) -> Option<String> {
        let value = value?.trim();
        if value.is_empty() {
            return None;
        }
        Some(self.text(field, value, max))
    }
}
