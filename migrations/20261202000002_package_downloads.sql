-- npm downloads (METRICS.md, "Growth and community"): the package a repository publishes
-- (a setting), its downloads per UTC day as npm's download counts API reports them, and
-- how the last read went.
ALTER TABLE repository_settings ADD COLUMN npm_package text;

CREATE TABLE package_downloads (
    repository_id  bigint NOT NULL REFERENCES repositories (github_id) ON DELETE CASCADE,
    day            date NOT NULL,
    downloads      bigint NOT NULL CHECK (downloads >= 0),
    PRIMARY KEY (repository_id, day)
);

CREATE TABLE package_reads (
    repository_id  bigint PRIMARY KEY REFERENCES repositories (github_id) ON DELETE CASCADE,
    package        text NOT NULL,
    read_at        timestamptz NOT NULL,
    -- npm's or the network's error of the last read, NULL when it succeeded.
    error          text
);
