-- Organisation names and user emails are unique by keys folded in Rust
-- (domain::text::fold: trimmed, Unicode lower case, NFC), which every insert writes. The
-- indexes on lower(...) they replace followed the server's locale: under C, lower() folds
-- ASCII only, so "FUNDACIÓN CEPAIM" and "Fundación Cepaim" were two organisations there.
ALTER TABLE organisations ADD COLUMN name_key text;
ALTER TABLE users ADD COLUMN email_key text;

-- Existing rows, folded once here in SQL; new rows get their keys from Rust. ICU's root
-- locale lower-cases all of Unicode whatever the database's locale (and, as Rust, ends a
-- Greek word with a final sigma); without ICU, the database's locale is what there is.
DO $$
DECLARE
    unicode text := CASE WHEN EXISTS (SELECT FROM pg_collation WHERE collname = 'und-x-icu')
                         THEN 'COLLATE "und-x-icu"' ELSE '' END;
BEGIN
    EXECUTE format('UPDATE organisations SET name_key = normalize(lower(btrim(name) %s), NFC)', unicode);
    EXECUTE format('UPDATE users SET email_key = normalize(lower(btrim(email) %s), NFC)', unicode);
END $$;

-- On a server whose locale folded ASCII only, two rows may already be one name or email.
DO $$
DECLARE
    clashing text;
BEGIN
    SELECT string_agg(quote_literal(name_key), ', ') INTO clashing
      FROM (SELECT name_key FROM organisations GROUP BY name_key HAVING count(*) > 1) shared;
    IF clashing IS NOT NULL THEN
        RAISE EXCEPTION 'organisations whose names differ only in case share a name: %', clashing
            USING HINT = 'Rename or merge them, then run the migrations again.';
    END IF;
    IF EXISTS (SELECT FROM users GROUP BY email_key HAVING count(*) > 1) THEN
        RAISE EXCEPTION 'users whose emails differ only in case share an address'
            USING HINT = 'Find them with SELECT normalize(lower(email COLLATE "und-x-icu"), NFC) AS address, '
                || 'array_agg(id) FROM users GROUP BY 1 HAVING count(*) > 1; change or remove one of each, '
                || 'then run the migrations again.';
    END IF;
END $$;

ALTER TABLE organisations ALTER COLUMN name_key SET NOT NULL;
ALTER TABLE users ALTER COLUMN email_key SET NOT NULL;

DROP INDEX organisations_name_key;
DROP INDEX users_email_key;
-- The same names as before: a unique violation on either is still the conflict it was.
CREATE UNIQUE INDEX organisations_name_key ON organisations (name_key);
CREATE UNIQUE INDEX users_email_key ON users (email_key);
