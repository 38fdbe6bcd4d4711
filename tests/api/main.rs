//! One integration-test binary: every test talks HTTP to the real server on its own database.

mod abuse;
mod accounts;
mod bad_input;
mod cli;
mod concurrency;
mod database;
mod demo;
mod errors;
mod events;
mod faults;
mod fixtures;
mod helpers;
mod lifecycle;
mod openapi_docs;
mod ops;
mod pipelined;
mod process;
mod receiver;
mod registrations;
mod reports;
mod secrets;
mod webhook_delivery;
mod webhook_fanout;
mod webhook_promotion;
mod webhook_types;
mod webhooks;
