DROP TABLE attendance_import_rows;
DROP TABLE attendance_imports;
