-- What a project aims to reach by a month or a day, each with its own version (If-Match) and
-- event sequence. A removed milestone's row goes; its events stay in the history.
CREATE TABLE milestones (
    id          uuid PRIMARY KEY,
    project_id  uuid NOT NULL REFERENCES projects (id),
    title_en    text NOT NULL,
    title_cy    text NOT NULL,
    target_on   date NOT NULL,
    precision   text NOT NULL CHECK (precision IN ('month', 'day')),
    done        boolean NOT NULL DEFAULT false,
    done_on     date,
    gate        text CHECK (gate IN ('alpha', 'private_beta', 'public_beta', 'live')),
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (precision = 'day' OR extract(day FROM target_on) = 1),
    CHECK (done = (done_on IS NOT NULL))
);
CREATE INDEX milestones_project ON milestones (project_id, target_on);
