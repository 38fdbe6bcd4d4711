ALTER TABLE event_history DISABLE TRIGGER event_history_append_only;
DELETE FROM event_history WHERE action IN ('outcome_recorded', 'action_created', 'action_updated');
ALTER TABLE event_history ENABLE TRIGGER event_history_append_only;
ALTER TABLE event_history DROP CONSTRAINT event_history_action_check;
ALTER TABLE event_history ADD CONSTRAINT event_history_action_check CHECK (action IN (
    'created', 'updated', 'published', 'cancelled',
    'duplicates_refused', 'personal_data_erased', 'retention_purged', 'places_changed'));
DROP TABLE actions;
DROP TABLE event_outcomes;
