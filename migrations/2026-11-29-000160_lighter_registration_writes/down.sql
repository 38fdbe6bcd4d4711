DROP TRIGGER registrations_are_never_deleted ON registrations;
DROP FUNCTION registrations_are_never_deleted();
ALTER TABLE registration_consents ADD CONSTRAINT registration_consents_registration_id_fkey
    FOREIGN KEY (registration_id) REFERENCES registrations(id);
ALTER TABLE registration_history ADD CONSTRAINT registration_history_registration_id_fkey
    FOREIGN KEY (registration_id) REFERENCES registrations(id);

DROP TRIGGER registrations_accessibility_flag ON registrations;
DROP TRIGGER registrations_accessibility_flag_on_insert ON registrations;
CREATE TRIGGER registrations_accessibility_flag BEFORE INSERT OR UPDATE ON registrations
    FOR EACH ROW EXECUTE FUNCTION registrations_accessibility_flag();

DROP TRIGGER registrations_after_change ON registrations;
DROP TRIGGER registrations_after_insert ON registrations;
DROP FUNCTION registrations_after_insert();
CREATE TRIGGER registrations_after_change AFTER INSERT OR UPDATE ON registrations
    FOR EACH ROW EXECUTE FUNCTION registrations_after_change();

ALTER TABLE webhook_deliveries
    ALTER COLUMN status TYPE text,
    ADD CONSTRAINT webhook_deliveries_status_check CHECK (status IN ('pending', 'delivered', 'failed', 'cancelled'));
ALTER TABLE events
    ALTER COLUMN status TYPE text,
    ADD CONSTRAINT events_status_check CHECK (status IN ('draft', 'published', 'cancelled'));
ALTER TABLE registration_history
    ALTER COLUMN action TYPE text,
    ALTER COLUMN actor_kind TYPE text,
    ADD CONSTRAINT registration_history_action_known CHECK (action IN (
        'created', 'updated', 'mode_changed', 'promoted', 'cancelled', 'checked_in',
        'check_in_undone', 'erased', 'consent_changed', 'place_changed', 'no_show_recorded',
        'no_show_cleared')),
    ADD CONSTRAINT registration_history_actor_kind_known CHECK (actor_kind IN ('user', 'api_client', 'system'));
ALTER TABLE registrations
    ALTER COLUMN status TYPE text,
    ALTER COLUMN attendance_mode TYPE text,
    ALTER COLUMN stakeholder_category TYPE text,
    ALTER COLUMN created_by_kind TYPE text,
    ALTER COLUMN no_show_reason TYPE text,
    ALTER COLUMN check_in_source TYPE text,
    ADD CONSTRAINT registrations_status_check CHECK (status IN ('confirmed', 'waitlisted', 'cancelled')),
    ADD CONSTRAINT registrations_attendance_mode_check CHECK (attendance_mode IN ('online', 'onsite')),
    ADD CONSTRAINT registrations_stakeholder_category_check CHECK (stakeholder_category IN (
        'migrant', 'refugee', 'migrant_led_organisation', 'ngo', 'regional_authority',
        'public_agency', 'volunteer', 'other')),
    ADD CONSTRAINT registrations_created_by_kind_check CHECK (created_by_kind IN ('user', 'api_client')),
    ADD CONSTRAINT no_show_reason_known CHECK (no_show_reason IN (
        'transport', 'connection', 'device', 'schedule', 'illness', 'care_duties', 'language',
        'not_informed', 'other', 'unknown')),
    ADD CONSTRAINT check_in_source_known CHECK (check_in_source IN ('onsite', 'online_import', 'manual'));

DROP DOMAIN delivery_status;
DROP DOMAIN event_status;
DROP DOMAIN registration_action;
DROP DOMAIN check_in_source;
DROP DOMAIN no_show_reason;
DROP DOMAIN actor_kind;
DROP DOMAIN caller_kind;
DROP DOMAIN stakeholder_category;
DROP DOMAIN attendance_mode;
DROP DOMAIN registration_status;
