-- A delivery of a revoked API client is cancelled: kept in the delivery log, never tried
-- again (db::outbox::cancel_for_revoked_client, at revocation).
ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_status_check;
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_status_check
    CHECK (status IN ('pending', 'delivered', 'failed', 'cancelled'));

-- Clients revoked before this migration: what still waits for them stops now.
UPDATE webhook_deliveries d
   SET status = 'cancelled', last_error = 'the API client was revoked'
  FROM webhook_subscriptions s, api_clients c
 WHERE d.status = 'pending' AND s.id = d.subscription_id
   AND c.id = s.api_client_id AND c.revoked_at IS NOT NULL;
