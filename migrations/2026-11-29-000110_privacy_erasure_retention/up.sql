-- Privacy settings of an organisation, and retention of personal data (issue 16).

-- `report_suppress_below`: the organisation's default small-count threshold for reports
-- (NULL: none). `retention_days`: personal data of its events is purged that many days after
-- an event ends, unless the event says otherwise (`events.retention_days`). Bounded above so
-- that `ends_at + retention` stays a valid time.
ALTER TABLE organisations
    ADD COLUMN report_suppress_below integer
        CONSTRAINT organisations_report_suppress_below_range CHECK (report_suppress_below BETWEEN 1 AND 1000),
    ADD COLUMN retention_days integer NOT NULL DEFAULT 365
        CONSTRAINT organisations_retention_days_range CHECK (retention_days BETWEEN 1 AND 36500);
ALTER TABLE events
    ADD COLUMN retention_days integer
        CONSTRAINT events_retention_days_range CHECK (retention_days BETWEEN 1 AND 36500);

-- The retention sweep looks for ended events that still hold personal data.
CREATE INDEX registrations_not_erased_idx ON registrations (event_id) WHERE erased_at IS NULL;

-- An erased registration's idempotency key keeps answering retries (so a late retry does not
-- register the person again), but no longer holds the fingerprint of the request, which
-- could be confirmed from guessed names and emails: its `request_hash` becomes NULL.
ALTER TABLE idempotency_keys ALTER COLUMN request_hash DROP NOT NULL;

-- New event history actions: duplicates refused to a partner (one row per event, partner and
-- hour, whose count grows), every registration of an event erased at once, and the retention
-- purge.
ALTER TABLE event_history DROP CONSTRAINT event_history_action_check;
ALTER TABLE event_history ADD CONSTRAINT event_history_action_check CHECK (action IN (
    'created', 'updated', 'published', 'cancelled',
    'duplicates_refused', 'personal_data_erased', 'retention_purged'));
CREATE UNIQUE INDEX event_history_duplicates_refused_hour_idx
    ON event_history (event_id, actor_id, (date_trunc('hour', at AT TIME ZONE 'UTC')))
    WHERE action = 'duplicates_refused';

-- Append-only, except the count of a `duplicates_refused` row (its `changes`), which grows
-- through the hour it covers.
CREATE FUNCTION event_history_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.action = 'duplicates_refused'
       AND (NEW.id, NEW.event_id, NEW.at, NEW.action, NEW.actor_id, NEW.actor_kind)
           IS NOT DISTINCT FROM (OLD.id, OLD.event_id, OLD.at, OLD.action, OLD.actor_id, OLD.actor_kind) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'event_history is append-only';
END $$;
DROP TRIGGER event_history_append_only ON event_history;
CREATE TRIGGER event_history_append_only BEFORE UPDATE OR DELETE ON event_history
    FOR EACH ROW EXECUTE FUNCTION event_history_is_append_only();
