-- Derived with the issue's other facts: whether its labels make it an incident under its
-- repository's settings, so incidents are found by an index rather than by reading every
-- issue's labels (METRICS.md, "Change failure rate").
ALTER TABLE issue_facts ADD COLUMN incident boolean NOT NULL DEFAULT false;

UPDATE issue_facts f SET incident = true
  FROM issues i
  LEFT JOIN repository_settings s ON s.repository_id = i.repository_id
 WHERE i.repository_id = f.repository_id AND i.number = f.number
   AND EXISTS (SELECT 1 FROM unnest(i.labels) l
                WHERE lower(l) IN (SELECT lower(x)
                         FROM unnest(coalesce(s.incident_labels, ARRAY['incident'])) x));

CREATE INDEX issue_facts_incident_idx ON issue_facts (repository_id) WHERE incident;

-- Reverts are few: found by an index of their own.
CREATE INDEX pull_request_facts_reverts_idx ON pull_request_facts (repository_id, created_at)
    WHERE reverts IS NOT NULL;

-- Issues open at a time, by their closing (open ones at infinity).
CREATE INDEX issues_open_idx
    ON issues (repository_id, (coalesce(closed_at, 'infinity'::timestamptz)));
