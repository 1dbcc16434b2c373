-- When the scheduler last asked whether a repository's resource changed. It is due again
-- once its interval has passed (stars every 3 hours, the rest hourly, configurable); an
-- unchanged resource is marked checked without a job.
CREATE TABLE sync_schedule (
    repository_id  bigint NOT NULL REFERENCES repositories (github_id) ON DELETE CASCADE,
    resource       text NOT NULL,
    checked_at     timestamptz NOT NULL,
    PRIMARY KEY (repository_id, resource)
);
