DROP TRIGGER registrations_tally_insert ON registrations;
DROP TRIGGER registrations_after_insert ON registrations;
DROP FUNCTION registrations_tallied_on_insert();
DROP FUNCTION registrations_counted_on_insert();
CREATE FUNCTION registrations_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER registrations_after_insert AFTER INSERT ON registrations
    FOR EACH ROW EXECUTE FUNCTION registrations_after_insert();
CREATE TRIGGER registrations_mark_event_changed_on_insert AFTER INSERT ON registrations
    FOR EACH ROW WHEN (NEW.place_id IS NOT NULL) EXECUTE FUNCTION mark_event_changed();
CREATE TRIGGER registrations_tally_insert AFTER INSERT ON registrations FOR EACH ROW
    EXECUTE FUNCTION registrations_tally();
