-- PostgreSQL only (its bodies' TOAST compression); SQLite stores text uncompressed. The two
-- trees keep the same migrations.
SELECT 1;
