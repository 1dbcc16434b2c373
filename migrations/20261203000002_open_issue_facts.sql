-- An issue's facts carry what its open-state reads need, so that the issues open at a
-- time (backlog, ages, severities, the priority list) read one index of the facts
-- instead of joining every open issue: its creation, until when it is open (its closing,
-- or infinity), whether a person opened it, and the terms of its priority score that do
-- not change while it is open (`label_points`, computed by the sync in Rust; NULL until
-- the startup backfill scores the facts derived before this column existed).
ALTER TABLE issue_facts
    ADD COLUMN created_at    timestamptz,
    ADD COLUMN open_until    timestamptz,
    ADD COLUMN by_people     boolean NOT NULL DEFAULT true,
    ADD COLUMN label_points  real;

UPDATE issue_facts f
   SET created_at = i.created_at,
       open_until = coalesce(i.closed_at, 'infinity'::timestamptz),
       by_people = coalesce(i.author_login, '') NOT LIKE '%[bot]'
  FROM issues i
 WHERE i.repository_id = f.repository_id AND i.number = f.number;

CREATE INDEX issue_facts_open_idx ON issue_facts (repository_id, open_until)
    INCLUDE (created_at, severity, first_response_at, label_points, number)
    WHERE by_people;
