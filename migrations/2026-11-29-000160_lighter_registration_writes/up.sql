-- A registration's statement does less work in PostgreSQL (issue 17's 0.9 of TPC-B-like;
-- bench/README.md, "A lighter registration write"). Nothing a client sees changes; every
-- rule the database kept, it keeps.
--
-- 1. The closed vocabularies become domains. A table's CHECK constraints are read back from
--    their stored text (`stringToNode`) and planned in every statement that writes a row;
--    a domain's are parsed once per connection and cached. The big ones were these lists.
CREATE DOMAIN registration_status AS text
    CONSTRAINT registration_status_known CHECK (VALUE IN ('confirmed', 'waitlisted', 'cancelled'));
CREATE DOMAIN attendance_mode AS text
    CONSTRAINT attendance_mode_known CHECK (VALUE IN ('online', 'onsite'));
CREATE DOMAIN stakeholder_category AS text
    CONSTRAINT stakeholder_category_known CHECK (VALUE IN (
        'migrant', 'refugee', 'migrant_led_organisation', 'ngo', 'regional_authority',
        'public_agency', 'volunteer', 'other'));
CREATE DOMAIN caller_kind AS text
    CONSTRAINT caller_kind_known CHECK (VALUE IN ('user', 'api_client'));
CREATE DOMAIN actor_kind AS text
    CONSTRAINT actor_kind_known CHECK (VALUE IN ('user', 'api_client', 'system'));
CREATE DOMAIN no_show_reason AS text
    CONSTRAINT no_show_reason_known CHECK (VALUE IN (
        'transport', 'connection', 'device', 'schedule', 'illness', 'care_duties', 'language',
        'not_informed', 'other', 'unknown'));
CREATE DOMAIN check_in_source AS text
    CONSTRAINT check_in_source_known CHECK (VALUE IN ('onsite', 'online_import', 'manual'));
CREATE DOMAIN registration_action AS text
    CONSTRAINT registration_action_known CHECK (VALUE IN (
        'created', 'updated', 'mode_changed', 'promoted', 'cancelled', 'checked_in',
        'check_in_undone', 'erased', 'consent_changed', 'place_changed', 'no_show_recorded',
        'no_show_cleared'));
CREATE DOMAIN event_status AS text
    CONSTRAINT event_status_known CHECK (VALUE IN ('draft', 'published', 'cancelled'));
CREATE DOMAIN delivery_status AS text
    CONSTRAINT delivery_status_known CHECK (VALUE IN ('pending', 'delivered', 'failed', 'cancelled'));

ALTER TABLE registrations
    DROP CONSTRAINT registrations_status_check,
    DROP CONSTRAINT registrations_attendance_mode_check,
    DROP CONSTRAINT registrations_stakeholder_category_check,
    DROP CONSTRAINT registrations_created_by_kind_check,
    DROP CONSTRAINT no_show_reason_known,
    DROP CONSTRAINT check_in_source_known,
    ALTER COLUMN status TYPE registration_status,
    ALTER COLUMN attendance_mode TYPE attendance_mode,
    ALTER COLUMN stakeholder_category TYPE stakeholder_category,
    ALTER COLUMN created_by_kind TYPE caller_kind,
    ALTER COLUMN no_show_reason TYPE no_show_reason,
    ALTER COLUMN check_in_source TYPE check_in_source;
ALTER TABLE registration_history
    DROP CONSTRAINT registration_history_action_known,
    DROP CONSTRAINT registration_history_actor_kind_known,
    ALTER COLUMN action TYPE registration_action,
    ALTER COLUMN actor_kind TYPE actor_kind;
ALTER TABLE events
    DROP CONSTRAINT events_status_check,
    ALTER COLUMN status TYPE event_status;
ALTER TABLE webhook_deliveries
    DROP CONSTRAINT webhook_deliveries_status_check,
    ALTER COLUMN status TYPE delivery_status;

-- 2. The seat counters: a new registration moves them with one UPDATE written in the trigger
--    itself (it went through two nested plpgsql calls and a PERFORM), and updates fire the
--    counting trigger only when they change what is counted.
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
                + (NEW.status = 'waitlisted' AND NEW.attendance_mode = 'onsite' AND NEW.needs_physical_space)::integer
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
DROP TRIGGER registrations_after_change ON registrations;
CREATE TRIGGER registrations_after_insert AFTER INSERT ON registrations
    FOR EACH ROW EXECUTE FUNCTION registrations_after_insert();
CREATE TRIGGER registrations_after_change
    AFTER UPDATE OF event_id, status, attendance_mode, needs_physical_space, place_id ON registrations
    FOR EACH ROW EXECUTE FUNCTION registrations_after_change();

-- The accessibility flag: a new row without notes keeps the column's default (false), so the
-- trigger runs only when there is something to look at; an update, only when it names the
-- notes or the flag (an erasure names the notes, and keeps the flag).
DROP TRIGGER registrations_accessibility_flag ON registrations;
CREATE TRIGGER registrations_accessibility_flag_on_insert BEFORE INSERT ON registrations
    FOR EACH ROW WHEN (NEW.accessibility_notes IS NOT NULL OR NEW.accessibility_requested)
    EXECUTE FUNCTION registrations_accessibility_flag();
CREATE TRIGGER registrations_accessibility_flag
    BEFORE UPDATE OF accessibility_notes, accessibility_requested ON registrations
    FOR EACH ROW EXECUTE FUNCTION registrations_accessibility_flag();

-- 3. A registration's history lines and consents are written in the statement that writes
--    the registration, or with the registration's row locked, and a registration is never
--    deleted (erasure clears its fields; the retention purge erases). Their foreign keys to
--    `registrations` cost a lookup with a row lock per line (a third of what remained), so
--    they go, and the deletion they guarded against is refused outright.
ALTER TABLE registration_history DROP CONSTRAINT registration_history_registration_id_fkey;
ALTER TABLE registration_consents DROP CONSTRAINT registration_consents_registration_id_fkey;
CREATE FUNCTION registrations_are_never_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'registrations are never deleted: erase their personal data instead'
        USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER registrations_are_never_deleted BEFORE DELETE OR TRUNCATE ON registrations
    FOR EACH STATEMENT EXECUTE FUNCTION registrations_are_never_deleted();
