//! Small parsers shared by the request types: trimmed, bounded text; and the folding under
//! which two names or emails are one.

use unicode_normalization::char::is_combining_mark;
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

/// The key under which two spellings of a person's full name are the same name: folded
/// ([`fold`]), accents dropped (NFD, then no combining marks), split into words at anything
/// that is not a letter or digit, and the words sorted, so that "Ruiz-Gómez, Ana" and
/// "ana ruiz gomez" are one, in any script. Looser than [`fold`] on purpose: used only to
/// propose a match that must name exactly one person (`domain::attendance_matching`).
pub fn name_key(text: &str) -> String {
    let plain: String = fold(text).nfd().filter(|c| !is_combining_mark(*c)).collect();
    let mut words: Vec<&str> =
        plain.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    words.sort_unstable();
    words.join(" ")
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
    /// the server agree. Multi-line (a description, accessibility notes): line breaks and
    /// tabs are kept, every other control character is refused.
    pub fn text(&mut self, field: &str, value: &str, max: usize) -> String {
        self.checked(field, value, max, is_refused_in_text)
    }

    /// Optional text: blank becomes `None`.
    pub fn optional_text(&mut self, field: &str, value: Option<&str>, max: usize) -> Option<String> {
        self.optional(field, value, max, is_refused_in_text)
    }

    /// Required one-line text (a title, a name, an address), as [`Problems::text`] but with
    /// no control character at all and no line or paragraph separator: such a value is
    /// written into one line of a calendar entry, a CSV cell or a log line, where a line
    /// break would start a line the organiser never wrote.
    pub fn one_line(&mut self, field: &str, value: &str, max: usize) -> String {
        self.checked(field, value, max, is_refused_in_line)
    }

    /// Optional one-line text: blank becomes `None`.
    pub fn optional_one_line(&mut self, field: &str, value: Option<&str>, max: usize) -> Option<String> {
        self.optional(field, value, max, is_refused_in_line)
    }

    fn checked(&mut self, field: &str, value: &str, max: usize, refused: fn(char) -> bool) -> String {
        let trimmed = value.trim();
        if trimmed.is_empty() {
            // `blank`, not `required`: the field is there, its value is empty.
            self.add(field, "blank", "must not be empty");
        } else if value.chars().count() > max {
            self.add(field, "too_long", format!("must be at most {max} characters"));
        } else if trimmed.chars().any(refused) {
            self.add(field, INVALID_CHARACTERS, "must not contain control characters or line breaks");
        }
        trimmed.to_owned()
    }

    fn optional(
        &mut self,
        field: &str,
        value: Option<&str>,
        max: usize,
        refused: fn(char) -> bool,
    ) -> Option<String> {
        let value = value?;
        if value.trim().is_empty() {
            // None, but still within the schema's `maxLength`, which counts blanks too.
            if value.chars().count() > max {
                self.add(field, "too_long", format!("must be at most {max} characters"));
            }
            return None;
        }
        Some(self.checked(field, value, max, refused))
    }
}

/// The field code (and, when it is the only problem, the problem's code) of a control
/// character where none may be.
pub const INVALID_CHARACTERS: &str = "invalid_characters";

/// Control characters (C0, DEL, C1) other than the tab and the line breaks of multi-line
/// text.
pub fn is_refused_in_text(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// Every control character (C0 with the tab and line breaks, DEL, C1 with NEL), and the
/// Unicode line and paragraph separators, which some readers also take for a line break.
pub fn is_refused_in_line(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')
}

/// The longest slug ([`is_slug`]).
pub const MAX_SLUG_CHARS: usize = 40;

/// A slug: a-z first, then a-z, 0-9 and single underscores, not ending in one, at most
/// [`MAX_SLUG_CHARS`] characters (`data_processing`, `women_employment`): the keys of consent
/// purposes (which the database checks the same) and the topics of a registration's interests.
pub fn is_slug(value: &str) -> bool {
    let bytes = value.as_bytes();
    (1..=MAX_SLUG_CHARS).contains(&bytes.len())
        && bytes[0].is_ascii_lowercase()
        && bytes.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_')
        && !value.ends_with('_')
        && !value.contains("__")
}

/// The most topics a list holds: a registration's interests, an event's topics discussed.
pub const MAX_TOPICS: usize = 10;

/// A list of topics (the vocabulary of registrations' `interests`: slugs such as
/// `women_employment`, [`is_slug`]): at most [`MAX_TOPICS`], repeats dropped. A bad topic is
/// `code` at `field[i]`.
pub fn check_topics(problems: &mut Problems, field: &str, code: &str, topics: Vec<String>) -> Vec<String> {
    if topics.len() > MAX_TOPICS {
        problems.add(field, "too_many", format!("at most {MAX_TOPICS} {field}"));
    }
    let mut kept: Vec<String> = Vec::new();
    for (i, topic) in topics.into_iter().enumerate() {
        if !is_slug(&topic) {
            problems.add(
                format!("{field}[{i}]"),
                code,
                "must be snake_case, 1 to 40 characters: a-z, 0-9 and _",
            );
        } else if !kept.contains(&topic) {
            kept.push(topic);
        }
    }
    kept
}

/// The rules above as JSON Schema patterns, for the OpenAPI document (`openapi::field_rules`),
/// so that a front-end or a fuzzer that checks the schema agrees with the server on every
/// string. Written with `\uXXXX` escapes in character classes only, which ECMA 262 (the
/// schema's dialect), Python's `re` and Rust's `regex` read alike; the tests below hold each
/// class to the Rust predicate it stands for.
pub mod patterns {
    /// What `str::trim` takes off: `char::is_whitespace`, Unicode's White_Space.
    pub const SPACE: &str = r"\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";
    /// `char::is_control`: C0, DEL and C1.
    pub const CONTROL: &str = r"\u0000-\u001f\u007f-\u009f";
    /// [`super::is_refused_in_line`].
    pub const REFUSED_IN_LINE: &str = r"\u0000-\u001f\u007f-\u009f\u2028\u2029";
    /// [`super::is_refused_in_text`].
    pub const REFUSED_IN_TEXT: &str = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f";

    /// Text that, once trimmed, is not empty and has no character of `refused`: padding, a
    /// first character that is neither space nor refused, then anything but `refused`, then
    /// padding again (which may hold line breaks, as trimming takes them off). With
    /// `blank_allowed`, all-space text too (an optional field, where it means none).
    pub fn trimmed(refused: &str, blank_allowed: bool) -> String {
        let core = format!("[^{SPACE}{refused}][^{refused}]*[{SPACE}]*");
        if blank_allowed {
            format!("^[{SPACE}]*(?:{core})?$")
        } else {
            format!("^[{SPACE}]*{core}$")
        }
    }

    /// [`super::is_slug`], with [`super::MAX_SLUG_CHARS`] as its `maxLength`: a lowercase
    /// letter, then words of letters and digits joined by single `_`.
    pub const SLUG: &str = "^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$";

    /// `inner` (a pattern without anchors) with padding around it, or blank when
    /// `blank_allowed`: a value the server trims before it checks `inner`.
    pub fn padded(inner: &str, blank_allowed: bool) -> String {
        let optional = if blank_allowed { "?" } else { "" };
        format!("^[{SPACE}]*(?:{inner}){optional}[{SPACE}]*$")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(problems: &Problems) -> Vec<&str> {
        problems.0.iter().map(|e| e.code.as_str()).collect()
    }

    /// Every character of the Basic Multilingual Plane (where all spaces and control
    /// characters are) and a sample beyond it: each class holds exactly the characters its
    /// predicate names.
    #[test]
    fn each_pattern_class_is_its_predicate() {
        type Predicate = fn(char) -> bool;
        let class = |set: &str| regex::Regex::new(&format!("^[{set}]$")).unwrap();
        let classes: [(&str, regex::Regex, Predicate); 4] = [
            ("SPACE", class(patterns::SPACE), char::is_whitespace),
            ("CONTROL", class(patterns::CONTROL), char::is_control),
            ("REFUSED_IN_LINE", class(patterns::REFUSED_IN_LINE), is_refused_in_line),
            ("REFUSED_IN_TEXT", class(patterns::REFUSED_IN_TEXT), is_refused_in_text),
        ];
        let astral = (0x1_0000..=0x10_FFFF).step_by(997);
        let mut buffer = [0u8; 4];
        for c in (0..0x1_0000).chain(astral).filter_map(char::from_u32) {
            let text = c.encode_utf8(&mut buffer);
            for (name, regex, predicate) in &classes {
                assert_eq!(regex.is_match(text), predicate(c), "{name} and U+{:04X}", c as u32);
            }
        }
    }

    /// The whole patterns accept exactly what `Problems` accepts, on the cases that tell them
    /// apart: padding with line breaks, inner breaks, spaces that are not ASCII, blanks.
    #[test]
    fn text_patterns_accept_what_the_checks_accept() {
        let samples = [
            "Soria",
            " Soria ",
            "\tSoria\n",
            "Soria\r\n",
            "So ria",
            "So\u{a0}ria",
            "\u{3000}Soria\u{3000}",
            "So\nria",
            "So\tria",
            "So\u{2028}ria",
            "So\u{85}ria",
            "So\u{7f}ria",
            "So\u{1}ria",
            "",
            " ",
            "\n\t ",
            "\u{a0}",
            "\u{feff}",
            "a",
            "a\u{2029}",
            "\u{2029}a",
            "Ñúñez\u{1F600}",
            "line one\nline two",
            "line one\r\n\tline two\n\n",
            "bell\u{7}",
        ];
        type Check = fn(&mut Problems, &str);
        let checks: [(&str, &str, bool, Check); 4] = [
            ("one line", patterns::REFUSED_IN_LINE, false, |p, s| {
                p.one_line("f", s, 100);
            }),
            ("optional line", patterns::REFUSED_IN_LINE, true, |p, s| {
                p.optional_one_line("f", Some(s), 100);
            }),
            ("text", patterns::REFUSED_IN_TEXT, false, |p, s| {
                p.text("f", s, 100);
            }),
            ("optional text", patterns::REFUSED_IN_TEXT, true, |p, s| {
                p.optional_text("f", Some(s), 100);
            }),
        ];
        for (name, refused, blank_allowed, check) in checks {
            let pattern = regex::Regex::new(&patterns::trimmed(refused, blank_allowed)).unwrap();
            for sample in samples {
                let mut problems = Problems::default();
                check(&mut problems, sample);
                assert_eq!(pattern.is_match(sample), problems.is_empty(), "{name}: {sample:?}");
            }
        }
    }

    #[test]
    fn slugs_and_their_pattern() {
        let pattern = regex::Regex::new(patterns::SLUG).unwrap();
        let forty = "a".repeat(40);
        let forty_one = "a".repeat(41);
        for good in [
            "data_processing",
            "contact",
            "link_across_events",
            "photos2",
            "a",
            "women_employment",
            "ok_1",
            "a1_b2_c3",
            &forty,
        ] {
            assert!(is_slug(good), "{good}");
            assert!(pattern.is_match(good), "{good}");
        }
        for bad in [
            "", "Photos", "2photos", "_photos", "photos_", "a__b", "ph-otos", "fotos ", "Rural", "a_", "_a",
            "1a", "a-b", "a b", "ñu", "é",
        ] {
            assert!(!is_slug(bad), "{bad:?}");
            assert!(!pattern.is_match(bad), "{bad:?}");
        }
        // Beyond the pattern, the length: the document's `maxLength`.
        assert!(!is_slug(&forty_one) && pattern.is_match(&forty_one));
    }

    #[test]
    fn blank_optional_text_is_none_within_the_length_as_sent() {
        let mut problems = Problems::default();
        assert_eq!(problems.optional_one_line("series", Some("   "), 3), None);
        assert!(problems.is_empty());
        assert_eq!(problems.optional_text("notes", Some("    "), 3), None);
        assert_eq!(codes(&problems), ["too_long"]);
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
    fn a_name_key_ignores_case_accents_punctuation_and_word_order() {
        assert_eq!(name_key("Ruiz-Gómez, Ana"), name_key("ana ruiz gomez"));
        assert_eq!(name_key("  KARIM   BENALI "), "benali karim");
        assert_eq!(name_key("A\u{301}lvaro"), name_key("Álvaro"));
        assert_eq!(name_key("مريم حداد"), name_key("حداد مريم"), "any script");
        assert_ne!(name_key("Ana Ruiz"), name_key("Ana Ruiz Gómez"), "every word counts");
        assert_eq!(name_key("(—)"), "");
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

    #[test]
    fn multi_line_text_keeps_line_breaks_and_tabs_but_refuses_other_control_characters() {
        let mut problems = Problems::default();
        assert_eq!(problems.text("description", "one\r\ntwo\tthree\nfour", 100), "one\r\ntwo\tthree\nfour");
        assert!(problems.is_empty());
        for bad in ["bell\u{7}", "esc\u{1b}[31m", "del\u{7f}", "nel\u{85}x", "csi\u{9b}"] {
            let mut problems = Problems::default();
            problems.text("description", bad, 100);
            assert_eq!(codes(&problems), [INVALID_CHARACTERS], "{bad:?}");
        }
    }

    #[test]
    fn one_line_text_refuses_every_control_character_and_line_separator() {
        for bad in [
            "Title\r\nURL:http://evil\r\nBEGIN:VALARM",
            "a\nb",
            "a\rb",
            "a\tb",
            "a\u{0}b",
            "a\u{7f}b",
            "a\u{85}b",
            "a\u{9f}b",
            "a\u{2028}b",
            "a\u{2029}b",
        ] {
            let mut problems = Problems::default();
            problems.one_line("title", bad, 200);
            assert_eq!(codes(&problems), [INVALID_CHARACTERS], "{bad:?}");
            let mut problems = Problems::default();
            problems.optional_one_line("series", Some(bad), 200);
            assert_eq!(codes(&problems), [INVALID_CHARACTERS], "{bad:?}");
        }
    }

    #[test]
    fn one_line_text_takes_any_script_emoji_and_direction_marks_and_trims_line_breaks_around_it() {
        let mut problems = Problems::default();
        for good in
            ["جمعية التضامن 🤝 Soria", "\u{200f}مريم\u{200e} (Maryam) 🇸🇾", "Fundacio\u{301}n", "a\u{a0}b"]
        {
            assert_eq!(problems.one_line("name", good, 200), good);
        }
        assert_eq!(problems.one_line("name", "\r\n Soria \n", 200), "Soria");
        assert!(problems.is_empty());
    }
}
