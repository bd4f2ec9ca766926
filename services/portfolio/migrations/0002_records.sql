-- Engagements, project updates, support requests and people; filters' indexes.

CREATE TABLE engagements (
    id          uuid PRIMARY KEY,
    partner_id  uuid NOT NULL REFERENCES partners (id),
    project_id  uuid REFERENCES projects (id),
    kind        text NOT NULL,
    summary_en  text NOT NULL,
    summary_cy  text NOT NULL,
    started_on  date NOT NULL,
    ended_on    date,
    contacts    uuid[] NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (ended_on IS NULL OR ended_on >= started_on)
);
CREATE INDEX engagements_partner ON engagements (partner_id, started_on DESC);

CREATE TABLE project_updates (
    id          uuid PRIMARY KEY,
    project_id  uuid NOT NULL REFERENCES projects (id),
    posted_on   date NOT NULL,
    author_id   text NOT NULL,
    body_en     text NOT NULL,
    body_cy     text NOT NULL,
    health      text,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX project_updates_project ON project_updates (project_id, posted_on DESC);

CREATE TABLE support_requests (
    id             uuid PRIMARY KEY,
    organisation   text NOT NULL,
    contact_name   text NOT NULL,
    contact_email  text NOT NULL,
    language       text NOT NULL,
    need           text NOT NULL,
    urgency        text NOT NULL,
    status         text NOT NULL DEFAULT 'new',       -- new, accepted, declined
    reason         text NOT NULL DEFAULT '',
    engagement_id  uuid REFERENCES engagements (id),
    version        integer NOT NULL DEFAULT 1,
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE people (
    id          uuid PRIMARY KEY,
    name        text NOT NULL,
    email       text NOT NULL UNIQUE,
    kind        text NOT NULL,                        -- lead, partner_contact
    partner_id  uuid REFERENCES partners (id),
    language    text NOT NULL DEFAULT 'both',
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX projects_listing ON projects (created_at DESC, id DESC);
CREATE INDEX projects_tags ON projects USING gin (tags);
