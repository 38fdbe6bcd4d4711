-- Consent per purpose (issue 16, item 5). Each organisation has consent purposes
-- (`data_processing`, `contact`, `photos`…), each with versions of its text per language;
-- a registration records which purposes, at which version, were accepted and when, and when
-- they were withdrawn. Versions are immutable: what a person accepted can always be shown.

CREATE TABLE consent_purposes (
    organisation_id  uuid NOT NULL REFERENCES organisations (id),
    -- A slug (compared byte by byte, as Rust sorts it): a-z first, then a-z, 0-9 and single underscores, at most 40 characters.
    purpose          text COLLATE "C" NOT NULL CHECK (purpose ~ '^[a-z][a-z0-9]*(_[a-z0-9]+)*$' AND length(purpose) <= 40),
    required         boolean NOT NULL,
    -- The newest version; versions are numbered 1, 2, … without gaps.
    current_version  integer NOT NULL DEFAULT 1 CHECK (current_version >= 1),
    created_at       timestamptz NOT NULL DEFAULT now(),
    -- Null for the built-in purposes every organisation starts with.
    created_by       uuid,
    PRIMARY KEY (organisation_id, purpose),
    -- Nothing is processed without it: always required.
    CONSTRAINT consent_purposes_data_processing_required CHECK (purpose <> 'data_processing' OR required),
    -- Being sent messages is never a condition of taking part.
    CONSTRAINT consent_purposes_contact_optional CHECK (purpose <> 'contact' OR NOT required)
);

CREATE TABLE consent_purpose_versions (
    organisation_id  uuid NOT NULL,
    purpose          text COLLATE "C" NOT NULL,
    version          integer NOT NULL CHECK (version >= 1),
    -- {"<language tag>": "<text>"}, at least one language.
    texts            jsonb NOT NULL CHECK (jsonb_typeof(texts) = 'object' AND texts <> '{}'::jsonb),
    created_at       timestamptz NOT NULL DEFAULT now(),
    created_by       uuid,
    PRIMARY KEY (organisation_id, purpose, version),
    FOREIGN KEY (organisation_id, purpose) REFERENCES consent_purposes (organisation_id, purpose)
);

CREATE FUNCTION consent_purpose_versions_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'consent_purpose_versions are immutable: publish a new version';
END $$;
CREATE TRIGGER consent_purpose_versions_immutable BEFORE UPDATE OR DELETE ON consent_purpose_versions
    FOR EACH ROW EXECUTE FUNCTION consent_purpose_versions_are_immutable();

-- The built-in purposes, version 1, of one organisation: an organisation that defines none
-- still registers people with the old body `consent: {data_processing, contact}`.
CREATE FUNCTION insert_built_in_consent_purposes(organisation uuid) RETURNS void LANGUAGE sql AS $$
    INSERT INTO consent_purposes (organisation_id, purpose, required)
    VALUES (organisation, 'data_processing', true), (organisation, 'contact', false);
    INSERT INTO consent_purpose_versions (organisation_id, purpose, version, texts)
    VALUES (organisation, 'data_processing', 1, jsonb_build_object('en',
                'I agree that the organisers process the data of this registration (my name, '
                || 'contact details and needs) to organise the event and to count who took part. '
                || 'I can withdraw this consent at any time; my personal data is then erased.')),
           (organisation, 'contact', 1, jsonb_build_object('en',
                'I agree that the organisers contact me about this event and later ones. '
                || 'I can withdraw this consent at any time.'));
$$;

-- Every organisation has them, however it was created (the API, the demo, a script).
CREATE FUNCTION organisations_built_in_consent_purposes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM insert_built_in_consent_purposes(NEW.id);
    RETURN NULL;
END $$;
CREATE TRIGGER organisations_built_in_consent_purposes AFTER INSERT ON organisations
    FOR EACH ROW EXECUTE FUNCTION organisations_built_in_consent_purposes();

SELECT insert_built_in_consent_purposes(id) FROM organisations;

-- One row per registration and purpose: the version accepted, when, and when withdrawn. A
-- purpose granted again after a withdrawal is the same row, granted anew; the registration's
-- history keeps every change. No personal data.
CREATE TABLE registration_consents (
    registration_id  uuid NOT NULL REFERENCES registrations (id),
    organisation_id  uuid NOT NULL,
    purpose          text COLLATE "C" NOT NULL,
    version          integer NOT NULL,
    granted_at       timestamptz NOT NULL DEFAULT now(),
    withdrawn_at     timestamptz,
    PRIMARY KEY (registration_id, purpose),
    FOREIGN KEY (organisation_id, purpose, version)
        REFERENCES consent_purpose_versions (organisation_id, purpose, version),
    CONSTRAINT registration_consents_withdrawn_after_granted CHECK (withdrawn_at IS NULL OR withdrawn_at >= granted_at)
);

-- What the two booleans of the registrations so far said, at version 1 of the built-in texts.
INSERT INTO registration_consents (registration_id, organisation_id, purpose, version, granted_at)
SELECT r.id, e.organisation_id, c.purpose, 1, r.created_at
  FROM registrations r
  JOIN events e ON e.id = r.event_id
 CROSS JOIN LATERAL (VALUES ('data_processing', r.consent_data_processing),
                            ('contact', r.consent_contact)) AS c(purpose, given)
 WHERE c.given;

-- A consent granted or withdrawn is a line of the registration's history, which names the
-- purpose and the versions from and to (`changes`, as in event_history).
ALTER TABLE registration_history ADD COLUMN changes jsonb NOT NULL DEFAULT '[]';
ALTER TABLE registration_history
    DROP CONSTRAINT registration_history_action_known,
    ADD CONSTRAINT registration_history_action_known CHECK (action IN (
        'created', 'updated', 'mode_changed', 'promoted', 'cancelled', 'checked_in',
        'check_in_undone', 'erased', 'consent_changed'));
