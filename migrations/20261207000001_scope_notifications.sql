-- Every process keeps what a person's scopes resolve to (their repositories and their
-- data's stamp) and what the scope pickers offer them, instead of reading both on every
-- page. Whatever any writer changes in the rows those are read from tells every process
-- at commit (NOTIFY, once per transaction however many statements), and each process
-- drops what it kept (engine::metrics::scopes). Statement triggers catch every writer,
-- the sync, the web pages and the webhooks to come alike.
CREATE FUNCTION pulseboard_scopes_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('pulseboard_scopes', '');
    RETURN NULL;
END $$;

-- Who follows, may see, groups and teams what.
CREATE TRIGGER scopes_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON tracked_repositories
    FOR EACH STATEMENT EXECUTE FUNCTION pulseboard_scopes_changed();
CREATE TRIGGER scopes_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON repository_access
    FOR EACH STATEMENT EXECUTE FUNCTION pulseboard_scopes_changed();
CREATE TRIGGER scopes_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON organization_access
    FOR EACH STATEMENT EXECUTE FUNCTION pulseboard_scopes_changed();
CREATE TRIGGER scopes_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON team_access
    FOR EACH STATEMENT EXECUTE FUNCTION pulseboard_scopes_changed();
CREATE TRIGGER scopes_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON team_repositories
    FOR EACH STATEMENT EXECUTE FUNCTION pulseboard_scopes_changed();
CREATE TRIGGER scopes_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON repository_groups
    FOR EACH STATEMENT EXECUTE FUNCTION pulseboard_scopes_changed();
CREATE TRIGGER scopes_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON repository_group_members
    FOR EACH STATEMENT EXECUTE FUNCTION pulseboard_scopes_changed();
-- The data's stamp, and which repositories have anything read.
CREATE TRIGGER scopes_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON metric_rollup_state
    FOR EACH STATEMENT EXECUTE FUNCTION pulseboard_scopes_changed();
-- Names. A sync's upsert (INSERT ... ON CONFLICT) notifies as any INSERT does; an UPDATE
-- of other columns alone (counts) does not.
CREATE TRIGGER scopes_changed AFTER INSERT OR DELETE OR TRUNCATE ON repositories
    FOR EACH STATEMENT EXECUTE FUNCTION pulseboard_scopes_changed();
CREATE TRIGGER scopes_renamed AFTER UPDATE OF github_id, full_name, owner_login ON repositories
    FOR EACH STATEMENT EXECUTE FUNCTION pulseboard_scopes_changed();
CREATE TRIGGER scopes_changed AFTER INSERT OR DELETE OR TRUNCATE ON organizations
    FOR EACH STATEMENT EXECUTE FUNCTION pulseboard_scopes_changed();
CREATE TRIGGER scopes_renamed AFTER UPDATE OF github_id, login ON organizations
    FOR EACH STATEMENT EXECUTE FUNCTION pulseboard_scopes_changed();
CREATE TRIGGER scopes_changed AFTER INSERT OR DELETE OR TRUNCATE ON teams
    FOR EACH STATEMENT EXECUTE FUNCTION pulseboard_scopes_changed();
CREATE TRIGGER scopes_renamed AFTER UPDATE OF github_id, organization_id, slug, name ON teams
    FOR EACH STATEMENT EXECUTE FUNCTION pulseboard_scopes_changed();
