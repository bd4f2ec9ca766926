-- Actions that follow an assessment's recommendations: an owner, a due date, and a state.
CREATE TABLE assessment_actions (
    id             uuid PRIMARY KEY,
    assessment_id  uuid NOT NULL REFERENCES assessments (id),
    project_id     uuid NOT NULL REFERENCES projects (id),
    standard       integer NOT NULL,
    text_en        text NOT NULL DEFAULT '',
    text_cy        text NOT NULL DEFAULT '',
    owner          text NOT NULL,
    due_on         date NOT NULL,
    state          text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'done', 'dropped')),
    reason         text NOT NULL DEFAULT '',
    version        integer NOT NULL DEFAULT 1,
    created_at     timestamptz NOT NULL DEFAULT now(),
    closed_at      timestamptz
);
CREATE INDEX assessment_actions_by_assessment ON assessment_actions (assessment_id);
-- The gates view lists open actions, soonest due first.
CREATE INDEX assessment_actions_open ON assessment_actions (due_on) WHERE state = 'open';
