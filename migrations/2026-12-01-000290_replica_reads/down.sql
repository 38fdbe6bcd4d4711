DROP TRIGGER actions_mark_event_changed ON actions;
DROP TRIGGER event_outcomes_mark_event_changed ON event_outcomes;
DROP TRIGGER registrations_mark_event_changed ON registrations;
DROP FUNCTION mark_event_changed();
ALTER TABLE events DROP COLUMN changed_at;
