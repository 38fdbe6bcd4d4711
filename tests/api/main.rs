//! One integration-test binary: every test talks HTTP to the real server on its own database.

mod helpers;
mod ops;
mod reports;
