-- When an event was first published; NULL for one never published. A cancelled event is
-- public only if it was once published: cancelling a draft must not make it readable by
-- anyone (auth::event_access).
ALTER TABLE events ADD COLUMN published_at timestamptz;

-- Existing events. A published one has been published; a cancelled one has been if its
-- history says so, or if it has registrations (registration only ever opens on a published
-- event). The date is the history's when there is one, else the last change's (the exact
-- moment is not recorded elsewhere, and only whether it is NULL decides anything). A cancelled
-- event published before the history existed and with no registration stays hidden from
-- everyone but its organisers and admins, which is the safe side.
UPDATE events e
   SET published_at = coalesce(
           (SELECT min(h.at) FROM event_history h WHERE h.event_id = e.id AND h.action = 'published'),
           e.updated_at)
 WHERE e.status = 'published'
    OR (e.status = 'cancelled'
        AND (EXISTS (SELECT FROM event_history h WHERE h.event_id = e.id AND h.action = 'published')
             OR EXISTS (SELECT FROM registrations r WHERE r.event_id = e.id)));
