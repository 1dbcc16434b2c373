-- Which teams each person's own GitHub listing shows. GitHub lists a secret team only to
-- its members and the organisation's owners, so a team (its name, members and
-- repositories) is shown only to those GitHub listed it to; rows appear at each person's
-- next refresh of their repository list (sign-in, "Refresh from GitHub").
CREATE TABLE team_access (
    user_id  bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    team_id  bigint NOT NULL REFERENCES teams (github_id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, team_id)
);
CREATE INDEX team_access_team_idx ON team_access (team_id);
