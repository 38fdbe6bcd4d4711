//! hybrid-events: registration for hybrid (online and onsite) meetings, with protected seats
//! for people who have no device or internet, waitlists, and attendance reports.
//!
//! Layers, each importing only those below it:
//! - `cli`, `startup`: wiring (settings, pool, server, subcommands)
//! - `routes`: thin HTTP handlers (parse, call a use case, render); `http`: extractors and middleware
//! - `app`: the use cases, each owning its transaction and returning typed transitions
//! - `auth`, `views`: who is calling and what they may do; request and response types
//! - `db`: transactions and queries
//! - `domain`, `error`, `config`: rules and value types (no actix, no diesel), the error enum

pub mod app;
pub mod auth;
pub mod background;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod email;
pub mod error;
pub mod group_commit;
pub mod http;
pub mod openapi;
pub mod problem_codes;
pub mod reminders;
pub mod retention;
pub mod routes;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod views;
pub mod webhooks;
