DROP TRIGGER event_rules ON events;
DROP FUNCTION event_rules();
ALTER TABLE events
    ADD CONSTRAINT ends_after_start CHECK (ends_at > starts_at),
    ADD CONSTRAINT has_a_mode CHECK (online_offered OR onsite_offered),
    ADD CONSTRAINT reserved_within_capacity CHECK (onsite_reserved <= COALESCE(onsite_capacity, 0));
DROP TRIGGER registration_rules ON registrations;
DROP FUNCTION registration_rules();
ALTER TABLE registrations
    ADD CONSTRAINT check_in_has_its_source CHECK ((checked_in_at IS NULL) = (check_in_source IS NULL)),
    ADD CONSTRAINT minutes_only_with_a_check_in CHECK (check_in_minutes IS NULL OR checked_in_at IS NOT NULL),
    ADD CONSTRAINT only_confirmed_check_in CHECK (checked_in_at IS NULL OR status::text <> 'waitlisted'),
    ADD CONSTRAINT physical_space_is_onsite CHECK (NOT needs_physical_space OR attendance_mode::text = 'onsite'),
    ADD CONSTRAINT place_is_onsite CHECK (place_id IS NULL OR attendance_mode::text = 'onsite'),
    ADD CONSTRAINT no_show_only_without_a_check_in CHECK (no_show_reason IS NULL OR checked_in_at IS NULL);
DROP FUNCTION refuse_row(text, text);

ALTER TABLE organisations
    ALTER COLUMN retention_days TYPE integer,
    ADD CONSTRAINT organisations_retention_days_range CHECK (retention_days BETWEEN 1 AND 36500);
ALTER TABLE registrations
    ALTER COLUMN check_in_minutes TYPE integer,
    ADD CONSTRAINT check_in_minutes_not_negative CHECK (check_in_minutes >= 0);
ALTER TABLE event_places
    ALTER COLUMN capacity TYPE integer,
    ALTER COLUMN reserved TYPE integer,
    ADD CONSTRAINT event_places_capacity_check CHECK (capacity >= 0),
    ADD CONSTRAINT event_places_reserved_check CHECK (reserved >= 0);
ALTER TABLE events
    ALTER COLUMN online_capacity TYPE integer,
    ALTER COLUMN onsite_capacity TYPE integer,
    ALTER COLUMN onsite_reserved TYPE integer,
    ALTER COLUMN retention_days TYPE integer,
    ALTER COLUMN online_attendance_min_minutes TYPE integer,
    ADD CONSTRAINT events_online_capacity_check CHECK (online_capacity >= 0),
    ADD CONSTRAINT events_onsite_capacity_check CHECK (onsite_capacity >= 0),
    ADD CONSTRAINT events_onsite_reserved_check CHECK (onsite_reserved >= 0),
    ADD CONSTRAINT events_retention_days_range CHECK (retention_days BETWEEN 1 AND 36500),
    ADD CONSTRAINT online_attendance_min_minutes_in_range
        CHECK (online_attendance_min_minutes BETWEEN 1 AND 1440);
DROP DOMAIN attendance_min_minutes;
DROP DOMAIN retention_days;
DROP DOMAIN non_negative_count;
