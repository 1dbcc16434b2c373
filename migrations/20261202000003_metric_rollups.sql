-- Derived: per repository, measure and group, the sums of one UTC day, ISO week (from
-- Monday) or calendar month of items (METRICS.md, "Rollups"): how many, their sum, and a
-- sketch of their values (DDSketch's logarithmic buckets, 1 % relative accuracy) from
-- which quantiles of any union of rollups are read. Kept by the sync as it stores items.
CREATE TABLE metric_rollups (
    repository_id  bigint NOT NULL REFERENCES repositories (github_id) ON DELETE CASCADE,
    measure        text NOT NULL,
    grp            text NOT NULL DEFAULT '',
    grain          text NOT NULL CHECK (grain IN ('d', 'w', 'm')),
    start          date NOT NULL,
    n              bigint NOT NULL,
    total          double precision NOT NULL,
    keys           integer[] NOT NULL,
    counts         integer[] NOT NULL,
    PRIMARY KEY (repository_id, measure, grain, start, grp)
);

-- A run is flaky when an earlier run of the same workflow on the same commit failed.
CREATE INDEX workflow_runs_commit_idx ON workflow_runs (repository_id, workflow_id, head_sha);

-- Which version of the measures each repository's rollups were built by: a repository
-- without the current one is read from its rows until the startup backfill rebuilds it.
CREATE TABLE metric_rollup_state (
    repository_id  bigint PRIMARY KEY REFERENCES repositories (github_id) ON DELETE CASCADE,
    version        integer NOT NULL,
    refreshed_at   timestamptz NOT NULL DEFAULT now()
);
