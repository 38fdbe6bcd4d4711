-- Per-caller request counters in fixed one-minute windows, kept in PostgreSQL so that every
-- server process sharing the database enforces the same limit. `key` names the caller and
-- the action (`registrations:<caller id>`); no personal data.
CREATE TABLE rate_limits (
    key          text PRIMARY KEY,
    window_start timestamptz NOT NULL,
    count        integer NOT NULL
);
