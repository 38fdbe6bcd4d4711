//! What the event report says of the seats reserved for groups of stakeholder categories
//! (issue 21, item 4): per reservation and room, reserved against taken, as JSON and on the
//! page, and hidden as every count of people is under `suppress_below`.

use serde_json::{json, Value};

use super::disclosure::{audit_event_report_with_groups, GroupTruth};
use crate::fixtures::*;
use crate::group_reservations::{migrants_and_refugees, person};
use crate::helpers::{read, spawn_app};
use crate::hosted_places::{hosted, offer, place};

#[actix_web::test]
async fn the_report_shows_each_group_reservations_seats_against_those_its_members_took() {
    let app = spawn_app().await;
    // The venue: 6 seats, none for the need, 3 for migrants and refugees; 3 for anyone.
    let (org, organiser, event) = published_event(
        &app,
        json!({"online": null, "onsite": {"capacity": 6, "reserved_for_physical_space_need": 0},
               "group_reservations": [migrants_and_refugees(3, Value::Null)]}),
    )
    .await;
    let partner = app.partner_of(org).await;
    let almazan = place(&app, &organiser, org, hosted("Centro cívico de Almazán", "Almazán", 6)).await;
    assert_eq!(offer(&app, &organiser, event, almazan, 4, 0).await.status, 201);
    // At Almazán, 2 seats for volunteers (a group's categories belong to one reservation).
    let reserved = app
        .patch(
            &format!("/api/v1/events/{event}"),
            Some(&organiser),
            json!({"group_reservations": [migrants_and_refugees(3, Value::Null),
                                          {"categories": ["volunteer"], "seats": 2, "places": [almazan]}]}),
        )
        .await;
    assert_eq!(reserved.status, 200, "{}", reserved.text);

    // Five members at the venue, one of whom cancels: four confirmed, three of them in the
    // group's seats and one in a free seat. Two NGOs take the other free seats; the next
    // refugee waits, and counts nowhere in members confirmed.
    let mut members = Vec::new();
    for category in ["migrant", "migrant", "refugee", "refugee", "refugee"] {
        let member = registered(&app, &partner, event, person(category, false)).await;
        assert_eq!(member["status"], "confirmed");
        members.push(member);
    }
    let cancel = format!("/api/v1/registrations/{}/cancel", members[4]["id"].as_str().unwrap());
    assert_eq!(app.post(&cancel, Some(&organiser), json!({})).await.status, 200);
    for _ in 0..2 {
        assert_eq!(registered(&app, &partner, event, person("ngo", false)).await["status"], "confirmed");
    }
    assert_eq!(registered(&app, &partner, event, person("refugee", false)).await["status"], "waitlisted");
    // At Almazán: a volunteer (the group there), an NGO and a migrant (not of that group).
    for category in ["volunteer", "ngo", "migrant"] {
        let there = with(person(category, false), json!({"place_id": almazan}));
        assert_eq!(registered(&app, &partner, event, there).await["status"], "confirmed");
    }

    let path = format!("/api/v1/events/{event}/report");
    let full = app.get(&path, Some(&organiser)).await;
    assert_eq!(full.status, 200, "{}", full.text);
    let venue = full.body["by_place"][0]["name"].clone();
    assert_eq!(
        full.body["by_group_reservation"],
        json!([
            {"categories": ["migrant", "refugee"], "place_id": null, "name": venue, "reserved": 3,
             "members_confirmed": 4, "taken": 3},
            {"categories": ["volunteer"], "place_id": almazan, "name": "Centro cívico de Almazán", "reserved": 2,
             "members_confirmed": 1, "taken": 1}
        ])
    );

    // The page behind a report link shows the same rows.
    let link = app.post(&format!("/api/v1/events/{event}/report-links"), Some(&organiser), json!({})).await;
    assert_eq!(link.status, 201, "{}", link.text);
    let page = read(app.client.get(link.body["url"].as_str().unwrap()).send().await.unwrap()).await;
    assert_eq!(page.status, 200, "{}", page.text);
    for (id, n) in [("0-reserved", 3), ("0-members", 4), ("0-taken", 3), ("1-reserved", 2), ("1-members", 1)]
    {
        assert!(page.text.contains(&format!(r#"id="group-{id}">{n}<"#)), "group-{id}: {}", page.text);
    }
    assert!(page.text.contains("migrant, refugee"), "{}", page.text);

    // Under a threshold of 5, four members and one are small: hidden, and so is what they
    // took; the seats reserved are the event's setting and stay.
    let hidden = app.get(&format!("{path}?suppress_below=5"), Some(&organiser)).await;
    assert_eq!(hidden.status, 200, "{}", hidden.text);
    let report = &hidden.body;
    assert_eq!(report["suppressed"], true);
    for (row, reserved) in report["by_group_reservation"].as_array().unwrap().iter().zip([3, 2]) {
        assert_eq!(row["reserved"], reserved, "{row}");
        assert!(row["members_confirmed"].is_null() && row["taken"].is_null(), "{row}");
    }
    // Nothing hidden can be worked out. Kinds: migrants and refugees, volunteers, the rest;
    // columns: the venue, Almazán, online (nobody); nobody attended or was reached yet.
    let truth = GroupTruth {
        groups: vec![vec!["migrant".into(), "refugee".into()], vec!["volunteer".into()]],
        counts: [vec![vec![4, 1, 0], vec![0, 1, 0], vec![2, 1, 0]], vec![vec![0; 3]; 3], vec![vec![0; 3]; 3]],
    };
    audit_event_report_with_groups(report, &full.body, Some(&truth), 5, "the roundtable at 5");
    let link = app
        .post(&format!("/api/v1/events/{event}/report-links"), Some(&organiser), json!({"suppress_below": 5}))
        .await;
    let page = read(app.client.get(link.body["url"].as_str().unwrap()).send().await.unwrap()).await;
    assert!(page.text.contains(r#"id="group-0-reserved">3<"#), "{}", page.text);
    assert!(page.text.contains(r#"id="group-0-members">x<"#), "{}", page.text);
    assert!(page.text.contains(r#"id="group-0-taken">x<"#), "{}", page.text);

    // An event without group reservations reports none.
    let (_, plain_organiser, plain) = published_event(&app, json!({})).await;
    let plain = app.get(&format!("/api/v1/events/{plain}/report"), Some(&plain_organiser)).await;
    assert_eq!(plain.body["by_group_reservation"], json!([]), "{}", plain.text);
}
