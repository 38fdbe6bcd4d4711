//! A partner learns without polling that a person it put on the waitlist got a seat.

use serde_json::json;

use crate::fixtures::*;
use crate::helpers::spawn_app_with;
use crate::receiver::Receiver;
use crate::webhook_delivery::{fast, subscribe};

#[actix_web::test]
async fn promotion_after_a_cancellation_reaches_the_partner_that_made_the_registration_and_no_one_else() {
    let app = spawn_app_with(fast).await;
    let mut receiver = Receiver::start().await;
    let (org, _organiser, event) = published_event(
        &app,
        json!({"online": null, "onsite": {"capacity": 1, "reserved_for_physical_space_need": 0}}),
    )
    .await;
    let waiting_partner = app.partner_of(org).await;
    let seated_partner = app.partner_of(org).await;
    let stranger = app.organiser_of(app.organisation("IOM Spain").await).await;
    let types = json!(["registration.promoted", "registration.confirmed"]);
    let hook_waiting = subscribe(&app, &waiting_partner, &receiver.url("/waiting"), types.clone()).await;
    let hook_seated =
        subscribe(&app, &seated_partner, &receiver.url("/seated"), json!(["registration.promoted"])).await;
    let hook_stranger = subscribe(&app, &stranger, &receiver.url("/stranger"), types).await;

    let seated = registered(&app, &seated_partner, event, participant("onsite", false)).await;
    let waiting = registered(&app, &waiting_partner, event, participant("onsite", false)).await;
    assert_eq!(waiting["status"], "waitlisted");
    let cancelled = app
        .post(
            &format!("/api/v1/registrations/{}/cancel", seated["id"].as_str().unwrap()),
            Some(&seated_partner),
            json!({}),
        )
        .await;
    assert_eq!(cancelled.status, 200);

    let post = receiver.next().await;
    assert_eq!(post.path, "/waiting");
    assert!(post.signature_is_valid(&hook_waiting.secret));
    let body = post.json();
    assert_eq!(body["type"], "registration.promoted");
    assert_eq!(body["registration_id"], waiting["id"]);
    assert_eq!(body["event_id"], event.to_string());
    assert_eq!(body["data"]["status"], "confirmed");
    assert!(!post.body.windows(5).any(|w| w == b"Amina"), "no personal data in a payload");

    // The messages were written in the transactions of the changes, so by now every
    // delivery that exists is in the logs: the others have none.
    for (token, hook) in [(&seated_partner, &hook_seated), (&stranger, &hook_stranger)] {
        let log = app.get(&format!("/api/v1/webhooks/{}/deliveries", hook.id), Some(token)).await;
        assert_eq!(log.status, 200, "{}", log.text);
        assert_eq!(log.body["items"], json!([]), "{}", log.text);
    }
    let log =
        app.get(&format!("/api/v1/webhooks/{}/deliveries", hook_waiting.id), Some(&waiting_partner)).await;
    assert_eq!(log.body["items"].as_array().unwrap().len(), 1, "one promotion, no confirmation of others");
}
