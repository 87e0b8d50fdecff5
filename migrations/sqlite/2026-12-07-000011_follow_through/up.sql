-- Following a released report through (issue #21): each goal's progress as the KAM records
-- it, with the check-ins sent about it, and the notices a supervisor has not opened yet.
ALTER TABLE development_goals ADD COLUMN progress TEXT NOT NULL DEFAULT 'not_started'
    CHECK (progress IN ('not_started', 'in_progress', 'done'));
ALTER TABLE development_goals ADD COLUMN progress_note TEXT NOT NULL DEFAULT '';
ALTER TABLE development_goals ADD COLUMN progress_at TIMESTAMP;
-- how many check-in emails went about the goal, and when the last one did
ALTER TABLE development_goals ADD COLUMN checkins_sent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE development_goals ADD COLUMN last_checkin_at TIMESTAMP;

-- one notice per review, event and day (the same key as its email); shown until opened
CREATE TABLE supervisor_notices (
    review_id TEXT NOT NULL REFERENCES reviews (id),
    event TEXT NOT NULL CHECK (event IN ('acknowledged', 'plan_saved', 'progress')),
    day DATE NOT NULL,
    created_at TIMESTAMP NOT NULL,
    opened_at TIMESTAMP,
    PRIMARY KEY (review_id, event, day)
);
