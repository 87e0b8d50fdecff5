-- SPEC §7 (amended 2026-12-01): a review's results become visible once and stay visible.
-- The moment they first did is kept here; from then on the review's evidence is frozen (no
-- nomination added, no link reissued, no answer accepted), so no sequence of admin actions can
-- isolate one rater's answers by difference.
ALTER TABLE reviews ADD COLUMN results_visible_at TIMESTAMP;
UPDATE reviews SET results_visible_at = (
    SELECT COALESCE(c.closed_at, c.closes_at) FROM cycles c WHERE c.id = reviews.cycle_id
) WHERE cycle_id IN (SELECT id FROM cycles WHERE status IN ('closed', 'archived'));

-- A link-carrying message that failed for good keeps no body: the body holds a live link, and
-- the admin reissues a fresh link instead of retrying the old message.
DELETE FROM email_bodies WHERE outbox_id IN (
    SELECT id FROM email_outbox
    WHERE status IN ('failed', 'cancelled') AND assignment_id IS NOT NULL
);
