//! `hybrid-events create-admin --email E`, the password on standard input.

use std::process::{Output, Stdio};

use tokio::io::AsyncWriteExt;

use super::login;
use crate::helpers::{spawn_app, TestApp};

async fn create_admin(app: &TestApp, args: &[&str], stdin: &str) -> Output {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_hybrid-events"))
        .arg("create-admin")
        .args(args)
        .env_clear()
        .env("DATABASE_URL", app.database.url())
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).await.unwrap();
    drop(input);
    child.wait_with_output().await.unwrap()
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

#[actix_web::test]
async fn create_admin_reads_the_password_from_stdin_and_a_second_run_resets_it() {
    let app = spawn_app().await;
    let first = create_admin(&app, &["--email", "Root@Example.org"], "first long password\n").await;
    assert!(first.status.success(), "{}", text(&first));
    assert!(text(&first).contains("created admin"), "{}", text(&first));
    assert!(!text(&first).contains("first long password"), "the password is never echoed");
    let token = super::access_token(&login(&app, "root@example.org", "first long password").await);
    let me = app.get("/api/v1/me", Some(&token)).await;
    assert_eq!(
        (me.body["role"].as_str(), me.body["email"].as_str()),
        (Some("admin"), Some("Root@Example.org"))
    );

    let second = create_admin(&app, &["--email", "root@example.org"], "second long password\r\n").await;
    assert!(second.status.success(), "{}", text(&second));
    assert!(text(&second).contains("reset admin"), "{}", text(&second));
    login(&app, "root@example.org", "first long password").await.assert_problem(401, "invalid_credentials");
    assert_eq!(login(&app, "root@example.org", "second long password").await.status, 200);
}

#[actix_web::test]
async fn create_admin_makes_an_organiser_with_that_email_an_admin() {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    super::create_user(&app, "amina@example.org", "organiser", Some(org)).await;
    let run = create_admin(&app, &["--email", "amina@example.org"], "a brand new password\n").await;
    assert!(run.status.success(), "{}", text(&run));
    let token = super::access_token(&login(&app, "amina@example.org", "a brand new password").await);
    let me = app.get("/api/v1/me", Some(&token)).await;
    assert_eq!(
        (me.body["role"].as_str(), &me.body["organisation_id"]),
        (Some("admin"), &serde_json::Value::Null)
    );
}

#[actix_web::test]
async fn create_admin_refuses_a_short_or_missing_password_and_a_password_argument() {
    let app = spawn_app().await;
    let short = create_admin(&app, &["--email", "root@example.org"], "short\n").await;
    assert!(!short.status.success());
    assert!(text(&short).contains("at least 12 characters"), "{}", text(&short));
    let empty = create_admin(&app, &["--email", "root@example.org"], "").await;
    assert!(!empty.status.success());
    let argv =
        create_admin(&app, &["--email", "root@example.org", "--password", "a long enough password"], "")
            .await;
    assert!(!argv.status.success(), "the password is never taken from the command line");
    login(&app, "root@example.org", "a long enough password")
        .await
        .assert_problem(401, "invalid_credentials");
}
