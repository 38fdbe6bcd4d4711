DROP INDEX users_email_key;
DROP INDEX organisations_name_key;
ALTER TABLE users DROP COLUMN email_key;
ALTER TABLE organisations DROP COLUMN name_key;
CREATE UNIQUE INDEX organisations_name_key ON organisations (lower(btrim(name)));
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
