-- Nothing changes on SQLite: a row updated again in one transaction is rewritten in place,
-- so its triggers keep counting one nomination at a time (see the PostgreSQL migration).
SELECT 1;
