-- Pulseboard's first schema: people who sign in, the repositories GitHub lets each of them
-- see, and GitHub's raw facts about pull requests. Every per-user read joins through
-- repository_access, so a user only ever sees what GitHub says they may.

CREATE TABLE users (
    id             bigserial PRIMARY KEY,
    github_id      bigint NOT NULL UNIQUE,
    login          text NOT NULL,
    name           text,
    avatar_url     text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    last_login_at  timestamptz NOT NULL DEFAULT now()
);

-- The user's GitHub OAuth token, AES-256-GCM encrypted under the instance secret key
-- (format: version byte, 12-byte nonce, ciphertext with tag; the user id is the AAD).
CREATE TABLE user_tokens (
    user_id     bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    ciphertext  bytea NOT NULL,
    scopes      text NOT NULL DEFAULT '',
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- GitHub's repository object as last read; keyed by GitHub's id so renames keep history.
CREATE TABLE repositories (
    github_id          bigint PRIMARY KEY,
    node_id            text,
    owner_login        text NOT NULL,
    name               text NOT NULL,
    full_name          text NOT NULL,
    private            boolean NOT NULL,
    description        text,
    default_branch     text NOT NULL,
    archived           boolean NOT NULL,
    fork               boolean NOT NULL,
    html_url           text NOT NULL,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    pushed_at          timestamptz,
    stargazers_count   integer NOT NULL,
    forks_count        integer NOT NULL,
    open_issues_count  integer NOT NULL,
    fetched_at         timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX repositories_full_name_idx ON repositories (lower(full_name));

-- Which repositories GitHub lists for a user (GET /user/repos) and with which role.
-- Replaced wholesale on each refresh so revoked access disappears.
CREATE TABLE repository_access (
    user_id        bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    repository_id  bigint NOT NULL REFERENCES repositories (github_id) ON DELETE CASCADE,
    permission     text NOT NULL CHECK (permission IN ('admin', 'maintain', 'push', 'triage', 'pull')),
    verified_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, repository_id)
);
CREATE INDEX repository_access_repo_idx ON repository_access (repository_id);

-- The repositories a user chose to follow on their dashboard.
CREATE TABLE tracked_repositories (
    user_id        bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    repository_id  bigint NOT NULL REFERENCES repositories (github_id) ON DELETE CASCADE,
    added_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, repository_id)
);

-- GitHub's pull request facts, unchanged: timestamps, states and ids, no derived values.
CREATE TABLE pull_requests (
    github_id             bigint PRIMARY KEY,
    repository_id         bigint NOT NULL REFERENCES repositories (github_id) ON DELETE CASCADE,
    number                integer NOT NULL,
    node_id               text,
    title                 text NOT NULL,
    state                 text NOT NULL CHECK (state IN ('open', 'closed')),
    draft                 boolean NOT NULL,
    author_github_id      bigint,
    author_login          text,
    author_association    text,
    base_ref              text NOT NULL,
    head_ref              text NOT NULL,
    head_sha              text,
    merge_commit_sha      text,
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL,
    closed_at             timestamptz,
    merged_at             timestamptz,
    synced_at             timestamptz NOT NULL DEFAULT now(),
    UNIQUE (repository_id, number)
);
CREATE INDEX pull_requests_repo_created_idx ON pull_requests (repository_id, created_at);

-- One row per sync of one resource of one repository: what it did and what it cost.
CREATE TABLE sync_runs (
    id             bigserial PRIMARY KEY,
    repository_id  bigint NOT NULL REFERENCES repositories (github_id) ON DELETE CASCADE,
    resource       text NOT NULL,
    requested_by   bigint REFERENCES users (id) ON DELETE SET NULL,
    status         text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
    started_at     timestamptz NOT NULL DEFAULT now(),
    finished_at    timestamptz,
    items          integer NOT NULL DEFAULT 0,
    pages          integer NOT NULL DEFAULT 0,
    requests       integer NOT NULL DEFAULT 0,
    error          text
);
CREATE INDEX sync_runs_repo_idx ON sync_runs (repository_id, started_at DESC);

-- Sessions, in the layout tower-sessions-sqlx-store's PostgresStore reads and writes.
-- Created here rather than by the store so that migrations stay the only source of schema.
CREATE SCHEMA tower_sessions;
CREATE TABLE tower_sessions.session (
    id           text PRIMARY KEY NOT NULL,
    data         bytea NOT NULL,
    expiry_date  timestamptz NOT NULL
);
CREATE INDEX session_expiry_idx ON tower_sessions.session (expiry_date);
