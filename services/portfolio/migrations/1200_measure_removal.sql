-- A removed measure is kept, with its values, for history: it is no longer shown or counted, and
-- the project may track a catalogue measure again after removing it (the uniqueness is of the
-- measures it tracks now).
ALTER TABLE measures
    ADD COLUMN removed_at timestamptz,
    ADD COLUMN removed_reason_en text NOT NULL DEFAULT '',
    ADD COLUMN removed_reason_cy text NOT NULL DEFAULT '';
ALTER TABLE measures DROP CONSTRAINT measures_project_id_catalogue_key;
CREATE UNIQUE INDEX measures_project_catalogue ON measures (project_id, catalogue) WHERE removed_at IS NULL;
