//! Who is calling and what they may do: tokens, password hashing, the caller extractor and the
//! checks every handler uses, and the login throttle.

pub mod caller;
pub mod jwt;
pub mod password;
pub mod report_link;
pub mod signing;
pub mod throttle;

pub use caller::{
    event_access, note_caller, Caller, EventAccess, MaybeCaller, PrincipalKind, RegistrationAccess, Role,
    Token,
};
