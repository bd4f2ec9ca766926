-- The search read model: one document per indexed record, rebuilt from the stream at will.

CREATE TABLE documents (
    id             uuid PRIMARY KEY,
    kind           text NOT NULL,
    slug           text NOT NULL,
    partner_id     uuid,
    visibility     text NOT NULL,
    title_en       text NOT NULL DEFAULT '',
    title_cy       text NOT NULL DEFAULT '',
    body_en        text NOT NULL DEFAULT '',
    body_cy        text NOT NULL DEFAULT '',
    phase          text,
    health         text,
    tags           text[] NOT NULL DEFAULT '{}',
    aggregate_seq  integer NOT NULL,
    occurred_at    timestamptz NOT NULL,
    tsv            tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', title_en), 'A') ||
        setweight(to_tsvector('simple', title_cy), 'A') ||
        setweight(to_tsvector('english', body_en), 'B') ||
        setweight(to_tsvector('simple', body_cy), 'B')
    ) STORED
);
CREATE INDEX documents_tsv ON documents USING gin (tsv);

-- How far this service has applied the stream (for lag and read-your-writes).
CREATE TABLE consumer_state (
    consumer    text PRIMARY KEY,
    stream_seq  bigint NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Events that failed MAX_DELIVER times, with the reason; they never block the stream.
CREATE TABLE dead_letters (
    consumer    text NOT NULL,
    stream_seq  bigint NOT NULL,
    subject     text NOT NULL,
    payload     text NOT NULL,
    reason      text NOT NULL,
    failed_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, stream_seq)
);
