//! How a person's attendance was recorded, and why a confirmed person did not come.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where a check-in comes from: the door of a room, the video platform's participant list,
/// or an organiser's hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(example = "online_import")]
pub enum CheckInSource {
    Onsite,
    OnlineImport,
    Manual,
}

impl CheckInSource {
    pub const ALL: [CheckInSource; 3] =
        [CheckInSource::Onsite, CheckInSource::OnlineImport, CheckInSource::Manual];

    pub fn as_str(self) -> &'static str {
        match self {
            CheckInSource::Onsite => "onsite",
            CheckInSource::OnlineImport => "online_import",
            CheckInSource::Manual => "manual",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|source| source.as_str() == value)
    }
}

/// Why a confirmed person did not attend: the barriers the platforms exist to lower.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(example = "transport")]
pub enum NoShowReason {
    Transport,
    Connection,
    Device,
    Schedule,
    Illness,
    CareDuties,
    Language,
    NotInformed,
    Other,
    Unknown,
}

impl NoShowReason {
    pub const ALL: [NoShowReason; 10] = [
        NoShowReason::Transport,
        NoShowReason::Connection,
        NoShowReason::Device,
        NoShowReason::Schedule,
        NoShowReason::Illness,
        NoShowReason::CareDuties,
        NoShowReason::Language,
        NoShowReason::NotInformed,
        NoShowReason::Other,
        NoShowReason::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NoShowReason::Transport => "transport",
            NoShowReason::Connection => "connection",
            NoShowReason::Device => "device",
            NoShowReason::Schedule => "schedule",
            NoShowReason::Illness => "illness",
            NoShowReason::CareDuties => "care_duties",
            NoShowReason::Language => "language",
            NoShowReason::NotInformed => "not_informed",
            NoShowReason::Other => "other",
            NoShowReason::Unknown => "unknown",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|reason| reason.as_str() == value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_value_reads_back_as_itself_and_serde_agrees_with_the_database_spelling() {
        for source in CheckInSource::ALL {
            assert_eq!(CheckInSource::parse(source.as_str()), Some(source));
            assert_eq!(serde_json::to_value(source).unwrap(), source.as_str());
        }
        for reason in NoShowReason::ALL {
            assert_eq!(NoShowReason::parse(reason.as_str()), Some(reason));
            assert_eq!(serde_json::to_value(reason).unwrap(), reason.as_str());
        }
        assert_eq!(CheckInSource::parse("door"), None);
        assert_eq!(NoShowReason::parse("Transport"), None);
    }
}
