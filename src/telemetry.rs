//! Logging. One structured line per request is written by `http::middleware`; this module
//! sets up the subscriber. Nothing personal is ever passed to a log macro: handlers and
//! database functions log ids, never names, emails, phones, notes, tokens or passwords.

use std::io::IsTerminal;

use tracing_subscriber::{fmt, EnvFilter};

use crate::config::LogFormat;

/// Installs the global subscriber; `RUST_LOG` filters (default `info`). Safe to call twice.
pub fn init(format: LogFormat) {
    let (filter, bad_filter) = match std::env::var("RUST_LOG") {
        Ok(value) if !value.trim().is_empty() => match EnvFilter::try_new(&value) {
            Ok(filter) => (filter, None),
            Err(error) => (EnvFilter::new("info"), Some(error)),
        },
        _ => (EnvFilter::new("info"), None),
    };
    // Colour codes only for a person at a terminal, never in files or container logs.
    let builder = fmt().with_env_filter(filter).with_target(false).with_ansi(std::io::stdout().is_terminal());
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
    if let Some(error) = bad_filter {
        tracing::warn!(%error, "RUST_LOG is not a valid filter; logging at info");
    }
    install_panic_hook();
}

/// Panics are logged through tracing with their location. Only a literal message
/// (`panic!("…")`) is logged: a formatted one (`unwrap` on an error, `expect`) may carry values
/// from a request, and the location is enough to find the bug.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let location = info.location().map(|l| format!("{}:{}", l.file(), l.line()));
        let message = info.payload().downcast_ref::<&str>().copied().unwrap_or("(message withheld)");
        tracing::error!(location = location.as_deref().unwrap_or("unknown"), message, "panic");
    }));
}
