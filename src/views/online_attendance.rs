//! Requests and answers of the participant-list import and of many check-ins at once.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app::check_ins::CheckInOutcome;
use crate::app::online_attendance::Imported;
use crate::domain::attendance_matching::{tally, RowStatus};
use crate::domain::participant_list::ListFormat;

/// The format of a participant list; `auto` (the default) reads it from the file's header.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(example = "auto")]
pub enum ImportFormat {
    #[default]
    Auto,
    Zoom,
    Teams,
    #[serde(rename = "bigbluebutton")]
    BigBlueButton,
    Generic,
}

impl ImportFormat {
    pub fn format(self) -> Option<ListFormat> {
        match self {
            ImportFormat::Auto => None,
            ImportFormat::Zoom => Some(ListFormat::Zoom),
            ImportFormat::Teams => Some(ListFormat::Teams),
            ImportFormat::BigBlueButton => Some(ListFormat::BigBlueButton),
            ImportFormat::Generic => Some(ListFormat::Generic),
        }
    }
}

/// Options of `POST /events/{id}/online-attendance`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// `zoom`, `teams`, `bigbluebutton`, `generic` (`name,email,phone,minutes`), or `auto`
    /// (the default): which export the file is.
    #[param(inline)]
    pub format: Option<ImportFormat>,
    /// Minutes a person must have stayed to count as attended, 1 to 1440. Default: the
    /// event's `online_attendance_min_minutes`, else a quarter of the event's length.
    #[param(minimum = 1, maximum = 1440)]
    pub min_minutes: Option<i32>,
}

/// A participant list sent as a form, as a browser uploads a file. Only described: the
/// handler reads the form as a stream, up to MAX_IMPORT_BYTES.
#[derive(ToSchema)]
#[schema(example = json!({"file": "name,email,phone,minutes\r\nAmina Haddad,amina.haddad@example.org,,121\r\n"}))]
#[allow(dead_code)]
pub struct ParticipantListForm {
    /// The file as the platform exports it.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// A person of the list whose name fits several registrations: the organiser says which
/// (`POST .../resolve`).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"row": 10, "name": "Ana López", "minutes": 90,
    "candidates": ["0193a5c0-1111-7aaa-8bbb-0c0d0e0f1011", "0193a5c0-2222-7aaa-8bbb-0c0d0e0f1011"]}))]
pub struct AmbiguousRow {
    /// The file's line of the person's first row (as a spreadsheet numbers it).
    pub row: i32,
    /// As the platform wrote it; null once the event's personal data was erased.
    pub name: Option<String>,
    /// Minutes of all their rows together.
    pub minutes: i32,
    /// The registrations the name fits.
    pub candidates: Vec<Uuid>,
}

/// A person of the list that fits no registration: a guest, a shared device, a nickname.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"row": 14, "name": "iPhone", "email": null, "phone": null, "minutes": 60}))]
pub struct UnmatchedRow {
    /// The file's line of the person's first row (as a spreadsheet numbers it).
    pub row: i32,
    /// As the platform wrote them, kept only until the row is resolved or the event's
    /// personal data is erased (then null).
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Minutes of all their rows together.
    pub minutes: i32,
}

/// What an import of a participant list did, and who waits for the organiser. People are
/// counted once, their rejoins summed.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "import_id": "0193a5c0-3333-7aaa-8bbb-0c0d0e0f1011", "event_id": "0193a5c0-4444-7aaa-8bbb-0c0d0e0f1011",
    "format": "zoom", "min_minutes": 45, "rows": 10, "matched": 5, "checked_in": 4,
    "already_checked_in": 0, "below_minimum": 1,
    "ambiguous": [{"row": 10, "name": "Ana López", "minutes": 90,
                   "candidates": ["0193a5c0-1111-7aaa-8bbb-0c0d0e0f1011", "0193a5c0-2222-7aaa-8bbb-0c0d0e0f1011"]}],
    "unmatched": [{"row": 14, "name": "iPhone", "email": null, "phone": null, "minutes": 60}],
    "created_at": "2021-11-26T09:00:00Z"}))]
pub struct AttendanceImport {
    pub import_id: Uuid,
    pub event_id: Uuid,
    /// The format read (what `auto` found).
    pub format: ListFormat,
    /// Minutes a person had to stay to count as attended, for this import.
    pub min_minutes: i32,
    /// Participant rows of the file (each rejoin is a row).
    pub rows: i32,
    /// Registrations found (by email, phone, a name that names one person, or the organiser).
    pub matched: usize,
    /// Of them, checked in by this import (source `online_import`, with the minutes).
    pub checked_in: usize,
    /// Of them, who stayed long enough but were checked in before (at the door, by hand, by
    /// another import): that check-in is left as it was.
    pub already_checked_in: usize,
    /// Of them, who stayed less than `min_minutes`: not checked in.
    pub below_minimum: usize,
    /// People whose name fits several registrations, waiting for the organiser.
    pub ambiguous: Vec<AmbiguousRow>,
    /// People who fit no registration, waiting for the organiser.
    pub unmatched: Vec<UnmatchedRow>,
    pub created_at: DateTime<Utc>,
}

impl From<&Imported> for AttendanceImport {
    fn from(imported: &Imported) -> Self {
        let import = &imported.import;
        let counts = tally(
            imported.people.iter().filter_map(|p| p.registration_id.map(|id| (id, p.minutes, p.checked_in))),
            import.min_minutes,
        );
        let waiting = |status: RowStatus| imported.people.iter().filter(move |p| p.status == status);
        AttendanceImport {
            import_id: import.id,
            event_id: import.event_id,
            format: import.format,
            min_minutes: import.min_minutes,
            rows: import.file_rows,
            matched: counts.matched,
            checked_in: counts.checked_in,
            already_checked_in: counts.already_checked_in,
            below_minimum: counts.below_minimum,
            ambiguous: waiting(RowStatus::Ambiguous)
                .map(|p| AmbiguousRow {
                    row: p.line,
                    name: p.platform_name.clone(),
                    minutes: p.minutes,
                    candidates: p.candidates.clone(),
                })
                .collect(),
            unmatched: waiting(RowStatus::Unmatched)
                .map(|p| UnmatchedRow {
                    row: p.line,
                    name: p.platform_name.clone(),
                    email: p.platform_email.clone(),
                    phone: p.platform_phone.clone(),
                    minutes: p.minutes,
                })
                .collect(),
            created_at: import.created_at,
        }
    }
}

/// The organiser's answer for one person of an import that waits for one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"row": 10, "registration_id": "0193a5c0-1111-7aaa-8bbb-0c0d0e0f1011"}))]
pub struct ResolveRow {
    /// `row` of an entry of `ambiguous` or `unmatched`.
    pub row: i32,
    /// Who they are: a confirmed online registration of the event, or one seated at a
    /// hosted place (checked in when the person's minutes reach the import's minimum);
    /// `null`: nobody registered. Required.
    #[serde(deserialize_with = "Option::deserialize")]
    pub registration_id: Option<Uuid>,
}

/// Registrations of the event to check in at once.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"registration_ids": ["0193a5c0-1111-7aaa-8bbb-0c0d0e0f1011"]}))]
pub struct CheckInsRequest {
    /// 1 to 500 registration ids.
    #[schema(min_items = 1, max_items = 500)]
    pub registration_ids: Vec<Uuid>,
}

/// What became of one registration of the request.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"registration_id": "0193a5c0-1111-7aaa-8bbb-0c0d0e0f1011", "outcome": "checked_in"}))]
pub struct CheckInResult {
    pub registration_id: Uuid,
    pub outcome: CheckInOutcome,
}

/// The outcome of each registration asked for, in the order given.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"checked_in": 1,
    "results": [{"registration_id": "0193a5c0-1111-7aaa-8bbb-0c0d0e0f1011", "outcome": "checked_in"},
                {"registration_id": "0193a5c0-2222-7aaa-8bbb-0c0d0e0f1011", "outcome": "already_checked_in"}]}))]
pub struct CheckInsResult {
    /// How many were checked in now.
    pub checked_in: usize,
    pub results: Vec<CheckInResult>,
}
