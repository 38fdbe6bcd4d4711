DROP TABLE event_history;
ALTER TABLE registration_history
    DROP CONSTRAINT registration_history_action_known,
    DROP CONSTRAINT registration_history_actor_kind_known;

-- The trigger as migration 000040 left it: counters and the audit trail.
CREATE OR REPLACE FUNCTION registrations_after_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    d_online_confirmed  integer := 0;
    d_online_waitlisted integer := 0;
    d_onsite_confirmed  integer := 0;
    d_onsite_physical   integer := 0;
    d_onsite_waitlisted integer := 0;
    d_onsite_waiting_physical integer := 0;
    v_action            text;
    v_actor             text := nullif(current_setting('hybrid_events.actor_id', true), '');
    v_actor_kind        text := coalesce(nullif(current_setting('hybrid_events.actor_kind', true), ''), 'system');
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF OLD.status = 'confirmed' AND OLD.attendance_mode = 'online' THEN d_online_confirmed := d_online_confirmed - 1; END IF;
        IF OLD.status = 'waitlisted' AND OLD.attendance_mode = 'online' THEN d_online_waitlisted := d_online_waitlisted - 1; END IF;
        IF OLD.status = 'confirmed' AND OLD.attendance_mode = 'onsite' THEN
            d_onsite_confirmed := d_onsite_confirmed - 1;
            IF OLD.needs_physical_space THEN d_onsite_physical := d_onsite_physical - 1; END IF;
        END IF;
        IF OLD.status = 'waitlisted' AND OLD.attendance_mode = 'onsite' THEN
            d_onsite_waitlisted := d_onsite_waitlisted - 1;
            IF OLD.needs_physical_space THEN d_onsite_waiting_physical := d_onsite_waiting_physical - 1; END IF;
        END IF;
    END IF;
    IF NEW.status = 'confirmed' AND NEW.attendance_mode = 'online' THEN d_online_confirmed := d_online_confirmed + 1; END IF;
    IF NEW.status = 'waitlisted' AND NEW.attendance_mode = 'online' THEN d_online_waitlisted := d_online_waitlisted + 1; END IF;
    IF NEW.status = 'confirmed' AND NEW.attendance_mode = 'onsite' THEN
        d_onsite_confirmed := d_onsite_confirmed + 1;
        IF NEW.needs_physical_space THEN d_onsite_physical := d_onsite_physical + 1; END IF;
    END IF;
    IF NEW.status = 'waitlisted' AND NEW.attendance_mode = 'onsite' THEN
        d_onsite_waitlisted := d_onsite_waitlisted + 1;
        IF NEW.needs_physical_space THEN d_onsite_waiting_physical := d_onsite_waiting_physical + 1; END IF;
    END IF;

    IF d_online_confirmed <> 0 OR d_online_waitlisted <> 0 OR d_onsite_confirmed <> 0
       OR d_onsite_physical <> 0 OR d_onsite_waitlisted <> 0 OR d_onsite_waiting_physical <> 0 THEN
        UPDATE events SET
            online_confirmed = online_confirmed + d_online_confirmed,
            online_waitlisted = online_waitlisted + d_online_waitlisted,
            onsite_confirmed = onsite_confirmed + d_onsite_confirmed,
            onsite_confirmed_physical_space = onsite_confirmed_physical_space + d_onsite_physical,
            onsite_waitlisted = onsite_waitlisted + d_onsite_waitlisted,
            onsite_waitlisted_physical_space = onsite_waitlisted_physical_space + d_onsite_waiting_physical
        WHERE id = NEW.event_id;
    END IF;

    IF TG_OP = 'INSERT' THEN
        v_action := 'created';
    ELSIF OLD.erased_at IS NULL AND NEW.erased_at IS NOT NULL THEN
        v_action := 'erased';
    ELSIF OLD.status <> 'cancelled' AND NEW.status = 'cancelled' THEN
        v_action := 'cancelled';
    ELSIF OLD.status = 'waitlisted' AND NEW.status = 'confirmed' THEN
        v_action := 'promoted';
    ELSIF OLD.attendance_mode <> NEW.attendance_mode THEN
        v_action := 'mode_changed';
    ELSIF OLD.checked_in_at IS NULL AND NEW.checked_in_at IS NOT NULL THEN
        v_action := 'checked_in';
    ELSE
        v_action := 'updated';
    END IF;
    INSERT INTO registration_history
        (registration_id, event_id, action, actor_id, actor_kind, old_status, new_status, old_mode, new_mode)
    VALUES
        (NEW.id, NEW.event_id, v_action, v_actor::uuid, v_actor_kind,
         CASE WHEN TG_OP = 'UPDATE' THEN OLD.status END, NEW.status,
         CASE WHEN TG_OP = 'UPDATE' THEN OLD.attendance_mode END, NEW.attendance_mode);
    RETURN NULL;
END $$;

DROP FUNCTION apply_seat_counts(uuid, integer[], integer[]);
DROP FUNCTION registration_seat_counts(text, text, boolean);
