//! One integration-test binary: every test talks HTTP to the real server on its own database.

mod abuse;
mod accounts;
mod bad_input;
mod concurrency;
mod events;
mod faults;
mod fixtures;
mod helpers;
mod ops;
mod registrations;
mod secrets;
