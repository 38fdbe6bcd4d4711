//! The product's rules on plain values: no actix, no diesel, unit-tested here.

pub mod actors;
pub mod attendance;
pub mod attendance_matching;
pub mod barriers;
pub mod consent;
pub mod contact;
pub mod disclosure;
pub mod email;
pub mod event_places;
pub mod events;
pub mod group_reservations;
pub mod history;
pub mod offers;
pub mod outcomes;
pub mod outreach;
pub mod participant_list;
pub mod people;
pub mod places;
pub mod privacy;
pub mod rate_limit;
pub mod refusal;
pub mod registrations;
pub mod report;
pub mod seats;
pub mod series;
pub mod series_report;
pub mod text;
pub mod translations;
pub mod webhooks;

/// Passwords of people: at least this many characters.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longer passwords are refused before hashing, so a huge one cannot burn CPU.
pub const MAX_PASSWORD_CHARS: usize = 1024;

pub fn check_password(password: &str) -> Result<(), &'static str> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        Err("must be at least 12 characters")
    } else if chars > MAX_PASSWORD_CHARS {
        Err("must be at most 1024 characters")
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_need_twelve_characters() {
        assert!(super::check_password("short-pass1").is_err());
        assert!(super::check_password("twelve-chars").is_ok());
        assert!(super::check_password("ñandú-ñandú-").is_ok(), "counted in characters, not bytes");
    }
}
