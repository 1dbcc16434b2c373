-- User-defined repository groups: a person's own named sets of repositories (a product,
-- a service area), each a scope of reports (`group:NAME`) for that person only.
CREATE TABLE repository_groups (
    id          bigserial PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX repository_groups_name_idx ON repository_groups (user_id, lower(name));

CREATE TABLE repository_group_members (
    group_id       bigint NOT NULL REFERENCES repository_groups (id) ON DELETE CASCADE,
    repository_id  bigint NOT NULL REFERENCES repositories (github_id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, repository_id)
);
