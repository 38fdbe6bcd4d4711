-- How each check-in was made (at the door, from the video platform's participant list, or by
-- hand) and, for online attendance, for how many minutes; and why a confirmed person did not
-- come, which organisers owe their funders as much as who came.
ALTER TABLE registrations
    ADD COLUMN check_in_source text
        CONSTRAINT check_in_source_known CHECK (check_in_source IN ('onsite', 'online_import', 'manual')),
    ADD COLUMN check_in_minutes integer
        CONSTRAINT check_in_minutes_not_negative CHECK (check_in_minutes >= 0),
    ADD COLUMN no_show_reason text
        CONSTRAINT no_show_reason_known CHECK (no_show_reason IN (
            'transport', 'connection', 'device', 'schedule', 'illness', 'care_duties',
            'language', 'not_informed', 'other', 'unknown'));

-- Check-ins made before the source was kept: at the door for onsite seats, by hand otherwise.
UPDATE registrations
   SET check_in_source = CASE attendance_mode WHEN 'onsite' THEN 'onsite' ELSE 'manual' END
 WHERE checked_in_at IS NOT NULL;

ALTER TABLE registrations
    ADD CONSTRAINT check_in_has_its_source CHECK ((checked_in_at IS NULL) = (check_in_source IS NULL)),
    ADD CONSTRAINT minutes_only_with_a_check_in CHECK (check_in_minutes IS NULL OR checked_in_at IS NOT NULL),
    ADD CONSTRAINT no_show_only_without_a_check_in CHECK (no_show_reason IS NULL OR checked_in_at IS NULL);

ALTER TABLE events
    ADD COLUMN online_attendance_min_minutes integer
        CONSTRAINT online_attendance_min_minutes_in_range
        CHECK (online_attendance_min_minutes BETWEEN 1 AND 1440);

-- A no-show reason recorded, changed or cleared is a history line of its own, the reason
-- from and to in its `changes`.
ALTER TABLE registration_history
    DROP CONSTRAINT registration_history_action_known,
    ADD CONSTRAINT registration_history_action_known CHECK (action IN (
        'created', 'updated', 'mode_changed', 'promoted', 'cancelled', 'checked_in',
        'check_in_undone', 'erased', 'consent_changed', 'place_changed',
        'no_show_recorded', 'no_show_cleared'));

-- The reasons of an event are few beside its registrations: the report reads them alone.
CREATE INDEX registrations_no_show_idx ON registrations (event_id) WHERE no_show_reason IS NOT NULL;
