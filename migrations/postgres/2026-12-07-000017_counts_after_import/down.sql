CREATE OR REPLACE FUNCTION count_raters() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
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
