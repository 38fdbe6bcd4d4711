//! The participant lists video platforms export after a meeting, read into rows of who
//! joined and for how long. Each format is known by its header row (README in
//! tests/fixtures/attendance/ says where each one's columns come from):
//!
//! - **zoom**: the participants report, `Name (Original Name),User Email,Join Time,Leave
//!   Time,Duration (Minutes),Guest` (one row per join; with "unique users",
//!   `Total Duration (Minutes)`), often after a one-row meeting summary and a blank line;
//! - **teams**: the attendance report, tab-separated UTF-16LE, in blocks `1. Summary`,
//!   `2. Participants` (`Name`, `First Join`, `Last Leave`, `In-Meeting Duration` as
//!   `1h 5m 3s`, `Email`, `Participant ID (UPN)`, `Role`) and `3. In-Meeting Activities`;
//!   the participants block is read;
//! - **bigbluebutton**: the learning dashboard's session data, `Name,Moderator,Activity
//!   Score,…,Join,Left,Duration` with durations as `HH:MM:SS`;
//! - **generic**: `name,email,phone,minutes` for anything else (a sign-in sheet typed up).
//!
//! Files come as UTF-8 (with or without a BOM) or UTF-16 with its BOM (Excel's "Unicode
//! text"), separated by commas, semicolons (Excel in many European locales) or tabs. Nothing
//! is guessed: another encoding, or a header that is not one of these, is a problem naming
//! the line.

use encoding_rs::{Encoding, UTF_8};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::contact::{Email, Phone};

/// The platform a participant list comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(example = "zoom")]
pub enum ListFormat {
    Zoom,
    Teams,
    #[serde(rename = "bigbluebutton")]
    BigBlueButton,
    Generic,
}

impl ListFormat {
    /// In the order `auto` tries them: the platforms' own headers before the generic one.
    pub const ALL: [ListFormat; 4] =
        [ListFormat::Teams, ListFormat::Zoom, ListFormat::BigBlueButton, ListFormat::Generic];

    pub fn as_str(self) -> &'static str {
        match self {
            ListFormat::Zoom => "zoom",
            ListFormat::Teams => "teams",
            ListFormat::BigBlueButton => "bigbluebutton",
            ListFormat::Generic => "generic",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|format| format.as_str() == value)
    }

    fn columns(self) -> &'static Columns {
        match self {
            ListFormat::Zoom => &ZOOM,
            ListFormat::Teams => &TEAMS,
            ListFormat::BigBlueButton => &BIGBLUEBUTTON,
            ListFormat::Generic => &GENERIC,
        }
    }
}

/// How a format writes how long someone stayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    /// A number of minutes (`65`, `12.5`).
    Minutes,
    /// `1h 5m 3s`, or a clock `01:05:03`.
    Elapsed,
}

/// A format's header: the names (lower case) each column may have, first the one shown in
/// problems, and the columns only this format has.
struct Columns {
    name: &'static [&'static str],
    /// Whether a row is known by its name (the platforms), or by any of name, email and
    /// phone (the generic list). A header without a name column is not the table: Zoom's
    /// meeting summary has `User Email` and `Duration (Minutes)` too.
    name_required: bool,
    email: &'static [&'static str],
    phone: &'static [&'static str],
    duration: &'static [&'static str],
    marks: &'static [&'static str],
    unit: Unit,
}

const ZOOM: Columns = Columns {
    name: &["name (original name)", "name"],
    name_required: true,
    email: &["user email", "email"],
    phone: &[],
    duration: &["duration (minutes)", "total duration (minutes)"],
    marks: &["name (original name)", "user email", "duration (minutes)", "total duration (minutes)"],
    unit: Unit::Minutes,
};

const TEAMS: Columns = Columns {
    name: &["name", "full name"],
    name_required: true,
    email: &["email", "participant id (upn)"],
    phone: &[],
    duration: &["in-meeting duration", "duration"],
    marks: &["in-meeting duration", "first join", "last leave", "participant id (upn)"],
    unit: Unit::Elapsed,
};

const BIGBLUEBUTTON: Columns = Columns {
    name: &["name"],
    name_required: true,
    email: &[],
    phone: &[],
    duration: &["duration"],
    marks: &["moderator", "activity score"],
    unit: Unit::Elapsed,
};

const GENERIC: Columns = Columns {
    name: &["name"],
    name_required: false,
    email: &["email"],
    phone: &["phone"],
    duration: &["minutes"],
    marks: &["minutes", "name", "email", "phone"],
    unit: Unit::Minutes,
};

/// One row of a participant list: one join of one person (rejoins are rows of their own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListRow {
    /// The file's line (1-based), as a spreadsheet shows it.
    pub line: u32,
    pub name: Option<String>,
    pub email: Option<Email>,
    pub phone: Option<Phone>,
    pub seconds: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParticipantList {
    pub format: ListFormat,
    pub rows: Vec<ListRow>,
}

/// Why a file is not a participant list this product reads. Each names the line (and the
/// column) where it can.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListProblem {
    /// Nothing but blank lines.
    Empty,
    /// Not UTF-8, nor UTF-16 with a byte-order mark.
    Encoding { line: usize, detail: &'static str },
    /// No line is the header of the format asked for (or of any format, for `auto`).
    NoHeader { format: Option<ListFormat> },
    /// The header is another platform's.
    WrongFormat { asked: ListFormat, found: ListFormat, line: usize },
    /// A header of the format, without columns it needs.
    MissingColumns { format: ListFormat, line: usize, missing: Vec<&'static str> },
    /// A duration that is not one.
    InvalidDuration { line: usize, column: usize, value: String },
    /// The table could not be read as CSV.
    Unreadable { line: usize, detail: String },
}

impl ListProblem {
    pub fn code(&self) -> &'static str {
        match self {
            ListProblem::Empty => "empty_file",
            ListProblem::Encoding { .. } => "unsupported_encoding",
            ListProblem::NoHeader { .. } => "no_header",
            ListProblem::WrongFormat { .. } => "wrong_format",
            ListProblem::MissingColumns { .. } => "missing_columns",
            ListProblem::InvalidDuration { .. } => "invalid_duration",
            ListProblem::Unreadable { .. } => "unreadable_file",
        }
    }

    /// What went wrong, where, and what to do; never a participant's data.
    pub fn message(&self) -> String {
        match self {
            ListProblem::Empty => "The file is empty.".into(),
            ListProblem::Encoding { line, detail } => format!(
                "Line {line}: {detail}. Save the file as \"CSV UTF-8\" (or as Unicode text) and import it again."
            ),
            ListProblem::NoHeader { format: Some(format) } => format!(
                "No line of the file is the header of a {} participant list (expected columns {}).",
                format.as_str(),
                expected(*format)
            ),
            ListProblem::NoHeader { format: None } => "No line of the file is the header of a known participant \
                 list (zoom, teams, bigbluebutton, or generic `name,email,phone,minutes`)."
                .into(),
            ListProblem::WrongFormat { asked, found, line } => format!(
                "Line {line} is the header of a {} participant list, not {}: import it with format={} or auto.",
                found.as_str(),
                asked.as_str(),
                found.as_str()
            ),
            ListProblem::MissingColumns { format, line, missing } => format!(
                "Line {line}, the header of a {} participant list, lacks the column(s) {}.",
                format.as_str(),
                missing.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ")
            ),
            ListProblem::InvalidDuration { line, column, value } => {
                format!("Line {line}, column {column}: \"{value}\" is not a duration.")
            }
            ListProblem::Unreadable { line, detail } => format!("Line {line}: {detail}."),
        }
    }
}

fn expected(format: ListFormat) -> String {
    let columns = format.columns();
    let mut names = vec![columns.name[0], columns.duration[0]];
    names.extend(columns.email.first());
    names.extend(columns.phone.first());
    names.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ")
}

/// Reads a participant list of `format` (`None`: whichever format its header is).
pub fn parse(bytes: &[u8], format: Option<ListFormat>) -> Result<ParticipantList, ListProblem> {
    let text = decode(bytes)?;
    let lines: Vec<&str> = text.split('\n').map(|line| line.strip_suffix('\r').unwrap_or(line)).collect();
    if lines.iter().all(|line| line.trim().is_empty()) {
        return Err(ListProblem::Empty);
    }
    let header = find_header(&lines, format)?;
    read_table(&lines, &header)
}

/// The text of a file: UTF-8 (a BOM is dropped), or UTF-16 LE or BE after its BOM.
fn decode(bytes: &[u8]) -> Result<String, ListProblem> {
    let (encoding, bom) = Encoding::for_bom(bytes).unwrap_or((UTF_8, 0));
    let body = &bytes[bom..];
    let text = if encoding == UTF_8 {
        std::str::from_utf8(body).map(str::to_owned).map_err(|error| {
            let line = body[..error.valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1;
            ListProblem::Encoding { line, detail: "the file is not UTF-8 text" }
        })?
    } else {
        let (text, had_errors) = encoding.decode_without_bom_handling(body);
        if had_errors {
            let bad = text.find('\u{fffd}').unwrap_or(text.len());
            let line = text[..bad].matches('\n').count() + 1;
            return Err(ListProblem::Encoding { line, detail: "the file is not valid UTF-16 text" });
        }
        text.into_owned()
    };
    if let Some(nul) = text.find('\0') {
        let line = text[..nul].matches('\n').count() + 1;
        return Err(ListProblem::Encoding {
            line,
            detail: "the file holds NUL characters (UTF-16 without a byte-order mark?)",
        });
    }
    Ok(text)
}

/// Where a table starts: its header's line (0-based), separator, format and columns.
struct Header {
    index: usize,
    delimiter: u8,
    format: ListFormat,
    name: Option<usize>,
    email: Option<usize>,
    phone: Option<usize>,
    duration: usize,
}

/// Header rows come after a platform's summary block (Zoom's meeting row, Teams' first
/// block), so the first lines are searched.
const HEADER_SEARCH_LINES: usize = 100;

fn cells(line: &str, delimiter: u8) -> Vec<String> {
    line.split(char::from(delimiter))
        .map(|cell| cell.trim().trim_matches('"').trim().trim_start_matches('\u{feff}').to_lowercase())
        .collect()
}

fn position(cells: &[String], names: &[&str]) -> Option<usize> {
    names.iter().find_map(|name| cells.iter().position(|cell| cell == name))
}

/// This line as the header of `format`: `Ok` with its columns, `Err` with the columns it
/// lacks when it has some of the format's own, or `None`.
fn recognise(
    cells: &[String],
    index: usize,
    delimiter: u8,
    format: ListFormat,
) -> Option<Result<Header, Vec<&'static str>>> {
    let columns = format.columns();
    if !columns.marks.iter().any(|mark| cells.iter().any(|cell| cell == mark)) {
        return None;
    }
    let name = position(cells, columns.name);
    let email = position(cells, columns.email);
    let phone = position(cells, columns.phone);
    let duration = position(cells, columns.duration);
    let mut missing = Vec::new();
    if name.is_none() && (columns.name_required || (email.is_none() && phone.is_none())) {
        missing.push(columns.name[0]);
    }
    if duration.is_none() {
        missing.push(columns.duration[0]);
    }
    Some(match duration {
        Some(duration) if missing.is_empty() => {
            Ok(Header { index, delimiter, format, name, email, phone, duration })
        }
        _ => Err(missing),
    })
}

fn find_header(lines: &[&str], asked: Option<ListFormat>) -> Result<Header, ListProblem> {
    let formats: Vec<ListFormat> = match asked {
        Some(format) => vec![format],
        None => ListFormat::ALL.to_vec(),
    };
    let mut partial = None;
    let mut other = None;
    for (index, line) in lines.iter().enumerate().take(HEADER_SEARCH_LINES) {
        for delimiter in [b',', b';', b'\t'] {
            let cells = cells(line, delimiter);
            if cells.len() < 2 {
                continue;
            }
            for &format in &formats {
                match recognise(&cells, index, delimiter, format) {
                    Some(Ok(header)) => return Ok(header),
                    Some(Err(missing)) if partial.is_none() => partial = Some((format, index + 1, missing)),
                    _ => {}
                }
            }
            if let (Some(asked), None) = (asked, &other) {
                other = ListFormat::ALL
                    .into_iter()
                    .filter(|format| *format != asked)
                    .find(|format| matches!(recognise(&cells, index, delimiter, *format), Some(Ok(_))))
                    .map(|found| ListProblem::WrongFormat { asked, found, line: index + 1 });
            }
        }
    }
    if let Some(wrong) = other {
        return Err(wrong);
    }
    match partial {
        Some((format, line, missing)) => Err(ListProblem::MissingColumns { format, line, missing }),
        None => Err(ListProblem::NoHeader { format: asked }),
    }
}

/// The rows of the table under `header`, up to the first blank line (Teams' next block).
fn read_table(lines: &[&str], header: &Header) -> Result<ParticipantList, ListProblem> {
    let end = lines[header.index + 1..]
        .iter()
        .position(|line| line.trim().is_empty())
        .map_or(lines.len(), |blank| header.index + 1 + blank);
    let table = lines[header.index..end].join("\n");
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(header.delimiter)
        .flexible(true)
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(table.as_bytes());
    let unit = header.format.columns().unit;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|error| ListProblem::Unreadable {
            line: header.index + error.position().map_or(1, |p| p.line() as usize),
            detail: "the row cannot be read as CSV".into(),
        })?;
        let line = header.index + record.position().map_or(1, |p| p.line() as usize);
        let cell = |column: Option<usize>| {
            column.and_then(|c| record.get(c)).map(str::trim).filter(|value| !value.is_empty())
        };
        // A row without a duration counts no time: BigBlueButton's row of anonymous poll
        // answers, a blank line of a spreadsheet.
        let Some(duration) = cell(Some(header.duration)).filter(|d| *d != "-") else { continue };
        let seconds = seconds_of(duration, unit).ok_or_else(|| ListProblem::InvalidDuration {
            line,
            column: header.duration + 1,
            value: duration.chars().take(40).collect(),
        })?;
        let mut name = cell(header.name).map(str::to_owned);
        let email = cell(header.email).and_then(|e| Email::parse(e).ok());
        let mut phone = cell(header.phone).and_then(|p| Phone::parse(p).ok());
        // Someone who dialled in is listed under their number.
        if phone.is_none() {
            if let Some(number) = name.as_deref().and_then(|n| Phone::parse(n).ok()) {
                phone = Some(number);
                name = None;
            }
        }
        if name.is_none() && email.is_none() && phone.is_none() {
            continue;
        }
        rows.push(ListRow { line: line as u32, name, email, phone, seconds });
    }
    Ok(ParticipantList { format: header.format, rows })
}

/// Longest stay a row may claim (a week): anything longer is not a meeting's duration.
const MAX_SECONDS: u64 = 7 * 24 * 3600;

/// Seconds of a duration cell.
fn seconds_of(value: &str, unit: Unit) -> Option<u64> {
    let seconds = match unit {
        Unit::Minutes => {
            let minutes: f64 = value.replace(',', ".").parse().ok()?;
            if !minutes.is_finite() || minutes < 0.0 {
                return None;
            }
            (minutes * 60.0).round() as u64
        }
        Unit::Elapsed if value.contains(':') => clock_seconds(value)?,
        Unit::Elapsed => unit_seconds(value)?,
    };
    (seconds <= MAX_SECONDS).then_some(seconds)
}

/// `HH:MM:SS` or `MM:SS`.
fn clock_seconds(value: &str) -> Option<u64> {
    let parts: Vec<u64> = value.split(':').map(|p| p.trim().parse().ok()).collect::<Option<_>>()?;
    match parts[..] {
        [h, m, s] if m < 60 && s < 60 => Some(h * 3600 + m * 60 + s),
        [m, s] if s < 60 => Some(m * 60 + s),
        _ => None,
    }
}

/// `1h 5m 3s`, `45m 10s`, `30s`, `2h`: each number with its unit, each unit once.
fn unit_seconds(value: &str) -> Option<u64> {
    let mut total = 0;
    let mut seen = String::new();
    for token in value.split_whitespace() {
        let split = token.find(|c: char| !c.is_ascii_digit())?;
        let (number, unit) = token.split_at(split);
        let number: u64 = number.parse().ok()?;
        let (scale, key) = match unit {
            "h" => (3600, 'h'),
            "m" | "min" => (60, 'm'),
            "s" => (1, 's'),
            _ => return None,
        };
        if seen.contains(key) {
            return None;
        }
        seen.push(key);
        total += number * scale;
    }
    (!seen.is_empty()).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ZOOM_FILE: &[u8] = include_bytes!("../../tests/fixtures/attendance/zoom.csv");
    const TEAMS_FILE: &[u8] = include_bytes!("../../tests/fixtures/attendance/teams.csv");
    const BIGBLUEBUTTON_FILE: &[u8] = include_bytes!("../../tests/fixtures/attendance/bigbluebutton.csv");
    const GENERIC_FILE: &[u8] = include_bytes!("../../tests/fixtures/attendance/generic.csv");

    fn summary(list: &ParticipantList) -> Vec<(u32, Option<&str>, u64)> {
        list.rows.iter().map(|r| (r.line, r.name.as_deref(), r.seconds)).collect()
    }

    #[test]
    fn a_zoom_report_is_read_after_its_meeting_summary_one_row_per_join() {
        let list = parse(ZOOM_FILE, Some(ListFormat::Zoom)).unwrap();
        assert_eq!(list, parse(ZOOM_FILE, None).unwrap(), "auto finds the same");
        assert_eq!(list.format, ListFormat::Zoom);
        assert_eq!(list.rows.len(), 10, "the summary row is not a participant");
        assert_eq!(list.rows[0].line, 5, "lines as a spreadsheet numbers them");
        assert_eq!(list.rows[1].name.as_deref(), Some("Amina (Amina Haddad)"));
        assert_eq!(list.rows[1].email.as_ref().unwrap().normalised(), "amina.haddad@example.org");
        assert_eq!(list.rows[1].seconds, 121 * 60);
        let dialled_in = &list.rows[2];
        assert_eq!(
            (dialled_in.name.as_deref(), dialled_in.phone.as_ref().map(|p| p.digits())),
            (None, Some("34600111222"))
        );
        assert_eq!(
            summary(&list)[3..5],
            [(8, Some("ruiz gomez alvaro"), 2400), (9, Some("ruiz gomez alvaro"), 2100)]
        );
        assert_eq!(summary(&list)[9], (14, Some("iPhone"), 3600), "quoted cells");
    }

    #[test]
    fn a_teams_report_in_utf16_is_read_from_its_participants_block() {
        let list = parse(TEAMS_FILE, None).unwrap();
        assert_eq!(list.format, ListFormat::Teams);
        assert_eq!(
            summary(&list),
            [
                (11, Some("CEPAIM Soria"), 3 * 3600 + 5 * 60 + 28),
                (12, Some("Amina Haddad"), 2 * 3600 + 7),
                (13, Some("Karim Benali (Guest)"), 50 * 60 + 30),
                (14, Some("Álvaro Ruiz Gómez (Guest)"), 75 * 60),
                (15, Some("Fatima Zahra (Guest)"), 20 * 60),
                (16, Some("iPhone (Guest)"), 3600),
            ],
            "the in-meeting activities below are the same people again"
        );
        assert_eq!(list.rows[1].email.as_ref().unwrap().as_str(), "amina.haddad@example.org");
        // The same report as UTF-16BE, and as UTF-8 with a BOM.
        let text = String::from_utf16(
            &TEAMS_FILE[2..].chunks(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect::<Vec<_>>(),
        )
        .unwrap();
        let big_endian: Vec<u8> =
            [0xfe, 0xff].into_iter().chain(text.encode_utf16().flat_map(u16::to_be_bytes)).collect();
        assert_eq!(parse(&big_endian, Some(ListFormat::Teams)).unwrap(), list);
        let utf8 = [b"\xef\xbb\xbf".as_slice(), text.as_bytes()].concat();
        assert_eq!(parse(&utf8, Some(ListFormat::Teams)).unwrap(), list);
    }

    #[test]
    fn a_bigbluebutton_dashboard_export_is_read_and_its_anonymous_row_skipped() {
        let list = parse(BIGBLUEBUTTON_FILE, None).unwrap();
        assert_eq!(list.format, ListFormat::BigBlueButton);
        assert_eq!(
            summary(&list),
            [
                (2, Some("CEPAIM Soria"), 3 * 3600 + 5 * 60 + 28),
                (3, Some("Amina Haddad"), 2 * 3600 + 7),
                (4, Some("Karim Benali"), 50 * 60 + 30),
                (5, Some("Fatima Zahra"), 20 * 60),
            ]
        );
    }

    #[test]
    fn a_generic_list_with_semicolons_a_bom_and_decimal_commas_is_read() {
        let list = parse(GENERIC_FILE, Some(ListFormat::Generic)).unwrap();
        assert_eq!(list, parse(GENERIC_FILE, None).unwrap());
        assert_eq!(
            summary(&list),
            [
                (2, Some("Amina Haddad"), 7200),
                (3, Some("Karim Benali"), 3030),
                (4, Some("Fatima Zahra"), 1200)
            ]
        );
        assert_eq!(list.rows[1].phone.as_ref().unwrap().digits(), "34600111222");
        let by_email_only =
            parse(b"email,minutes\nkarim@example.org,50\n", Some(ListFormat::Generic)).unwrap();
        assert_eq!(by_email_only.rows[0].email.as_ref().unwrap().as_str(), "karim@example.org");
    }

    #[test]
    fn durations_in_each_platforms_spelling() {
        for (value, unit, seconds) in [
            ("65", Unit::Minutes, Some(3900)),
            ("12.5", Unit::Minutes, Some(750)),
            ("12,5", Unit::Minutes, Some(750)),
            ("1h 5m 3s", Unit::Elapsed, Some(3903)),
            ("45m 10s", Unit::Elapsed, Some(2710)),
            ("30s", Unit::Elapsed, Some(30)),
            ("2h", Unit::Elapsed, Some(7200)),
            ("01:05:03", Unit::Elapsed, Some(3903)),
            ("05:03", Unit::Elapsed, Some(303)),
            ("-3", Unit::Minutes, None),
            ("NaN", Unit::Minutes, None),
            ("1 hora", Unit::Elapsed, None),
            ("5m 5m", Unit::Elapsed, None),
            ("01:75:00", Unit::Elapsed, None),
            ("99999999", Unit::Minutes, None),
        ] {
            assert_eq!(seconds_of(value, unit), seconds, "{value}");
        }
    }

    #[test]
    fn files_that_are_not_a_list_are_refused_naming_line_and_column() {
        assert_eq!(parse(b"\n \r\n", None), Err(ListProblem::Empty));
        assert_eq!(parse(b"name,minutes\nJos\xe9,10\n", None).unwrap_err().code(), "unsupported_encoding");
        assert_eq!(
            parse(b"name,minutes\nok,1\nJos\xe9,10\n", None),
            Err(ListProblem::Encoding { line: 3, detail: "the file is not UTF-8 text" })
        );
        let utf16_without_bom: Vec<u8> = "name,minutes\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(parse(&utf16_without_bom, None).unwrap_err().code(), "unsupported_encoding");
        assert_eq!(parse(b"\xff\xfeN\x00a", None).unwrap_err().code(), "unsupported_encoding", "odd UTF-16");
        assert_eq!(parse(b"Amina,12\nKarim,30\n", None), Err(ListProblem::NoHeader { format: None }));
        assert_eq!(
            parse(TEAMS_FILE, Some(ListFormat::Zoom)),
            Err(ListProblem::WrongFormat { asked: ListFormat::Zoom, found: ListFormat::Teams, line: 10 })
        );
        assert_eq!(
            parse(b"Name (Original Name),User Email,Join Time\nA,,x\n", Some(ListFormat::Zoom)),
            Err(ListProblem::MissingColumns {
                format: ListFormat::Zoom,
                line: 1,
                missing: vec!["duration (minutes)"]
            })
        );
        assert_eq!(
            parse(b"name,email,phone\nA,,\n", None),
            Err(ListProblem::MissingColumns {
                format: ListFormat::Generic,
                line: 1,
                missing: vec!["minutes"]
            })
        );
        assert_eq!(
            parse(b"name,minutes\nAmina,12\nKarim,half an hour\n", None),
            Err(ListProblem::InvalidDuration { line: 3, column: 2, value: "half an hour".into() })
        );
        let problem = parse(b"name,minutes\nAmina,12\nKarim,half an hour\n", None).unwrap_err();
        assert_eq!(problem.message(), "Line 3, column 2: \"half an hour\" is not a duration.");
    }

    #[test]
    fn formats_read_back_what_they_write() {
        for format in ListFormat::ALL {
            assert_eq!(ListFormat::parse(format.as_str()), Some(format));
            assert_eq!(serde_json::to_value(format).unwrap(), format.as_str());
        }
    }
}
