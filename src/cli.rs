//! The command line: serve (the default), migrate, create-admin.

use std::io::BufRead;

use clap::{Parser, Subcommand};

use crate::config::Settings;

#[derive(Parser)]
#[command(
    name = "hybrid-events",
    version,
    about = "Registration and attendance reports for hybrid meetings (online and onsite).",
    long_about = "Registration and attendance reports for hybrid meetings, where each participant attends online or onsite.\n\
Every option can also be given as the environment variable shown beside it."
)]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve the HTTP API (the default): migrates the database first.
    Serve,
    /// Create the database when missing, apply pending migrations and exit.
    Migrate,
    /// Create an admin, or reset an existing user's password and make them admin. The password
    /// is read from standard input (never from the command line, where `ps` would show it).
    CreateAdmin {
        /// Email address of the admin.
        #[arg(long)]
        email: String,
    },
    /// Load the Soria roundtable (organisations, an organiser, a partner API client, a hybrid
    /// event with 21 registrations and their check-ins) and print how to log in. Running it
    /// twice changes nothing; it refuses to run with APP_ENV=production.
    Demo,
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = cli.settings.without_empty_values();
    settings.validate().map_err(anyhow::Error::msg)?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let mut stop = crate::startup::ShutdownSignal::listen()?;
            tracing::info!(version = env!("CARGO_PKG_VERSION"), app_env = ?settings.app_env, "starting");
            let app = tokio::select! {
                app = crate::startup::Application::build(settings) => app?,
                _ = stop.received() => {
                    tracing::info!("stopped before the server started");
                    return Ok(());
                }
            };
            app.run_until_stopped(stop).await?;
        }
        Command::Migrate => {
            let (url, _pool) = crate::db::prepare(&settings).await?;
            tracing::info!(database = %crate::db::database_name(&url)?, "migrations applied");
        }
        Command::CreateAdmin { email } => {
            let password = read_password()?;
            let (_url, pool) = crate::db::prepare(&settings).await?;
            let (id, created) = crate::db::accounts::upsert_admin(&pool, &email, &password).await?;
            println!("{} admin {id}", if created { "created" } else { "reset" });
        }
        Command::Demo => {
            anyhow::ensure!(
                settings.app_env != crate::config::Environment::Production,
                "the demo loads known passwords: it refuses to run with APP_ENV=production"
            );
            let (_url, pool) = crate::db::prepare(&settings).await?;
            let loaded = crate::demo::load(&settings, &pool).await?;
            println!("{}", crate::demo::summary(&settings.public_base_url(settings.bind_addr), &loaded));
        }
    }
    Ok(())
}

/// The first line of standard input, without its line ending. One line, not everything up to
/// end of input, so a person typing it is done at Enter.
fn read_password() -> anyhow::Result<String> {
    let mut input = String::new();
    std::io::stdin().lock().read_line(&mut input)?;
    let password = input.strip_suffix('\n').unwrap_or(&input);
    let password = password.strip_suffix('\r').unwrap_or(password).to_owned();
    anyhow::ensure!(!password.is_empty(), "give the password on standard input");
    Ok(password)
}
