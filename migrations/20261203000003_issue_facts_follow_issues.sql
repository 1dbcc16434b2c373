-- An issue's facts go with it: an issue deleted or transferred away (a full listing no
-- longer has it) takes its facts along, so that what reads only the facts (the issues
-- open at a time, the priority list) never counts an issue that is gone.
DELETE FROM issue_facts f
 WHERE NOT EXISTS (SELECT 1 FROM issues i
                    WHERE i.repository_id = f.repository_id AND i.number = f.number);
ALTER TABLE issue_facts
    ADD CONSTRAINT issue_facts_issue_fkey FOREIGN KEY (repository_id, number)
        REFERENCES issues (repository_id, number) ON DELETE CASCADE;
