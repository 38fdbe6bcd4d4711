//! Attendance reports: per event (JSON, CSV, HTML page), over many events, and who may read them.

mod browser;
mod csv_list;
mod disclosure;
mod event;
mod page;
mod paged;
mod places;
pub mod seed;
mod summary;
