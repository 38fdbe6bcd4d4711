ALTER TABLE events DROP COLUMN online_attendance_min_minutes;
ALTER TABLE registrations
    DROP CONSTRAINT no_show_only_without_a_check_in,
    DROP CONSTRAINT minutes_only_with_a_check_in,
    DROP CONSTRAINT check_in_has_its_source,
    DROP COLUMN no_show_reason,
    DROP COLUMN check_in_minutes,
    DROP COLUMN check_in_source;
