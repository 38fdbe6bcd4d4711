ALTER TABLE events DROP COLUMN group_reservations;
