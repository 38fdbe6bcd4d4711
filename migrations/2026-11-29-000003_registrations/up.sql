CREATE TABLE registrations (
    id                       uuid PRIMARY KEY,
    -- Arrival order: first come, first served within each waitlist group. A sequence rather
    -- than created_at, because two registrations can share a timestamp.
    seq                      bigint GENERATED ALWAYS AS IDENTITY,
    event_id                 uuid NOT NULL REFERENCES events (id),
    status                   text NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'cancelled')),
    attendance_mode          text NOT NULL CHECK (attendance_mode IN ('online', 'onsite')),
    needs_physical_space     boolean NOT NULL DEFAULT false,
    needs_transport          boolean NOT NULL DEFAULT false,
    interpretation_language  text,
    accessibility_notes      text,
    accept_online_fallback   boolean NOT NULL DEFAULT false,
    fallback_applied         boolean NOT NULL DEFAULT false,
    interests                text[] NOT NULL DEFAULT '{}',
    -- Personal data: nulled by erasure, never logged.
    full_name                text,
    email                    text,
    email_normalised         text,
    phone                    text,
    phone_digits             text,
    organisation_name        text,
    -- Not personal on their own; kept after erasure so reports still count the person.
    preferred_language       text,
    stakeholder_category     text NOT NULL CHECK (stakeholder_category IN ('migrant', 'refugee',
                                 'migrant_led_organisation', 'ngo', 'regional_authority',
                                 'public_agency', 'volunteer', 'other')),
    consent_data_processing  boolean NOT NULL,
    consent_contact          boolean NOT NULL DEFAULT false,
    checked_in_at            timestamptz,
    created_by               uuid NOT NULL,
    created_by_kind          text NOT NULL CHECK (created_by_kind IN ('user', 'api_client')),
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now(),
    cancelled_at             timestamptz,
    erased_at                timestamptz,
    CONSTRAINT physical_space_is_onsite CHECK (NOT needs_physical_space OR attendance_mode = 'onsite'),
    CONSTRAINT only_confirmed_check_in CHECK (checked_in_at IS NULL OR status <> 'waitlisted')
);
CREATE UNIQUE INDEX registrations_seq_key ON registrations (seq);
CREATE INDEX registrations_event_idx ON registrations (event_id, seq);
CREATE INDEX registrations_creator_idx ON registrations (created_by, event_id, seq);
-- Waitlist order per event and mode: physical-space need first, then arrival.
CREATE INDEX registrations_waitlist_idx ON registrations
    (event_id, attendance_mode, needs_physical_space DESC, seq) WHERE status = 'waitlisted';
-- Seat rule 5, enforced by the database so that it holds under concurrency.
CREATE UNIQUE INDEX registrations_one_email_per_event ON registrations (event_id, email_normalised)
    WHERE status <> 'cancelled' AND email_normalised IS NOT NULL;
CREATE UNIQUE INDEX registrations_one_phone_per_event ON registrations (event_id, phone_digits)
    WHERE status <> 'cancelled' AND phone_digits IS NOT NULL;

-- Append-only audit trail; holds no personal data.
CREATE TABLE registration_history (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    registration_id  uuid NOT NULL REFERENCES registrations (id),
    event_id         uuid NOT NULL,
    at               timestamptz NOT NULL DEFAULT clock_timestamp(),
    action           text NOT NULL,
    actor_id         uuid,
    actor_kind       text NOT NULL,
    old_status       text,
    new_status       text NOT NULL,
    old_mode         text,
    new_mode         text NOT NULL
);
CREATE INDEX registration_history_registration_idx ON registration_history (registration_id, id);

CREATE FUNCTION registration_history_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'registration_history is append-only';
END $$;
CREATE TRIGGER registration_history_append_only BEFORE UPDATE OR DELETE ON registration_history
    FOR EACH ROW EXECUTE FUNCTION registration_history_is_append_only();

-- Keeps the seat counters on events equal to the registrations table and writes the audit
-- trail, whatever code path changed a registration. The actor is set per transaction with
-- set_config('hybrid_events.actor_id' / 'hybrid_events.actor_kind', ..., true).
CREATE FUNCTION registrations_after_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    d_online_confirmed  integer := 0;
    d_online_waitlisted integer := 0;
    d_onsite_confirmed  integer := 0;
    d_onsite_physical   integer := 0;
    d_onsite_waitlisted integer := 0;
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
        IF OLD.status = 'waitlisted' AND OLD.attendance_mode = 'onsite' THEN d_onsite_waitlisted := d_onsite_waitlisted - 1; END IF;
    END IF;
    IF NEW.status = 'confirmed' AND NEW.attendance_mode = 'online' THEN d_online_confirmed := d_online_confirmed + 1; END IF;
    IF NEW.status = 'waitlisted' AND NEW.attendance_mode = 'online' THEN d_online_waitlisted := d_online_waitlisted + 1; END IF;
    IF NEW.status = 'confirmed' AND NEW.attendance_mode = 'onsite' THEN
        d_onsite_confirmed := d_onsite_confirmed + 1;
        IF NEW.needs_physical_space THEN d_onsite_physical := d_onsite_physical + 1; END IF;
    END IF;
    IF NEW.status = 'waitlisted' AND NEW.attendance_mode = 'onsite' THEN d_onsite_waitlisted := d_onsite_waitlisted + 1; END IF;

    IF d_online_confirmed <> 0 OR d_online_waitlisted <> 0 OR d_onsite_confirmed <> 0
       OR d_onsite_physical <> 0 OR d_onsite_waitlisted <> 0 THEN
        UPDATE events SET
            online_confirmed = online_confirmed + d_online_confirmed,
            online_waitlisted = online_waitlisted + d_online_waitlisted,
            onsite_confirmed = onsite_confirmed + d_onsite_confirmed,
            onsite_confirmed_physical_space = onsite_confirmed_physical_space + d_onsite_physical,
            onsite_waitlisted = onsite_waitlisted + d_onsite_waitlisted
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
CREATE TRIGGER registrations_after_change AFTER INSERT OR UPDATE ON registrations
    FOR EACH ROW EXECUTE FUNCTION registrations_after_change();

-- Rule 7: the first answer to an Idempotency-Key, kept for 24 hours.
CREATE TABLE idempotency_keys (
    caller_id        uuid NOT NULL,
    key              text NOT NULL,
    request_hash     bytea NOT NULL,
    response_status  integer,
    response_body    jsonb,
    registration_id  uuid,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (caller_id, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
CREATE INDEX idempotency_keys_registration_idx ON idempotency_keys (registration_id);
