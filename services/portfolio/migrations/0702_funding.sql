-- Funding records per project: where the money came from, how much (pence, an integer), for which
-- months, and of which kind. Nothing of it is public unless staff publish the record.
CREATE TABLE funding_records (
    id            uuid PRIMARY KEY,
    project_id    uuid NOT NULL REFERENCES projects (id),
    source        text NOT NULL CHECK (source IN ('cdps', 'partner', 'welsh_government', 'other')),
    amount_pence  bigint NOT NULL CHECK (amount_pence > 0),
    starts_on     date NOT NULL CHECK (extract(day FROM starts_on) = 1),
    ends_on       date NOT NULL CHECK (extract(day FROM ends_on) = 1),
    kind          text NOT NULL CHECK (kind IN ('project', 'continuous_improvement')),
    published     boolean NOT NULL DEFAULT false,
    version       integer NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_on >= starts_on)
);
CREATE INDEX funding_records_project ON funding_records (project_id, starts_on);
