//! Email by the server (SMTP_URL set): what becomes of an outreach item after the server
//! tried to send it. Whether an item is emailed at all is not decided here but by
//! [`crate::domain::outreach::channel`], the rule every reader of the item sees.

use std::time::Duration;

/// Tries of one item before it fails as `undeliverable`: with the backoff below, the last
/// is about two hours after the first (1 + 2 + 4 + … + 64 minutes between them).
pub const MAX_ATTEMPTS: i32 = 8;
/// The wait after the first temporary failure; it doubles after each further one.
pub const FIRST_RETRY: Duration = Duration::from_secs(60);
/// The longest wait between two tries.
pub const LONGEST_RETRY: Duration = Duration::from_secs(2 * 3600);
/// How long the SMTP dialogue of one message may take before it counts as a temporary
/// failure.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a process that claimed an item keeps it from the others while it sends. Longer
/// than a send may take (the timeout, twice: the connection check and the message), so two
/// processes never hold one item; if the process dies, another sends the item after it.
pub const CLAIM_LEASE: Duration = Duration::from_secs(300);

/// How one try went, as the mail server answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Accepted for delivery (a 2xx reply at the end of the message).
    Accepted,
    /// Refused for good: a 5xx reply (no such mailbox, policy), or an address the server
    /// could not even write into a message. Trying again would be refused again.
    Refused,
    /// Not now: a 4xx reply (mailbox busy, greylisting, rate limits), or no answer at all
    /// (connection refused or lost, TLS, timeout). Worth another try later.
    Deferred,
}

impl Attempt {
    /// The try that a mail server's reply code means; `None`: no reply (the connection
    /// failed or timed out), which is worth another try.
    pub fn of_reply(code: Option<u16>) -> Attempt {
        match code {
            Some(200..=399) => Attempt::Accepted,
            Some(500..=599) => Attempt::Refused,
            Some(_) | None => Attempt::Deferred,
        }
    }
}

/// What the item becomes after a try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterAttempt {
    /// Done, as `sent`.
    Sent,
    /// Stays open; the next try no sooner than this after now.
    RetryIn(Duration),
    /// Failed, as `undeliverable`.
    Undeliverable,
}

/// What an item becomes after its try number `attempt` (1 for the first) went `how`.
pub fn after_attempt(attempt: i32, how: Attempt) -> AfterAttempt {
    match how {
        Attempt::Accepted => AfterAttempt::Sent,
        Attempt::Refused => AfterAttempt::Undeliverable,
        Attempt::Deferred if attempt >= MAX_ATTEMPTS => AfterAttempt::Undeliverable,
        Attempt::Deferred => AfterAttempt::RetryIn(retry_delay(attempt)),
    }
}

/// The wait after failed try number `attempt` (1 for the first): one minute, doubling, at
/// most two hours.
pub fn retry_delay(attempt: i32) -> Duration {
    let doublings = u32::try_from(attempt.saturating_sub(1)).unwrap_or(0).min(16);
    FIRST_RETRY.saturating_mul(1 << doublings).min(LONGEST_RETRY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_temporary_failure_waits_a_minute_then_twice_as_long_each_time_up_to_two_hours() {
        let minutes = |attempt| retry_delay(attempt).as_secs() / 60;
        assert_eq!((1..=8).map(minutes).collect::<Vec<_>>(), [1, 2, 4, 8, 16, 32, 64, 120]);
        assert_eq!(retry_delay(1000), LONGEST_RETRY, "no overflow, however many tries");
        assert_eq!(retry_delay(0), FIRST_RETRY);
        assert_eq!(retry_delay(-3), FIRST_RETRY);
    }

    #[test]
    fn a_temporary_failure_is_tried_again_until_the_last_attempt() {
        assert_eq!(after_attempt(1, Attempt::Deferred), AfterAttempt::RetryIn(Duration::from_secs(60)));
        assert_eq!(
            after_attempt(MAX_ATTEMPTS - 1, Attempt::Deferred),
            AfterAttempt::RetryIn(Duration::from_secs(64 * 60))
        );
        assert_eq!(after_attempt(MAX_ATTEMPTS, Attempt::Deferred), AfterAttempt::Undeliverable);
        let waited: Duration = (1..MAX_ATTEMPTS).map(retry_delay).sum();
        assert!(waited < Duration::from_secs(3 * 3600), "an item gives up within hours: {waited:?}");
    }

    #[test]
    fn a_refusal_fails_at_once_and_an_acceptance_is_sent() {
        assert_eq!(after_attempt(1, Attempt::Refused), AfterAttempt::Undeliverable);
        assert_eq!(after_attempt(1, Attempt::Accepted), AfterAttempt::Sent);
        assert_eq!(after_attempt(MAX_ATTEMPTS, Attempt::Accepted), AfterAttempt::Sent);
    }

    #[test]
    fn five_hundreds_are_refusals_four_hundreds_and_silence_are_deferrals() {
        assert_eq!(Attempt::of_reply(Some(250)), Attempt::Accepted);
        assert_eq!(Attempt::of_reply(Some(550)), Attempt::Refused);
        assert_eq!(Attempt::of_reply(Some(554)), Attempt::Refused);
        assert_eq!(Attempt::of_reply(Some(451)), Attempt::Deferred);
        assert_eq!(Attempt::of_reply(Some(421)), Attempt::Deferred);
        assert_eq!(Attempt::of_reply(None), Attempt::Deferred);
    }

    #[test]
    fn the_lease_outlasts_a_connection_check_and_a_send() {
        assert!(CLAIM_LEASE > SEND_TIMEOUT * 2);
    }
}
