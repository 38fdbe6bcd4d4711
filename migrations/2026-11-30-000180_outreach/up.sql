-- Reaching the participant (issue 19): every change that matters to a person becomes an
-- outreach item, written in the transaction of the change, for whoever can reach them: the
-- partner (API client) that registered them, or the event's organisers for their own
-- registrations. The item keeps what happened (its kind and, for a change, what it changed
-- from); the message itself is rendered when the item is read, in the person's language, from
-- the template files (templates/outreach/), so no message text is stored.
CREATE DOMAIN outreach_kind AS text
    CONSTRAINT outreach_kind_known CHECK (VALUE IN (
        'confirmed', 'waitlisted', 'promoted', 'moved_online', 'place_changed', 'mode_changed',
        'registration_cancelled', 'event_changed', 'event_cancelled', 'reminder'));
CREATE DOMAIN outreach_status AS text
    CONSTRAINT outreach_status_known CHECK (VALUE IN ('open', 'done', 'failed'));
-- What the partner reports (reached, no_answer, declined, wrong_contact), or what closed the
-- item without them: a later item of the same registration (superseded), its erasure
-- (erased), its cancellation by the partner for the person (cancelled).
CREATE DOMAIN outreach_result AS text
    CONSTRAINT outreach_result_known CHECK (VALUE IN (
        'reached', 'no_answer', 'declined', 'wrong_contact', 'superseded', 'erased', 'cancelled'));

-- Whom a participant calls with a question: printed in every message.
ALTER TABLE events ADD COLUMN contact_phone text;

-- The title and description in more languages: {"<tag>": {"title", "description"}}, checked
-- by the server (domain::translations).
ALTER TABLE events ADD COLUMN translations jsonb NOT NULL DEFAULT '{}';

-- Hours before the start at which confirmed people are reminded; at most five, each within
-- 30 days. A domain, so that the seat counters' updates of an event never re-check it.
CREATE DOMAIN reminder_hours AS integer[]
    CONSTRAINT reminder_hours_range CHECK (
        cardinality(VALUE) <= 5 AND 1 <= ALL (VALUE) AND 720 >= ALL (VALUE));
ALTER TABLE events ADD COLUMN reminders_hours_before reminder_hours NOT NULL DEFAULT '{48,3}';

-- No foreign key to registrations, as for history lines and consents (000160): an item is
-- written in its registration's own statement or with the registration locked, and a
-- registration is never deleted.
-- The partner an item is assigned to: the API client that created the registration. NULL: the
-- registration is the organisers' own (made by one of them, or an admin), and so is the item.
CREATE FUNCTION outreach_partner(created_by uuid, created_by_kind text) RETURNS uuid
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN created_by_kind = 'api_client' THEN created_by END;

CREATE TABLE outreach_items (
    id uuid PRIMARY KEY,
    -- The order items were made in, and the key of the list's pages.
    seq bigint GENERATED ALWAYS AS IDENTITY,
    registration_id uuid NOT NULL,
    event_id uuid NOT NULL,
    organisation_id uuid NOT NULL,
    partner_id uuid,
    kind outreach_kind NOT NULL,
    due_at timestamptz NOT NULL,
    -- What the change was, where the message says so: e.g. the start before an event moved.
    details jsonb NOT NULL DEFAULT '{}',
    status outreach_status NOT NULL DEFAULT 'open',
    result outreach_result,
    -- The partner's words about the attempt; personal data, cleared by erasure.
    note text,
    attempts integer NOT NULL DEFAULT 0,
    -- A reminder's hours before the start (one of the event's reminders_hours_before).
    reminder_hours integer,
    resolved_at timestamptz,
    resolved_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT outreach_closed_when_resolved CHECK ((status = 'open') = (resolved_at IS NULL))
);
CREATE INDEX outreach_items_of_registration ON outreach_items (registration_id) WHERE status = 'open';
-- Each reminder exactly once, whichever process's job comes first.
CREATE UNIQUE INDEX outreach_reminders_once ON outreach_items (registration_id, reminder_hours)
    WHERE reminder_hours IS NOT NULL;
CREATE INDEX outreach_items_of_event ON outreach_items (event_id, seq);
CREATE INDEX outreach_items_of_partner ON outreach_items (partner_id, seq) WHERE partner_id IS NOT NULL;
CREATE INDEX outreach_items_of_organisation ON outreach_items (organisation_id, seq);
