//! Attendance reports: per event (JSON, CSV, HTML page), over many events, and who may read them.

mod attendance;
mod browser;
mod csv_list;
mod disclosure;
mod event;
mod groups;
mod outreach;
mod page;
mod paged;
mod places;
pub mod seed;
mod series;
mod series_disclosure;
mod summary;
pub mod tallies;

/// No-show reasons as the summary's totals show them: every reason, 0 but for `given`.
pub fn summary_no_show_reasons(given: &[(&str, i64)]) -> serde_json::Value {
    let mut reasons = no_show_reasons(given);
    reasons.as_object_mut().unwrap().remove("not_recorded");
    reasons
}

/// No-show reasons as a report shows them: every reason and `not_recorded`, 0 but for `given`.
pub fn no_show_reasons(given: &[(&str, i64)]) -> serde_json::Value {
    use hybrid_events::domain::attendance::NoShowReason;
    let keys = NoShowReason::ALL.iter().map(|r| r.as_str()).chain(["not_recorded"]);
    keys.map(|key| {
        let n = given.iter().find(|(k, _)| *k == key).map_or(0, |(_, n)| *n);
        (key.to_owned(), serde_json::json!(n))
    })
    .collect::<serde_json::Map<_, _>>()
    .into()
}
