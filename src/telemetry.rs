//! Logging. One structured line per request is written by `http::middleware`; this module
//! sets up the subscriber. Nothing personal is ever passed to a log macro: handlers and
//! database functions log ids, never names, emails, phones, notes, tokens or passwords.

use tracing_subscriber::{fmt, EnvFilter};

use crate::config::LogFormat;

/// Dependencies that log request data below info level.
const QUIET_TARGETS: &[&str] = &["tokio_postgres", "tokio_postgres::query", "tokio_postgres::prepare"];

/// Installs the global subscriber; `RUST_LOG` filters (default `info`). Safe to call twice.
pub fn init(format: LogFormat) {
    let mut filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // tokio-postgres logs the parameters of every statement at debug level: names, emails,
    // phones and password hashes (as byte lists). Whatever RUST_LOG says, it stays at info.
    for target in QUIET_TARGETS {
        filter = filter.add_directive(format!("{target}=info").parse().expect("a valid directive"));
    }
    let builder = fmt().with_env_filter(filter).with_target(false);
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
    install_panic_hook();
}

/// Panics are logged through tracing with their location; the payload of a panic comes from
/// our own code (`expect` messages), not from request data.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let location = info.location().map(|l| format!("{}:{}", l.file(), l.line()));
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        tracing::error!(location = location.as_deref().unwrap_or("unknown"), %message, "panic");
    }));
}
