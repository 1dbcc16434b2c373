-- Derived: each issue's first response, the first conversation comment by someone other
-- than its author who is not a bot (METRICS.md, "Issues"); kept by the sync with each page
-- of issues and of issue comments.
CREATE TABLE issue_facts (
    repository_id      bigint NOT NULL REFERENCES repositories (github_id) ON DELETE CASCADE,
    number             integer NOT NULL,
    first_response_at  timestamptz,
    PRIMARY KEY (repository_id, number)
);
