-- Closing what a security probe found (issue 10).

-- A run whose process died is marked so when its job is taken over, instead of staying
-- "running" forever.
ALTER TABLE sync_runs DROP CONSTRAINT sync_runs_status_check;
ALTER TABLE sync_runs ADD CONSTRAINT sync_runs_status_check
    CHECK (status IN ('running', 'succeeded', 'failed', 'interrupted'));

-- Each OAuth sign-in `state` completes one sign-in (hash only; rows kept for an hour).
CREATE TABLE oauth_states_used (
    state_sha256  bytea PRIMARY KEY,
    used_at       timestamptz NOT NULL DEFAULT now()
);

-- When the person last asked GitHub which repositories they can see: a refresh within a
-- minute of the last one is answered from the database.
ALTER TABLE users ADD COLUMN repositories_refreshed_at timestamptz;

-- Sessions are now stored under a hash of their id; rows stored under the plain id can
-- never be found again, so they go (everybody signs in once more).
DELETE FROM tower_sessions.session;
