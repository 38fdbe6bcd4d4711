//! One integration-test binary: every test talks HTTP to the real server on its own database.

mod accounts;
mod concurrency;
mod events;
mod fixtures;
mod helpers;
mod openapi_docs;
mod ops;
mod receiver;
mod registrations;
mod webhook_delivery;
mod webhook_fanout;
mod webhook_promotion;
mod webhooks;
