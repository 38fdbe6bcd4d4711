ALTER TABLE places DROP COLUMN translations;
