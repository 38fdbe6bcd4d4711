//! The HTTP edge: extractors that turn requests into typed input (with problem+json errors),
//! and the middleware every request passes through.

pub mod accept;
pub mod caching;
pub mod client_address;
pub mod fallback;
pub mod idempotency;
pub mod json;
pub mod languages;
pub mod middleware;
pub mod pagination;
pub mod query;
pub mod strict;
