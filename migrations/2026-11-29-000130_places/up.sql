-- Places: the rooms an organisation offers people to attend from. A `venue` is where a
-- meeting happens; a `hosted` place is a room near people's homes (a community centre, a
-- library, an NGO office in a village) where those without a device follow the meeting on
-- a provided screen, with a host who helps. Places hold no participant's data.
CREATE TABLE places (
    id                    uuid PRIMARY KEY,
    organisation_id       uuid NOT NULL REFERENCES organisations (id),
    name                  text NOT NULL,
    kind                  text NOT NULL CHECK (kind IN ('venue', 'hosted')),
    address               text,
    municipality          text,
    region                text,
    -- How many people can follow online there; NULL for a venue where the meeting happens.
    devices               integer CHECK (devices >= 0),
    accessibility         text[] NOT NULL DEFAULT '{}',
    host_organisation_id  uuid REFERENCES organisations (id),
    contact_phone         text,
    notes                 text,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX places_organisation_idx ON places (organisation_id, id);

-- The places an event offers beside its main venue (the `onsite` block of the event), each
-- with its own seats. The counters are kept by the trigger on registrations, like the
-- event's, so that every read shows what the registrations table says.
CREATE TABLE event_places (
    event_id                    uuid NOT NULL REFERENCES events (id),
    place_id                    uuid NOT NULL REFERENCES places (id),
    -- Order of the places in reads, reports and promotion.
    position                    bigint GENERATED ALWAYS AS IDENTITY,
    capacity                    integer NOT NULL CHECK (capacity >= 0),
    reserved                    integer NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    confirmed                   integer NOT NULL DEFAULT 0,
    confirmed_physical_space    integer NOT NULL DEFAULT 0,
    waitlisted                  integer NOT NULL DEFAULT 0,
    waitlisted_physical_space   integer NOT NULL DEFAULT 0,
    created_at                  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (event_id, place_id),
    CONSTRAINT place_reserved_within_capacity CHECK (reserved <= capacity),
    -- The last line of defence for the seat rules at each place: never more confirmed than
    -- seats, and never a reserved seat to someone without the need.
    CONSTRAINT place_not_overbooked CHECK (confirmed <= capacity),
    CONSTRAINT place_reserved_only_to_the_need CHECK (confirmed - confirmed_physical_space <= capacity - reserved)
);

-- A registration's place: NULL is the event's main venue (and every online registration).
-- `acceptable_place_ids` are the other places of the event the person could reach, in order
-- of preference.
ALTER TABLE registrations
    ADD COLUMN place_id uuid REFERENCES places (id),
    ADD COLUMN acceptable_place_ids uuid[] NOT NULL DEFAULT '{}',
    ADD CONSTRAINT place_is_onsite CHECK (place_id IS NULL OR attendance_mode = 'onsite');
CREATE INDEX registrations_place_waitlist_idx ON registrations (event_id, place_id, needs_physical_space DESC, seq)
    WHERE status = 'waitlisted' AND place_id IS NOT NULL;

-- A move between places is a history line of its own; the places moved between are in its
-- `changes` (`place_id` from, to), as any field is.
ALTER TABLE registration_history
    DROP CONSTRAINT registration_history_action_known,
    ADD CONSTRAINT registration_history_action_known CHECK (action IN (
        'created', 'updated', 'mode_changed', 'promoted', 'cancelled', 'checked_in',
        'check_in_undone', 'erased', 'consent_changed', 'place_changed'));

-- What one registration in one state adds to the counters of its event (online, and onsite
-- at the main venue) and of its place, in the order of `registration_seat_counts`. The
-- onsite counts go to the event only at the main venue (`at_venue`).
CREATE FUNCTION registration_place_counts(status text, mode text, needs_physical_space boolean)
RETURNS integer[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN ARRAY[
        (status = 'confirmed'  AND mode = 'onsite')::integer,
        (status = 'confirmed'  AND mode = 'onsite' AND needs_physical_space)::integer,
        (status = 'waitlisted' AND mode = 'onsite')::integer,
        (status = 'waitlisted' AND mode = 'onsite' AND needs_physical_space)::integer];
END $$;

-- Moves the counters of `place` at `event` by `after` - `before` (in the order above).
CREATE FUNCTION apply_place_counts(event uuid, place uuid, after integer[], before integer[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE event_places SET
        confirmed = confirmed + after[1] - before[1],
        confirmed_physical_space = confirmed_physical_space + after[2] - before[2],
        waitlisted = waitlisted + after[3] - before[3],
        waitlisted_physical_space = waitlisted_physical_space + after[4] - before[4]
     WHERE event_id = event AND place_id = place;
END $$;

CREATE OR REPLACE FUNCTION registrations_after_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    none integer[] := '{0,0,0,0,0,0}';
    after_change integer[] := none;
    before_change integer[] := none;
    after_place integer[] := '{0,0,0,0}';
    before_place integer[] := '{0,0,0,0}';
BEGIN
    IF NEW.place_id IS NULL THEN
        after_change := registration_seat_counts(NEW.status, NEW.attendance_mode, NEW.needs_physical_space);
    ELSE
        -- Online counts only (a place is onsite): none.
        after_place := registration_place_counts(NEW.status, NEW.attendance_mode, NEW.needs_physical_space);
    END IF;
    IF TG_OP = 'UPDATE' THEN
        IF OLD.place_id IS NULL THEN
            before_change := registration_seat_counts(OLD.status, OLD.attendance_mode, OLD.needs_physical_space);
        ELSE
            before_place := registration_place_counts(OLD.status, OLD.attendance_mode, OLD.needs_physical_space);
        END IF;
    END IF;
    IF after_change IS DISTINCT FROM before_change THEN
        PERFORM apply_seat_counts(NEW.event_id, after_change, before_change);
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.place_id IS NOT NULL AND OLD.place_id IS DISTINCT FROM NEW.place_id THEN
        PERFORM apply_place_counts(OLD.event_id, OLD.place_id, '{0,0,0,0}', before_place);
        before_place := '{0,0,0,0}';
    END IF;
    IF NEW.place_id IS NOT NULL AND after_place IS DISTINCT FROM before_place THEN
        PERFORM apply_place_counts(NEW.event_id, NEW.place_id, after_place, before_place);
    END IF;
    RETURN NULL;
END $$;

-- An event's places, offered, changed and withdrawn, are recorded in its history as
-- `places_changed`.
ALTER TABLE event_history DROP CONSTRAINT event_history_action_check;
ALTER TABLE event_history ADD CONSTRAINT event_history_action_check CHECK (action IN (
    'created', 'updated', 'published', 'cancelled',
    'duplicates_refused', 'personal_data_erased', 'retention_purged', 'places_changed'));
