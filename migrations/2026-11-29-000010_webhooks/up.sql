-- Webhook subscriptions of partners (API clients) and organisations, and the outbox of
-- deliveries to them. A delivery row is written in the same transaction as the change it
-- reports (db::outbox::enqueue), so a change that rolls back is never sent and a committed
-- one is never lost; the worker (webhooks::worker) posts it afterwards.
CREATE TABLE webhook_subscriptions (
    id               uuid PRIMARY KEY,
    owner_kind       text NOT NULL CHECK (owner_kind IN ('api_client', 'organisation')),
    -- The partner that owns the subscription (owner_kind = 'api_client').
    api_client_id    uuid REFERENCES api_clients (id),
    -- The organisation whose events an organisation's subscription hears about; for a
    -- partner's, the partner's own organisation (for listing).
    organisation_id  uuid NOT NULL REFERENCES organisations (id),
    url              text NOT NULL,
    event_types      text[] NOT NULL CHECK (cardinality(event_types) > 0),
    -- The HMAC key of the X-Signature header. It must be usable to sign, so it cannot be
    -- hashed; it is shown once, when created, and never logged nor returned again.
    secret           text NOT NULL,
    created_by       uuid,
    created_at       timestamptz NOT NULL DEFAULT now(),
    deleted_at       timestamptz,
    CONSTRAINT owner_is_named CHECK ((owner_kind = 'api_client') = (api_client_id IS NOT NULL))
);
CREATE INDEX webhook_subscriptions_organisation_idx ON webhook_subscriptions (organisation_id, created_at)
    WHERE deleted_at IS NULL;
CREATE INDEX webhook_subscriptions_api_client_idx ON webhook_subscriptions (api_client_id)
    WHERE deleted_at IS NULL;

-- One row per message and subscription. Holds ids and statuses, never personal data.
CREATE TABLE webhook_deliveries (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- Order of writing; two messages of one transaction share created_at.
    seq               bigint GENERATED ALWAYS AS IDENTITY,
    -- The `id` in the payload: one per change, the same for every subscriber.
    message_id        uuid NOT NULL,
    subscription_id   uuid NOT NULL REFERENCES webhook_subscriptions (id),
    event_type        text NOT NULL,
    payload           jsonb NOT NULL,
    status            text NOT NULL DEFAULT 'pending'
                          CHECK (status IN ('pending', 'delivered', 'failed')),
    -- Attempts started; counted when a worker claims the row, so a crash mid-post counts.
    attempts          integer NOT NULL DEFAULT 0,
    -- When a worker may next claim the row: a retry time, or the lease of a worker posting it.
    next_attempt_at   timestamptz NOT NULL DEFAULT now(),
    last_attempt_at   timestamptz,
    last_status_code  integer,
    -- A short cause written by the server ("timeout", "HTTP 500"), never a response body.
    last_error        text,
    delivered_at      timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX webhook_deliveries_seq_key ON webhook_deliveries (seq);
-- The worker's claim query: due pending rows in order.
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at, seq)
    WHERE status = 'pending';
-- The delivery log of one subscription, newest first.
CREATE INDEX webhook_deliveries_subscription_idx ON webhook_deliveries (subscription_id, seq);
