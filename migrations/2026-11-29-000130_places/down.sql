ALTER TABLE event_history DISABLE TRIGGER event_history_append_only;
DELETE FROM event_history WHERE action = 'places_changed';
ALTER TABLE event_history ENABLE TRIGGER event_history_append_only;
ALTER TABLE event_history DROP CONSTRAINT event_history_action_check;
ALTER TABLE event_history ADD CONSTRAINT event_history_action_check CHECK (action IN (
    'created', 'updated', 'published', 'cancelled',
    'duplicates_refused', 'personal_data_erased', 'retention_purged'));

CREATE OR REPLACE FUNCTION registrations_after_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    after_change integer[] := registration_seat_counts(NEW.status, NEW.attendance_mode, NEW.needs_physical_space);
    before_change integer[] := '{0,0,0,0,0,0}';
BEGIN
    IF TG_OP = 'UPDATE' THEN
        before_change := registration_seat_counts(OLD.status, OLD.attendance_mode, OLD.needs_physical_space);
    END IF;
    IF after_change IS DISTINCT FROM before_change THEN
        PERFORM apply_seat_counts(NEW.event_id, after_change, before_change);
    END IF;
    RETURN NULL;
END $$;
DROP FUNCTION apply_place_counts(uuid, uuid, integer[], integer[]);
DROP FUNCTION registration_place_counts(text, text, boolean);

ALTER TABLE registration_history DISABLE TRIGGER registration_history_append_only;
DELETE FROM registration_history WHERE action = 'place_changed';
ALTER TABLE registration_history ENABLE TRIGGER registration_history_append_only;
ALTER TABLE registration_history
    DROP CONSTRAINT registration_history_action_known,
    ADD CONSTRAINT registration_history_action_known CHECK (action IN (
        'created', 'updated', 'mode_changed', 'promoted', 'cancelled', 'checked_in',
        'check_in_undone', 'erased', 'consent_changed'));

DROP INDEX registrations_place_waitlist_idx;
ALTER TABLE registrations
    DROP CONSTRAINT place_is_onsite,
    DROP COLUMN acceptable_place_ids,
    DROP COLUMN place_id;
DROP TABLE event_places;
DROP TABLE places;
