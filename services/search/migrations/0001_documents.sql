-- The search read model: one document per indexed record, rebuilt from the stream at will.
-- Welsh text is stored already normalised (services/search/welsh.py: circumflexes folded,
-- mutated words indexed with their possible radicals) and indexed with the 'simple' config;
-- English text uses the 'english' config (stemming).

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE documents (
    id             uuid PRIMARY KEY,
    kind           text NOT NULL,          -- partner, project, update, engagement, support_request, weeknote
    aggregate_id   uuid NOT NULL,
    aggregate_seq  integer NOT NULL,
    slug           text NOT NULL DEFAULT '',
    partner_id     uuid,
    project_id     uuid,
    visibility     text NOT NULL,          -- public, partner, internal
    title_en       text NOT NULL DEFAULT '',
    title_cy       text NOT NULL DEFAULT '',
    body_en        text NOT NULL DEFAULT '',
    body_cy        text NOT NULL DEFAULT '',
    title_cy_terms text NOT NULL DEFAULT '',
    body_cy_terms  text NOT NULL DEFAULT '',
    title_folded   text NOT NULL DEFAULT '',  -- both titles, folded: for typo-tolerant trigram matching
    phase          text,
    health         text,
    state          text,
    tags           text[] NOT NULL DEFAULT '{}',
    occurred_on    date NOT NULL,
    tsv            tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', title_en), 'A') ||
        setweight(to_tsvector('simple', title_cy_terms), 'A') ||
        setweight(to_tsvector('english', body_en), 'B') ||
        setweight(to_tsvector('simple', body_cy_terms), 'B')
    ) STORED
);
CREATE INDEX documents_tsv ON documents USING gin (tsv);
CREATE INDEX documents_title_trgm ON documents USING gin (title_folded gin_trgm_ops);
CREATE INDEX documents_aggregate ON documents (aggregate_id);

-- The newest aggregate_seq applied per record: older or repeated events change nothing.
CREATE TABLE aggregates (
    aggregate_id   uuid PRIMARY KEY,
    aggregate_seq  integer NOT NULL
);
