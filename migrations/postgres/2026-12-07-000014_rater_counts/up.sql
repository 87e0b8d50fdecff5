-- Each review counts its raters (every nomination but a revoked one) and those who answered
-- (submitted or declined), kept by triggers in the same transaction as the change: the admin
-- home sums 10,000 reviews instead of scanning 190,000 nominations (issue #25). A change
-- that moves neither count (invited → opened → draft) writes nothing more.
ALTER TABLE reviews
    ADD COLUMN raters INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN answered INTEGER NOT NULL DEFAULT 0;

UPDATE reviews SET
    raters = (SELECT count(*) FROM assignments a
              WHERE a.review_id = reviews.id AND a.status <> 'revoked'),
    answered = (SELECT count(*) FROM assignments a
                WHERE a.review_id = reviews.id AND a.status IN ('submitted', 'declined'));

CREATE FUNCTION count_raters() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE TRIGGER assignments_counted AFTER INSERT OR DELETE ON assignments
    FOR EACH ROW EXECUTE FUNCTION count_raters();

CREATE TRIGGER assignments_recounted AFTER UPDATE OF status, review_id ON assignments
    FOR EACH ROW
    WHEN (OLD.review_id <> NEW.review_id
          OR (OLD.status <> 'revoked') <> (NEW.status <> 'revoked')
          OR (OLD.status IN ('submitted', 'declined')) <> (NEW.status IN ('submitted', 'declined')))
    EXECUTE FUNCTION count_raters();
