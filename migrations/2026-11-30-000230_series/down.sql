-- The events keep their `series` text.
ALTER TABLE events DROP COLUMN series_id;
DROP TABLE series;
