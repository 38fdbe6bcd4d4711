-- People across events, with consent (`link_across_events`). A registration that carries that
-- consent holds `person_key`: a keyed hash (HMAC-SHA-256 under its organisation's
-- `link_key`) of what identifies the person to the organisation: the reference a partner
-- supplied, or the normalised email or phone, or a random value when there is none. The
-- reference itself is never stored. `person_code` is the short code the server derives from
-- the key (printed on the participant's card, typed in at the next registration to link it).
-- Erasure, retention and a withdrawn consent clear both.
--
-- The key is per organisation, so the same person's key differs between organisations and
-- two organisations' data cannot be joined on it. A volatile default gives every existing
-- organisation its own random key (PostgreSQL evaluates it per row).
ALTER TABLE organisations
    ADD COLUMN link_key bytea NOT NULL DEFAULT (uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()));

ALTER TABLE registrations
    ADD COLUMN person_key bytea,
    ADD COLUMN person_code text,
    ADD CONSTRAINT registrations_person_code_with_key CHECK (person_code IS NULL OR person_key IS NOT NULL);

-- A typed-in code finds the person's key.
CREATE INDEX registrations_person_code_idx ON registrations (person_code) WHERE person_code IS NOT NULL;
