//! Thin handlers: extract the caller and the input, call the database layer, map to views.

pub mod attendance;
pub mod auth;
pub mod consents;
pub mod event_places;
pub mod events;
pub mod no_show;
pub mod ops;
pub mod organisations;
pub mod outcomes;
pub mod outreach;
pub mod places;
pub mod problems;
pub mod registrations;
pub mod reports;
pub mod series;
pub mod webhooks;

use utoipa_actix_web::service_config::ServiceConfig;

/// An iCalendar entry for "add to calendar", as a download named `{name}.ics`.
fn calendar_download(name: String, ics: String) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header(("Content-Disposition", format!("attachment; filename=\"{name}.ics\"")))
        .body(ics)
}

/// Every route of the service. The same function builds the served app and the OpenAPI
/// document, so the two cannot drift apart.
pub fn configure(cfg: &mut ServiceConfig) {
    ops::configure(cfg);
    problems::configure(cfg);
    cfg.service(utoipa_actix_web::scope::scope("/api/v1").configure(api_v1));
}

/// The router tries the resources in this order, matching each pattern's regular expression
/// until one fits: the busiest requests (registrations, then event reads) come first, so
/// that they do not pay for every route added before them.
fn api_v1(cfg: &mut ServiceConfig) {
    registrations::configure(cfg);
    events::configure(cfg);
    auth::configure(cfg);
    organisations::configure(cfg);
    places::configure(cfg);
    series::configure(cfg);
    outcomes::configure(cfg);
    consents::configure(cfg);
    event_places::configure(cfg);
    no_show::configure(cfg);
    attendance::configure(cfg);
    webhooks::configure(cfg);
    reports::configure(cfg);
    outreach::configure(cfg);
}
