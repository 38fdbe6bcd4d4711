DROP INDEX registrations_no_show_idx;
ALTER TABLE registration_history DISABLE TRIGGER registration_history_append_only;
DELETE FROM registration_history WHERE action IN ('no_show_recorded', 'no_show_cleared');
ALTER TABLE registration_history ENABLE TRIGGER registration_history_append_only;
ALTER TABLE registration_history
    DROP CONSTRAINT registration_history_action_known,
    ADD CONSTRAINT registration_history_action_known CHECK (action IN (
        'created', 'updated', 'mode_changed', 'promoted', 'cancelled', 'checked_in',
        'check_in_undone', 'erased', 'consent_changed', 'place_changed'));
ALTER TABLE events DROP COLUMN online_attendance_min_minutes;
ALTER TABLE registrations
    DROP CONSTRAINT no_show_only_without_a_check_in,
    DROP CONSTRAINT minutes_only_with_a_check_in,
    DROP CONSTRAINT check_in_has_its_source,
    DROP COLUMN no_show_reason,
    DROP COLUMN check_in_minutes,
    DROP COLUMN check_in_source;
