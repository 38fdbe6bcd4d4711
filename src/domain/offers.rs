//! Offers instead of silent promotion: with an event's `waitlist_promotion = offer`, a freed
//! seat is held for the first waiting person until a deadline; they accept it, decline it, or
//! let it expire, and then it goes to the next.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::refusal::Refusal;
use crate::domain::registrations::RegistrationStatus;

/// How an event hands a freed seat to its waitlist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(example = "offer")]
pub enum WaitlistPromotion {
    /// The first waiting person is confirmed at once (and told).
    #[default]
    Automatic,
    /// The first waiting person is offered the seat until a deadline.
    Offer,
}

impl WaitlistPromotion {
    pub const ALL: [WaitlistPromotion; 2] = [WaitlistPromotion::Automatic, WaitlistPromotion::Offer];

    pub fn as_str(self) -> &'static str {
        match self {
            WaitlistPromotion::Automatic => "automatic",
            WaitlistPromotion::Offer => "offer",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|promotion| promotion.as_str() == value)
    }
}

pub const DEFAULT_OFFER_HOURS: i64 = 48;
pub const MAX_OFFER_HOURS: i64 = 720;

/// Checks an event's `offer_hours`: 1 to 720 (30 days).
pub fn check_offer_hours(hours: i64) -> Result<(), &'static str> {
    if (1..=MAX_OFFER_HOURS).contains(&hours) {
        Ok(())
    } else {
        Err("must be from 1 to 720 hours")
    }
}

/// An offer ends at the latest this long before the start: whoever lets it expire leaves the
/// next person time to arrange transport, a device or a place.
pub fn last_offer_before_start() -> Duration {
    Duration::hours(2)
}

/// What a freed seat becomes for the person it goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeatGiven {
    Confirmed,
    Offered { expires_at: DateTime<Utc> },
}

/// The rule of a freed seat: with `offer`, an offer for `offer_hours` that ends no later than
/// two hours before the start; with less time left than that (or `automatic`), a
/// confirmation.
pub fn seat_given(
    promotion: WaitlistPromotion,
    offer_hours: i64,
    starts_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> SeatGiven {
    let latest = starts_at - last_offer_before_start();
    match promotion {
        // To the second: a deadline is read out to people, and stored as it is announced.
        WaitlistPromotion::Offer if now < latest => SeatGiven::Offered {
            expires_at: (now + Duration::hours(offer_hours)).min(latest).trunc_subsecs(0),
        },
        WaitlistPromotion::Offer | WaitlistPromotion::Automatic => SeatGiven::Confirmed,
    }
}

/// What an answer to an offer does to a registration in `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// The offer stands: the answer changes the registration.
    Applies,
    /// Given already (a retry): nothing changes, and the caller gets the registration as it is.
    AlreadyGiven,
}

/// Where a registration's offer stands, as accepting it needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfferOf {
    /// Held until this deadline (status `offered`).
    Open { expires_at: DateTime<Utc> },
    /// Lapsed unanswered at this time (status `cancelled`, by the expiry job).
    Lapsed { at: DateTime<Utc> },
    /// No offer: never made, or answered.
    None,
}

/// Whether the seat offered may be accepted at `now`: 409 `offer_expired` from its deadline
/// on, whether or not the expiry job has let it lapse yet; 409 `not_offered` when there is
/// no offer (a confirmed registration answers as accepted already).
pub fn may_accept(status: RegistrationStatus, offer: OfferOf, now: DateTime<Utc>) -> Result<Answer, Refusal> {
    match (status, offer) {
        (RegistrationStatus::Offered, OfferOf::Open { expires_at }) if now >= expires_at => {
            Err(Refusal::OfferExpired { expired_at: expires_at })
        }
        (RegistrationStatus::Offered, _) => Ok(Answer::Applies),
        (RegistrationStatus::Cancelled, OfferOf::Lapsed { at }) => {
            Err(Refusal::OfferExpired { expired_at: at })
        }
        (RegistrationStatus::Confirmed, _) => Ok(Answer::AlreadyGiven),
        (RegistrationStatus::Waitlisted | RegistrationStatus::Cancelled, _) => Err(Refusal::NotOffered),
    }
}

/// Whether an offer may be declined: an offered registration, even past its deadline (the
/// answer is the same: the seat goes on); a cancelled one answers as declined already.
pub fn may_decline(status: RegistrationStatus) -> Result<Answer, Refusal> {
    match status {
        RegistrationStatus::Offered => Ok(Answer::Applies),
        RegistrationStatus::Cancelled => Ok(Answer::AlreadyGiven),
        RegistrationStatus::Confirmed | RegistrationStatus::Waitlisted => Err(Refusal::NotOffered),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn an_automatic_event_confirms_whatever_the_time() {
        let now = at("2026-11-01T10:00:00Z");
        assert_eq!(
            seat_given(WaitlistPromotion::Automatic, 48, at("2026-12-01T10:00:00Z"), now),
            SeatGiven::Confirmed
        );
    }

    #[test]
    fn an_offer_lasts_its_hours_when_the_start_is_far() {
        let now = at("2026-11-01T10:00:00Z");
        assert_eq!(
            seat_given(WaitlistPromotion::Offer, 48, at("2026-12-01T10:00:00Z"), now),
            SeatGiven::Offered { expires_at: at("2026-11-03T10:00:00Z") }
        );
    }

    #[test]
    fn an_offer_ends_two_hours_before_the_start_at_the_latest() {
        let now = at("2026-11-01T10:00:00Z");
        assert_eq!(
            seat_given(WaitlistPromotion::Offer, 48, at("2026-11-01T20:00:00Z"), now),
            SeatGiven::Offered { expires_at: at("2026-11-01T18:00:00Z") }
        );
    }

    #[test]
    fn with_two_hours_or_less_left_the_seat_is_confirmed() {
        let starts = at("2026-11-01T12:00:00Z");
        for now in ["2026-11-01T10:00:00Z", "2026-11-01T11:30:00Z", "2026-11-01T13:00:00Z"] {
            assert_eq!(
                seat_given(WaitlistPromotion::Offer, 48, starts, at(now)),
                SeatGiven::Confirmed,
                "{now}"
            );
        }
        assert_eq!(
            seat_given(WaitlistPromotion::Offer, 48, starts, at("2026-11-01T09:59:00Z")),
            SeatGiven::Offered { expires_at: at("2026-11-01T10:00:00Z") }
        );
    }

    #[test]
    fn an_offer_is_accepted_before_its_deadline_only() {
        let deadline = at("2026-11-03T10:00:00Z");
        let open = OfferOf::Open { expires_at: deadline };
        let offered = RegistrationStatus::Offered;
        assert_eq!(may_accept(offered, open, at("2026-11-03T09:59:59Z")), Ok(Answer::Applies));
        let expired = Err(Refusal::OfferExpired { expired_at: deadline });
        assert_eq!(may_accept(offered, open, deadline), expired);
        let lapsed = OfferOf::Lapsed { at: deadline };
        assert_eq!(may_accept(RegistrationStatus::Cancelled, lapsed, at("2026-11-04T00:00:00Z")), expired);
        let none = OfferOf::None;
        assert_eq!(may_accept(RegistrationStatus::Confirmed, none, deadline), Ok(Answer::AlreadyGiven));
        assert_eq!(may_accept(RegistrationStatus::Waitlisted, none, deadline), Err(Refusal::NotOffered));
        assert_eq!(may_accept(RegistrationStatus::Cancelled, none, deadline), Err(Refusal::NotOffered));
    }

    #[test]
    fn a_deadline_is_to_the_second() {
        let now = at("2026-11-01T10:00:00.123456789Z");
        assert_eq!(
            seat_given(WaitlistPromotion::Offer, 1, at("2026-12-01T10:00:00Z"), now),
            SeatGiven::Offered { expires_at: at("2026-11-01T11:00:00Z") }
        );
    }

    #[test]
    fn an_offer_is_declined_once() {
        assert_eq!(may_decline(RegistrationStatus::Offered), Ok(Answer::Applies));
        assert_eq!(may_decline(RegistrationStatus::Cancelled), Ok(Answer::AlreadyGiven));
        assert_eq!(may_decline(RegistrationStatus::Confirmed), Err(Refusal::NotOffered));
        assert_eq!(may_decline(RegistrationStatus::Waitlisted), Err(Refusal::NotOffered));
    }

    #[test]
    fn offer_hours_are_checked() {
        assert!(check_offer_hours(1).is_ok());
        assert!(check_offer_hours(720).is_ok());
        assert!(check_offer_hours(0).is_err());
        assert!(check_offer_hours(721).is_err());
    }
}
