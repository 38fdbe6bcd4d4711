-- Barriers as data (issue 21, item 5): a registration's barriers, each
-- `{barrier, status, arranged}` (`domain::barriers`), checked by the server before it is
-- written, in the vocabulary's order; `[]` for none. `needs_transport` stays as the seat and
-- report code reads it, always equal to "a transport barrier is listed"; the physical-space
-- need always comes with a digital_gap barrier. No CHECK on the shape: only the server
-- writes it, and a CHECK on registrations is paid at every counter update.
ALTER TABLE registrations ADD COLUMN barriers jsonb NOT NULL DEFAULT '[]';

-- What the two first-contract needs said, as barriers raised.
UPDATE registrations
   SET barriers =
       (CASE WHEN needs_transport
             THEN '[{"barrier": "transport", "status": "raised", "arranged": []}]'::jsonb
             ELSE '[]'::jsonb END)
    || (CASE WHEN needs_physical_space
             THEN '[{"barrier": "digital_gap", "status": "raised", "arranged": []}]'::jsonb
             ELSE '[]'::jsonb END)
 WHERE needs_transport OR needs_physical_space;

ALTER DOMAIN registration_action DROP CONSTRAINT registration_action_known;
ALTER DOMAIN registration_action ADD CONSTRAINT registration_action_known CHECK (VALUE IN (
    'created', 'updated', 'mode_changed', 'promoted', 'cancelled', 'checked_in',
    'check_in_undone', 'erased', 'consent_changed', 'place_changed', 'no_show_recorded',
    'no_show_cleared', 'offered', 'offer_accepted', 'offer_declined', 'offer_expired',
    'barriers_changed'));
