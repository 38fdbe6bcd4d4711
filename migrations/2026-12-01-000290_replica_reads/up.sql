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
CREATE TRIGGER registrations_mark_event_changed AFTER UPDATE ON registrations
    FOR EACH ROW EXECUTE FUNCTION mark_event_changed();
-- A registration inserted at the main venue or online already updates its event's counters
-- (registrations_after_insert): that UPDATE sets changed_at too, so such an insert pays no
-- second trigger and UPDATE (bench/README.md: 59 000 PostgreSQL instructions a registration).
-- One inserted at a place moves the place's counters instead, so it takes the trigger.
CREATE TRIGGER registrations_mark_event_changed_on_insert AFTER INSERT ON registrations
    FOR EACH ROW WHEN (NEW.place_id IS NOT NULL) EXECUTE FUNCTION mark_event_changed();
CREATE OR REPLACE FUNCTION registrations_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The same counts as registration_seat_counts and registration_place_counts, for a row
    -- that had none before.
    IF NEW.place_id IS NULL THEN
        UPDATE events SET
            online_confirmed = online_confirmed
                + (NEW.status = 'confirmed' AND NEW.attendance_mode = 'online')::integer,
            online_waitlisted = online_waitlisted
                + (NEW.status = 'waitlisted' AND NEW.attendance_mode = 'online')::integer,
            onsite_confirmed = onsite_confirmed
                + (NEW.status = 'confirmed' AND NEW.attendance_mode = 'onsite')::integer,
            onsite_confirmed_physical_space = onsite_confirmed_physical_space
                + (NEW.status = 'confirmed' AND NEW.attendance_mode = 'onsite' AND NEW.needs_physical_space)::integer,
            onsite_waitlisted = onsite_waitlisted
                + (NEW.status = 'waitlisted' AND NEW.attendance_mode = 'onsite')::integer,
            onsite_waitlisted_physical_space = onsite_waitlisted_physical_space
                + (NEW.status = 'waitlisted' AND NEW.attendance_mode = 'onsite' AND NEW.needs_physical_space)::integer,
            changed_at = now()
         WHERE id = NEW.event_id;
    ELSE
        -- A place is onsite (place_is_onsite).
        UPDATE event_places SET
            confirmed = confirmed + (NEW.status = 'confirmed')::integer,
            confirmed_physical_space = confirmed_physical_space
                + (NEW.status = 'confirmed' AND NEW.needs_physical_space)::integer,
            waitlisted = waitlisted + (NEW.status = 'waitlisted')::integer,
            waitlisted_physical_space = waitlisted_physical_space
                + (NEW.status = 'waitlisted' AND NEW.needs_physical_space)::integer
         WHERE event_id = NEW.event_id AND place_id = NEW.place_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER event_outcomes_mark_event_changed AFTER INSERT OR UPDATE ON event_outcomes
    FOR EACH ROW EXECUTE FUNCTION mark_event_changed();
CREATE TRIGGER actions_mark_event_changed AFTER INSERT OR UPDATE ON actions
    FOR EACH ROW EXECUTE FUNCTION mark_event_changed();
