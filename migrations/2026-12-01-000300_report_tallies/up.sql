-- An event's report counts, kept as its registrations change, so that a report of an event
-- of 100 000 registrations reads a few hundred rows instead of all of them (bench/README.md).
-- registration_tallies holds, per event, how many registrations share one combination of what
-- the report counts by (a "cell"); each registration is in exactly one cell. Its topics of
-- interest and each barrier's status are part of the cell as the registration lists them: the
-- report unpacks the lists of a few hundred cells, not of every registration, and a
-- registration costs one write to keep them all (a table per list cost two more,
-- bench/README.md). Only `kind=status` of a barrier is kept, not what was arranged: all the
-- report counts, and short enough for the unique index (a list with every arrangement would
-- not fit in a btree entry).
--
-- The view registration_tallies_recount defines the tallies: the same grouping over the
-- registrations table. src/db/reports.rs reads the one or the other with the same queries,
-- the tests compare the two reports on random data, and recount_registration_tallies(event)
-- rebuilds an event's tallies from it (the backfill below, and seeding that sets the insert
-- trigger aside).
--
-- Every write of an event's registrations holds the event's row lock (src/app: events::lock
-- before any registration is written), so two transactions never update the cells of one
-- event at once and cannot deadlock on them.

CREATE TABLE registration_tallies (
    event_id uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    attendance_mode text NOT NULL,
    place_id uuid,
    status text NOT NULL,
    stakeholder_category text NOT NULL,
    needs_physical_space boolean NOT NULL,
    needs_transport boolean NOT NULL,
    accessibility_requested boolean NOT NULL,
    fallback_applied boolean NOT NULL,
    checked_in boolean NOT NULL,
    check_in_source text,
    check_in_minutes integer,
    interpretation_language text,
    interests text[] NOT NULL,
    barrier_statuses text[] NOT NULL,
    n bigint NOT NULL,
    CONSTRAINT registration_tallies_cell UNIQUE NULLS NOT DISTINCT (event_id, attendance_mode, place_id,
        status, stakeholder_category, needs_physical_space, needs_transport, accessibility_requested,
        fallback_applied, checked_in, check_in_source, check_in_minutes, interpretation_language, interests,
        barrier_statuses)
);

-- `kind=status` of each barrier listed, in the list's order.
CREATE FUNCTION barrier_statuses(barriers jsonb) RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(array_agg((e.b->>'barrier') || '=' || coalesce(e.b->>'status', '') ORDER BY e.i), '{}')
      FROM jsonb_array_elements(barriers) WITH ORDINALITY AS e(b, i)
$$;

CREATE VIEW registration_tallies_recount AS
SELECT r.event_id, r.attendance_mode, r.place_id, r.status, r.stakeholder_category, r.needs_physical_space,
       r.needs_transport, r.accessibility_requested, r.fallback_applied, r.checked_in_at IS NOT NULL AS checked_in,
       r.check_in_source, r.check_in_minutes, r.interpretation_language, r.interests,
       barrier_statuses(r.barriers) AS barrier_statuses, count(*) AS n
  FROM registrations r
 GROUP BY r.event_id, r.attendance_mode, r.place_id, r.status, r.stakeholder_category, r.needs_physical_space,
          r.needs_transport, r.accessibility_requested, r.fallback_applied, r.checked_in_at IS NOT NULL,
          r.check_in_source, r.check_in_minutes, r.interpretation_language, r.interests,
          barrier_statuses(r.barriers);

-- Adds `delta` (1 or -1) registrations like `r` to its event's tallies, as the view counts
-- them. Cells that drop to zero stay (with n = 0): the next registration like it reuses them.
CREATE FUNCTION tally_registration(r registrations, delta integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO registration_tallies AS t (event_id, attendance_mode, place_id, status, stakeholder_category,
            needs_physical_space, needs_transport, accessibility_requested, fallback_applied, checked_in,
            check_in_source, check_in_minutes, interpretation_language, interests, barrier_statuses, n)
    VALUES (r.event_id, r.attendance_mode, r.place_id, r.status, r.stakeholder_category, r.needs_physical_space,
            r.needs_transport, r.accessibility_requested, r.fallback_applied, r.checked_in_at IS NOT NULL,
            r.check_in_source, r.check_in_minutes, r.interpretation_language, r.interests,
            CASE WHEN r.barriers = '[]'::jsonb THEN '{}'::text[] ELSE barrier_statuses(r.barriers) END, delta)
    ON CONFLICT ON CONSTRAINT registration_tallies_cell DO UPDATE SET n = t.n + excluded.n;
END $$;

-- An event's tallies made again from its registrations.
CREATE FUNCTION recount_registration_tallies(event uuid) RETURNS void LANGUAGE sql AS $$
    DELETE FROM registration_tallies WHERE event_id = event;
    INSERT INTO registration_tallies SELECT * FROM registration_tallies_recount WHERE event_id = event;
$$;

INSERT INTO registration_tallies SELECT * FROM registration_tallies_recount;

-- A registration's tallies follow it: a new one is added to its cell, and a change of anything
-- the tallies count by moves it from its old cell to its new one. The WHEN of the update
-- trigger leaves the many updates that change none of it (erasure, contact details) without
-- the call. Triggers of their own beside the seat counters' (registrations_after_insert), which
-- stays as it was.
CREATE FUNCTION registrations_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        PERFORM tally_registration(OLD, -1);
    END IF;
    PERFORM tally_registration(NEW, 1);
    RETURN NULL;
END $$;
CREATE TRIGGER registrations_tally_insert AFTER INSERT ON registrations FOR EACH ROW
    EXECUTE FUNCTION registrations_tally();
CREATE TRIGGER registrations_tally_change AFTER UPDATE ON registrations FOR EACH ROW
    WHEN ((OLD.event_id, OLD.attendance_mode, OLD.place_id, OLD.status, OLD.stakeholder_category,
           OLD.needs_physical_space, OLD.needs_transport, OLD.accessibility_requested, OLD.fallback_applied,
           OLD.checked_in_at IS NOT NULL, OLD.check_in_source, OLD.check_in_minutes,
           OLD.interpretation_language, OLD.interests, OLD.barriers)
          IS DISTINCT FROM
          (NEW.event_id, NEW.attendance_mode, NEW.place_id, NEW.status, NEW.stakeholder_category,
           NEW.needs_physical_space, NEW.needs_transport, NEW.accessibility_requested, NEW.fallback_applied,
           NEW.checked_in_at IS NOT NULL, NEW.check_in_source, NEW.check_in_minutes,
           NEW.interpretation_language, NEW.interests, NEW.barriers))
    EXECUTE FUNCTION registrations_tally();
