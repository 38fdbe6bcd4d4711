DROP TRIGGER registrations_accessibility_flag ON registrations;
DROP FUNCTION registrations_accessibility_flag();
ALTER TABLE registrations DROP COLUMN accessibility_requested;
