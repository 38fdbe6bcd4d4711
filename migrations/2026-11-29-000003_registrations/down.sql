DROP TABLE idempotency_keys;
DROP TRIGGER registrations_after_change ON registrations;
DROP FUNCTION registrations_after_change();
DROP TABLE registration_history;
DROP FUNCTION registration_history_is_append_only();
DROP TABLE registrations;
