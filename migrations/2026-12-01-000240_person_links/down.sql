DROP INDEX registrations_person_code_idx;
ALTER TABLE registrations
    DROP CONSTRAINT registrations_person_code_with_key,
    DROP COLUMN person_code,
    DROP COLUMN person_key;
ALTER TABLE organisations DROP COLUMN link_key;
