use clap::Parser;
use hybrid_events::cli::{run, Cli};

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    hybrid_events::telemetry::init(cli.settings.log_format);
    let result = actix_web::rt::System::new().block_on(run(cli));
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error:#}");
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
