//! One integration-test binary: every test talks HTTP to the real server on its own database.

mod accounts;
mod cli;
mod concurrency;
mod database;
mod demo;
mod errors;
mod events;
mod fixtures;
mod helpers;
mod lifecycle;
mod openapi_docs;
mod ops;
mod process;
mod receiver;
mod registrations;
mod reports;
mod webhook_delivery;
mod webhook_fanout;
mod webhook_promotion;
mod webhooks;
