use clap::Parser;
use hybrid_events::cli::{run, Cli};

fn main() -> std::process::ExitCode {
    return_large_blocks_to_the_system();
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

/// Each Argon2 hash takes a 19 MiB block. glibc raises its mmap threshold to the size of the
/// largest block freed, so from the second hash on these blocks come from the per-thread
/// arenas and stay resident after the hash: a burst of logins left the server at over a GiB.
/// A fixed threshold (which also stops it moving) keeps every block over 128 KiB in its own
/// mapping, returned to the system when freed.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn return_large_blocks_to_the_system() {
    // SAFETY: mallopt only sets allocator parameters; it runs before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn return_large_blocks_to_the_system() {}
