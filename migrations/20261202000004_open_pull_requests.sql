-- Pull requests open at a time: those not closed before it, found by the closing time
-- (open ones at infinity) rather than by scanning every pull request created before it.
CREATE INDEX pull_request_facts_open_idx
    ON pull_request_facts (repository_id, (coalesce(closed_at, 'infinity'::timestamptz)));
