DROP TRIGGER registrations_tally_change ON registrations;
DROP FUNCTION registrations_tally_change();
CREATE OR REPLACE FUNCTION registrations_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
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
DROP FUNCTION recount_registration_tallies(uuid);
DROP FUNCTION tally_registration(registrations, integer);
DROP VIEW registration_tallies_recount;
DROP TABLE registration_tallies;
DROP FUNCTION barrier_statuses(jsonb);
