//! One integration-test binary: every test talks HTTP to the real server on its own database.

mod cli;
mod database;
mod errors;
mod helpers;
mod lifecycle;
mod ops;
mod process;
