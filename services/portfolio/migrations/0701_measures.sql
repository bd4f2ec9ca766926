-- The measures each project tracks (from the catalogue in shared/measures.py, or its own) and
-- their monthly values. A measure is its own aggregate: its version is its event sequence.
CREATE TABLE measures (
    id          uuid PRIMARY KEY,
    project_id  uuid NOT NULL REFERENCES projects (id),
    catalogue   text,
    name_en     text NOT NULL DEFAULT '',
    name_cy     text NOT NULL DEFAULT '',
    unit        text NOT NULL CHECK (unit IN ('count', 'percent', 'pounds', 'minutes', 'days')),
    direction   text NOT NULL CHECK (direction IN ('up', 'down')),
    target      double precision,
    published   boolean NOT NULL DEFAULT false,
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (project_id, catalogue)
);
CREATE INDEX measures_project ON measures (project_id, created_at);

CREATE TABLE measure_values (
    measure_id  uuid NOT NULL REFERENCES measures (id),
    month       date NOT NULL CHECK (extract(day FROM month) = 1),
    value       double precision NOT NULL,
    recorded_by text NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (measure_id, month)
);
