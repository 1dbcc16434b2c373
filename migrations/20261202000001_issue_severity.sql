-- Severities and their SLAs, configurable per repository (METRICS.md, "Issues"): the labels
-- (lower case) that mark each of critical, high, medium and low, and each one's resolution
-- SLA in hours. NULL: the defaults.
ALTER TABLE repository_settings
    ADD COLUMN severity_labels jsonb,
    ADD COLUMN sla_hours integer[];

-- Derived with the first response: the issue's severity (1 critical .. 4 low, NULL when no
-- label marks one) and the SLA in hours it had under its repository's settings.
ALTER TABLE issue_facts
    ADD COLUMN severity smallint,
    ADD COLUMN sla_hours integer;

-- Issues stored before: every repository had the default severities.
UPDATE issue_facts f
   SET severity = s.severity,
       sla_hours = (ARRAY[4, 24, 72, 168])[s.severity]
  FROM (SELECT i.repository_id, i.number,
               CASE WHEN l && ARRAY['critical', 'severity: critical', 'severity/critical', 'sev0', 'p0', 'priority: critical'] THEN 1
                    WHEN l && ARRAY['high', 'severity: high', 'severity/high', 'sev1', 'p1', 'priority: high'] THEN 2
                    WHEN l && ARRAY['medium', 'severity: medium', 'severity/medium', 'sev2', 'p2', 'priority: medium'] THEN 3
                    WHEN l && ARRAY['low', 'severity: low', 'severity/low', 'sev3', 'p3', 'priority: low'] THEN 4
               END AS severity
          FROM issues i,
               LATERAL (SELECT coalesce(array_agg(lower(y)), '{}') AS l FROM unnest(i.labels) y) ls) s
 WHERE f.repository_id = s.repository_id AND f.number = s.number;
