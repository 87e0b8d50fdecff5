-- A report counts levels only (SPEC §7), and at 10,000 KAMs it read them as 1.97 million
-- ratings rows: PostgreSQL alone took over a second to send them (issue #25). Each rater's
-- levels are now kept beside their overall answers as well, one row per rater, written in the
-- transaction that writes the ratings: `criterion=level` (or `criterion=-` for not able to
-- judge), separated by spaces. The ratings stay the record: comments, the form's draft,
-- reconciliation.
ALTER TABLE responses ADD COLUMN levels TEXT NOT NULL DEFAULT '';
UPDATE responses SET levels = COALESCE((
    SELECT string_agg(r.criterion_id || '=' || COALESCE(r.level::text, '-'), ' '
                      ORDER BY r.criterion_id)
    FROM ratings r WHERE r.assignment_id = responses.assignment_id), '');
