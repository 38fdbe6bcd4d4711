-- Organisations, their people (users) and their programs (API clients).
CREATE TABLE organisations (
    id          uuid PRIMARY KEY,
    name        text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('regional_authority', 'public_agency', 'ngo',
                    'migrant_led_organisation', 'international_organisation',
                    'volunteer_group', 'other')),
    created_at  timestamptz NOT NULL DEFAULT now()
);
-- Names are unique regardless of case and surrounding spaces: "CEPAIM" and "cepaim " are one.
CREATE UNIQUE INDEX organisations_name_key ON organisations (lower(btrim(name)));

CREATE TABLE users (
    id              uuid PRIMARY KEY,
    email           text NOT NULL,
    password_hash   text NOT NULL,
    role            text NOT NULL CHECK (role IN ('admin', 'organiser')),
    organisation_id uuid REFERENCES organisations (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT organiser_has_organisation CHECK (role <> 'organiser' OR organisation_id IS NOT NULL)
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE api_clients (
    id              uuid PRIMARY KEY,
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    name            text NOT NULL,
    client_id       text NOT NULL UNIQUE,
    secret_hash     text NOT NULL,
    created_by      uuid,
    created_at      timestamptz NOT NULL DEFAULT now(),
    revoked_at      timestamptz
);
CREATE INDEX api_clients_organisation_idx ON api_clients (organisation_id, created_at);

-- Failed-login counters live here, not in memory, so that the limit holds across restarts
-- and across several server processes. `key` is a SHA-256 of "email:<address>" or
-- "addr:<ip>", never the address itself.
CREATE TABLE login_throttle (
    key           bytea PRIMARY KEY,
    failures      integer NOT NULL,
    window_start  timestamptz NOT NULL,
    locked_until  timestamptz
);
