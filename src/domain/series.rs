//! Series: the sessions of one platform (a regional roundtable that meets every few months),
//! a resource of its organisation. An event belongs to at most one; it may name it by id
//! (`series_id`) or, as clients did before series were a resource, by its name (`series`),
//! matched whatever its case within the event's organisation, or created.

use uuid::Uuid;

use crate::domain::text::{fold, Problems};
use crate::error::FieldError;

/// Name and region: one line each.
pub const MAX_LINE_CHARS: usize = 200;
pub const MAX_DESCRIPTION_CHARS: usize = 5000;

/// A series as the organiser wants it, before it is checked: the body of a create, or the
/// stored series with a PATCH applied.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesDraft {
    pub name: String,
    pub region: Option<String>,
    pub description: Option<String>,
}

/// A series that passed [`validate`]: text trimmed, blank optional text `None`.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidSeries {
    pub name: String,
    pub region: Option<String>,
    pub description: Option<String>,
}

/// A PATCH of a series: `None` leaves a field as it is; `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct SeriesPatch {
    pub name: Option<String>,
    pub region: Option<Option<String>>,
    pub description: Option<Option<String>>,
}

impl SeriesPatch {
    /// The series as it would be: checked afterwards by [`validate`], like a new one.
    pub fn apply(self, series: SeriesDraft) -> SeriesDraft {
        SeriesDraft {
            name: self.name.unwrap_or(series.name),
            region: self.region.unwrap_or(series.region),
            description: self.description.unwrap_or(series.description),
        }
    }
}

/// Checks every rule, reporting every bad field at once.
pub fn validate(draft: SeriesDraft) -> Result<ValidSeries, Vec<FieldError>> {
    let mut problems = Problems::default();
    let name = problems.one_line("name", &draft.name, MAX_LINE_CHARS);
    let region = problems.optional_one_line("region", draft.region.as_deref(), MAX_LINE_CHARS);
    let description =
        problems.optional_text("description", draft.description.as_deref(), MAX_DESCRIPTION_CHARS);
    if !problems.is_empty() {
        return Err(problems.0);
    }
    Ok(ValidSeries { name, region, description })
}

/// Whether two names are one series' name: names are unique per organisation by their
/// folded key (trimmed, whatever their case; `series.name_key`).
pub fn same_name(a: &str, b: &str) -> bool {
    fold(a) == fold(b)
}

/// What an event's `series` (the name) and `series_id` become after a create or a PATCH, before
/// the series is looked up. `current` is the event's pair (none for a new event); `series` and
/// `series_id` are what the request says (`None`: absent, `Some(None)`: null).
///
/// - neither given: the event keeps its series, unless it moves to another organisation:
///   then its name is looked up (or created) there, since a series belongs to one.
/// - the name only: looked up by name (`series_id` cleared); null or blank detaches.
/// - the id only: that series (its name is filled in from it); null detaches.
/// - both: they must agree; the name is compared with the series' once it is read
///   ([`check_agrees`]), a null on one side only is refused here.
pub fn series_after_request(
    current: (Option<String>, Option<Uuid>),
    organisation_changed: bool,
    series: Option<Option<String>>,
    series_id: Option<Option<Uuid>>,
) -> Result<(Option<String>, Option<Uuid>), FieldError> {
    let blank = |name: &Option<String>| name.as_deref().is_none_or(|n| n.trim().is_empty());
    Ok(match (series, series_id) {
        (None, None) if organisation_changed => (current.0, None),
        (None, None) => current,
        (Some(name), None) => (name, None),
        (None, Some(id)) => (None, id),
        (Some(name), Some(None)) if blank(&name) => (None, None),
        (Some(name), Some(Some(id))) if !blank(&name) => (name, Some(id)),
        (Some(_), Some(_)) => return Err(mismatch()),
    })
}

/// The name an event gave beside a `series_id` must be that series' (whatever its case).
pub fn check_agrees(given: &str, name: &str) -> Result<(), FieldError> {
    if same_name(given, name) {
        Ok(())
    } else {
        Err(mismatch())
    }
}

fn mismatch() -> FieldError {
    FieldError::new(
        "series",
        "series_mismatch",
        "must be the name of the series `series_id` names, or absent",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> SeriesDraft {
        SeriesDraft {
            name: "  Plataforma regional de Soria ".into(),
            region: Some(" Soria ".into()),
            description: Some("Mesas redondas\ncada trimestre".into()),
        }
    }

    fn fields(errors: &[FieldError]) -> Vec<(&str, &str)> {
        errors.iter().map(|e| (e.field.as_str(), e.code.as_str())).collect()
    }

    #[test]
    fn a_valid_series_is_trimmed() {
        let series = validate(draft()).unwrap();
        assert_eq!(series.name, "Plataforma regional de Soria");
        assert_eq!(series.region.as_deref(), Some("Soria"));
        assert_eq!(series.description.as_deref(), Some("Mesas redondas\ncada trimestre"));
    }

    #[test]
    fn blank_optional_text_is_none() {
        let series =
            validate(SeriesDraft { region: Some("  ".into()), description: Some("".into()), ..draft() })
                .unwrap();
        assert_eq!((series.region, series.description), (None, None));
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let bad = SeriesDraft {
            name: "Two\nlines".into(),
            region: Some("x".repeat(201)),
            description: Some("y".repeat(5001)),
        };
        let errors = validate(bad).unwrap_err();
        let named: Vec<&str> = fields(&errors).iter().map(|(field, _)| *field).collect();
        assert_eq!(named, ["name", "region", "description"]);
        assert!(validate(SeriesDraft { name: " ".into(), ..draft() }).is_err());
        assert!(validate(SeriesDraft { name: "x".repeat(201), ..draft() }).is_err());
        assert!(validate(SeriesDraft { name: "x".repeat(200), ..draft() }).is_ok());
    }

    #[test]
    fn a_patch_changes_what_it_names_and_clears_with_null() {
        let patch = SeriesPatch { name: Some("New".into()), region: Some(None), description: None };
        let patched = patch.apply(draft());
        assert_eq!(patched.name, "New");
        assert_eq!(patched.region, None);
        assert_eq!(patched.description, draft().description);
    }

    #[test]
    fn names_match_whatever_their_case_and_surrounding_space() {
        assert!(same_name("Plataforma Regional", " plataforma regional "));
        assert!(same_name("ÁVILA", "ávila"));
        assert!(!same_name("Plataforma regional", "Plataforma regional 2"));
        assert!(check_agrees("soria", "Soria").is_ok());
        assert_eq!(check_agrees("Teruel", "Soria").unwrap_err().code, "series_mismatch");
    }

    #[test]
    fn an_event_keeps_its_series_unless_the_request_names_one() {
        let id = Uuid::now_v7();
        let current = (Some("Soria".to_owned()), Some(id));
        let after = |series, series_id| series_after_request(current.clone(), false, series, series_id);
        assert_eq!(after(None, None), Ok(current.clone()));
        assert_eq!(after(Some(Some("Teruel".into())), None), Ok((Some("Teruel".into()), None)));
        assert_eq!(after(Some(None), None), Ok((None, None)));
        let other = Uuid::now_v7();
        assert_eq!(after(None, Some(Some(other))), Ok((None, Some(other))));
        assert_eq!(after(None, Some(None)), Ok((None, None)));
        assert_eq!(
            after(Some(Some("Teruel".into())), Some(Some(other))),
            Ok((Some("Teruel".into()), Some(other)))
        );
        assert_eq!(after(Some(None), Some(None)), Ok((None, None)));
        assert_eq!(after(Some(Some(" ".into())), Some(None)), Ok((None, None)));
    }

    #[test]
    fn a_null_on_one_side_only_disagrees() {
        let id = Uuid::now_v7();
        let refused = |series, series_id| series_after_request((None, None), false, series, series_id);
        assert_eq!(refused(Some(None), Some(Some(id))).unwrap_err().field, "series");
        assert_eq!(refused(Some(Some("".into())), Some(Some(id))).unwrap_err().code, "series_mismatch");
        assert_eq!(refused(Some(Some("Soria".into())), Some(None)).unwrap_err().code, "series_mismatch");
    }

    #[test]
    fn an_event_moving_to_another_organisation_looks_its_series_up_there_by_name() {
        let current = (Some("Soria".to_owned()), Some(Uuid::now_v7()));
        assert_eq!(series_after_request(current, true, None, None), Ok((Some("Soria".into()), None)));
    }
}
