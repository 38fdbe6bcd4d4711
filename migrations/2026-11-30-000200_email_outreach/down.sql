DROP INDEX outreach_items_to_send;
ALTER TABLE outreach_items DROP COLUMN sent_at;
ALTER TABLE outreach_items DROP COLUMN next_attempt_at;
-- The earlier results had no word for these: an email accepted reached the person's
-- mailbox, one refused did not reach them.
UPDATE outreach_items SET result = 'reached' WHERE result = 'sent';
UPDATE outreach_items SET result = 'wrong_contact' WHERE result = 'undeliverable';
ALTER DOMAIN outreach_result DROP CONSTRAINT outreach_result_known;
ALTER DOMAIN outreach_result ADD CONSTRAINT outreach_result_known CHECK (VALUE IN (
    'reached', 'no_answer', 'declined', 'wrong_contact', 'superseded', 'erased', 'cancelled'));
