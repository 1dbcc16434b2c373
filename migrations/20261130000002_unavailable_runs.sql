-- A resource GitHub refuses to list for a reason of its own (a contributor list too large
-- to compute, say) is recorded as unavailable, with GitHub's reason: not a failure.
ALTER TABLE sync_runs DROP CONSTRAINT sync_runs_status_check;
ALTER TABLE sync_runs ADD CONSTRAINT sync_runs_status_check
    CHECK (status IN ('running', 'succeeded', 'failed', 'interrupted', 'unavailable'));
