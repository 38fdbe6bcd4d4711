-- A place's name and notes in more languages: {"<tag>": {"name", "notes"}}, checked by the
-- server as the place's own name and notes are (domain::translations), like an event's
-- translations. A constant default: existing rows are not rewritten.
ALTER TABLE places ADD COLUMN translations jsonb NOT NULL DEFAULT '{}';
