-- An import may count its new raters once at its end instead of one row at a time (issue
-- #25): every nomination it inserted wrote a new version of its review's row, and in one
-- transaction none of them can be pruned, so a 10,000-KAM import left the reviews table at
-- 81 MB for 10,000 rows and the admin home read all of it. While the transaction-local
-- setting `kam360.counts` is 'deferred', the trigger counts nothing; the import then sets
-- each touched review's counts from its nominations (db::reviews::counting_after) and
-- clears the setting before anything else happens in its transaction.
CREATE OR REPLACE FUNCTION count_raters() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('kam360.counts', true) = 'deferred' THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE reviews SET
            raters = raters - (OLD.status <> 'revoked')::int,
            answered = answered - (OLD.status IN ('submitted', 'declined'))::int
        WHERE id = OLD.review_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        UPDATE reviews SET
            raters = raters + (NEW.status <> 'revoked')::int,
            answered = answered + (NEW.status IN ('submitted', 'declined'))::int
        WHERE id = NEW.review_id;
    END IF;
    RETURN NULL;
END;
$$;
