//! The report page in a real browser: headless Chromium loads it from a report link, with no
//! console message, and shows the counts. Skipped only where Chromium is absent outside CI.

use std::time::Duration;

use serde_json::json;

use super::page::{report_link, seed_page_event};
use super::seed::end_event;
use crate::helpers::spawn_app;

fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser"].into_iter().find(|name| {
        std::process::Command::new(name)
            .arg("--version")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

#[actix_web::test]
async fn the_report_page_loads_in_headless_chromium_without_console_errors_and_shows_the_counts() {
    let Some(browser) = chromium() else {
        assert!(std::env::var_os("CI").is_none(), "CI must have Chromium (.ci/run installs it)");
        eprintln!("skipped: no chromium on this machine");
        return;
    };
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let organiser = app.organiser_of(org).await;
    let event = seed_page_event(&app, org, "Mesa regional «Soria» · طاولة مستديرة").await;
    // Ended, with a reason for the onsite participant who did not come.
    end_event(&app, event).await;
    diesel_async::RunQueryDsl::execute(
        diesel::sql_query(
            "UPDATE registrations SET no_show_reason = 'transport'
              WHERE event_id = $1 AND attendance_mode = 'onsite' AND status = 'confirmed' AND checked_in_at IS NULL",
        )
        .bind::<diesel::sql_types::Uuid, _>(event),
        &mut app.conn().await,
    )
    .await
    .unwrap();
    let url = report_link(&app, &organiser, event, json!({})).await;
    let profile =
        std::env::temp_dir().join(format!("hybrid-events-chromium-{}", uuid::Uuid::new_v4().simple()));

    let run = tokio::process::Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
            "--window-size=390,844",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(&url)
        .kill_on_drop(true)
        .output();
    let output =
        tokio::time::timeout(Duration::from_secs(90), run).await.expect("chromium finishes").unwrap();
    let _ = std::fs::remove_dir_all(&profile);

    let dom = String::from_utf8_lossy(&output.stdout);
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "chromium failed: {log}");
    assert!(dom.contains("طاولة مستديرة"), "{dom}");
    assert!(dom.contains(r#"id="kpi-confirmed">6<"#), "{dom}");
    assert!(dom.contains(r#"id="kpi-attended">4<"#), "{dom}");
    assert!(dom.contains(r#"id="onsite-confirmed">2<"#), "{dom}");
    assert!(dom.contains("<svg"), "{dom}");
    assert!(dom.contains(r#"id="kpi-no-show">2<"#), "{dom}");
    let reasons = &dom[dom.find(r#"id="chart-no-show-reasons""#).expect("the chart of reasons")..];
    let transport = &reasons[reasons.find(">transport<").expect("a bar for transport")..];
    assert!(transport.contains("<title>Onsite: 1</title>"), "{transport}");
    let console: Vec<&str> = log.lines().filter(|line| line.contains(":CONSOLE")).collect();
    assert!(console.is_empty(), "console messages: {console:#?}");
}
