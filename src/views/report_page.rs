//! The report as a page people would rather look at: one self-contained HTML document (inline
//! CSS and SVG, no script, no web font, no request to anywhere), readable on a phone and
//! printable. Every text from the database goes through `escape`.

use std::fmt::Write;

use chrono::{DateTime, Utc};

use crate::domain::events::EventStatus;

use crate::views::report_svg::{
    bar_chart, donut, escape, show, BarRow, Series, Slice, BLUE, GREEN, GREY, HIDDEN, ORANGE, PURPLE,
    VERMILLION,
};
use crate::views::reports::{EventReport, ModeCounts, PlaceReport, OTHER_SUPPRESSED};
use crate::views::series_report::SeriesReport;

/// What the page says about the event besides the counts.
pub struct PageContext<'a> {
    pub title: &'a str,
    pub region: &'a str,
    pub series: Option<&'a str>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub timezone: &'a str,
    pub status: EventStatus,
    /// The suppression threshold in force, if any.
    pub suppress_below: Option<i64>,
    /// The report of the event's series, for the page to set the event among its series.
    pub series_report: Option<&'a SeriesReport>,
}

/// The Content-Security-Policy the page is served with: it needs nothing but its own inline
/// styles, so anything else it tried to load would be refused (and show as a console error).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const STYLE: &str = "
:root{color-scheme:light}
*{box-sizing:border-box}
body{margin:0;font:16px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans','Noto Sans Arabic',sans-serif;color:#1b1f24;background:#f4f5f7}
main{max-width:980px;margin:0 auto;padding:16px}
h1{font-size:1.5rem;line-height:1.25;margin:0 0 6px}
h2{font-size:1.05rem;margin:0 0 10px}
.meta{color:#4a5260;margin:2px 0}
.notice{background:#fff4d6;border-left:4px solid #E69F00;padding:8px 12px;margin:12px 0}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(130px,1fr));gap:8px;margin:16px 0}
.kpi{background:#fff;border:1px solid #d8dce2;border-radius:8px;padding:10px 12px}
.kpi .n{display:block;font-size:1.9rem;font-weight:700;font-variant-numeric:tabular-nums}
.kpi .l{color:#4a5260;font-size:.9rem}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,420px),1fr));gap:12px}
.card{min-width:0;background:#fff;border:1px solid #d8dce2;border-radius:8px;padding:12px 14px;break-inside:avoid;page-break-inside:avoid}
svg{display:block;width:100%;height:auto;margin:4px 0 8px}
svg text{font-family:inherit;font-size:13px;fill:#1b1f24}
svg text.total{font-size:22px;font-weight:700}
svg text.value{font-variant-numeric:tabular-nums}
svg text.empty{fill:#4a5260}
table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{padding:5px 6px;border-bottom:1px solid #e3e6ea;text-align:left}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.note{color:#4a5260;font-size:.85rem;margin:0 0 4px}
footer{color:#4a5260;font-size:.85rem;margin:18px 0 6px}
@media print{
  @page{margin:14mm}
  body{background:#fff;font-size:10.5pt}
  main{max-width:none;padding:0}
  .kpi,.card{border-color:#9aa1ab}
  .grid{grid-template-columns:repeat(2,minmax(0,1fr))}
  table{font-size:9pt}
  *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}";

/// The whole page.
/// How the page's footer writes when the report was counted.
pub const GENERATED_AT_FORMAT: &str = "%Y-%m-%d %H:%M";

pub fn render(report: &EventReport, ctx: &PageContext) -> String {
    let t = ctx.suppress_below;
    let mut html = String::with_capacity(16 * 1024);
    let _ = write!(
        html,
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><link rel="icon" href="data:,"><title>Attendance report: {title}</title><style>{STYLE}</style></head><body><main>"#,
        title = escape(ctx.title),
    );
    html.push_str(&header(report, ctx));
    if report.suppressed {
        let below = t.unwrap_or(0);
        let _ = write!(
            html,
            r#"<p class="notice" id="suppressed-notice">Small counts are hidden to protect people: every count from 1 to {}, and every other count from which one could be worked out with the totals, is shown as “{HIDDEN}”. Groups with small counts are pooled, unnamed, as “{OTHER_SUPPRESSED}”.</p>"#,
            below - 1,
        );
    }
    html.push_str(&kpis(report, t));
    html.push_str(r#"<div class="grid">"#);
    html.push_str(&modes_card(report, t));
    html.push_str(&attendance_card(report, t));
    html.push_str(&check_ins_card(report, t));
    html.push_str(&no_show_reasons_card(report, t));
    html.push_str(&needs_card(report, t));
    html.push_str(&barriers_card(report, t));
    for (i, place) in report.by_place.iter().enumerate() {
        html.push_str(&place_card(i, place, report.event_ended, t));
    }
    if !report.by_group_reservation.is_empty() {
        html.push_str(&groups_card(report, t));
    }
    html.push_str(&categories_card(report, t));
    html.push_str(&interests_card(report, t));
    html.push_str(&outreach_card(report, t));
    html.push_str("</div>");
    html.push_str(&follow_up(report, ctx.timezone));
    if let Some(series) = ctx.series_report {
        html.push_str(&series_section(series, t));
    }
    let _ = write!(
        html,
        "<footer>Generated {} UTC by hybrid-events. No-shows are counted only once the event has ended. \
Counts cover registrations that are not cancelled, including those whose personal data was erased.</footer>",
        report.generated_at.format(GENERATED_AT_FORMAT),
    );
    html.push_str("</main></body></html>");
    html
}

/// The series so far: who took part at each of its events, who came back, and the share of
/// migrants and refugees, protected as the series report is (`views::series_report`).
fn series_section(series: &SeriesReport, t: Option<i64>) -> String {
    let mut html = format!(
        r#"<section class="card" id="series"><h2>The series: {}</h2><table id="series-events"><thead><tr><th scope="col">Event</th><th scope="col">Date</th><th class="n" scope="col">Participants</th><th class="n" scope="col">New</th><th class="n" scope="col">Returning</th><th class="n" scope="col">Not linked</th><th class="n" scope="col">Online</th><th class="n" scope="col">Onsite</th><th class="n" scope="col">Migrants and refugees</th><th class="n" scope="col">From the first event</th></tr></thead><tbody>"#,
        escape(&series.name),
    );
    for (i, event) in series.events.iter().enumerate() {
        let from_first = series.from_first_event(i);
        let share =
            event.migrants_and_refugees_share.map_or(String::new(), |s| format!(" ({:.0} %)", s * 100.0));
        let _ = write!(
            html,
            r#"<tr id="series-event-{i}"><th scope="row">{}</th><td>{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}{}</td><td class="n">{}</td></tr>"#,
            escape(&event.title),
            event.starts_at.format("%Y-%m-%d"),
            escape(&show(event.participants, t)),
            escape(&show(event.new, t)),
            escape(&show(event.returning, t)),
            escape(&show(event.not_linked, t)),
            escape(&show(event.by_mode.online, t)),
            escape(&show(event.by_mode.onsite, t)),
            escape(&show(event.migrants_and_refugees, t)),
            share,
            escape(&show(from_first, t)),
        );
    }
    let totals = &series.totals;
    html.push_str("</tbody></table>");
    let listed: Vec<_> = totals.barriers.iter().filter(|(_, b)| b.raised != Some(0)).collect();
    if !listed.is_empty() {
        html.push_str(r#"<table id="series-barriers"><caption>Barriers over the series (registrations listing each)</caption><thead><tr><th scope="col">Barrier</th><th class="n" scope="col">Raised</th><th class="n" scope="col">Arranged</th><th class="n" scope="col">Unresolved</th></tr></thead><tbody>"#);
        for (kind, b) in listed {
            let _ = write!(
                html,
                r#"<tr id="series-barrier-{kind}"><th scope="row">{}</th><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
                escape(&kind.replace('_', " ")),
                escape(&show(b.raised, t)),
                escape(&show(b.arranged, t)),
                escape(&show(b.unresolved, t)),
            );
        }
        html.push_str("</tbody></table>");
    }
    let _ = write!(
        html,
        r#"<p id="series-totals">{} participations by {} people linked across events, and {} not linked; migrants and refugees: {}.</p><p>Participants are those who attended. People are linked across events only with their consent (<code>link_across_events</code>); "from the first event" counts how many of the first event's people took part.</p></section>"#,
        escape(&show(totals.participations, t)),
        escape(&show(totals.people, t)),
        escape(&show(totals.not_linked, t)),
        escape(&show(totals.migrants_and_refugees, t)),
    );
    html
}

/// What the meeting decided, and what earlier meetings of the series left to do: a funder
/// sees what became of what was discussed. Titles and names as recorded, escaped.
fn follow_up(report: &EventReport, timezone: &str) -> String {
    let outcome = &report.outcome;
    let mut html = String::from(r#"<section class="card" id="follow-up"><h2>Outcomes and follow-up</h2>"#);
    if !report.previous_open_actions.is_empty() {
        html.push_str(r#"<h3>Still to do from earlier meetings of the series</h3>"#);
        html.push_str(&actions_table("previous-open-actions", &report.previous_open_actions, Some(timezone)));
    }
    if !outcome.topics.is_empty() {
        let topics: Vec<String> = outcome.topics.iter().map(|topic| escape(topic)).collect();
        let _ = write!(
            html,
            r#"<p id="outcome-topics"><strong>Topics discussed:</strong> {}</p>"#,
            topics.join(", ")
        );
    }
    if let Some(summary) = &outcome.summary {
        let _ = write!(
            html,
            r#"<p id="outcome-summary" dir="auto" style="white-space:pre-line">{}</p>"#,
            escape(summary)
        );
    }
    if !outcome.actions.is_empty() {
        html.push_str(r#"<h3>Actions agreed at this meeting</h3>"#);
        html.push_str(&actions_table("outcome-actions", &outcome.actions, None));
    }
    if report.previous_open_actions.is_empty()
        && outcome.topics.is_empty()
        && outcome.summary.is_none()
        && outcome.actions.is_empty()
    {
        html.push_str(r#"<p class="note">No outcome recorded.</p>"#);
    }
    html.push_str("</section>");
    html
}

/// A table of actions; with `from` (the event's time zone), a column for the meeting each
/// came from.
fn actions_table(id: &str, actions: &[crate::views::outcomes::Action], from: Option<&str>) -> String {
    let mut html = format!(
        r#"<table id="{id}"><thead><tr><th scope="col">Action</th><th scope="col">Owner</th><th scope="col">Due</th><th scope="col">Status</th>{}</tr></thead><tbody>"#,
        if from.is_some() { r#"<th scope="col">Agreed at</th>"# } else { "" },
    );
    for action in actions {
        let status = serde_json::to_value(action.status).ok().and_then(|v| v.as_str().map(str::to_owned));
        let _ = write!(
            html,
            r#"<tr data-action="{}"><td dir="auto">{}</td><td dir="auto">{}</td><td>{}</td><td>{}</td>"#,
            action.id,
            escape(&action.title),
            escape(&action.owner_name),
            action.due_on,
            escape(&status.unwrap_or_default().replace('_', " ")),
        );
        if let Some(timezone) = from {
            let _ = write!(
                html,
                r#"<td dir="auto">{} ({})</td>"#,
                escape(&action.event.title),
                escape(&local_time(action.event.starts_at, timezone)),
            );
        }
        html.push_str("</tr>");
    }
    html.push_str("</tbody></table>");
    html
}

fn local_time(at: DateTime<Utc>, timezone: &str) -> String {
    match timezone.parse::<chrono_tz::Tz>() {
        Ok(tz) => at.with_timezone(&tz).format("%a %-d %b %Y, %H:%M").to_string(),
        Err(_) => at.format("%a %-d %b %Y, %H:%M UTC").to_string(),
    }
}

fn header(report: &EventReport, ctx: &PageContext) -> String {
    let mut where_ = escape(ctx.region);
    if let Some(series) = ctx.series {
        let _ = write!(where_, " · {}", escape(series));
    }
    let state = match (ctx.status, report.event_ended) {
        (EventStatus::Cancelled, _) => "Cancelled",
        (EventStatus::Draft, _) => "Draft",
        (_, true) => "Ended",
        (_, false) => "Not ended yet",
    };
    format!(
        r#"<header><h1 dir="auto">{title}</h1><p class="meta" dir="auto">{where_}</p><p class="meta">{starts} – {ends} ({tz}) · <strong id="event-state">{state}</strong></p></header>"#,
        title = escape(ctx.title),
        starts = escape(&local_time(ctx.starts_at, ctx.timezone)),
        ends = escape(&local_time(ctx.ends_at, ctx.timezone)),
        tz = escape(ctx.timezone),
    )
}

fn kpis(report: &EventReport, t: Option<i64>) -> String {
    let totals = &report.totals;
    let cards = [
        ("confirmed", "Confirmed", totals.confirmed),
        ("attended", "Attended", totals.attended),
        ("no-show", "No-show", totals.no_show),
        ("waitlisted", "Waitlisted", totals.waitlisted),
        ("cancelled", "Cancelled", totals.cancelled),
    ];
    let mut html = String::from(r#"<section class="kpis" aria-label="Totals">"#);
    for (id, label, value) in cards {
        let _ = write!(
            html,
            r#"<div class="kpi"><span class="n" id="kpi-{id}">{}</span><span class="l">{label}</span></div>"#,
            escape(&show(value, t)),
        );
    }
    html.push_str("</section>");
    html
}

fn card(title: &str, body: &str) -> String {
    format!(r#"<section class="card"><h2>{}</h2>{body}</section>"#, escape(title))
}

fn modes_card(report: &EventReport, t: Option<i64>) -> String {
    let (online, onsite) = (&report.by_mode.online, &report.by_mode.onsite);
    let mut body = donut(
        "chart-modes",
        "Confirmed registrations, online and onsite",
        &[
            Slice { label: "Online", value: online.confirmed, colour: BLUE },
            Slice { label: "Onsite", value: onsite.confirmed, colour: ORANGE },
        ],
        t,
    );
    body.push_str(
        r#"<table><thead><tr><th></th><th class="n" scope="col">Online</th><th class="n" scope="col">Onsite</th></tr></thead><tbody>"#,
    );
    let _ = write!(
        body,
        r#"<tr><th scope="row">Capacity</th><td class="n">{}</td><td class="n">{}</td></tr>"#,
        capacity(online),
        capacity(onsite)
    );
    let rows = [
        ("confirmed", "Confirmed", (online.confirmed, onsite.confirmed)),
        ("waitlisted", "Waitlisted", (online.waitlisted, onsite.waitlisted)),
        ("attended", "Attended", (online.attended, onsite.attended)),
        ("no-show", "No-show", (online.no_show, onsite.no_show)),
    ];
    for (id, label, (online, onsite)) in rows {
        let _ = write!(
            body,
            r#"<tr><th scope="row">{label}</th><td class="n" id="online-{id}">{}</td><td class="n" id="onsite-{id}">{}</td></tr>"#,
            escape(&show(online, t)),
            escape(&show(onsite, t)),
        );
    }
    body.push_str("</tbody></table>");
    card("Online and onsite", &body)
}

fn capacity(mode: &ModeCounts) -> String {
    match (mode.offered, mode.capacity) {
        (false, _) => "not offered".to_owned(),
        (true, None) => "unlimited".to_owned(),
        (true, Some(n)) => n.to_string(),
    }
}

fn attendance_card(report: &EventReport, t: Option<i64>) -> String {
    let (online, onsite) = (&report.by_mode.online, &report.by_mode.onsite);
    let second = if report.event_ended { "No-show" } else { "No-show (counted after the end)" };
    let rows = vec![
        BarRow { label: "Online".into(), values: vec![online.attended, online.no_show] },
        BarRow { label: "Onsite".into(), values: vec![onsite.attended, onsite.no_show] },
    ];
    let series = [Series { name: "Attended", colour: GREEN }, Series { name: second, colour: VERMILLION }];
    card(
        "Attended and no-show",
        &bar_chart("chart-attendance", "Attended and no-show by mode", &series, &rows, t),
    )
}

/// How people were checked in, and how long those online stayed.
fn check_ins_card(report: &EventReport, t: Option<i64>) -> String {
    let by = &report.attended_by_source;
    let rows = vec![
        BarRow { label: "At the door".into(), values: vec![by.onsite] },
        BarRow { label: "Participant list".into(), values: vec![by.online_import] },
        BarRow { label: "By hand".into(), values: vec![by.manual] },
    ];
    let series = [Series { name: "Attended", colour: GREEN }];
    let mut body =
        bar_chart("chart-check-in-sources", "Attended by how they were checked in", &series, &rows, t);
    let minutes = &report.online_minutes;
    let median = minutes.median.map_or_else(|| "–".to_owned(), |m| format!("{m} min"));
    let share =
        minutes.share_at_or_above_minimum.map_or_else(|| "–".to_owned(), |s| format!("{:.0} %", s * 100.0));
    let _ = write!(
        body,
        r#"<table><tbody><tr><th scope="row">Online check-ins with their minutes</th><td class="n" id="online-with-minutes">{}</td></tr><tr><th scope="row">At or above {} min</th><td class="n" id="online-at-or-above-minimum">{}</td></tr><tr><th scope="row">Share at or above</th><td class="n" id="online-share">{}</td></tr><tr><th scope="row">Median</th><td class="n" id="online-median">{}</td></tr></tbody></table>"#,
        escape(&show(minutes.with_minutes, t)),
        minutes.minimum,
        escape(&show(minutes.at_or_above_minimum, t)),
        escape(&share),
        escape(&median),
    );
    card("Check-ins", &body)
}

/// Why confirmed people did not come, online and onsite: the barriers organisers report.
fn no_show_reasons_card(report: &EventReport, t: Option<i64>) -> String {
    let (online, onsite) = (&report.by_mode.online.no_show_reasons, &report.by_mode.onsite.no_show_reasons);
    let rows: Vec<BarRow> = report
        .no_show_reasons
        .keys()
        .map(|reason| BarRow {
            label: reason.replace('_', " "),
            values: vec![online.get(reason).copied().flatten(), onsite.get(reason).copied().flatten()],
        })
        .collect();
    let series = [Series { name: "Online", colour: BLUE }, Series { name: "Onsite", colour: ORANGE }];
    let mut body = String::new();
    if !report.event_ended {
        body.push_str(r#"<p class="note">Reasons are recorded once the event has ended.</p>"#);
    }
    body.push_str(&bar_chart(
        "chart-no-show-reasons",
        "Why confirmed people did not come",
        &series,
        &rows,
        t,
    ));
    card("No-show reasons", &body)
}

fn needs_card(report: &EventReport, t: Option<i64>) -> String {
    let needs = &report.needs;
    let mut rows = vec![
        BarRow { label: "Space requested".into(), values: vec![needs.physical_space.requested] },
        BarRow { label: "Space seated".into(), values: vec![needs.physical_space.seated] },
        BarRow { label: "Space waitlisted".into(), values: vec![needs.physical_space.waitlisted] },
        BarRow { label: "Transport".into(), values: vec![needs.transport] },
        BarRow { label: "Accessibility".into(), values: vec![needs.accessibility] },
    ];
    rows.extend(
        needs
            .interpretation
            .iter()
            .map(|(language, n)| BarRow { label: format!("Interpreting: {language}"), values: vec![*n] }),
    );
    let series = [Series { name: "Registrations", colour: PURPLE }];
    let mut body = String::from(
        r#"<p class="note">Space: a place to attend in person, for people without a device or internet.</p>"#,
    );
    body.push_str(&bar_chart("chart-needs", "Needs of registered people", &series, &rows, t));
    card("Needs", &body)
}

/// What kept people from taking part and what was done about it: the barriers someone
/// listed (none listed: left out), raised vs. arranged and unresolved.
fn barriers_card(report: &EventReport, t: Option<i64>) -> String {
    let rows: Vec<BarRow> = report
        .barriers
        .iter()
        .filter(|(_, counts)| counts.raised != Some(0))
        .map(|(kind, counts)| BarRow {
            label: kind.replace('_', " "),
            values: vec![counts.raised, counts.arranged, counts.unresolved],
        })
        .collect();
    if rows.is_empty() {
        return card("Barriers", r#"<p class="note" id="barriers-none">Nobody listed a barrier.</p>"#);
    }
    let series = [
        Series { name: "Raised", colour: PURPLE },
        Series { name: "Arranged", colour: GREEN },
        Series { name: "Unresolved", colour: VERMILLION },
    ];
    let mut body = String::from(
        r#"<p class="note">Registrations listing each barrier; of them, those for whom something was arranged and those the organisers could not help.</p>"#,
    );
    body.push_str(&bar_chart("chart-barriers", "Barriers raised and arranged", &series, &rows, t));
    card("Barriers", &body)
}

/// One room of the event: who is there, who came, and what they need. Charts are numbered
/// in the order of `by_place` (the main venue first), as ids must not carry names.
fn place_card(index: usize, place: &PlaceReport, ended: bool, t: Option<i64>) -> String {
    let name = match (&place.name, place.place_id) {
        (Some(name), _) => name.clone(),
        (None, None) => "Main venue".to_owned(),
        (None, Some(_)) => "Place".to_owned(),
    };
    let kind = match (place.place_id, place.kind.as_str()) {
        (None, _) => "main venue",
        (Some(_), "hosted") => "hosted place",
        _ => "venue",
    };
    let mut meta = kind.to_owned();
    if let Some(municipality) = &place.municipality {
        let _ = write!(meta, " · {municipality}");
    }
    let seats = match place.capacity {
        Some(n) => format!("{n} seats"),
        None => "unlimited seats".to_owned(),
    };
    let _ = write!(meta, " · {seats}");
    let no_show = if ended { "No-show" } else { "No-show (counted after the end)" };
    let rows = vec![
        BarRow { label: "Confirmed".into(), values: vec![place.confirmed] },
        BarRow { label: "Waitlisted".into(), values: vec![place.waitlisted] },
        BarRow { label: "Attended".into(), values: vec![place.attended] },
        BarRow { label: no_show.into(), values: vec![place.no_show] },
        BarRow { label: "Space requested".into(), values: vec![place.physical_space.requested] },
        BarRow { label: "Space seated".into(), values: vec![place.physical_space.seated] },
        BarRow { label: "Transport".into(), values: vec![place.transport_requested] },
    ];
    let series = [Series { name: "Registrations", colour: ORANGE }];
    let mut body = format!(r#"<p class="note" dir="auto">{}</p>"#, escape(&meta));
    body.push_str(&bar_chart(
        &format!("chart-place-{index}"),
        &format!("Onsite registrations at {name}"),
        &series,
        &rows,
        t,
    ));
    card(&format!("Onsite: {name}"), &body)
}

/// The seats reserved for groups of stakeholder categories, per room: how many, and how many
/// their group took. Rows are numbered in the order of `by_group_reservation`.
fn groups_card(report: &EventReport, t: Option<i64>) -> String {
    let mut body = String::from(
        r#"<p class="note">Seats the event keeps for these groups until they register; taken: those the group uses.</p><table id="group-reservations"><thead><tr><th scope="col">Group</th><th scope="col">Room</th><th class="n" scope="col">Reserved</th><th class="n" scope="col">Members confirmed</th><th class="n" scope="col">Taken</th></tr></thead><tbody>"#,
    );
    for (i, g) in report.by_group_reservation.iter().enumerate() {
        let group = g.categories.iter().map(|c| c.replace('_', " ")).collect::<Vec<_>>().join(", ");
        let room = match (&g.name, g.place_id) {
            (Some(name), _) => name.clone(),
            (None, None) => "Main venue".to_owned(),
            (None, Some(_)) => "Place".to_owned(),
        };
        let _ = write!(
            body,
            r#"<tr><th scope="row">{}</th><td dir="auto">{}</td><td class="n" id="group-{i}-reserved">{}</td><td class="n" id="group-{i}-members">{}</td><td class="n" id="group-{i}-taken">{}</td></tr>"#,
            escape(&group),
            escape(&room),
            g.reserved,
            show(g.members_confirmed, t),
            show(g.taken, t),
        );
    }
    body.push_str("</tbody></table>");
    card("Seats reserved for groups", &body)
}

fn categories_card(report: &EventReport, t: Option<i64>) -> String {
    let rows: Vec<BarRow> = report
        .by_stakeholder_category
        .iter()
        .map(|(category, c)| BarRow {
            label: category.replace('_', " "),
            values: vec![c.confirmed, c.attended],
        })
        .collect();
    let series = [Series { name: "Confirmed", colour: BLUE }, Series { name: "Attended", colour: GREEN }];
    card(
        "Stakeholder categories",
        &bar_chart("chart-categories", "Confirmed and attended by stakeholder category", &series, &rows, t),
    )
}

fn interests_card(report: &EventReport, t: Option<i64>) -> String {
    let rows: Vec<BarRow> = report
        .interests
        .iter()
        .map(|(topic, n)| BarRow { label: topic.replace('_', " "), values: vec![*n] })
        .collect();
    let series = [Series { name: "Registrations", colour: GREY }];
    card("Interests", &bar_chart("chart-interests", "Declared interests", &series, &rows, t))
}

/// Who heard from the organisers before the event, and what became of offers and
/// reminders: counts only, never a message.
fn outreach_card(report: &EventReport, t: Option<i64>) -> String {
    let (online, onsite) = (&report.by_mode.online, &report.by_mode.onsite);
    let mut body = String::from(
        r#"<table><thead><tr><th>Reached before the event</th><th class="n" scope="col">Reached</th><th class="n" scope="col">Confirmed</th></tr></thead><tbody>"#,
    );
    let mut row = |id: &str, label: &str, reached: Option<i64>, confirmed: Option<i64>| {
        let _ = write!(
            body,
            r#"<tr><th scope="row">{}</th><td class="n" id="reached-{id}">{}</td><td class="n">{}</td></tr>"#,
            escape(label),
            escape(&show(reached, t)),
            escape(&show(confirmed, t)),
        );
    };
    row("total", "All", report.totals.reached_before_event, report.totals.confirmed);
    row("online", "Online", online.reached_before_event, online.confirmed);
    row("onsite", "Onsite", onsite.reached_before_event, onsite.confirmed);
    for (i, place) in report.by_place.iter().enumerate() {
        let name = place.name.as_deref().unwrap_or("Main venue");
        row(&format!("place-{i}"), &format!("Onsite: {name}"), place.reached_before_event, place.confirmed);
    }
    for (category, counts) in &report.by_stakeholder_category {
        row(
            &format!("category-{}", category.replace([' ', ','], "-")),
            &category.replace('_', " "),
            counts.reached_before_event,
            counts.confirmed,
        );
    }
    body.push_str("</tbody></table>");
    let offers = &report.offers;
    let reminders = &report.reminders;
    let _ = write!(
        body,
        r#"<table><thead><tr><th>Seats offered</th><th class="n" scope="col">Offers</th></tr></thead><tbody><tr><th scope="row">Made</th><td class="n" id="offers-made">{}</td></tr><tr><th scope="row">Accepted</th><td class="n" id="offers-accepted">{}</td></tr><tr><th scope="row">Declined</th><td class="n" id="offers-declined">{}</td></tr><tr><th scope="row">Expired</th><td class="n" id="offers-expired">{}</td></tr><tr><th scope="row">Waiting for an answer</th><td class="n" id="offers-open">{}</td></tr></tbody></table>"#,
        escape(&show(offers.made, t)),
        escape(&show(offers.accepted, t)),
        escape(&show(offers.declined, t)),
        escape(&show(offers.expired, t)),
        escape(&show(offers.open, t)),
    );
    let _ = write!(
        body,
        r#"<table><thead><tr><th>Reminders</th><th class="n" scope="col">Reminders</th></tr></thead><tbody><tr><th scope="row">Sent to partners or by email</th><td class="n" id="reminders-created">{}</td></tr><tr><th scope="row">Reached the person</th><td class="n" id="reminders-reached">{}</td></tr><tr><th scope="row">Could not reach</th><td class="n" id="reminders-failed">{}</td></tr><tr><th scope="row">Still to do</th><td class="n" id="reminders-open">{}</td></tr></tbody></table>"#,
        escape(&show(reminders.created, t)),
        escape(&show(reminders.reached, t)),
        escape(&show(reminders.failed, t)),
        escape(&show(reminders.open, t)),
    );
    card("Reaching participants", &body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::views::outcomes::{Action, ActionEvent, ActionStatusName, Outcome};
    use crate::views::report_attendance::{AttendedBySource, NoShowReasons, OnlineMinutes};
    use crate::views::reports::*;
    use std::collections::BTreeMap;

    fn reasons(transport: Count) -> NoShowReasons {
        BTreeMap::from([
            ("transport".to_owned(), transport),
            ("care_duties".to_owned(), Some(0)),
            ("not_recorded".to_owned(), Some(1)),
        ])
    }

    fn mode(confirmed: Count) -> ModeCounts {
        ModeCounts {
            offered: true,
            capacity: Some(10),
            confirmed,
            waitlisted: Some(0),
            attended: Some(2),
            no_show: Some(1),
            no_show_reasons: reasons(Some(0)),
            reached_before_event: Some(2),
        }
    }

    fn place(id: Option<uuid::Uuid>, name: Option<&str>, kind: &str, confirmed: Count) -> PlaceReport {
        PlaceReport {
            place_id: id,
            name: name.map(str::to_owned),
            kind: kind.to_owned(),
            municipality: id.map(|_| "Almazán".to_owned()),
            capacity: Some(4),
            confirmed,
            waitlisted: Some(0),
            attended: Some(1),
            no_show: Some(1),
            physical_space: PlacePhysicalSpace { requested: Some(1), seated: Some(1) },
            transport_requested: Some(0),
            no_show_reasons: reasons(Some(0)),
            reached_before_event: Some(1),
        }
    }

    fn report() -> EventReport {
        EventReport {
            event_id: uuid::Uuid::nil(),
            generated_at: Utc::now(),
            data_as_of: Utc::now(),
            event_ended: true,
            suppressed: false,
            totals: Totals {
                confirmed: Some(7),
                waitlisted: Some(0),
                cancelled: Some(1),
                attended: Some(4),
                no_show: Some(3),
                fallback_applied: Some(0),
                reached_before_event: Some(4),
            },
            by_mode: ByMode { online: mode(Some(3)), onsite: mode(Some(4)) },
            needs: Needs {
                physical_space: PhysicalSpace { requested: Some(2), seated: Some(2), waitlisted: Some(0) },
                transport: Some(1),
                interpretation: BTreeMap::from([("<ar>".to_owned(), Some(2))]),
                accessibility: Some(0),
            },
            barriers: BTreeMap::from([(
                "transport".to_owned(),
                BarrierCounts { raised: Some(1), arranged: Some(1), unresolved: Some(0) },
            )]),
            by_place: vec![
                place(None, Some("Palacio <de> la Audiencia"), "venue", Some(2)),
                place(Some(uuid::Uuid::from_u128(7)), Some("Centro cívico de Almazán"), "hosted", Some(2)),
            ],
            by_group_reservation: vec![GroupReservationReport {
                categories: vec!["migrant".into(), "refugee".into()],
                place_id: Some(uuid::Uuid::from_u128(7)),
                name: Some("Centro <cívico>".into()),
                reserved: 2,
                members_confirmed: None,
                taken: None,
            }],
            by_stakeholder_category: BTreeMap::from([(
                "refugee".to_owned(),
                CategoryCounts { confirmed: Some(3), attended: Some(2), reached_before_event: Some(3) },
            )]),
            interests: BTreeMap::from([("<img src=x onerror=alert(1)>".to_owned(), Some(5))]),
            attended_by_source: AttendedBySource { onsite: Some(2), online_import: Some(1), manual: Some(1) },
            online_minutes: OnlineMinutes {
                minimum: 45,
                with_minutes: Some(1),
                at_or_above_minimum: Some(1),
                share_at_or_above_minimum: Some(1.0),
                median: Some(150.0),
            },
            no_show_reasons: reasons(Some(2)),
            offers: OfferCounts {
                made: Some(3),
                accepted: Some(1),
                declined: None,
                expired: None,
                open: Some(0),
            },
            reminders: ReminderCounts { created: Some(14), reached: Some(9), failed: Some(0), open: Some(5) },
            outcome: Outcome {
                event_id: uuid::Uuid::nil(),
                topics: vec!["rural_initiatives".into()],
                summary: Some("<b>Three</b> pilots".into()),
                updated_at: None,
                actions: Vec::new(),
            },
            previous_open_actions: vec![Action {
                id: uuid::Uuid::from_u128(9),
                event: ActionEvent {
                    id: uuid::Uuid::from_u128(8),
                    title: "Second <roundtable>".into(),
                    starts_at: "2021-06-10T09:00:00Z".parse().unwrap(),
                },
                title: "Report on the <pilots>".into(),
                owner_organisation_id: None,
                owner_name: "Diputación de Soria".into(),
                due_on: chrono::NaiveDate::from_ymd_opt(2021, 10, 1).unwrap(),
                status: ActionStatusName::InProgress,
                created_at: Utc::now(),
                updated_at: Utc::now(),
            }],
        }
    }

    fn context(title: &str) -> PageContext<'_> {
        PageContext {
            title,
            region: "Soria",
            series: Some("Regional <platform>"),
            starts_at: "2021-11-24T09:00:00Z".parse().unwrap(),
            ends_at: "2021-11-24T12:00:00Z".parse().unwrap(),
            timezone: "Europe/Madrid",
            status: EventStatus::Published,
            suppress_below: None,
            series_report: None,
        }
    }

    #[test]
    fn the_page_escapes_every_text_from_the_database() {
        let html = render(&report(), &context("</title><script>alert(1)</script>"));
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("<ar>") && !html.contains("<platform>") && !html.contains("<de>"));
        assert!(html.contains("&lt;/title&gt;&lt;script&gt;"));
    }

    #[test]
    fn the_page_is_self_contained() {
        let html = render(&report(), &context("Roundtable"));
        for outside in ["http://", "https://", "<script", "@import", "url("] {
            assert!(!html.contains(outside), "{outside} in the page");
        }
        assert!(html.contains("@media print"));
        assert!(html.contains(r#"name="viewport""#));
    }

    #[test]
    fn the_page_shows_the_counts_and_local_times() {
        let html = render(&report(), &context("Roundtable"));
        assert!(html.contains(r#"id="kpi-confirmed">7<"#));
        assert!(html.contains(r#"id="kpi-no-show">3<"#));
        assert!(html.contains(r#"id="onsite-confirmed">4<"#));
        assert!(html.contains("Wed 24 Nov 2021, 10:00"), "Madrid time: {html}");
        assert!(!html.contains("suppressed-notice"));
    }

    #[test]
    fn seats_reserved_for_groups_show_reserved_and_taken_with_hidden_counts_as_x() {
        let mut report = report();
        let html = render(&report, &context("Roundtable"));
        assert!(html.contains(r#"id="group-0-members">–<"#), "without a threshold null is a dash: {html}");
        let t = PageContext { suppress_below: Some(5), ..context("Roundtable") };
        let html = render(&report, &t);
        assert!(html.contains(r#"id="group-0-reserved">2<"#), "{html}");
        assert!(html.contains(&format!(r#"id="group-0-members">{HIDDEN}<"#)), "{html}");
        assert!(html.contains(&format!(r#"id="group-0-taken">{HIDDEN}<"#)), "{html}");
        assert!(html.contains("migrant, refugee") && html.contains("Centro &lt;cívico&gt;"), "{html}");
        report.by_group_reservation[0].members_confirmed = Some(5);
        report.by_group_reservation[0].taken = Some(2);
        let html = render(&report, &context("Roundtable"));
        assert!(html.contains(r#"id="group-0-members">5<"#) && html.contains(r#"id="group-0-taken">2<"#));
        report.by_group_reservation.clear();
        assert!(!render(&report, &context("Roundtable")).contains("group-reservations"));
    }

    #[test]
    fn the_page_shows_the_outcome_and_what_earlier_meetings_left_to_do_escaped() {
        let html = render(&report(), &context("Third roundtable"));
        assert!(html.contains(r#"id="previous-open-actions""#));
        assert!(html.contains("Report on the &lt;pilots&gt;"));
        assert!(html.contains("Second &lt;roundtable&gt; (Thu 10 Jun 2021, 11:00)"), "{html}");
        assert!(html.contains("in progress"));
        assert!(html.contains("&lt;b&gt;Three&lt;/b&gt; pilots"));
        assert!(html.contains("rural_initiatives"));
        assert!(!html.contains("<pilots>") && !html.contains("<b>"));
    }

    #[test]
    fn the_page_counts_who_was_reached_and_what_became_of_offers_and_reminders() {
        let mut context = context("Roundtable");
        context.suppress_below = Some(3);
        let html = render(&report(), &context);
        assert!(html.contains(r#"id="reached-total">4<"#), "{html}");
        assert!(html.contains(r#"id="reached-online">2<"#));
        assert!(html.contains(r#"id="reached-place-1">1<"#));
        assert!(html.contains(r#"id="reached-category-refugee">3<"#));
        assert!(html.contains(r#"id="offers-made">3<"#));
        assert!(
            html.contains(&format!(r#"id="offers-declined">{HIDDEN}<"#)),
            "a hidden count reads as {HIDDEN}"
        );
        assert!(html.contains(r#"id="reminders-open">5<"#));
    }

    #[test]
    fn every_place_has_its_chart_with_hidden_counts_as_x() {
        let mut report = report();
        report.suppressed = true;
        report.by_place[1].confirmed = None;
        let mut ctx = context("Roundtable");
        ctx.suppress_below = Some(5);
        let html = render(&report, &ctx);
        assert!(html.contains(r#"<svg id="chart-place-0""#), "{html}");
        assert!(html.contains(r#"<svg id="chart-place-1""#), "{html}");
        assert!(!html.contains("chart-place-2"));
        assert!(html.contains("Onsite: Palacio &lt;de&gt; la Audiencia"));
        assert!(html.contains("hosted place · Almazán · 4 seats"), "{html}");
        let almazan = &html[html.find(r#"id="chart-place-1""#).unwrap()..];
        assert!(almazan.contains(r#"class="value">x<"#), "{almazan}");
    }

    #[test]
    fn the_reasons_of_no_shows_have_their_chart_online_and_onsite_with_hidden_counts_as_x() {
        let mut report = report();
        report.by_mode.online.no_show_reasons = reasons(Some(2));
        report.by_mode.onsite.no_show_reasons = reasons(None);
        let mut ctx = context("Roundtable");
        ctx.suppress_below = Some(3);
        let html = render(&report, &ctx);
        let chart = &html[html.find(r#"<svg id="chart-no-show-reasons""#).expect("the chart")..];
        let chart = &chart[..chart.find("</svg>").unwrap()];
        assert!(chart.contains(">care duties<") && chart.contains(">not recorded<"), "{chart}");
        let transport = &chart[chart.find(">transport<").unwrap()..];
        assert!(transport.contains(r#"<title>Online: 2</title>"#), "{transport}");
        assert!(transport.contains(r#"<title>Onsite: x</title>"#), "{transport}");
        assert!(html.contains(r#"id="online-median">150 min<"#), "{html}");
        assert!(html.contains(r#"id="online-share">100 %<"#), "{html}");
    }

    #[test]
    fn a_suppressed_report_says_so_and_shows_thresholds() {
        let mut report = report();
        report.suppressed = true;
        report.totals.cancelled = None;
        let mut ctx = context("Roundtable");
        ctx.suppress_below = Some(5);
        let html = render(&report, &ctx);
        assert!(html.contains("suppressed-notice"));
        assert!(html.contains(r#"id="kpi-cancelled">x<"#), "{html}");
    }
}
