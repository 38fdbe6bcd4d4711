//! Request and response types of the API (what the OpenAPI document shows), built from the
//! row models of `db`, so a column can change without changing the contract.
pub mod accounts;
pub mod attendance;
pub mod calendar;
pub mod card;
pub mod consents;
pub mod events;
pub mod messages;
pub mod online_attendance;
pub mod outcomes;
pub mod outreach;
pub mod patch;
pub mod places;
pub mod registrations;
pub mod report_attendance;
pub mod report_page;
pub mod report_svg;
pub mod reports;
pub mod series;
pub mod series_report;
pub mod webhooks;
