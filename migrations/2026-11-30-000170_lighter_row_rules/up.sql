-- A registration's statements do less work in PostgreSQL, again (issue 17's 0.9 of TPC-B-like;
-- bench/README.md, "A lighter registration write"). PostgreSQL reads every CHECK constraint
-- of a table back from its stored text and plans it in every statement that writes a row of
-- it: a registration's INSERT paid for seven, and the seat counters' UPDATE of its event for
-- ten, eight of them about columns that UPDATE never touches. Every rule is kept, with the
-- same name; only where PostgreSQL holds it changes:
--
-- 1. The rules of a single number become domains, as the closed vocabularies did in 000160:
--    a domain's constraint is parsed once per connection, and checked only where a value of
--    the column is written. The same values are allowed as before.
CREATE DOMAIN non_negative_count AS integer
    CONSTRAINT non_negative_count_not_negative CHECK (VALUE >= 0);
CREATE DOMAIN retention_days AS integer
    CONSTRAINT retention_days_range CHECK (VALUE BETWEEN 1 AND 36500);
CREATE DOMAIN attendance_min_minutes AS integer
    CONSTRAINT attendance_min_minutes_range CHECK (VALUE BETWEEN 1 AND 1440);

ALTER TABLE events
    DROP CONSTRAINT events_online_capacity_check,
    DROP CONSTRAINT events_onsite_capacity_check,
    DROP CONSTRAINT events_onsite_reserved_check,
    DROP CONSTRAINT events_retention_days_range,
    DROP CONSTRAINT online_attendance_min_minutes_in_range,
    ALTER COLUMN online_capacity TYPE non_negative_count,
    ALTER COLUMN onsite_capacity TYPE non_negative_count,
    ALTER COLUMN onsite_reserved TYPE non_negative_count,
    ALTER COLUMN retention_days TYPE retention_days,
    ALTER COLUMN online_attendance_min_minutes TYPE attendance_min_minutes;
ALTER TABLE event_places
    DROP CONSTRAINT event_places_capacity_check,
    DROP CONSTRAINT event_places_reserved_check,
    ALTER COLUMN capacity TYPE non_negative_count,
    ALTER COLUMN reserved TYPE non_negative_count;
ALTER TABLE registrations
    DROP CONSTRAINT check_in_minutes_not_negative,
    ALTER COLUMN check_in_minutes TYPE non_negative_count;
ALTER TABLE organisations
    DROP CONSTRAINT organisations_retention_days_range,
    ALTER COLUMN retention_days TYPE retention_days;

-- 2. The rules between columns that no seat depends on move into BEFORE triggers, whose
--    plpgsql is planned once per connection and which fire only when a column they read is
--    written. A violation is refused as the constraint was: SQLSTATE 23514 (check_violation),
--    the rule's name as the constraint, and PostgreSQL's own wording. The seat rules stay
--    CHECK constraints (online_not_overbooked, onsite_not_overbooked and those of
--    event_places): no trigger can be forgotten in front of them.
CREATE FUNCTION refuse_row(relation text, rule text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'new row for relation "%" violates check constraint "%"', relation, rule
        USING ERRCODE = 'check_violation', CONSTRAINT = rule, TABLE = relation;
END $$;

ALTER TABLE registrations
    DROP CONSTRAINT check_in_has_its_source,
    DROP CONSTRAINT minutes_only_with_a_check_in,
    DROP CONSTRAINT only_confirmed_check_in,
    DROP CONSTRAINT physical_space_is_onsite,
    DROP CONSTRAINT place_is_onsite,
    DROP CONSTRAINT no_show_only_without_a_check_in;
CREATE FUNCTION registration_rules() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER registration_rules
    BEFORE INSERT OR UPDATE OF checked_in_at, check_in_source, check_in_minutes, status,
        needs_physical_space, attendance_mode, place_id, no_show_reason
    ON registrations FOR EACH ROW EXECUTE FUNCTION registration_rules();

ALTER TABLE events
    DROP CONSTRAINT ends_after_start,
    DROP CONSTRAINT has_a_mode,
    DROP CONSTRAINT reserved_within_capacity;
CREATE FUNCTION event_rules() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT NEW.ends_at > NEW.starts_at THEN
        PERFORM refuse_row('events', 'ends_after_start');
    END IF;
    IF NOT (NEW.online_offered OR NEW.onsite_offered) THEN
        PERFORM refuse_row('events', 'has_a_mode');
    END IF;
    IF NOT NEW.onsite_reserved <= COALESCE(NEW.onsite_capacity, 0) THEN
        PERFORM refuse_row('events', 'reserved_within_capacity');
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER event_rules
    BEFORE INSERT OR UPDATE OF starts_at, ends_at, online_offered, onsite_offered, onsite_reserved,
        onsite_capacity
    ON events FOR EACH ROW EXECUTE FUNCTION event_rules();
