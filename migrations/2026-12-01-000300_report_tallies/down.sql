DROP TRIGGER registrations_tally_change ON registrations;
DROP TRIGGER registrations_tally_insert ON registrations;
DROP FUNCTION registrations_tally();
DROP FUNCTION recount_registration_tallies(uuid);
DROP FUNCTION tally_registration(registrations, integer);
DROP VIEW registration_tallies_recount;
DROP TABLE registration_tallies;
DROP FUNCTION barrier_statuses(jsonb);
