-- Series: the sessions of one platform (a regional roundtable that meets every few months)
-- as a resource of its organisation, with a name, a region and a description. An event
-- belongs to at most one; its `series` text stays, always the name of its series, so that
-- filters and the reports that group by it keep working (a rename rewrites it).
CREATE TABLE series (
    id               uuid PRIMARY KEY,
    organisation_id  uuid NOT NULL REFERENCES organisations (id),
    name             text NOT NULL CHECK (name = btrim(name) AND name <> ''),
    -- The name folded by the server (`domain::text::fold`: trimmed, lower case, NFC), as
    -- organisations' `name_key`: `lower()` here would follow the server's locale.
    name_key         text NOT NULL,
    region           text,
    description      text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
-- A name once per organisation whatever its case: an event naming its series in another
-- case joins it (`INSERT … ON CONFLICT` on this index); listing by name uses the other.
CREATE UNIQUE INDEX series_organisation_name_key ON series (organisation_id, name_key);
CREATE INDEX series_organisation_name_idx ON series (organisation_id, name, id);

ALTER TABLE events ADD COLUMN series_id uuid REFERENCES series (id);
CREATE INDEX events_series_id_starts_idx ON events (series_id, starts_at, id) WHERE series_id IS NOT NULL;

-- One series per organisation and name (whatever its case) that events already give; its
-- name is the spelling of the organisation's earliest event of it, which its other events
-- then carry too. Keys folded in SQL as migration 000050 folds organisations' names (ICU's
-- root locale lower-cases all of Unicode, as Rust does, whatever the database's locale).
DO $$
DECLARE
    unicode text := CASE WHEN EXISTS (SELECT FROM pg_collation WHERE collname = 'und-x-icu')
                         THEN 'COLLATE "und-x-icu"' ELSE '' END;
    key text := format('normalize(lower(btrim(series) %s), NFC)', unicode);
BEGIN
    EXECUTE format(
        'INSERT INTO series (id, organisation_id, name, name_key, created_at, updated_at)
         SELECT DISTINCT ON (organisation_id, %1$s)
                gen_random_uuid(), organisation_id, btrim(series), %1$s, created_at, created_at
           FROM events
          WHERE btrim(coalesce(series, %2$L)) <> %2$L
          ORDER BY organisation_id, %1$s, created_at, id', key, '');
    EXECUTE format(
        'UPDATE events e SET series_id = s.id, series = s.name
           FROM series s
          WHERE s.organisation_id = e.organisation_id AND s.name_key = %s', replace(key, 'series)', 'e.series)'));
END $$;
