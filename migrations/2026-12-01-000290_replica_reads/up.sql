-- Reads from a streaming replica (DATABASE_REPLICA_URL): a report on an event is read on the
-- replica only when the event's last change is older than the replica's lag plus a margin
-- (src/db/replica.rs), so whoever just changed it sees the change. `changed_at` is when
-- anything the event's report counts last changed, to within a second: its registrations, its
-- outcome and the actions agreed at it. A write moves it only when it is more than a second
-- old, so that a burst of registrations or check-ins costs one UPDATE of the event a second,
-- not one each. The event's own edits move `updated_at`, which the rule reads too.
ALTER TABLE events ADD COLUMN changed_at timestamptz NOT NULL DEFAULT now();

CREATE FUNCTION mark_event_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE events SET changed_at = now()
     WHERE id = NEW.event_id AND changed_at < now() - interval '1 second';
    RETURN NULL;
END $$;
CREATE TRIGGER registrations_mark_event_changed AFTER INSERT OR UPDATE ON registrations
    FOR EACH ROW EXECUTE FUNCTION mark_event_changed();
CREATE TRIGGER event_outcomes_mark_event_changed AFTER INSERT OR UPDATE ON event_outcomes
    FOR EACH ROW EXECUTE FUNCTION mark_event_changed();
CREATE TRIGGER actions_mark_event_changed AFTER INSERT OR UPDATE ON actions
    FOR EACH ROW EXECUTE FUNCTION mark_event_changed();
