//! Places: the main venue of an event and the hosted places near people's homes where those
//! without a device follow the meeting on a provided screen.

/// What a place is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlaceKind {
    /// Where the meeting itself happens.
    Venue,
    /// A room with devices (a community centre, a library, an NGO office in a village) where
    /// people follow the meeting with a host who helps.
    Hosted,
}

impl PlaceKind {
    pub const ALL: [PlaceKind; 2] = [PlaceKind::Venue, PlaceKind::Hosted];

    pub fn as_str(self) -> &'static str {
        match self {
            PlaceKind::Venue => "venue",
            PlaceKind::Hosted => "hosted",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == value)
    }
}

/// The most seats an event may offer at a place: a hosted place seats no more people than it
/// has devices for them to follow on (when the organisation counted them); the room's own
/// limit is the organiser's number.
pub fn seats_allowed(kind: PlaceKind, devices: Option<i32>) -> Option<i32> {
    match kind {
        PlaceKind::Hosted => devices,
        PlaceKind::Venue => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_read_back_what_they_write() {
        for kind in PlaceKind::ALL {
            assert_eq!(PlaceKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(PlaceKind::parse("online"), None);
    }

    #[test]
    fn devices_bound_the_seats_of_a_hosted_place_only() {
        assert_eq!(seats_allowed(PlaceKind::Hosted, Some(4)), Some(4));
        assert_eq!(seats_allowed(PlaceKind::Hosted, None), None);
        assert_eq!(seats_allowed(PlaceKind::Venue, Some(4)), None);
    }
}
