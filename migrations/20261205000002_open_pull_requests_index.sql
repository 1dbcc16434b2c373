-- The pull requests open now, per repository: the overview's "waiting for review" and a
-- repository's slowest open pull requests read only these (an organisation of 200
-- repositories otherwise scans every pull request it ever had).
CREATE INDEX pull_requests_open_idx ON pull_requests (repository_id, number) WHERE state = 'open';
