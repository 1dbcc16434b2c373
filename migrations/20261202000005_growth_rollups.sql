-- Rollups of who did something (METRICS.md, "Rollups"): for a members measure, the
-- distinct members of each day, week and month (commit authors) with their counts.
ALTER TABLE metric_rollups ADD COLUMN members text[];

-- Derived: when each commit author (by GitHub account, else e-mail, else name) first
-- committed to each repository's default branch, so new contributors of any scope are
-- found without reading every commit.
CREATE TABLE contributor_firsts (
    repository_id  bigint NOT NULL REFERENCES repositories (github_id) ON DELETE CASCADE,
    who            text NOT NULL,
    first_at       timestamptz NOT NULL,
    PRIMARY KEY (repository_id, who)
);

CREATE INDEX commits_repo_authored_idx ON commits (repository_id, authored_at);
