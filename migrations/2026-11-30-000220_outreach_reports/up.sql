-- What the event report counts of outreach (issue 19, item 7), each read through a partial
-- index that holds only the rows it counts. A registration's own rows never match (its
-- history entry is `created`, its outreach item has no result yet), so its write gains no
-- index entry; it pays each index's condition (bench/README.md: two indexes, not three).

-- Offers made, accepted, declined and expired, per event.
CREATE INDEX registration_history_offers ON registration_history (event_id, action)
    WHERE action IN ('offered', 'offer_accepted', 'offer_declined', 'offer_expired');

-- Who was reached, and when (a partner's `reached`, or the server's email accepted: `sent`),
-- and the reminders, however they went.
CREATE INDEX outreach_items_reported ON outreach_items (event_id)
    WHERE kind = 'reminder' OR result IN ('reached', 'sent');
