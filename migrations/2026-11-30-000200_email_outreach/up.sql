-- Email by the server (issue 19, item 6). With SMTP_URL set, the server itself sends the
-- open items whose channel is `email` (src/email.rs): `sent` once the mail server accepted
-- the message (the item is done), `undeliverable` when it refused it for good or every
-- retry failed (the item failed). Neither holds the address or the text.
ALTER DOMAIN outreach_result DROP CONSTRAINT outreach_result_known;
ALTER DOMAIN outreach_result ADD CONSTRAINT outreach_result_known CHECK (VALUE IN (
    'reached', 'no_answer', 'declined', 'wrong_contact', 'superseded', 'erased', 'cancelled',
    'sent', 'undeliverable'));

-- When the server may try to send the item next: NULL, as soon as it is due. Set to a short
-- lease when a process claims the item (so no other one takes it while it sends), and to
-- the backoff's time after a temporary failure.
ALTER TABLE outreach_items ADD COLUMN next_attempt_at timestamptz;
-- When the mail server accepted the server's email of this item.
ALTER TABLE outreach_items ADD COLUMN sent_at timestamptz;

-- The sender's scan: the open items, by when they may be tried.
CREATE INDEX outreach_items_to_send ON outreach_items (next_attempt_at NULLS FIRST, due_at)
    WHERE status = 'open';
