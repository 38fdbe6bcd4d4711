CREATE TABLE events (
    id                               uuid PRIMARY KEY,
    organisation_id                  uuid NOT NULL REFERENCES organisations (id),
    title                            text NOT NULL,
    description                      text,
    region                           text NOT NULL,
    series                           text,
    starts_at                        timestamptz NOT NULL,
    ends_at                          timestamptz NOT NULL,
    timezone                         text NOT NULL,
    languages                        text[] NOT NULL DEFAULT '{}',
    status                           text NOT NULL DEFAULT 'draft'
                                         CHECK (status IN ('draft', 'published', 'cancelled')),
    registration_closes_at           timestamptz,
    online_offered                   boolean NOT NULL,
    online_join_url                  text,
    online_capacity                  integer CHECK (online_capacity >= 0),
    onsite_offered                   boolean NOT NULL,
    onsite_venue_name                text,
    onsite_address                   text,
    onsite_capacity                  integer CHECK (onsite_capacity >= 0),
    onsite_reserved                  integer NOT NULL DEFAULT 0 CHECK (onsite_reserved >= 0),
    -- Seat counters, maintained by the trigger on registrations below (never by hand), so
    -- every read shows what the registrations table says without counting it.
    online_confirmed                 integer NOT NULL DEFAULT 0,
    online_waitlisted                integer NOT NULL DEFAULT 0,
    onsite_confirmed                 integer NOT NULL DEFAULT 0,
    onsite_confirmed_physical_space  integer NOT NULL DEFAULT 0,
    onsite_waitlisted                integer NOT NULL DEFAULT 0,
    created_at                       timestamptz NOT NULL DEFAULT now(),
    updated_at                       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ends_after_start CHECK (ends_at > starts_at),
    CONSTRAINT has_a_mode CHECK (online_offered OR onsite_offered),
    CONSTRAINT reserved_within_capacity CHECK (onsite_reserved <= coalesce(onsite_capacity, 0)),
    -- The last line of defence for seat rule 1: even a bug in the seat logic cannot overbook.
    CONSTRAINT online_not_overbooked CHECK (online_capacity IS NULL OR online_confirmed <= online_capacity),
    CONSTRAINT onsite_not_overbooked CHECK (onsite_confirmed <= coalesce(onsite_capacity, 0))
);
-- Listing is always ordered by (starts_at, id); each filter gets an index with that order.
CREATE INDEX events_status_starts_idx ON events (status, starts_at, id);
CREATE INDEX events_region_starts_idx ON events (region, starts_at, id);
CREATE INDEX events_series_starts_idx ON events (series, starts_at, id);
CREATE INDEX events_organisation_starts_idx ON events (organisation_id, starts_at, id);
CREATE INDEX events_starts_idx ON events (starts_at, id);
