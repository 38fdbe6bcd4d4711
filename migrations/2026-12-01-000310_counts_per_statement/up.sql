-- A new registration's seat counters and report tallies are kept per statement, not per row.
-- The registration writers (src/group_commit.rs) insert a group's registrations in one
-- statement; row triggers made that statement run, for every row, a PL/pgSQL call with an
-- UPDATE of its event (whose foreign keys PostgreSQL checks again once the row was updated in
-- the transaction) and an upsert of its tally. Statement triggers over the inserted rows run
-- one UPDATE of the events, one of the places and one upsert of the tallies for the whole
-- group (bench/README.md: a fifth fewer PostgreSQL instructions a registration in a group of
-- 8, a tenth more for one written alone). The counts are those of the row triggers they
-- replace: registration_seat_counts and registration_place_counts for a row that had none
-- before (a registration is never inserted offered), and the view registration_tallies_recount.
-- Updates keep their row triggers: they come one registration at a time.
DROP TRIGGER registrations_after_insert ON registrations;
DROP TRIGGER registrations_mark_event_changed_on_insert ON registrations;
DROP TRIGGER registrations_tally_insert ON registrations;
DROP FUNCTION registrations_after_insert();

-- An event's counters move by its inserted registrations at the main venue and online, and
-- its changed_at with them (src/db/replica.rs); an event with new registrations only at
-- places has its changed_at moved when it is more than a second old, as mark_event_changed.
CREATE FUNCTION registrations_counted_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE events e SET
        online_confirmed = e.online_confirmed + c.online_confirmed,
        online_waitlisted = e.online_waitlisted + c.online_waitlisted,
        onsite_confirmed = e.onsite_confirmed + c.onsite_confirmed,
        onsite_confirmed_physical_space = e.onsite_confirmed_physical_space + c.onsite_confirmed_physical_space,
        onsite_waitlisted = e.onsite_waitlisted + c.onsite_waitlisted,
        onsite_waitlisted_physical_space = e.onsite_waitlisted_physical_space + c.onsite_waitlisted_physical_space,
        changed_at = now()
      FROM (SELECT event_id,
                   count(*) FILTER (WHERE place_id IS NULL AND status = 'confirmed' AND attendance_mode = 'online')
                       AS online_confirmed,
                   count(*) FILTER (WHERE place_id IS NULL AND status = 'waitlisted' AND attendance_mode = 'online')
                       AS online_waitlisted,
                   count(*) FILTER (WHERE place_id IS NULL AND status = 'confirmed' AND attendance_mode = 'onsite')
                       AS onsite_confirmed,
                   count(*) FILTER (WHERE place_id IS NULL AND status = 'confirmed' AND attendance_mode = 'onsite'
                                      AND needs_physical_space)
                       AS onsite_confirmed_physical_space,
                   count(*) FILTER (WHERE place_id IS NULL AND status = 'waitlisted' AND attendance_mode = 'onsite')
                       AS onsite_waitlisted,
                   count(*) FILTER (WHERE place_id IS NULL AND status = 'waitlisted' AND attendance_mode = 'onsite'
                                      AND needs_physical_space)
                       AS onsite_waitlisted_physical_space,
                   bool_or(place_id IS NULL) AS at_the_event
              FROM inserted GROUP BY event_id) c
     WHERE e.id = c.event_id AND (c.at_the_event OR e.changed_at < now() - interval '1 second');
    -- A place is onsite (place_is_onsite).
    UPDATE event_places p SET
        confirmed = p.confirmed + c.confirmed,
        confirmed_physical_space = p.confirmed_physical_space + c.confirmed_physical_space,
        waitlisted = p.waitlisted + c.waitlisted,
        waitlisted_physical_space = p.waitlisted_physical_space + c.waitlisted_physical_space
      FROM (SELECT event_id, place_id,
                   count(*) FILTER (WHERE status = 'confirmed') AS confirmed,
                   count(*) FILTER (WHERE status = 'confirmed' AND needs_physical_space) AS confirmed_physical_space,
                   count(*) FILTER (WHERE status = 'waitlisted') AS waitlisted,
                   count(*) FILTER (WHERE status = 'waitlisted' AND needs_physical_space) AS waitlisted_physical_space
              FROM inserted WHERE place_id IS NOT NULL GROUP BY event_id, place_id) c
     WHERE p.event_id = c.event_id AND p.place_id = c.place_id;
    RETURN NULL;
END $$;
CREATE TRIGGER registrations_after_insert AFTER INSERT ON registrations
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION registrations_counted_on_insert();

-- The inserted registrations added to their cells, as tally_registration adds one: grouped
-- first, so that no cell is proposed twice to the upsert.
CREATE FUNCTION registrations_tallied_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO registration_tallies AS t (event_id, attendance_mode, place_id, status, stakeholder_category,
            needs_physical_space, needs_transport, accessibility_requested, fallback_applied, checked_in,
            check_in_source, check_in_minutes, interpretation_language, interests, barrier_statuses, n)
    SELECT r.event_id, r.attendance_mode, r.place_id, r.status, r.stakeholder_category, r.needs_physical_space,
           r.needs_transport, r.accessibility_requested, r.fallback_applied, r.checked_in_at IS NOT NULL,
           r.check_in_source, r.check_in_minutes, r.interpretation_language, r.interests,
           CASE WHEN r.barriers = '[]'::jsonb THEN '{}'::text[] ELSE barrier_statuses(r.barriers) END, count(*)
      FROM inserted r
     GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    ON CONFLICT ON CONSTRAINT registration_tallies_cell DO UPDATE SET n = t.n + excluded.n;
    RETURN NULL;
END $$;
CREATE TRIGGER registrations_tally_insert AFTER INSERT ON registrations
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION registrations_tallied_on_insert();
