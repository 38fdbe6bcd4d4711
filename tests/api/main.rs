//! One integration-test binary: every test talks HTTP to the real server on its own database.

mod helpers;
mod openapi_docs;
mod ops;
mod receiver;
mod webhook_delivery;
mod webhook_fanout;
mod webhooks;
