-- The metrics engine: what a metric is decided on (settings), the first comments that a
-- first response is read from, and the per-item facts derived at ingest and kept current
-- by the sync (`engine::facts`), so that a metric aggregates stored facts instead of
-- recomputing them from GitHub's rows on every request (METRICS.md, "Derived facts").

-- GitHub's kind of account for a pull request's author: User, Bot, Organization, Mannequin.
ALTER TABLE pull_requests ADD COLUMN author_type text;

-- The first conversation comments of each pull request (GitHub's order, up to ten): a
-- first response by someone else is read from them.
CREATE TABLE conversation_comments (
    github_id      bigint PRIMARY KEY,
    repository_id  bigint NOT NULL REFERENCES repositories (github_id) ON DELETE CASCADE,
    issue_number   integer NOT NULL,
    author_login   text,
    author_type    text,
    created_at     timestamptz NOT NULL
);
CREATE INDEX conversation_comments_item_idx ON conversation_comments (repository_id, issue_number);

-- How a repository's DORA metrics and bots are decided (`db::settings`, whose Default holds
-- the defaults of METRICS.md). No row: the defaults. `deployment_source` NULL: automatic.
CREATE TABLE repository_settings (
    repository_id            bigint PRIMARY KEY REFERENCES repositories (github_id) ON DELETE CASCADE,
    deployment_source        text CHECK (deployment_source IN
                                 ('deployments', 'workflow_runs', 'releases', 'merged_pull_requests')),
    production_environments  text NOT NULL,
    deployment_workflows     text NOT NULL,
    incident_labels          text[] NOT NULL,
    incident_window_days     integer NOT NULL CHECK (incident_window_days > 0),
    revert_failures          boolean NOT NULL,
    bot_logins               text[] NOT NULL,
    bot_title_pattern        text NOT NULL,
    updated_at               timestamptz NOT NULL DEFAULT now()
);

-- Derived: each commit's place on the default branch's first-parent history (the root 0).
CREATE TABLE default_branch_positions (
    repository_id  bigint NOT NULL REFERENCES repositories (github_id) ON DELETE CASCADE,
    sha            text NOT NULL,
    position       integer NOT NULL,
    PRIMARY KEY (repository_id, sha)
);

-- Derived: one row per pull request, with its stages in hours.
CREATE TABLE pull_request_facts (
    repository_id      bigint NOT NULL REFERENCES repositories (github_id) ON DELETE CASCADE,
    number             integer NOT NULL,
    author_login       text,
    is_bot             boolean NOT NULL,
    state              text NOT NULL,
    created_at         timestamptz NOT NULL,
    ready_at           timestamptz NOT NULL,
    first_commit_at    timestamptz,
    first_review_at    timestamptz,
    first_response_at  timestamptz,
    approved_at        timestamptz,
    reviews            integer NOT NULL,
    merged_at          timestamptz,
    closed_at          timestamptz,
    lines_changed      integer,
    changed_files      integer,
    merge_commit_sha   text,
    reverts            integer,
    cycle_hours        double precision,
    coding_hours       double precision,
    pickup_hours       double precision,
    review_hours       double precision,
    deployed_at        timestamptz,
    PRIMARY KEY (repository_id, number)
);
CREATE INDEX pull_request_facts_merged_idx ON pull_request_facts (repository_id, merged_at)
    WHERE merged_at IS NOT NULL;
CREATE INDEX pull_request_facts_created_idx ON pull_request_facts (repository_id, created_at);

-- Derived: the production deployments of each repository from its deployment source, one
-- per environment and commit, at its first success.
CREATE TABLE production_deployments (
    repository_id  bigint NOT NULL REFERENCES repositories (github_id) ON DELETE CASCADE,
    environment    text NOT NULL,
    sha            text NOT NULL,
    succeeded_at   timestamptz NOT NULL,
    failed_at      timestamptz,
    source         text NOT NULL,
    PRIMARY KEY (repository_id, environment, sha)
);
CREATE INDEX production_deployments_time_idx ON production_deployments (repository_id, succeeded_at);

-- Derived: the first production deployment of each environment that contains each change.
CREATE TABLE change_deployments (
    repository_id  bigint NOT NULL REFERENCES repositories (github_id) ON DELETE CASCADE,
    pull_number    integer NOT NULL,
    environment    text NOT NULL,
    sha            text NOT NULL,
    deployed_at    timestamptz NOT NULL,
    PRIMARY KEY (repository_id, pull_number, environment)
);
