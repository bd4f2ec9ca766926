-- Assessments against the Digital Service Standards for Wales, one per project and gate attempt.
-- The panel and the per-standard ratings are kept as JSON: they are read and written whole with
-- their assessment (services/portfolio/assessments.py), never queried one by one.
CREATE TABLE assessments (
    id                 uuid PRIMARY KEY,
    project_id         uuid NOT NULL REFERENCES projects (id),
    from_phase         text NOT NULL,
    to_phase           text NOT NULL,
    kind               text NOT NULL,
    held_on            date NOT NULL,
    standards_version  text NOT NULL,
    panel              jsonb NOT NULL DEFAULT '[]',
    ratings            jsonb NOT NULL DEFAULT '[]',
    summary_en         text NOT NULL DEFAULT '',
    summary_cy         text NOT NULL DEFAULT '',
    status             text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted', 'published')),
    outcome            text CHECK (outcome IN ('met', 'not_met')),
    panel_outcome      text CHECK (panel_outcome IN ('met', 'not_met')),
    override_reason    text NOT NULL DEFAULT '',
    created_by         text NOT NULL,
    version            integer NOT NULL DEFAULT 1,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    published_at       timestamptz
);
-- The gate rule asks for a project's published assessments of one gate.
CREATE INDEX assessments_by_project ON assessments (project_id, to_phase, status);
