-- A lead's placement of a project on the roadmap (issue 19): the column, the reason in each
-- language, and the phase and state it was made in (it lapses when either changes).
ALTER TABLE projects
    ADD COLUMN IF NOT EXISTS roadmap_column text
        CHECK (roadmap_column IN ('now', 'next', 'later', 'delivered', 'stopped')),
    ADD COLUMN IF NOT EXISTS roadmap_reason_en text NOT NULL DEFAULT '',
    ADD COLUMN IF NOT EXISTS roadmap_reason_cy text NOT NULL DEFAULT '',
    ADD COLUMN IF NOT EXISTS roadmap_phase text,
    ADD COLUMN IF NOT EXISTS roadmap_state text,
    ADD COLUMN IF NOT EXISTS roadmap_placed_on date;
