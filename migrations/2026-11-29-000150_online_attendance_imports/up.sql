-- The video platform's participant lists, imported after an online meeting. One row per file
-- and event: the same file (by its SHA-256) imported again is answered with what the first
-- import did, and changes nothing.
CREATE TABLE attendance_imports (
    id               uuid PRIMARY KEY,
    event_id         uuid NOT NULL REFERENCES events (id),
    file_sha256      bytea NOT NULL CHECK (octet_length(file_sha256) = 32),
    format           text NOT NULL CHECK (format IN ('zoom', 'teams', 'bigbluebutton', 'generic')),
    -- Minutes a person had to stay to count as attended, as decided for this import.
    min_minutes      integer NOT NULL CHECK (min_minutes BETWEEN 1 AND 1440),
    -- Participant rows of the file's table (rejoins included).
    file_rows        integer NOT NULL CHECK (file_rows >= 0),
    created_by       uuid NOT NULL,
    created_by_kind  text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT attendance_imports_one_per_file UNIQUE (event_id, file_sha256)
);

-- Each person of an import (their rejoins summed), as matched, or waiting for the organiser.
-- `line` is the file's line of the person's first row: what the organiser resolves by.
-- The platform's name, email and phone are kept only while the row waits for review
-- (ambiguous or unmatched): resolving it, erasing the event's personal data and the
-- retention purge make them NULL.
CREATE TABLE attendance_import_rows (
    import_id        uuid NOT NULL REFERENCES attendance_imports (id),
    line             integer NOT NULL CHECK (line >= 1),
    minutes          integer NOT NULL CHECK (minutes >= 0),
    status           text NOT NULL CHECK (status IN ('matched', 'ambiguous', 'unmatched', 'resolved', 'dismissed')),
    -- How a matched or resolved row found its registration.
    matched_by       text CHECK (matched_by IN ('email', 'phone', 'name', 'organiser')),
    registration_id  uuid REFERENCES registrations (id),
    -- Whether this import checked the registration in (from this row).
    checked_in       boolean NOT NULL DEFAULT false,
    -- The registrations an ambiguous row could be.
    candidates       uuid[] NOT NULL DEFAULT '{}',
    platform_name    text,
    platform_email   text,
    platform_phone   text,
    PRIMARY KEY (import_id, line),
    CONSTRAINT import_row_registration_when_matched
        CHECK ((registration_id IS NOT NULL) = (status IN ('matched', 'resolved'))),
    CONSTRAINT import_row_matched_by_when_matched
        CHECK ((matched_by IS NOT NULL) = (status IN ('matched', 'resolved'))),
    CONSTRAINT import_row_personal_only_while_waiting
        CHECK (status IN ('ambiguous', 'unmatched')
               OR (platform_name IS NULL AND platform_email IS NULL AND platform_phone IS NULL))
);
CREATE INDEX attendance_import_rows_registration_idx
    ON attendance_import_rows (registration_id) WHERE registration_id IS NOT NULL;
-- The retention purge looks for rows still holding a platform's name.
CREATE INDEX attendance_import_rows_waiting_idx
    ON attendance_import_rows (import_id)
    WHERE platform_name IS NOT NULL OR platform_email IS NOT NULL OR platform_phone IS NOT NULL;
