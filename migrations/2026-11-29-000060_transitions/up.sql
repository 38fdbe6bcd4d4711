-- The audit trail is written by the application from each change's typed transition (see
-- src/app/transition.rs), so the trigger on registrations keeps only the seat counters.
-- Their arithmetic lives in one small function: a later migration that counts more (seats
-- per place, say) replaces registration_seat_counts and apply_seat_counts, not the trigger.

-- What one registration in one state adds to its event's counters, in the order
-- online_confirmed, online_waitlisted, onsite_confirmed, onsite_confirmed_physical_space,
-- onsite_waitlisted, onsite_waitlisted_physical_space.
-- Both are plpgsql, not sql: called from the trigger, a sql function is planned again at
-- every call, a plpgsql one keeps its plans for the session.
CREATE FUNCTION registration_seat_counts(status text, mode text, needs_physical_space boolean)
RETURNS integer[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN ARRAY[
        (status = 'confirmed'  AND mode = 'online')::integer,
        (status = 'waitlisted' AND mode = 'online')::integer,
        (status = 'confirmed'  AND mode = 'onsite')::integer,
        (status = 'confirmed'  AND mode = 'onsite' AND needs_physical_space)::integer,
        (status = 'waitlisted' AND mode = 'onsite')::integer,
        (status = 'waitlisted' AND mode = 'onsite' AND needs_physical_space)::integer];
END $$;

-- Moves the counters of event `event` from what `before` counted to what `after` counts
-- (both in the order above).
CREATE FUNCTION apply_seat_counts(event uuid, after integer[], before integer[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE events SET
        online_confirmed = online_confirmed + after[1] - before[1],
        online_waitlisted = online_waitlisted + after[2] - before[2],
        onsite_confirmed = onsite_confirmed + after[3] - before[3],
        onsite_confirmed_physical_space = onsite_confirmed_physical_space + after[4] - before[4],
        onsite_waitlisted = onsite_waitlisted + after[5] - before[5],
        onsite_waitlisted_physical_space = onsite_waitlisted_physical_space + after[6] - before[6]
     WHERE id = event;
END $$;

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

ALTER TABLE registration_history
    ADD CONSTRAINT registration_history_action_known CHECK (action IN (
        'created', 'updated', 'mode_changed', 'promoted', 'cancelled', 'checked_in',
        'check_in_undone', 'erased')),
    ADD CONSTRAINT registration_history_actor_kind_known CHECK (actor_kind IN ('user', 'api_client', 'system'));

-- Append-only audit trail of events: who changed which fields from what to what. No
-- personal data: events hold none, and the join link's value is never copied here.
CREATE TABLE event_history (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id    uuid NOT NULL REFERENCES events (id),
    at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    action      text NOT NULL CHECK (action IN ('created', 'updated', 'published', 'cancelled')),
    actor_id    uuid,
    actor_kind  text NOT NULL CHECK (actor_kind IN ('user', 'api_client', 'system')),
    changes     jsonb NOT NULL DEFAULT '[]'
);
CREATE INDEX event_history_event_idx ON event_history (event_id, id);
CREATE TRIGGER event_history_append_only BEFORE UPDATE OR DELETE ON event_history
    FOR EACH ROW EXECUTE FUNCTION registration_history_is_append_only();
