-- An organisation's repositories, by owner as the scope names it (`lower(owner_login)`):
-- without the index PostgreSQL has no statistics for the expression and estimates one
-- repository, so the scope's stamp (read on every page) joined 200 by nested loops.
CREATE INDEX repositories_owner_login_idx ON repositories (lower(owner_login));
ANALYZE repositories;
