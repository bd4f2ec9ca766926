-- Weeknotes: the week's events as the notifier saw them, drafts and published weeknotes. The
-- notifier's own outbox (it emits weeknotes.published) is the outbox part of shared/schema.sql.

CREATE TABLE week_events (
    event_id      uuid PRIMARY KEY,
    week          date NOT NULL,
    type          text NOT NULL,
    occurred_at   timestamptz NOT NULL,
    aggregate_id  uuid NOT NULL,
    data          jsonb NOT NULL
);
CREATE INDEX week_events_week ON week_events (week);

CREATE TABLE weeknotes (
    week          date PRIMARY KEY,
    status        text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published')),
    intro_en      text NOT NULL DEFAULT '',
    intro_cy      text NOT NULL DEFAULT '',
    hidden        uuid[] NOT NULL DEFAULT '{}',
    summary_en    text,
    summary_cy    text,
    content_en    text,
    content_cy    text,
    published_at  timestamptz,
    version       integer NOT NULL DEFAULT 1
);
