-- What the event report counts of outreach (issue 19, item 7), each read through a partial
-- index that holds only the rows it counts. A registration's own statement writes none of
-- these rows (its history entry is `created`, its outreach item has no result yet), so the
-- registration path pays only the predicates, not an index entry.

-- Offers made, accepted, declined and expired, per event.
CREATE INDEX registration_history_offers ON registration_history (event_id, action)
    WHERE action IN ('offered', 'offer_accepted', 'offer_declined', 'offer_expired');

-- Who was reached, and when: a partner's `reached`, or the server's email accepted (`sent`).
CREATE INDEX outreach_items_reached ON outreach_items (event_id, registration_id, resolved_at)
    WHERE result IN ('reached', 'sent');

-- Reminders per event, by how they ended.
CREATE INDEX outreach_items_reminders ON outreach_items (event_id, status, result)
    WHERE kind = 'reminder';
