-- Offers instead of silent promotion (issue 19, item 3). With an event's
-- `waitlist_promotion = 'offer'`, a freed seat goes to the first waiting person as an offer
-- (`status = 'offered'`) until `offer_expires_at`; accepting confirms it, declining or letting
-- it expire cancels the registration and passes the seat to the next. An offered seat is
-- taken: the counters count it with the confirmed ones, so every seat rule holds unchanged.
ALTER DOMAIN registration_status DROP CONSTRAINT registration_status_known;
ALTER DOMAIN registration_status ADD CONSTRAINT registration_status_known
    CHECK (VALUE IN ('confirmed', 'waitlisted', 'cancelled', 'offered'));

CREATE DOMAIN waitlist_promotion AS text
    CONSTRAINT waitlist_promotion_known CHECK (VALUE IN ('automatic', 'offer'));
CREATE DOMAIN offer_hours AS integer
    CONSTRAINT offer_hours_range CHECK (VALUE BETWEEN 1 AND 720);
ALTER TABLE events
    ADD COLUMN waitlist_promotion waitlist_promotion NOT NULL DEFAULT 'automatic',
    ADD COLUMN offer_hours offer_hours NOT NULL DEFAULT 48;

ALTER TABLE registrations ADD COLUMN offer_expires_at timestamptz;
-- The expiry job's scan: only the few registrations holding an offer.
CREATE INDEX registrations_offers_due ON registrations (offer_expires_at) WHERE status = 'offered';

ALTER DOMAIN registration_action DROP CONSTRAINT registration_action_known;
ALTER DOMAIN registration_action ADD CONSTRAINT registration_action_known CHECK (VALUE IN (
    'created', 'updated', 'mode_changed', 'promoted', 'cancelled', 'checked_in',
    'check_in_undone', 'erased', 'consent_changed', 'place_changed', 'no_show_recorded',
    'no_show_cleared', 'offered', 'offer_accepted', 'offer_declined', 'offer_expired'));

ALTER DOMAIN outreach_kind DROP CONSTRAINT outreach_kind_known;
ALTER DOMAIN outreach_kind ADD CONSTRAINT outreach_kind_known CHECK (VALUE IN (
    'confirmed', 'waitlisted', 'promoted', 'moved_online', 'place_changed', 'mode_changed',
    'registration_cancelled', 'event_changed', 'event_cancelled', 'reminder', 'offered',
    'offer_expired'));

-- An offered seat counts as taken (with the confirmed), in both counting functions.
CREATE OR REPLACE FUNCTION registration_seat_counts(status text, mode text, needs_physical_space boolean)
RETURNS integer[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    taken boolean := status IN ('confirmed', 'offered');
BEGIN
    RETURN ARRAY[
        (taken AND mode = 'online')::integer,
        (status = 'waitlisted' AND mode = 'online')::integer,
        (taken AND mode = 'onsite')::integer,
        (taken AND mode = 'onsite' AND needs_physical_space)::integer,
        (status = 'waitlisted' AND mode = 'onsite')::integer,
        (status = 'waitlisted' AND mode = 'onsite' AND needs_physical_space)::integer];
END $$;
CREATE OR REPLACE FUNCTION registration_place_counts(status text, mode text, needs_physical_space boolean)
RETURNS integer[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    taken boolean := status IN ('confirmed', 'offered');
BEGIN
    RETURN ARRAY[
        (taken AND mode = 'onsite')::integer,
        (taken AND mode = 'onsite' AND needs_physical_space)::integer,
        (status = 'waitlisted' AND mode = 'onsite')::integer,
        (status = 'waitlisted' AND mode = 'onsite' AND needs_physical_space)::integer];
END $$;
-- (registrations_after_insert needs no change: a registration is never inserted offered.)

-- An offer has its deadline and only an offer has one; no one checks in on an offer.
CREATE OR REPLACE FUNCTION registration_rules() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.checked_in_at IS NULL) <> (NEW.check_in_source IS NULL) THEN
        PERFORM refuse_row('registrations', 'check_in_has_its_source');
    END IF;
    IF NEW.check_in_minutes IS NOT NULL AND NEW.checked_in_at IS NULL THEN
        PERFORM refuse_row('registrations', 'minutes_only_with_a_check_in');
    END IF;
    IF NEW.checked_in_at IS NOT NULL AND NEW.status IN ('waitlisted', 'offered') THEN
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
    IF (NEW.status = 'offered') <> (NEW.offer_expires_at IS NOT NULL) THEN
        PERFORM refuse_row('registrations', 'offer_has_its_deadline');
    END IF;
    RETURN NEW;
END $$;
DROP TRIGGER registration_rules ON registrations;
CREATE TRIGGER registration_rules
    BEFORE INSERT OR UPDATE OF checked_in_at, check_in_source, check_in_minutes, status,
        needs_physical_space, attendance_mode, place_id, no_show_reason, offer_expires_at
    ON registrations FOR EACH ROW EXECUTE FUNCTION registration_rules();
