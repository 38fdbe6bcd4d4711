-- Offers become confirmed seats (what they count as), then the columns go.
UPDATE registrations SET status = 'confirmed', offer_expires_at = NULL WHERE status = 'offered';
-- The history is append-only; going back is the one exception.
ALTER TABLE registration_history DISABLE TRIGGER registration_history_append_only;
DELETE FROM registration_history
 WHERE action IN ('offered', 'offer_accepted', 'offer_declined', 'offer_expired');
ALTER TABLE registration_history ENABLE TRIGGER registration_history_append_only;
DELETE FROM outreach_items WHERE kind IN ('offered', 'offer_expired');

CREATE OR REPLACE FUNCTION registration_rules() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.checked_in_at IS NULL) <> (NEW.check_in_source IS NULL) THEN
        PERFORM refuse_row('registrations', 'check_in_has_its_source');
    END IF;
    IF NEW.check_in_minutes IS NOT NULL AND NEW.checked_in_at IS NULL THEN
        PERFORM refuse_row('registrations', 'minutes_only_with_a_check_in');
    END IF;
    IF NEW.checked_in_at IS NOT NULL AND NEW.status = 'waitlisted' THEN
        PERFORM refuse_row('registrations', 'only_confirmed_check_in');
    END IF;
    IF NEW.needs_physical_space AND NEW.attendance_mode <> 'onsite' THEN
        PERFORM refuse_row('registrations', 'physical_space_is_onsite');
    END IF;
    IF NEW.place_id IS NOT NULL AND NEW.attendance_mode <> 'onsite' THEN
        PERFORM refuse_row('registrations', 'place_is_onsite');
    END IF;
    IF NEW.no_show_reason IS NOT NULL AND NEW.checked_in_at IS NOT NULL THEN
        PERFORM refuse_row('registrations', 'no_show_only_without_a_check_in');
    END IF;
    RETURN NEW;
END $$;
DROP TRIGGER registration_rules ON registrations;
CREATE TRIGGER registration_rules
    BEFORE INSERT OR UPDATE OF checked_in_at, check_in_source, check_in_minutes, status,
        needs_physical_space, attendance_mode, place_id, no_show_reason
    ON registrations FOR EACH ROW EXECUTE FUNCTION registration_rules();

CREATE OR REPLACE FUNCTION registration_seat_counts(status text, mode text, needs_physical_space boolean)
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
CREATE OR REPLACE FUNCTION registration_place_counts(status text, mode text, needs_physical_space boolean)
RETURNS integer[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN ARRAY[
        (status = 'confirmed'  AND mode = 'onsite')::integer,
        (status = 'confirmed'  AND mode = 'onsite' AND needs_physical_space)::integer,
        (status = 'waitlisted' AND mode = 'onsite')::integer,
        (status = 'waitlisted' AND mode = 'onsite' AND needs_physical_space)::integer];
END $$;

ALTER DOMAIN outreach_kind DROP CONSTRAINT outreach_kind_known;
ALTER DOMAIN outreach_kind ADD CONSTRAINT outreach_kind_known CHECK (VALUE IN (
    'confirmed', 'waitlisted', 'promoted', 'moved_online', 'place_changed', 'mode_changed',
    'registration_cancelled', 'event_changed', 'event_cancelled', 'reminder'));
ALTER DOMAIN registration_action DROP CONSTRAINT registration_action_known;
ALTER DOMAIN registration_action ADD CONSTRAINT registration_action_known CHECK (VALUE IN (
    'created', 'updated', 'mode_changed', 'promoted', 'cancelled', 'checked_in',
    'check_in_undone', 'erased', 'consent_changed', 'place_changed', 'no_show_recorded',
    'no_show_cleared'));
DROP INDEX registrations_offers_due;
ALTER TABLE registrations DROP COLUMN offer_expires_at;
ALTER TABLE events DROP COLUMN waitlist_promotion, DROP COLUMN offer_hours;
DROP DOMAIN offer_hours;
DROP DOMAIN waitlist_promotion;
ALTER DOMAIN registration_status DROP CONSTRAINT registration_status_known;
ALTER DOMAIN registration_status ADD CONSTRAINT registration_status_known
    CHECK (VALUE IN ('confirmed', 'waitlisted', 'cancelled'));
