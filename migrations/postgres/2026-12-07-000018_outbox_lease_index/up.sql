-- The outbox kept two indexes that lead with `status`: (status, next_attempt_at, id) for due
-- messages and (status, lease_until) for abandoned ones. A message changes status twice on its
-- way out (claimed, then sent), and each change rewrote an entry in both (issue #25: the SQLite
-- writer was most of a flush). Abandoned messages are those still `sending` once their lease
-- ran out: at most the messages in flight, found through the first index's `sending` entries.
DROP INDEX email_outbox_lease;
