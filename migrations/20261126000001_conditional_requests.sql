-- GitHub's answers to GET requests, kept so that reading them again can be conditional
-- (If-None-Match / If-Modified-Since): an unchanged answer is a 304, which costs no rate
-- limit, even after a restart. Answers differ by token (visibility, permissions), so the
-- key includes a SHA-256 of the token; the token itself is never stored here.
CREATE TABLE github_http_cache (
    token_sha256   bytea NOT NULL,
    url            text NOT NULL,
    etag           text,
    last_modified  text,
    link           text,
    body           bytea NOT NULL,
    fetched_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (token_sha256, url)
);

-- What a sync run spent: requests answered 304 cost no rate-limit points.
ALTER TABLE sync_runs ADD COLUMN not_modified integer NOT NULL DEFAULT 0;
