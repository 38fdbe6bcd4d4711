DELETE FROM registration_history WHERE action = 'barriers_changed';
ALTER DOMAIN registration_action DROP CONSTRAINT registration_action_known;
ALTER DOMAIN registration_action ADD CONSTRAINT registration_action_known CHECK (VALUE IN (
    'created', 'updated', 'mode_changed', 'promoted', 'cancelled', 'checked_in',
    'check_in_undone', 'erased', 'consent_changed', 'place_changed', 'no_show_recorded',
    'no_show_cleared', 'offered', 'offer_accepted', 'offer_declined', 'offer_expired'));
ALTER TABLE registrations DROP COLUMN barriers;
