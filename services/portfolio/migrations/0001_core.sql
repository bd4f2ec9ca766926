-- Partners and projects. The event table (outbox and audit log in one) is the outbox part of
-- shared/schema.sql.

CREATE TABLE partners (
    id          uuid PRIMARY KEY,
    slug        text NOT NULL UNIQUE,
    name_en     text NOT NULL,
    name_cy     text NOT NULL,
    kind        text NOT NULL,
    website     text,
    active      boolean NOT NULL DEFAULT true,
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE projects (
    id             uuid PRIMARY KEY,
    slug           text NOT NULL UNIQUE,
    partner_id     uuid REFERENCES partners (id),
    title_en       text NOT NULL,
    title_cy       text NOT NULL,
    summary_en     text NOT NULL DEFAULT '',
    summary_cy     text NOT NULL DEFAULT '',
    lead_id        text,
    phase          text NOT NULL,
    state          text NOT NULL DEFAULT 'active',
    health         text NOT NULL DEFAULT 'green',
    health_reason  text NOT NULL DEFAULT '',
    tags           text[] NOT NULL DEFAULT '{}',
    visibility     text NOT NULL DEFAULT 'public',
    start_date     date,
    version        integer NOT NULL DEFAULT 1,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX projects_partner ON projects (partner_id);
