//! The command line, run as the real binary: help, `migrate`, `create-admin`, and the
//! start-up errors for bad configuration.

use std::io::Write;
use std::process::{Output, Stdio};

use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use crate::helpers::{missing_database, JWT_SECRET};
use crate::process::command;

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn help_explains_each_command_and_variable() {
    let output = command().arg("--help").output().unwrap();
    assert!(output.status.success());
    let help = stdout(&output);
    for wanted in ["serve", "migrate", "create-admin", "DATABASE_URL", "JWT_SECRET", "BIND_ADDR", "APP_ENV"] {
        assert!(help.contains(wanted), "--help does not mention {wanted}:\n{help}");
    }
    let migrate = command().args(["migrate", "--help"]).output().unwrap();
    assert!(migrate.status.success());
    assert!(stdout(&migrate).contains("apply pending migrations"), "{}", stdout(&migrate));
}

async fn table_names(url: &str) -> Vec<String> {
    #[derive(QueryableByName)]
    struct Table {
        #[diesel(sql_type = diesel::sql_types::Text)]
        tablename: String,
    }
    let mut conn = AsyncPgConnection::establish(url).await.unwrap();
    diesel::sql_query("SELECT tablename::text AS tablename FROM pg_tables WHERE schemaname = 'public'")
        .load::<Table>(&mut conn)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.tablename)
        .collect()
}

#[actix_web::test]
async fn migrate_creates_the_missing_database_applies_the_migrations_and_exits() {
    let database = missing_database().await;
    let migrate = || command().arg("migrate").env("DATABASE_URL", database.url()).output().unwrap();

    let first = migrate();
    assert!(first.status.success(), "{}{}", stdout(&first), stderr(&first));
    let tables = table_names(&database.url()).await;
    for table in
        ["organisations", "users", "api_clients", "events", "registrations", "__diesel_schema_migrations"]
    {
        assert!(tables.iter().any(|t| t == table), "no table {table} in {tables:?}");
    }

    // Running it again finds nothing to do.
    let again = migrate();
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(!stdout(&again).contains("applied migration"), "{}", stdout(&again));
}

#[actix_web::test]
async fn create_admin_reads_the_password_from_standard_input() {
    let database = missing_database().await;
    let create_admin = || {
        let mut child = command()
            .args(["create-admin", "--email", "first.admin@example.org"])
            .env("DATABASE_URL", database.url())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(b"a long enough password\n").unwrap();
        child.wait_with_output().unwrap()
    };

    let created = create_admin();
    assert!(created.status.success(), "{}", stderr(&created));
    assert!(stdout(&created).contains("created admin"), "{}", stdout(&created));
    let reset = create_admin();
    assert!(reset.status.success(), "{}", stderr(&reset));
    assert!(stdout(&reset).contains("reset admin"), "{}", stdout(&reset));
    let logs = format!("{}{}", stdout(&created), stderr(&created));
    assert!(!logs.contains("a long enough password"), "the password was printed: {logs}");
}

/// Runs `migrate` with `env` (against a port where nothing listens, so that nothing is touched
/// when the configuration is unexpectedly accepted).
fn migrate_with(env: &[(&str, &str)]) -> Output {
    command()
        .arg("migrate")
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1:1/unused")
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

#[test]
fn a_bad_value_stops_the_start_with_an_error_naming_the_variable() {
    let short_secret = "x".repeat(31);
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("DATABASE_POOL_SIZE", "abc")], "DATABASE_POOL_SIZE"),
        (&[("DATABASE_POOL_SIZE", "0")], "DATABASE_POOL_SIZE"),
        (&[("BIND_ADDR", "everywhere")], "BIND_ADDR"),
        (&[("APP_ENV", "staging")], "APP_ENV"),
        (&[("LOG_FORMAT", "xml")], "LOG_FORMAT"),
        (&[("ACCESS_TOKEN_TTL_SECONDS", "5")], "ACCESS_TOKEN_TTL_SECONDS"),
        (&[("HTTP_WORKERS", "0")], "HTTP_WORKERS"),
        (&[("PUBLIC_BASE_URL", "not a url")], "PUBLIC_BASE_URL"),
        (&[("CORS_ALLOWED_ORIGINS", "partner.example.org")], "CORS_ALLOWED_ORIGINS"),
        (&[("TRUSTED_PROXIES", "10.0.0.0/33")], "TRUSTED_PROXIES"),
        (&[("TRUSTED_PROXIES", "proxy.internal")], "TRUSTED_PROXIES"),
        (&[("LOGIN_MAX_FAILURES", "100")], "LOGIN_MAX_FAILURES_PER_ACCOUNT"),
        (&[("LOGIN_DELAY_SECONDS", "0")], "LOGIN_DELAY_SECONDS"),
        (&[("BOOTSTRAP_ADMIN_EMAIL", "admin@example.org")], "BOOTSTRAP_ADMIN_PASSWORD"),
        (&[("DATABASE_URL", "not a url")], "DATABASE_URL"),
        (&[("DATABASE_URL", "postgres://postgres@127.0.0.1:1/unused?sslmode=verify_full")], "sslmode"),
        (&[("DATABASE_URL", "postgres://postgres@127.0.0.1:1/unused?sslrootcert=/ca.pem")], "DATABASE_URL"),
        (
            &[(
                "DATABASE_URL",
                "postgres://postgres@127.0.0.1:1/unused?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem",
            )],
            "/nonexistent/ca.pem",
        ),
        (&[("APP_ENV", "production")], "JWT_SECRET"),
        (&[("APP_ENV", "production"), ("JWT_SECRET", "")], "JWT_SECRET"),
        (&[("APP_ENV", "production"), ("JWT_SECRET", &short_secret)], "JWT_SECRET"),
        // A short key signs admin tokens anyone can forge, in development too.
        (&[("APP_ENV", "development"), ("JWT_SECRET", "abc")], "JWT_SECRET"),
        (&[("JWT_SECRET", &short_secret)], "JWT_SECRET"),
        (&[("METRICS_BIND_ADDR", "internal")], "METRICS_BIND_ADDR"),
        (&[("BIND_ADDR", "127.0.0.1:9100"), ("METRICS_BIND_ADDR", "127.0.0.1:9100")], "METRICS_BIND_ADDR"),
    ];
    for (env, variable) in cases {
        let output = migrate_with(env);
        let stderr = stderr(&output);
        assert!(!output.status.success(), "{env:?} was accepted");
        assert!(stderr.contains(variable), "the error for {env:?} does not name {variable}: {stderr}");
        assert!(!stderr.contains("panicked"), "{env:?}: {stderr}");
    }
}

#[test]
fn production_refuses_to_start_without_a_database_url() {
    let output =
        command().arg("migrate").env("APP_ENV", "production").env("JWT_SECRET", JWT_SECRET).output().unwrap();
    assert!(!output.status.success());
    assert!(stderr(&output).contains("DATABASE_URL"), "{}", stderr(&output));
}

#[test]
fn secrets_given_in_the_environment_are_not_shown_by_help() {
    let output = command().arg("--help").env("JWT_SECRET", JWT_SECRET).output().unwrap();
    assert!(!stdout(&output).contains(JWT_SECRET), "{}", stdout(&output));
}

/// README's table and `.env.example` list every variable the program reads, with the default
/// the code really has.
#[test]
fn every_variable_is_documented_with_its_default() {
    use clap::CommandFactory;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let example = std::fs::read_to_string(root.join(".env.example")).unwrap();
    let readme_row = |name: &str| {
        readme
            .lines()
            .find(|line| line.starts_with(&format!("| `{name}` |")))
            .unwrap_or_else(|| panic!("README's configuration table has no row for {name}"))
    };
    // `NAME=value` lines, active or commented out (those have no default).
    let example_value = |name: &str| {
        example
            .lines()
            .find_map(|line| line.trim_start_matches("# ").strip_prefix(&format!("{name}=")))
            .unwrap_or_else(|| panic!(".env.example does not list {name}"))
    };

    let cli = hybrid_events::cli::Cli::command();
    let mut names = Vec::new();
    for arg in cli.get_arguments() {
        let Some(name) = arg.get_env() else { continue };
        let name = name.to_str().unwrap();
        names.push(name.to_owned());
        let row = readme_row(name);
        let value = example_value(name);
        if let Some(default) = arg.get_default_values().first() {
            let default = default.to_str().unwrap();
            assert!(row.contains(&format!("`{default}`")), "README gives another default for {name}: {row}");
            assert_eq!(value, default, ".env.example gives another default for {name}");
        }
    }
    assert!(names.len() >= 20, "{names:?}");
    for name in
        ["RUST_LOG", "PG_BINDIR", "TEST_DATABASE_URL", "TEST_PRIVATE_CLUSTER", "TEST_LOG", "UPDATE_OPENAPI"]
    {
        readme_row(name);
        example_value(name);
    }
}
