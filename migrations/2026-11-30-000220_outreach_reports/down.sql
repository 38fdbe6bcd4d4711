DROP INDEX outreach_items_reminders;
DROP INDEX outreach_items_reached;
DROP INDEX registration_history_offers;
