-- Seats an event reserves for groups of stakeholder categories (issue 21, item 4): a list of
-- `{categories, seats, places}` (`domain::group_reservations`), checked by the server before
-- it is written; `[]` for an event without any, which keeps the seat rules of the need alone.
-- The seat rules read it under the event's lock; no counter is kept for it: an event with
-- group reservations counts its seated people by kind in the seat transaction.
ALTER TABLE events
    ADD COLUMN group_reservations jsonb NOT NULL DEFAULT '[]',
    ADD CONSTRAINT group_reservations_is_a_list CHECK (jsonb_typeof(group_reservations) = 'array');
