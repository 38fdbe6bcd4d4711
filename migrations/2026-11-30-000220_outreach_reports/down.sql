DROP INDEX outreach_items_reported;
DROP INDEX registration_history_offers;
