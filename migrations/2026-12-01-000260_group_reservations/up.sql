-- Seats an event reserves for groups of stakeholder categories (issue 21, item 4): a list of
-- `{categories, seats, places}` (`domain::group_reservations`), checked by the server before
-- it is written; `[]` for an event without any, which keeps the seat rules of the need alone.
-- The seat rules read it under the event's lock; no counter is kept for it: an event with
-- group reservations counts its seated people by kind in the seat transaction.
-- No CHECK on its shape: a CHECK on events is evaluated at every update of the row, and the
-- seat counters update it at every registration (bench/README.md: 19 000 PostgreSQL
-- instructions a registration for `jsonb_typeof(...) = 'array'`); only the server writes it.
ALTER TABLE events
    ADD COLUMN group_reservations jsonb NOT NULL DEFAULT '[]';
