use chrono::{Duration, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::fixtures::*;
use crate::helpers::spawn_app;

#[actix_web::test]
async fn an_organiser_creates_a_draft_with_every_field_of_the_contract() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    let response = app.post("/api/v1/events", Some(&organiser), roundtable(org)).await;
    assert_eq!(response.status, 201, "{}", response.text);
    let event = &response.body;
    assert_eq!(event["status"], "draft");
    assert_eq!(event["title"], "Third regional roundtable");
    assert_eq!(event["region"], "Soria");
    assert_eq!(event["timezone"], "Europe/Madrid");
    assert_eq!(event["languages"], json!(["es"]));
    assert!(event["starts_at"].as_str().unwrap().ends_with('Z'), "times come back in UTC");
    assert_eq!(
        event["online"],
        json!({"capacity": null, "confirmed": 0, "waitlisted": 0, "available": null, "join_url": "https://meet.example.org/abc"})
    );
    assert_eq!(event["onsite"]["capacity"], 10);
    assert_eq!(event["onsite"]["reserved_for_physical_space_need"], 3);
    assert_eq!(event["onsite"]["available"], 10);
    assert_eq!(event["onsite"]["available_without_physical_space_need"], 7);
    for field in [
        "id",
        "description",
        "organisation_id",
        "series",
        "ends_at",
        "registration_closes_at",
        "created_at",
        "updated_at",
    ] {
        assert!(event.get(field).is_some(), "missing {field}");
    }
}

#[actix_web::test]
async fn invalid_events_get_a_422_naming_each_field_and_nothing_is_created() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    let starts = Utc::now() + Duration::days(3);
    let bad = with(
        roundtable(org),
        json!({
            "title": "x".repeat(201),
            "starts_at": starts.to_rfc3339(),
            "ends_at": (starts - Duration::hours(1)).to_rfc3339(),
            "timezone": "Mars/Olympus",
            "languages": ["es", "not a language"],
            "online": {"join_url": "http://meet.example.org/abc", "capacity": -1},
            "onsite": {"capacity": 2, "reserved_for_physical_space_need": 3},
        }),
    );
    let response = app.post("/api/v1/events", Some(&organiser), bad).await;
    response.assert_problem(422, "validation_failed");
    let fields: Vec<String> = response.field_errors().into_iter().map(|(f, _)| f).collect();
    for expected in [
        "title",
        "ends_at",
        "timezone",
        "languages[1]",
        "online.join_url",
        "online.capacity",
        "onsite.reserved_for_physical_space_need",
    ] {
        assert!(fields.contains(&expected.to_owned()), "{expected} not in {fields:?}");
    }
    let none = app
        .post(
            "/api/v1/events",
            Some(&organiser),
            with(roundtable(org), json!({"online": null, "onsite": null})),
        )
        .await;
    none.assert_problem(422, "no_attendance_mode");
    let unknown =
        app.post("/api/v1/events", Some(&organiser), with(roundtable(org), json!({"colour": "red"}))).await;
    unknown.assert_problem(422, "validation_failed");
    assert_eq!(unknown.field_errors(), vec![("colour".to_owned(), "unknown_field".to_owned())]);
    let no_offset = app
        .post(
            "/api/v1/events",
            Some(&organiser),
            with(roundtable(org), json!({"starts_at": "2030-01-01T10:00:00"})),
        )
        .await;
    no_offset.assert_problem(422, "validation_failed");
    // An absent field is `required`; one that is there but empty is `blank`.
    let mut without_capacity = roundtable(org);
    without_capacity["onsite"] = json!({"venue_name": "CEPAIM Soria"});
    let no_capacity = app.post("/api/v1/events", Some(&organiser), without_capacity).await;
    no_capacity.assert_problem(422, "validation_failed");
    assert_eq!(no_capacity.field_errors(), [("onsite.capacity".to_owned(), "required".to_owned())]);
    let blank_region =
        app.post("/api/v1/events", Some(&organiser), with(roundtable(org), json!({"region": " "}))).await;
    assert_eq!(blank_region.field_errors(), [("region".to_owned(), "blank".to_owned())]);
    let list = app.get("/api/v1/events?status=draft", Some(&organiser)).await;
    assert_eq!(list.body["items"], json!([]), "nothing was created");
}

#[actix_web::test]
async fn only_organisers_of_the_organisation_and_admins_create_its_events() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let other = app.organisation("IOM Spain").await;
    let outsider = app.organiser_of(other).await;
    let partner = app.partner_of(org).await;
    app.post("/api/v1/events", None, roundtable(org)).await.assert_problem(401, "unauthorized");
    app.post("/api/v1/events", Some(&partner), roundtable(org)).await.assert_problem(403, "forbidden");
    app.post("/api/v1/events", Some(&outsider), roundtable(org)).await.assert_problem(403, "forbidden");
    let admin = app.admin().await;
    assert_eq!(app.post("/api/v1/events", Some(&admin), roundtable(org)).await.status, 201);
    let unknown = app.post("/api/v1/events", Some(&admin), roundtable(Uuid::now_v7())).await;
    unknown.assert_problem(422, "unknown_organisation");
}

#[actix_web::test]
async fn events_move_from_draft_to_published_to_cancelled_and_no_other_way() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    let event = create_event(&app, &organiser, roundtable(org)).await;
    let path = |action: &str| format!("/api/v1/events/{event}/{action}");
    let published = app.post(&path("publish"), Some(&organiser), json!({})).await;
    assert_eq!(published.body["status"], "published");
    app.post(&path("publish"), Some(&organiser), json!({})).await.assert_problem(409, "invalid_transition");
    let cancelled = app.post(&path("cancel"), Some(&organiser), json!({})).await;
    assert_eq!(cancelled.body["status"], "cancelled");
    app.post(&path("publish"), Some(&organiser), json!({})).await.assert_problem(409, "invalid_transition");
    app.post(&path("cancel"), Some(&organiser), json!({})).await.assert_problem(409, "invalid_transition");

    let draft = create_event(&app, &organiser, roundtable(org)).await;
    let cancelled = app.post(&format!("/api/v1/events/{draft}/cancel"), Some(&organiser), json!({})).await;
    assert_eq!(cancelled.body["status"], "cancelled");
}

#[actix_web::test]
async fn drafts_are_visible_only_to_their_organisers_and_admins() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    let outsider = app.organiser_of(app.organisation("IOM Spain").await).await;
    let partner = app.partner_of(org).await;
    let admin = app.admin().await;
    let draft = create_event(&app, &organiser, roundtable(org)).await;
    let path = format!("/api/v1/events/{draft}");
    app.get(&path, None).await.assert_problem(404, "not_found");
    app.get(&path, Some(&partner)).await.assert_problem(404, "not_found");
    app.get(&path, Some(&outsider)).await.assert_problem(404, "not_found");
    assert_eq!(app.get(&path, Some(&organiser)).await.status, 200);
    assert_eq!(app.get(&path, Some(&admin)).await.status, 200);
    app.post(&format!("{path}/publish"), Some(&outsider), json!({})).await.assert_problem(404, "not_found");
    app.patch(&path, Some(&outsider), json!({"title": "Mine"})).await.assert_problem(404, "not_found");
    for token in [None, Some(partner.as_str()), Some(outsider.as_str())] {
        let list = app.get("/api/v1/events", token).await;
        assert_eq!(list.body["items"], json!([]), "a draft leaked into a list");
    }
    let own = app.get("/api/v1/events", Some(&organiser)).await;
    assert_eq!(own.body["items"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn the_join_link_is_shown_only_to_organisers_and_admins() {
    let app = spawn_app().await;
    let (org, organiser, event) = published_event(&app, json!({})).await;
    let partner = app.partner_of(org).await;
    let outsider = app.organiser_of(app.organisation("IOM Spain").await).await;
    let path = format!("/api/v1/events/{event}");
    for token in [None, Some(partner.as_str()), Some(outsider.as_str())] {
        let response = app.get(&path, token).await;
        assert_eq!(response.status, 200);
        assert_eq!(response.body["online"]["join_url"], Value::Null);
        let list = app.get("/api/v1/events", token).await;
        assert_eq!(list.body["items"][0]["online"]["join_url"], Value::Null);
    }
    for token in [organiser, app.admin().await] {
        let response = app.get(&path, Some(&token)).await;
        assert_eq!(response.body["online"]["join_url"], "https://meet.example.org/abc");
    }
}

#[actix_web::test]
async fn organisers_change_only_their_own_events() {
    let app = spawn_app().await;
    let (org, _organiser, event) = published_event(&app, json!({})).await;
    let outsider = app.organiser_of(app.organisation("IOM Spain").await).await;
    let partner = app.partner_of(org).await;
    let path = format!("/api/v1/events/{event}");
    app.patch(&path, Some(&outsider), json!({"title": "Mine"})).await.assert_problem(403, "forbidden");
    app.patch(&path, Some(&partner), json!({"title": "Mine"})).await.assert_problem(403, "forbidden");
    app.patch(&path, None, json!({"title": "Mine"})).await.assert_problem(401, "unauthorized");
    app.post(&format!("{path}/cancel"), Some(&outsider), json!({})).await.assert_problem(403, "forbidden");
    let admin = app.admin().await;
    assert_eq!(app.patch(&path, Some(&admin), json!({"title": "Renamed by the admin"})).await.status, 200);
}

#[actix_web::test]
async fn patch_changes_only_what_it_names_and_null_clears() {
    let app = spawn_app().await;
    let (_org, organiser, event) = published_event(&app, json!({})).await;
    let path = format!("/api/v1/events/{event}");
    let before = app.get(&path, Some(&organiser)).await.body;
    let after =
        app.patch(&path, Some(&organiser), json!({"title": "Fourth roundtable", "description": null})).await;
    assert_eq!(after.status, 200, "{}", after.text);
    assert_eq!(after.body["title"], "Fourth roundtable");
    assert_eq!(after.body["description"], Value::Null);
    for unchanged in ["region", "series", "starts_at", "ends_at", "timezone", "languages", "online"] {
        assert_eq!(after.body[unchanged], before[unchanged], "{unchanged} changed");
    }
    assert_eq!(after.body["onsite"]["capacity"], before["onsite"]["capacity"]);
    let onsite = app.patch(&path, Some(&organiser), json!({"onsite": {"capacity": 12}})).await;
    assert_eq!(onsite.body["onsite"]["capacity"], 12);
    assert_eq!(onsite.body["onsite"]["venue_name"], "CEPAIM Soria", "nested fields are partial too");
    let bad = app.patch(&path, Some(&organiser), json!({"title": null})).await;
    bad.assert_problem(422, "validation_failed");
    let blank = app.patch(&path, Some(&organiser), json!({"region": "  "})).await;
    assert_eq!(blank.field_errors(), [("region".to_owned(), "blank".to_owned())]);
    assert_eq!(app.get(&path, Some(&organiser)).await.body["region"], before["region"]);
    let bad =
        app.patch(&path, Some(&organiser), json!({"onsite": {"reserved_for_physical_space_need": 13}})).await;
    bad.assert_problem(422, "validation_failed");
    assert_eq!(app.get(&path, Some(&organiser)).await.body["onsite"]["reserved_for_physical_space_need"], 3);
    let cancelled = app.post(&format!("{path}/cancel"), Some(&organiser), json!({})).await;
    assert_eq!(cancelled.status, 200);
    app.patch(&path, Some(&organiser), json!({"title": "Too late"}))
        .await
        .assert_problem(409, "event_cancelled");
}

#[actix_web::test]
async fn listing_filters_orders_by_start_and_pages_stably() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let other = app.organisation("ACCEM").await;
    let organiser = app.organiser_of(org).await;
    let other_organiser = app.organiser_of(other).await;
    let now = Utc::now();
    let at = |days: i64| {
        let starts = now + Duration::days(days);
        json!({"starts_at": starts.to_rfc3339(), "ends_at": (starts + Duration::hours(2)).to_rfc3339()})
    };
    let mut ids = Vec::new();
    for (days, region, online_only) in
        [(5, "Soria", false), (2, "Teruel", true), (9, "Soria", false), (1, "Soria", true)]
    {
        let mut body = with(with(roundtable(org), at(days)), json!({"region": region}));
        if online_only {
            body["onsite"] = Value::Null;
        }
        let id = create_event(&app, &organiser, body).await;
        publish(&app, &organiser, id).await;
        ids.push((days, id));
    }
    let foreign = create_event(
        &app,
        &other_organiser,
        with(with(roundtable(other), at(3)), json!({"series": "Other", "region": "Teruel"})),
    )
    .await;
    publish(&app, &other_organiser, foreign).await;

    let list = |query: String| {
        let app = &app;
        async move {
            let response = app.get(&format!("/api/v1/events?{query}"), None).await;
            assert_eq!(response.status, 200, "{}", response.text);
            response.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    let id_of = |days: i64| ids.iter().find(|(d, _)| *d == days).unwrap().1.to_string();
    assert_eq!(list("region=Soria".into()).await, vec![id_of(1), id_of(5), id_of(9)]);
    assert_eq!(list("mode=onsite&region=Soria".into()).await, vec![id_of(5), id_of(9)]);
    assert_eq!(list("mode=online".into()).await.len(), 5);
    assert_eq!(list(format!("organisation_id={other}")).await, vec![foreign.to_string()]);
    assert_eq!(list("series=Other".into()).await, vec![foreign.to_string()]);
    let from = (now + Duration::days(2)).to_rfc3339();
    let to = (now + Duration::days(6)).to_rfc3339();
    let window = list(format!("from={}&to={}", urlencode(&from), urlencode(&to))).await;
    assert_eq!(window, vec![id_of(2), foreign.to_string(), id_of(5)]);

    // Pages stay stable while events are added before and after the cursor.
    let first = app.get("/api/v1/events?limit=2", None).await;
    assert_eq!(first.body["items"].as_array().unwrap().len(), 2);
    let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
    let early = create_event(&app, &organiser, with(roundtable(org), at(0))).await;
    publish(&app, &organiser, early).await;
    let second = app.get(&format!("/api/v1/events?limit=2&cursor={cursor}"), None).await;
    let second: Vec<_> = second.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(second, vec![foreign.to_string(), id_of(5)]);

    for bad in ["limit=0", "limit=201", "limit=-1", "limit=abc"] {
        app.get(&format!("/api/v1/events?{bad}"), None).await.assert_problem(422, "validation_failed");
    }
    let mut tampered = cursor.clone();
    tampered.insert(3, 'x');
    app.get(&format!("/api/v1/events?cursor={tampered}"), None).await.assert_problem(400, "invalid_cursor");
}

fn urlencode(value: &str) -> String {
    value.replace('+', "%2B").replace(':', "%3A")
}

#[actix_web::test]
async fn every_list_filter_is_served_by_an_index() {
    use diesel_async::{RunQueryDsl, SimpleAsyncConnection};
    let app = spawn_app().await;
    let mut conn = app.conn().await;
    // With sequential scans priced out, the plan shows whether an index can serve the
    // filter and the order at once.
    conn.batch_execute("SET enable_seqscan = off; SET enable_sort = off").await.unwrap();
    #[derive(diesel::QueryableByName)]
    struct Plan {
        #[diesel(sql_type = diesel::sql_types::Text, column_name = "QUERY PLAN")]
        line: String,
    }
    for (filter, index) in [
        ("status = 'published'", "events_status_starts_idx"),
        ("region = 'Soria'", "events_region_starts_idx"),
        ("series = 'Platform'", "events_series_starts_idx"),
        ("organisation_id = '00000000-0000-0000-0000-000000000000'", "events_organisation_starts_idx"),
        ("starts_at >= now()", "events_starts_idx"),
    ] {
        let plan: Vec<Plan> = diesel::sql_query(format!(
            "EXPLAIN SELECT * FROM events WHERE {filter} ORDER BY starts_at, id LIMIT 51"
        ))
        .load(&mut conn)
        .await
        .unwrap();
        let plan: String = plan.into_iter().map(|p| p.line).collect::<Vec<_>>().join("\n");
        assert!(plan.contains(index), "{filter} is not served by {index}:\n{plan}");
    }
}

#[actix_web::test]
async fn a_calendar_entry_has_the_venue_and_never_the_join_link() {
    let app = spawn_app().await;
    let (org, organiser, event) = published_event(&app, json!({})).await;
    let response = app.get(&format!("/api/v1/events/{event}/calendar.ics"), None).await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert!(response.header("content-type").unwrap().starts_with("text/calendar"));
    assert!(response.text.starts_with("BEGIN:VCALENDAR"), "{}", response.text);
    assert!(response.text.contains("SUMMARY:Third regional roundtable"));
    assert!(response.text.contains("LOCATION:CEPAIM Soria\\, Calle Example 1"), "{}", response.text);
    assert!(!response.text.contains("meet.example.org"), "the join link leaked");
    let draft = create_event(&app, &organiser, roundtable(org)).await;
    app.get(&format!("/api/v1/events/{draft}/calendar.ics"), None).await.assert_problem(404, "not_found");
    let preview = app.get(&format!("/api/v1/events/{draft}/calendar.ics"), Some(&organiser)).await;
    assert_eq!(preview.status, 200, "its organisers see a draft's entry, as they see the draft");
    let other = app.organiser_of(app.organisation("Another NGO").await).await;
    app.get(&format!("/api/v1/events/{draft}/calendar.ics"), Some(&other))
        .await
        .assert_problem(404, "not_found");
}
