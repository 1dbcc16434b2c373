-- The sync engine's schema: everything the metrics will need, as GitHub's raw facts
-- (ids, timestamps, states), keyed by GitHub's ids and upserted idempotently; per-repository
-- checkpoints committed with the data; a job queue claimed with FOR UPDATE SKIP LOCKED.
-- Every table hangs off repositories(github_id), so per-user reads keep joining
-- repository_access.

ALTER TABLE repositories
    ADD COLUMN language text,
    ADD COLUMN topics text[] NOT NULL DEFAULT '{}',
    ADD COLUMN former_full_names text[] NOT NULL DEFAULT '{}';

CREATE TABLE organizations (
    github_id   bigint PRIMARY KEY,
    login       text NOT NULL,
    name        text,
    fetched_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX organizations_login_idx ON organizations (lower(login));

-- Which organisations GitHub lists for a user (GET /user/orgs); replaced wholesale.
CREATE TABLE organization_access (
    user_id          bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    organization_id  bigint NOT NULL REFERENCES organizations (github_id) ON DELETE CASCADE,
    verified_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, organization_id)
);

CREATE TABLE teams (
    github_id        bigint PRIMARY KEY,
    organization_id  bigint NOT NULL REFERENCES organizations (github_id) ON DELETE CASCADE,
    slug             text NOT NULL,
    name             text NOT NULL,
    description      text,
    fetched_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, slug)
);

CREATE TABLE team_members (
    team_id          bigint NOT NULL REFERENCES teams (github_id) ON DELETE CASCADE,
    user_github_id   bigint NOT NULL,
    login            text NOT NULL,
    PRIMARY KEY (team_id, user_github_id)
);

-- Repository ids as GitHub lists them for a team; the repository may not be synced.
CREATE TABLE team_repositories (
    team_id        bigint NOT NULL REFERENCES teams (github_id) ON DELETE CASCADE,
    repository_id  bigint NOT NULL,
    PRIMARY KEY (team_id, repository_id)
);

ALTER TABLE pull_requests
    ADD COLUMN additions              integer,
    ADD COLUMN deletions              integer,
    ADD COLUMN changed_files          integer,
    ADD COLUMN commits_count          integer,
    ADD COLUMN comments_count         integer,
    ADD COLUMN merged_by_github_id    bigint,
    ADD COLUMN merged_by_login        text,
    ADD COLUMN first_commit_at        timestamptz,
    ADD COLUMN ready_for_review_at    timestamptz,
    ADD COLUMN labels                 text[] NOT NULL DEFAULT '{}';
CREATE INDEX pull_requests_repo_updated_idx ON pull_requests (repository_id, updated_at);

CREATE TABLE pull_request_reviews (
    github_id            bigint PRIMARY KEY,
    repository_id        bigint NOT NULL REFERENCES repositories (github_id) ON DELETE CASCADE,
    pull_number          integer NOT NULL,
    reviewer_github_id   bigint,
    reviewer_login       text,
    state                text NOT NULL,
    submitted_at         timestamptz,
    commit_sha           text
);
CREATE INDEX pull_request_reviews_pull_idx ON pull_request_reviews (repository_id, pull_number);

-- Issues that are not pull requests.
CREATE TABLE issues (
    github_id          bigint PRIMARY KEY,
    repository_id      bigint NOT NULL REFERENCES repositories (github_id) ON DELETE CASCADE,
    number             integer NOT NULL,
    title              text NOT NULL,
    state              text NOT NULL CHECK (state IN ('open', 'closed')),
    state_reason       text,
    author_github_id   bigint,
    author_login       text,
    labels             text[] NOT NULL DEFAULT '{}',
    assignees          text[] NOT NULL DEFAULT '{}',
    comments_count     integer NOT NULL DEFAULT 0,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    closed_at          timestamptz,
    UNIQUE (repository_id, number)
);
CREATE INDEX issues_repo_created_idx ON issues (repository_id, created_at);

-- The default branch's history.
CREATE TABLE commits (
    repository_id      bigint NOT NULL REFERENCES repositories (github_id) ON DELETE CASCADE,
    sha                text NOT NULL,
    parent_sha         text,
    author_github_id   bigint,
    author_login       text,
    author_name        text,
    author_email       text,
    authored_at        timestamptz NOT NULL,
    committed_at       timestamptz NOT NULL,
    additions          integer,
    deletions          integer,
    message_headline   text NOT NULL DEFAULT '',
    PRIMARY KEY (repository_id, sha)
);
CREATE INDEX commits_repo_committed_idx ON commits (repository_id, committed_at);

CREATE TABLE contributors (
    repository_id   bigint NOT NULL REFERENCES repositories (github_id) ON DELETE CASCADE,
    user_github_id  bigint NOT NULL,
    login           text NOT NULL,
    contributions   integer NOT NULL,
    PRIMARY KEY (repository_id, user_github_id)
);

CREATE TABLE workflows (
    github_id      bigint PRIMARY KEY,
    repository_id  bigint NOT NULL REFERENCES repositories (github_id) ON DELETE CASCADE,
    name           text NOT NULL,
    path           text NOT NULL,
    state          text NOT NULL
);

CREATE TABLE workflow_runs (
    github_id            bigint PRIMARY KEY,
    repository_id        bigint NOT NULL REFERENCES repositories (github_id) ON DELETE CASCADE,
    workflow_id          bigint NOT NULL,
    check_suite_node_id  text,
    run_number           integer NOT NULL,
    run_attempt          integer NOT NULL DEFAULT 1,
    event                text NOT NULL,
    status               text NOT NULL,
    conclusion           text,
    head_branch          text,
    head_sha             text NOT NULL,
    actor_login          text,
    created_at           timestamptz NOT NULL,
    run_started_at       timestamptz,
    updated_at           timestamptz NOT NULL,
    jobs_synced_at       timestamptz
);
CREATE INDEX workflow_runs_repo_created_idx ON workflow_runs (repository_id, created_at);

CREATE TABLE workflow_jobs (
    github_id      bigint PRIMARY KEY,
    run_id         bigint NOT NULL REFERENCES workflow_runs (github_id) ON DELETE CASCADE,
    repository_id  bigint NOT NULL REFERENCES repositories (github_id) ON DELETE CASCADE,
    name           text NOT NULL,
    status         text NOT NULL,
    conclusion     text,
    started_at     timestamptz,
    completed_at   timestamptz
);
CREATE INDEX workflow_jobs_run_idx ON workflow_jobs (run_id);

CREATE TABLE deployments (
    github_id      bigint PRIMARY KEY,
    repository_id  bigint NOT NULL REFERENCES repositories (github_id) ON DELETE CASCADE,
    sha            text NOT NULL,
    environment    text NOT NULL,
    creator_login  text,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);
CREATE INDEX deployments_repo_created_idx ON deployments (repository_id, created_at);

-- Keyed by GitHub's node id: GraphQL, which reads them a hundred deployments at a time,
-- gives no database id for a status.
CREATE TABLE deployment_statuses (
    deployment_id  bigint NOT NULL REFERENCES deployments (github_id) ON DELETE CASCADE,
    node_id        text NOT NULL,
    repository_id  bigint NOT NULL REFERENCES repositories (github_id) ON DELETE CASCADE,
    state          text NOT NULL,
    created_at     timestamptz NOT NULL,
    PRIMARY KEY (deployment_id, node_id)
);

CREATE TABLE releases (
    github_id      bigint PRIMARY KEY,
    repository_id  bigint NOT NULL REFERENCES repositories (github_id) ON DELETE CASCADE,
    tag_name       text NOT NULL,
    name           text,
    draft          boolean NOT NULL,
    prerelease     boolean NOT NULL,
    author_login   text,
    created_at     timestamptz NOT NULL,
    published_at   timestamptz
);

CREATE TABLE tags (
    repository_id  bigint NOT NULL REFERENCES repositories (github_id) ON DELETE CASCADE,
    name           text NOT NULL,
    sha            text NOT NULL,
    PRIMARY KEY (repository_id, name)
);

CREATE TABLE stargazers (
    repository_id   bigint NOT NULL REFERENCES repositories (github_id) ON DELETE CASCADE,
    user_github_id  bigint NOT NULL,
    login           text NOT NULL,
    starred_at      timestamptz NOT NULL,
    PRIMARY KEY (repository_id, user_github_id)
);
CREATE INDEX stargazers_repo_starred_idx ON stargazers (repository_id, starred_at);

CREATE TABLE forks (
    github_id      bigint PRIMARY KEY,
    repository_id  bigint NOT NULL REFERENCES repositories (github_id) ON DELETE CASCADE,
    full_name      text NOT NULL,
    owner_login    text NOT NULL,
    created_at     timestamptz NOT NULL
);
CREATE INDEX forks_repo_created_idx ON forks (repository_id, created_at);

-- Where each resource of each repository got to. Written in the same transaction as the
-- data it describes, so a killed sync resumes exactly there.
CREATE TABLE sync_checkpoints (
    repository_id  bigint NOT NULL REFERENCES repositories (github_id) ON DELETE CASCADE,
    resource       text NOT NULL,
    -- Resumption point of a sync in progress (a cursor or a page URL); null when complete.
    resume         text,
    -- The newest change the last complete sync saw (updated_at, pushed_at, ...).
    high_water     timestamptz,
    -- Resource-specific state, e.g. the default branch head or a change signature.
    state          jsonb NOT NULL DEFAULT '{}',
    completed_at   timestamptz,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (repository_id, resource)
);

-- Work for any pulseboard process: claimed with FOR UPDATE SKIP LOCKED, kept alive by a
-- heartbeat, taken over when its claimant stops beating.
CREATE TABLE sync_jobs (
    id             bigserial PRIMARY KEY,
    repository_id  bigint NOT NULL REFERENCES repositories (github_id) ON DELETE CASCADE,
    resources      text[] NOT NULL,
    mode           text NOT NULL CHECK (mode IN ('full', 'incremental')),
    -- Whose token the job uses; null for the scheduler (any user who can see the repo).
    requested_by   bigint REFERENCES users (id) ON DELETE SET NULL,
    status         text NOT NULL DEFAULT 'queued'
                   CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    priority       integer NOT NULL DEFAULT 0,
    run_after      timestamptz NOT NULL DEFAULT now(),
    attempts       integer NOT NULL DEFAULT 0,
    claimed_by     text,
    heartbeat_at   timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    started_at     timestamptz,
    finished_at    timestamptz,
    error          text
);
CREATE INDEX sync_jobs_queue_idx ON sync_jobs (status, priority DESC, run_after, id);
-- At most one queued or running job per repository.
CREATE UNIQUE INDEX sync_jobs_one_live_idx ON sync_jobs (repository_id)
    WHERE status IN ('queued', 'running');

ALTER TABLE sync_runs
    ADD COLUMN job_id          bigint REFERENCES sync_jobs (id) ON DELETE SET NULL,
    ADD COLUMN points          integer NOT NULL DEFAULT 0,
    ADD COLUMN retries         integer NOT NULL DEFAULT 0,
    ADD COLUMN waited_ms       bigint NOT NULL DEFAULT 0,
    ADD COLUMN rate_remaining  integer;
