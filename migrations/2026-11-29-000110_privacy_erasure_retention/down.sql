DROP TRIGGER event_history_append_only ON event_history;
CREATE TRIGGER event_history_append_only BEFORE UPDATE OR DELETE ON event_history
    FOR EACH ROW EXECUTE FUNCTION registration_history_is_append_only();
DROP FUNCTION event_history_is_append_only();
DROP INDEX event_history_duplicates_refused_hour_idx;
-- The history written by this version's actions cannot be kept under the old constraint.
ALTER TABLE event_history DISABLE TRIGGER event_history_append_only;
DELETE FROM event_history WHERE action IN ('duplicates_refused', 'personal_data_erased', 'retention_purged');
ALTER TABLE event_history ENABLE TRIGGER event_history_append_only;
ALTER TABLE event_history DROP CONSTRAINT event_history_action_check;
ALTER TABLE event_history ADD CONSTRAINT event_history_action_check
    CHECK (action IN ('created', 'updated', 'published', 'cancelled'));

-- Keys of erased registrations match no request any more.
UPDATE idempotency_keys SET request_hash = '\x' WHERE request_hash IS NULL;
ALTER TABLE idempotency_keys ALTER COLUMN request_hash SET NOT NULL;

DROP INDEX registrations_not_erased_idx;
ALTER TABLE events DROP COLUMN retention_days;
ALTER TABLE organisations DROP COLUMN retention_days, DROP COLUMN report_suppress_below;
