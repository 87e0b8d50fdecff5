DROP TABLE supervisor_notices;
ALTER TABLE development_goals DROP COLUMN last_checkin_at;
ALTER TABLE development_goals DROP COLUMN checkins_sent;
ALTER TABLE development_goals DROP COLUMN progress_at;
ALTER TABLE development_goals DROP COLUMN progress_note;
ALTER TABLE development_goals DROP COLUMN progress;
