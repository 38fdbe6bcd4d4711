DROP TRIGGER registrations_mark_event_changed ON registrations;
DROP FUNCTION registrations_mark_event_changed();
ALTER TABLE events DROP COLUMN changed_at;
