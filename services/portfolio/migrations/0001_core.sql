-- Partners, projects and the event table (outbox and audit log in one).

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

-- position: the outbox order (taken before commit, so it can have holes; see shared/outbox.py).
-- (aggregate_id, aggregate_seq) is gapless per aggregate: the audit trail of each record.
CREATE TABLE events (
    position       bigserial PRIMARY KEY,
    id             uuid NOT NULL UNIQUE,
    type           text NOT NULL,
    version        integer NOT NULL,
    occurred_at    timestamptz NOT NULL,
    actor_id       text NOT NULL,
    actor_role     text NOT NULL,
    aggregate_id   uuid NOT NULL,
    aggregate_seq  integer NOT NULL,
    partner_id     uuid,
    data           jsonb NOT NULL,
    published_at   timestamptz,
    UNIQUE (aggregate_id, aggregate_seq)
);
CREATE INDEX events_unpublished ON events (position) WHERE published_at IS NULL;
