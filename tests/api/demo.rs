//! The newcomer's first minutes: the demo command, and the README's tour run as written.

use std::process::Command;

use serde_json::{json, Value};

use crate::helpers::{fresh_database, spawn_app, TestApp};

fn demo(database_url: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hybrid-events"))
        .arg("demo")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("the binary runs")
}

async fn organiser_token(app: &TestApp) -> String {
    let login = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": hybrid_events::demo::ORGANISER_EMAIL, "password": hybrid_events::demo::ORGANISER_PASSWORD}),
        )
        .await;
    assert_eq!(login.status, 200, "{}", login.text);
    login.body["access_token"].as_str().unwrap().to_owned()
}

#[actix_web::test]
async fn the_demo_loads_the_soria_roundtable_once_however_often_it_runs() {
    let app = spawn_app().await;
    for _ in 0..2 {
        let output = demo(&app.database.url());
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let printed = String::from_utf8_lossy(&output.stdout);
        assert!(printed.contains(hybrid_events::demo::ORGANISER_EMAIL), "{printed}");
        assert!(printed.contains(hybrid_events::demo::PARTNER_CLIENT_ID));
        assert!(printed.contains(hybrid_events::demo::PARTNER_CLIENT_SECRET));
        assert!(printed.contains(&format!("/api/v1/events/{}/report", hybrid_events::demo::event_id())));
    }
    let token = organiser_token(&app).await;
    let event = hybrid_events::demo::event_id();
    let report = app.get(&format!("/api/v1/events/{event}/report"), Some(&token)).await;
    assert_eq!(report.status, 200, "{}", report.text);
    let r = &report.body;
    assert_eq!(r["totals"]["confirmed"], 21);
    assert_eq!(r["totals"]["attended"], 21);
    assert_eq!(r["totals"]["waitlisted"], 0);
    assert_eq!(r["by_mode"]["online"]["confirmed"], 18);
    assert_eq!(r["by_mode"]["onsite"]["confirmed"], 3);
    assert_eq!(r["needs"]["physical_space"], json!({"requested": 3, "seated": 3, "waitlisted": 0}));
    assert_eq!(r["needs"]["transport"], 3);
    let organisations = app.get("/api/v1/organisations", Some(&token)).await;
    assert_eq!(organisations.body["items"].as_array().unwrap().len(), 4, "nothing duplicated");

    // The roundtable belongs to its platform's series, made once.
    let read = app.get(&format!("/api/v1/events/{event}"), Some(&token)).await;
    let series = app
        .get(
            &format!("/api/v1/organisations/{}/series", read.body["organisation_id"].as_str().unwrap()),
            Some(&token),
        )
        .await;
    assert_eq!(series.status, 200, "{}", series.text);
    let items = series.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(read.body["series_id"], items[0]["id"]);
    assert_eq!(read.body["series"], items[0]["name"]);

    // Two hosted places of the province, offered once, each with one newcomer seated; the
    // third newcomer at the main venue in Soria.
    let read = app.get(&format!("/api/v1/events/{event}"), None).await;
    let org = read.body["organisation_id"].as_str().unwrap();
    let places = app.get(&format!("/api/v1/organisations/{org}/places"), Some(&token)).await;
    assert_eq!(places.status, 200, "{}", places.text);
    let mut names: Vec<&str> =
        places.body["items"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        ["Biblioteca municipal de El Burgo de Osma", "Centro social de Almazán"],
        "nothing duplicated"
    );
    let offered: Vec<(String, String, i64, i64)> = read.body["places"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["municipality"].as_str().unwrap().to_owned(),
                p["kind"].as_str().unwrap().to_owned(),
                p["capacity"].as_i64().unwrap(),
                p["confirmed"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        offered,
        [
            ("Almazán".to_owned(), "hosted".to_owned(), 2, 1),
            ("El Burgo de Osma".to_owned(), "hosted".to_owned(), 2, 1),
        ]
    );
    assert_eq!(read.body["onsite"]["confirmed"], 1, "one newcomer at the main venue");
    let onsite = app.get(&format!("/api/v1/events/{event}/registrations?mode=onsite"), Some(&token)).await;
    assert_eq!(onsite.status, 200, "{}", onsite.text);
    let seated: std::collections::HashMap<&str, &Value> = onsite.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_str().unwrap(), &r["place"]))
        .collect();
    assert_eq!(seated.len(), 3);
    let newcomer = |i| seated[hybrid_events::demo::onsite_registration_id(i).to_string().as_str()];
    assert_eq!(newcomer(0)["name"], "Centro social de Almazán");
    assert_eq!(newcomer(0)["municipality"], "Almazán");
    assert_eq!(newcomer(1)["name"], "Biblioteca municipal de El Burgo de Osma");
    assert_eq!(newcomer(1)["municipality"], "El Burgo de Osma");
    assert_eq!(newcomer(2)["kind"], "venue");
    assert_eq!(newcomer(2)["id"], Value::Null);
    assert_eq!(newcomer(2)["name"], "Fundación CEPAIM, Soria office");
    // The offers are in the event's history, once each.
    let history = app.get(&format!("/api/v1/events/{event}/history"), Some(&token)).await;
    assert_eq!(history.status, 200, "{}", history.text);
    let actions: Vec<&str> =
        history.body["items"].as_array().unwrap().iter().map(|h| h["action"].as_str().unwrap()).collect();
    assert_eq!(actions.iter().filter(|a| **a == "places_changed").count(), 2, "{actions:?}");
    // The third roundtable's barriers, all of the newcomers' met.
    assert_eq!(r["barriers"]["transport"], json!({"raised": 3, "arranged": 3, "unresolved": 0}));
    assert_eq!(r["barriers"]["digital_gap"], json!({"raised": 4, "arranged": 4, "unresolved": 0}));
    assert_eq!(r["barriers"]["schedule"], json!({"raised": 1, "arranged": 0, "unresolved": 1}));
    assert_eq!(r["outcome"]["actions"].as_array().unwrap().len(), 4, "the pilot projects' follow-up");

    // The series: an earlier roundtable and the promised 2022 one, both said to be
    // illustrative, with people who came back.
    for illustrative in hybrid_events::demo::illustrative_event_ids() {
        let read = app.get(&format!("/api/v1/events/{illustrative}"), Some(&token)).await;
        assert!(read.body["description"].as_str().unwrap().starts_with("Illustrative:"), "{}", read.text);
    }
    let fourth = hybrid_events::demo::illustrative_event_ids()[1];
    let read = app.get(&format!("/api/v1/events/{fourth}"), Some(&token)).await;
    assert_eq!(
        read.body["group_reservations"],
        json!([{"categories": ["migrant", "refugee"], "seats": 3, "places": null}]),
        "{}",
        read.text
    );
    let series_id = items[0]["id"].as_str().unwrap();
    let series = app.get(&format!("/api/v1/series/{series_id}/report"), Some(&token)).await;
    assert_eq!(series.status, 200, "{}", series.text);
    let counts: Vec<(i64, i64, i64, i64)> = series.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let n = |key: &str| e[key].as_i64().unwrap();
            (n("participants"), n("new"), n("returning"), n("not_linked"))
        })
        .collect();
    assert_eq!(counts, [(14, 13, 0, 1), (21, 9, 10, 2), (18, 3, 14, 1)], "{}", series.text);
    assert_eq!(series.body["cohorts"][0]["came_to"][0]["people"], 10);
    assert_eq!(series.body["cohorts"][0]["came_to"][1]["people"], 8);
    assert_eq!(series.body["cohorts"][1]["came_to"][0]["people"], 6);
    assert_eq!(series.body["events"][1]["migrants_and_refugees"], 7);
    let fourth_report = app.get(&format!("/api/v1/events/{fourth}/report"), Some(&token)).await;
    assert_eq!(
        fourth_report.body["previous_open_actions"].as_array().unwrap().len(),
        3,
        "the pilot projects still to follow up: {}",
        fourth_report.text
    );
    let actions = app.get(&format!("/api/v1/series/{series_id}/actions"), Some(&token)).await;
    assert_eq!(actions.body["items"].as_array().unwrap().len(), 4, "{}", actions.text);

    let partner = app
        .post(
            "/api/v1/auth/token",
            None,
            json!({"client_id": hybrid_events::demo::PARTNER_CLIENT_ID, "client_secret": hybrid_events::demo::PARTNER_CLIENT_SECRET}),
        )
        .await;
    assert_eq!(partner.status, 200, "{}", partner.text);
}

#[actix_web::test]
async fn the_demo_refuses_to_run_in_production() {
    let database = fresh_database().await;
    let output = Command::new(env!("CARGO_BIN_EXE_hybrid-events"))
        .arg("demo")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("APP_ENV", "production")
        .env("JWT_SECRET", "x".repeat(40))
        .env("DATABASE_URL", database.url())
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("production"));
}

/// The shell blocks of README's tour, in order.
fn tour_script() -> String {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme.find("## A tour with curl").expect("README has the tour");
    let end = readme[start + 3..].find("\n## ").map_or(readme.len(), |i| start + 3 + i);
    let tour = &readme[start..end];
    let mut script = String::new();
    let mut inside = false;
    for line in tour.lines() {
        if line.trim_start().starts_with("```") {
            inside = !inside && line.trim() == "```sh";
            continue;
        }
        // The first block starts the server and loads the demo; the test does both itself.
        if inside && !line.starts_with("cargo run") {
            script.push_str(line);
            script.push('\n');
        }
    }
    script
}

#[actix_web::test]
async fn the_readme_tour_works_as_written_against_the_demo_data() {
    let app = spawn_app().await;
    hybrid_events::demo::load(&app.settings, &app.pool).await.unwrap();
    let script = tour_script();
    assert!(script.matches("curl").count() >= 10, "{script}");
    let output = tokio::process::Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .env("BASE", &app.address)
        .output()
        .await
        .expect("bash runs");
    assert!(
        output.status.success(),
        "the tour failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(printed.contains("\"published\""), "{printed}");
    assert!(printed.contains("\"confirmed\""), "{printed}");
    assert!(printed.contains("registration_id,full_name"), "the CSV header: {printed}");
    assert!(printed.contains("\"municipality\": \"Ágreda\""), "the registration's place: {printed}");
    assert!(
        printed.contains("LOCATION:Casa de Cultura de Ágreda\\, Plaza Mayor 1\\, Ágreda\r\n"),
        "the calendar entry's location: {printed}"
    );
}
