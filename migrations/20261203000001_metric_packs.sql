-- Derived: the rollups packed (METRICS.md, "Rollups"): one row per repository, family of
-- measures (`ci`, `flow`, `pr`, `lead`, `issues`, `growth`, and `history`, the weekly
-- headline series), grain (UTC day `d`, ISO week `w` from Monday, calendar month `m`, all
-- time `a`) and start, holding every measure and group of that piece with its count, sum
-- and DDSketch buckets in one binary value (`engine::db::rollups` writes and reads its
-- format). An organisation's year of one family is then a few thousand rows, read by one
-- index range a piece, instead of a row per measure and group.
CREATE TABLE metric_packs (
    family         text NOT NULL,
    grain          text NOT NULL CHECK (grain IN ('d', 'w', 'm', 'a')),
    start          date NOT NULL,
    repository_id  bigint NOT NULL REFERENCES repositories (github_id) ON DELETE CASCADE,
    body           bytea NOT NULL,
    PRIMARY KEY (family, grain, start, repository_id)
);
CREATE INDEX metric_packs_repository_idx ON metric_packs (repository_id, family);

DROP TABLE metric_rollups;

-- Every repository has a state row from before its first rows are stored (the sync marks
-- it not current as it starts), so "are these repositories' rollups built?" reads one row
-- each. Those synced before this version are rebuilt by the startup backfill.
INSERT INTO metric_rollup_state (repository_id, version)
SELECT github_id, 0 FROM repositories
ON CONFLICT (repository_id) DO UPDATE SET version = 0;
