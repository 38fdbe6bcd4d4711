//! Request and response types of attendance: a check-in as a registration shows it, the body
//! of a check-in by hand, and the body of a no-show reason.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::attendance::{self, ByHand, CheckIn, CheckInSource, NoShowReason};
use crate::domain::text::Problems;
use crate::error::AppError;

/// How a participant was checked in (an addition to the v1 contract, beside `checked_in_at`,
/// which keeps the same time).
#[derive(Serialize, ToSchema, Debug, PartialEq)]
#[schema(example = json!({"at": "2021-11-24T09:05:00Z", "source": "online_import", "minutes": 150}))]
pub struct CheckInView {
    pub at: DateTime<Utc>,
    /// `onsite` (at the door of a room), `online_import` (from the video platform's
    /// participant list) or `manual` (an organiser's word).
    pub source: CheckInSource,
    /// For online attendance, the minutes the person was there; null when not known.
    pub minutes: Option<i32>,
}

impl From<CheckIn> for CheckInView {
    fn from(check_in: CheckIn) -> Self {
        Self { at: check_in.at, source: check_in.source, minutes: check_in.minutes }
    }
}

/// How a check-in by hand was made. `online_import` is not among them: only an import of the
/// platform's participant list writes it.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
#[schema(example = json!("manual"))]
pub enum HandCheckInSource {
    Onsite,
    Manual,
}

impl From<HandCheckInSource> for CheckInSource {
    fn from(source: HandCheckInSource) -> Self {
        match source {
            HandCheckInSource::Onsite => CheckInSource::Onsite,
            HandCheckInSource::Manual => CheckInSource::Manual,
        }
    }
}

/// The body of a check-in: `{}` (or none) as before; optionally how it was made and, for
/// online attendance, the minutes. Nothing unknown is accepted.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
#[schema(as = CheckIn, example = json!({"source": "manual", "minutes": 95}))]
pub struct CheckInRequest {
    /// Default: `onsite` for an onsite registration, `manual` for an online one.
    pub source: Option<HandCheckInSource>,
    /// Minutes attended, 0 to 10080.
    #[schema(minimum = 0, maximum = 10080)]
    pub minutes: Option<i32>,
}

impl CheckInRequest {
    pub fn parse(self) -> Result<ByHand, AppError> {
        let mut problems = Problems::default();
        attendance::check_minutes(&mut problems, "minutes", self.minutes);
        if !problems.is_empty() {
            return Err(AppError::validation(problems.0));
        }
        Ok(ByHand { source: self.source.map(CheckInSource::from), minutes: self.minutes })
    }
}

/// Why a confirmed participant did not attend.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "transport"}))]
pub struct NoShowRequest {
    pub reason: NoShowReason,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_bound_of_minutes_is_the_domains() {
        assert_eq!(attendance::MAX_ATTENDED_MINUTES, 10080);
    }
}
