//! One integration-test binary: every test talks HTTP to the real server on its own database.

mod accounts;
mod concurrency;
mod events;
mod fixtures;
mod helpers;
mod ops;
mod registrations;
