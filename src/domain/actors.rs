//! Who does things: the people and programs behind every change, as the audit trail names them.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// What a caller may do: `admin` everything, `organiser` its organisation's events,
/// `partner` (an API client) registrations it creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(example = "organiser")]
pub enum Role {
    Admin,
    Organiser,
    Partner,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Organiser, Role::Partner];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Organiser => "organiser",
            Role::Partner => "partner",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|role| role.as_str() == value)
    }
}

/// What kind of principal made a change. `System` is the server itself (a background job);
/// no request makes a change as `System`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActorKind {
    User,
    ApiClient,
    System,
}

impl ActorKind {
    pub const ALL: [ActorKind; 3] = [ActorKind::User, ActorKind::ApiClient, ActorKind::System];

    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::User => "user",
            ActorKind::ApiClient => "api_client",
            ActorKind::System => "system",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == value)
    }
}

/// Who made a change: a user or an API client (`id`), or the server itself (no id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub id: Option<Uuid>,
    pub kind: ActorKind,
}

impl Actor {
    pub fn user(id: Uuid) -> Self {
        Self { id: Some(id), kind: ActorKind::User }
    }

    pub fn api_client(id: Uuid) -> Self {
        Self { id: Some(id), kind: ActorKind::ApiClient }
    }

    /// The server itself: a background job such as the retention purge.
    pub fn system() -> Self {
        Self { id: None, kind: ActorKind::System }
    }
}

/// Ids that must not be mixed up: an event's where a registration's is meant, and back.
macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub Uuid);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }
    };
}

id_type!(
    /// The id of an event.
    EventId
);
id_type!(
    /// The id of a registration.
    RegistrationId
);
id_type!(
    /// The id of an organisation.
    OrganisationId
);
id_type!(
    /// The id of a place: a venue or a hosted place of an organisation.
    PlaceId
);
id_type!(
    /// The id of a follow-up action of an event.
    ActionId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actor_kinds_read_back_what_they_write() {
        for kind in ActorKind::ALL {
            assert_eq!(ActorKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(ActorKind::parse("robot"), None);
    }
}
