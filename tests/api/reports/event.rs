use serde_json::json;
use uuid::Uuid;

use super::seed::*;
use crate::helpers::{spawn_app, TestApp};

/// One registration of each kind that a report has to tell apart.
async fn seed_mixed_event(app: &TestApp, org: Uuid) -> Uuid {
    let event = seed_event(app, org, NewEvent::hybrid("Third regional roundtable")).await;
    let reg = |status, mode| NewRegistration::new(status, mode);
    seed_registration(
        app,
        event,
        NewRegistration {
            checked_in: true,
            fallback_applied: true,
            category: "refugee",
            interpretation_language: Some("ar"),
            interests: vec!["entrepreneurship"],
            ..reg("confirmed", "online")
        },
    )
    .await;
    seed_registration(
        app,
        event,
        NewRegistration { checked_in: true, category: "ngo", ..reg("confirmed", "online") },
    )
    .await;
    seed_registration(app, event, NewRegistration { category: "ngo", ..reg("confirmed", "online") }).await;
    seed_registration(
        app,
        event,
        NewRegistration {
            checked_in: true,
            needs_physical_space: true,
            needs_transport: true,
            interests: vec!["entrepreneurship", "women_employment"],
            ..reg("confirmed", "onsite")
        },
    )
    .await;
    let erased = seed_registration(
        app,
        event,
        NewRegistration {
            needs_physical_space: true,
            accessibility_notes: Some("wheelchair access"),
            category: "refugee",
            ..reg("confirmed", "onsite")
        },
    )
    .await;
    erase(app, erased).await;
    seed_registration(
        app,
        event,
        NewRegistration {
            needs_physical_space: true,
            interpretation_language: Some("ar"),
            ..reg("waitlisted", "onsite")
        },
    )
    .await;
    seed_registration(app, event, reg("waitlisted", "online")).await;
    // Cancelled after check-in: counted as cancelled and nowhere else.
    seed_registration(
        app,
        event,
        NewRegistration {
            checked_in: true,
            needs_transport: true,
            interpretation_language: Some("fr"),
            interests: vec!["housing"],
            ..reg("cancelled", "onsite")
        },
    )
    .await;
    event
}

#[actix_web::test]
async fn an_event_report_counts_confirmed_waitlisted_cancelled_erased_fallback_and_checked_in_registrations()
{
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    let event = seed_mixed_event(&app, org).await;

    let response = app.get(&format!("/api/v1/events/{event}/report"), Some(&organiser)).await;

    assert_eq!(response.status, 200, "{}", response.text);
    let body = &response.body;
    assert_eq!(body["event_id"], event.to_string());
    assert_eq!(body["event_ended"], false);
    assert_eq!(body["suppressed"], false);
    assert!(body["generated_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        body["totals"],
        json!({"confirmed": 5, "waitlisted": 2, "cancelled": 1, "attended": 3, "no_show": 0, "fallback_applied": 1,
               "reached_before_event": 0})
    );
    assert_eq!(
        body["by_mode"]["online"],
        json!({"offered": true, "capacity": null, "confirmed": 3, "waitlisted": 1, "attended": 2, "no_show": 0,
               "no_show_reasons": crate::reports::no_show_reasons(&[]), "reached_before_event": 0})
    );
    assert_eq!(
        body["by_mode"]["onsite"],
        json!({"offered": true, "capacity": 10, "confirmed": 2, "waitlisted": 1, "attended": 1, "no_show": 0,
               "no_show_reasons": crate::reports::no_show_reasons(&[]), "reached_before_event": 0})
    );
    assert_eq!(
        body["needs"],
        json!({"physical_space": {"requested": 3, "seated": 2, "waitlisted": 1}, "transport": 1,
               "interpretation": {"ar": 2}, "accessibility": 1})
    );
    assert_eq!(
        body["by_stakeholder_category"],
        json!({"migrant": {"confirmed": 1, "attended": 1, "reached_before_event": 0},
               "ngo": {"confirmed": 2, "attended": 1, "reached_before_event": 0},
               "refugee": {"confirmed": 2, "attended": 1, "reached_before_event": 0}})
    );
    assert_eq!(body["interests"], json!({"entrepreneurship": 2, "women_employment": 1}));
}

#[actix_web::test]
async fn no_shows_are_counted_once_the_event_has_ended() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    let event = seed_mixed_event(&app, org).await;
    end_event(&app, event).await;

    let response = app.get(&format!("/api/v1/events/{event}/report"), Some(&organiser)).await;

    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.body["event_ended"], true);
    assert_eq!(response.body["totals"]["no_show"], 2);
    assert_eq!(response.body["by_mode"]["online"]["no_show"], 1);
    assert_eq!(response.body["by_mode"]["onsite"]["no_show"], 1);
}

#[actix_web::test]
async fn an_event_without_registrations_reports_zeros_and_a_mode_it_does_not_offer() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let admin = app.admin().await;
    let event = seed_event(&app, org, NewEvent { online: None, ..NewEvent::hybrid("Onsite only") }).await;

    let response = app.get(&format!("/api/v1/events/{event}/report"), Some(&admin)).await;

    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.body["totals"]["confirmed"], 0);
    assert_eq!(response.body["by_mode"]["online"]["offered"], false);
    assert_eq!(response.body["by_mode"]["online"]["capacity"], 0);
    assert_eq!(response.body["by_mode"]["onsite"]["capacity"], 10);
    assert_eq!(response.body["needs"]["interpretation"], json!({}));
    assert_eq!(response.body["by_stakeholder_category"], json!({}));
}

#[actix_web::test]
async fn small_counts_are_hidden_when_asked_and_the_report_says_so() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    let event = seed_mixed_event(&app, org).await;

    let response =
        app.get(&format!("/api/v1/events/{event}/report?suppress_below=3"), Some(&organiser)).await;

    assert_eq!(response.status, 200, "{}", response.text);
    let body = &response.body;
    assert_eq!(body["suppressed"], true);
    assert!(body["totals"]["waitlisted"].is_null(), "2 is hidden");
    assert!(body["totals"]["cancelled"].is_null(), "1 is hidden");
    assert_eq!(body["totals"]["no_show"], 0, "0 identifies nobody");
    assert!(body["needs"]["interpretation"].get("ar").is_none(), "a small language is not named");
    assert_eq!(body["by_mode"]["onsite"]["capacity"], 10, "capacities are not people");

    let plain = app.get(&format!("/api/v1/events/{event}/report?suppress_below=1"), Some(&organiser)).await;
    assert_eq!(plain.body["suppressed"], false);
    assert_eq!(plain.body["totals"]["cancelled"], 1);
    assert_eq!(plain.body["needs"]["interpretation"]["ar"], 2);
    // And nothing hidden comes back from the visible counts.
    super::disclosure::audit_event_report(body, &plain.body, 3, "the mixed event at 3");
}

#[actix_web::test]
async fn a_suppression_threshold_out_of_range_is_422() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    let event = seed_event(&app, org, NewEvent::hybrid("Roundtable")).await;
    for bad in ["0", "-2", "1001"] {
        let response =
            app.get(&format!("/api/v1/events/{event}/report?suppress_below={bad}"), Some(&organiser)).await;
        response.assert_problem(422, "validation_failed");
        assert_eq!(response.field_errors(), vec![("suppress_below".to_owned(), "out_of_range".to_owned())]);
    }
    let response =
        app.get(&format!("/api/v1/events/{event}/report?suppress_below=x"), Some(&organiser)).await;
    assert_eq!(response.status, 422, "{}", response.text);
}

#[actix_web::test]
async fn only_admins_and_the_events_organisers_may_read_its_report() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let other = app.organisation("Accem").await;
    let published = seed_event(&app, org, NewEvent::hybrid("Published")).await;
    let draft = seed_event(&app, org, NewEvent { status: "draft", ..NewEvent::hybrid("Draft") }).await;
    let cancelled =
        seed_event(&app, org, NewEvent { status: "cancelled", ..NewEvent::hybrid("Cancelled") }).await;
    let (admin, organiser) = (app.admin().await, app.organiser_of(org).await);
    let (stranger, partner) = (app.organiser_of(other).await, app.partner_of(org).await);
    let path = |id: Uuid| format!("/api/v1/events/{id}/report");

    for event in [published, draft, cancelled] {
        assert_eq!(app.get(&path(event), Some(&admin)).await.status, 200);
        assert_eq!(app.get(&path(event), Some(&organiser)).await.status, 200);
        app.get(&path(event), None).await.assert_problem(401, "unauthorized");
    }
    app.get(&path(published), Some(&stranger)).await.assert_problem(403, "forbidden");
    app.get(&path(cancelled), Some(&stranger)).await.assert_problem(403, "forbidden");
    app.get(&path(published), Some(&partner)).await.assert_problem(403, "forbidden");
    app.get(&path(draft), Some(&stranger)).await.assert_problem(404, "not_found");
    app.get(&path(draft), Some(&partner)).await.assert_problem(404, "not_found");
    app.get(&path(Uuid::now_v7()), Some(&admin)).await.assert_problem(404, "not_found");
    app.get("/api/v1/events/not-a-uuid/report", Some(&admin)).await.assert_problem(404, "not_found");
}
