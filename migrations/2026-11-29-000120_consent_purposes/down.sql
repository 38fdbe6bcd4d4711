-- The history lines of consent changes cannot stay under the old constraint; the history is
-- append-only, so its guard is lifted for this one statement.
ALTER TABLE registration_history DISABLE TRIGGER registration_history_append_only;
DELETE FROM registration_history WHERE action = 'consent_changed';
ALTER TABLE registration_history ENABLE TRIGGER registration_history_append_only;
ALTER TABLE registration_history
    DROP CONSTRAINT registration_history_action_known,
    ADD CONSTRAINT registration_history_action_known CHECK (action IN (
        'created', 'updated', 'mode_changed', 'promoted', 'cancelled', 'checked_in',
        'check_in_undone', 'erased'));
ALTER TABLE registration_history DROP COLUMN changes;

DROP TABLE registration_consents;
DROP TRIGGER organisations_built_in_consent_purposes ON organisations;
DROP FUNCTION organisations_built_in_consent_purposes();
DROP FUNCTION insert_built_in_consent_purposes(uuid);
DROP TABLE consent_purpose_versions;
DROP FUNCTION consent_purpose_versions_are_immutable();
DROP TABLE consent_purposes;
