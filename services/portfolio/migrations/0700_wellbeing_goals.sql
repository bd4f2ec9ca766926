-- The Well-being of Future Generations Act goals a project serves (codes of
-- shared.vocabulary.WELLBEING_GOALS, in the Act's order), filterable on the board.
ALTER TABLE projects ADD COLUMN wellbeing_goals text[] NOT NULL DEFAULT '{}';
CREATE INDEX projects_wellbeing_goals ON projects USING gin (wellbeing_goals);
