-- Reports count accessibility needs, and erasing a registration's personal data nulls its
-- notes. So whether notes were given is kept in a flag of its own, set by the database on
-- every write whatever code path made it, and left alone by the erasure.
ALTER TABLE registrations ADD COLUMN accessibility_requested boolean NOT NULL DEFAULT false;
UPDATE registrations SET accessibility_requested = true
 WHERE coalesce(btrim(accessibility_notes), '') <> '';

CREATE FUNCTION registrations_accessibility_flag() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.erased_at IS NOT NULL THEN
        NEW.accessibility_requested := OLD.accessibility_requested;
    ELSE
        NEW.accessibility_requested := coalesce(btrim(NEW.accessibility_notes), '') <> '';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER registrations_accessibility_flag BEFORE INSERT OR UPDATE ON registrations
    FOR EACH ROW EXECUTE FUNCTION registrations_accessibility_flag();
