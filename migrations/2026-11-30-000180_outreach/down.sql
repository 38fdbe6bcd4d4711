DROP TABLE outreach_items;
DROP FUNCTION outreach_partner(uuid, text);
ALTER TABLE events DROP COLUMN contact_phone, DROP COLUMN reminders_hours_before, DROP COLUMN translations;
DROP DOMAIN reminder_hours;
DROP DOMAIN outreach_result;
DROP DOMAIN outreach_status;
DROP DOMAIN outreach_kind;
