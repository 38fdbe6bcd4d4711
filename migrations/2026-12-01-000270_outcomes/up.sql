-- What a meeting decided and what became of it: an event's outcome (the topics discussed, in
-- the vocabulary of registrations' interests, and a summary), and its follow-up actions, each
-- owned by a registered organisation or by a body named in words, due on a date, with a
-- status that moves as the work does. The next events of the series show the open ones.
CREATE TABLE event_outcomes (
    event_id     uuid PRIMARY KEY REFERENCES events (id),
    -- Slugs, as registrations' `interests` (`domain::text::is_slug`).
    topics       text[] NOT NULL DEFAULT '{}',
    summary      text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE actions (
    id                     uuid PRIMARY KEY,
    event_id               uuid NOT NULL REFERENCES events (id),
    title                  text NOT NULL CHECK (title = btrim(title) AND title <> ''),
    owner_organisation_id  uuid REFERENCES organisations (id),
    owner_name             text CHECK (owner_name = btrim(owner_name) AND owner_name <> ''),
    due_on                 date NOT NULL,
    status                 text NOT NULL DEFAULT 'open'
                           CHECK (status IN ('open', 'in_progress', 'done', 'dropped')),
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    -- Exactly one owner: a registered organisation, or a name.
    CONSTRAINT actions_one_owner CHECK ((owner_organisation_id IS NULL) <> (owner_name IS NULL))
);
-- An event's actions in the order they were recorded; a series' by due date through its
-- events (events_series_id_starts_idx finds them).
CREATE INDEX actions_event_idx ON actions (event_id, id);

-- Outcomes and actions are recorded in their event's history.
ALTER TABLE event_history DROP CONSTRAINT event_history_action_check;
ALTER TABLE event_history ADD CONSTRAINT event_history_action_check CHECK (action IN (
    'created', 'updated', 'published', 'cancelled',
    'duplicates_refused', 'personal_data_erased', 'retention_purged', 'places_changed',
    'outcome_recorded', 'action_created', 'action_updated'));
