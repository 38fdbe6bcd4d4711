//! Tokens of report links. A browser cannot attach a bearer token to a link, so an organiser
//! gets a URL whose `token` opens one event's report page for a short while. The token is an
//! HMAC-sealed payload (event id, expiry, issuer, suppression floor): nothing personal, and
//! useless for any other event, any other purpose or after it expires.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::signing::Signer;

/// The signer's purpose string: a cursor or any other sealed value is not a report token.
pub const PURPOSE: &str = "report-page:v1";

/// How long a link works.
pub const LIFETIME: Duration = Duration::minutes(15);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportLinkClaims {
    /// The one event whose report the token opens.
    pub event_id: Uuid,
    /// Expiry, in seconds since the Unix epoch.
    pub exp: i64,
    /// Who asked for the link (an id, for the record).
    pub issued_by: Uuid,
    /// Counts from 1 to N-1 stay hidden whatever the page's query says.
    pub suppress_below: Option<i64>,
}

impl ReportLinkClaims {
    pub fn new(event_id: Uuid, issued_by: Uuid, suppress_below: Option<i64>, now: DateTime<Utc>) -> Self {
        Self { event_id, exp: (now + LIFETIME).timestamp(), issued_by, suppress_below }
    }

    pub fn expires_at(&self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.exp, 0).unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    pub fn seal(&self, signer: &Signer) -> String {
        signer.seal(PURPOSE, &serde_json::to_vec(self).expect("claims serialise"))
    }

    /// The claims of `token` when it is genuine, unexpired and made for `event_id`.
    pub fn open(signer: &Signer, token: &str, event_id: Uuid, now: DateTime<Utc>) -> Option<Self> {
        let payload = signer.open(PURPOSE, token)?;
        let claims: Self = serde_json::from_slice(&payload).ok()?;
        (claims.event_id == event_id && now.timestamp() < claims.exp).then_some(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> Signer {
        Signer::new(b"0123456789abcdef0123456789abcdef")
    }

    #[test]
    fn a_token_opens_its_own_event_until_it_expires() {
        let now = Utc::now();
        let event = Uuid::now_v7();
        let claims = ReportLinkClaims::new(event, Uuid::now_v7(), Some(5), now);
        let token = claims.seal(&signer());
        assert_eq!(ReportLinkClaims::open(&signer(), &token, event, now), Some(claims.clone()));
        let almost = now + LIFETIME - Duration::seconds(1);
        assert!(ReportLinkClaims::open(&signer(), &token, event, almost).is_some());
        assert!(ReportLinkClaims::open(&signer(), &token, event, now + LIFETIME).is_none());
        assert!(ReportLinkClaims::open(&signer(), &token, Uuid::now_v7(), now).is_none());
    }

    #[test]
    fn a_token_sealed_for_another_purpose_or_key_is_refused() {
        let now = Utc::now();
        let event = Uuid::now_v7();
        let claims = ReportLinkClaims::new(event, Uuid::now_v7(), None, now);
        let payload = serde_json::to_vec(&claims).unwrap();
        let cursor = signer().seal("cursor:events", &payload);
        assert!(ReportLinkClaims::open(&signer(), &cursor, event, now).is_none());
        let other_key = claims.seal(&Signer::new(b"another key, another key, another"));
        assert!(ReportLinkClaims::open(&signer(), &other_key, event, now).is_none());
    }
}
