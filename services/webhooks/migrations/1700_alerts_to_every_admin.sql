-- An endpoint that turns itself off tells every active admin, each in their account's language
-- (issue 24). The disabling transaction cannot know who they are (accounts are the web's), so it
-- writes one disabling to announce; the alerts job asks the web for the active admins and, in one
-- transaction, writes one alert (one email) per admin and marks the disabling addressed. Until a
-- web answers, the disabling waits (never dropped, never sent to nobody).
CREATE TABLE disablings (
    id           uuid PRIMARY KEY,
    endpoint_id  uuid NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
    reason_en    text NOT NULL DEFAULT '',
    reason_cy    text NOT NULL DEFAULT '',
    attempts     integer NOT NULL DEFAULT 0,
    next_attempt timestamptz NOT NULL DEFAULT now(),
    last_error   text,
    addressed_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX disablings_waiting ON disablings (next_attempt) WHERE addressed_at IS NULL;

-- Each admin's email is its own alert, in their language ('both' for the alerts written before).
ALTER TABLE alerts ADD COLUMN disabling_id uuid REFERENCES disablings (id) ON DELETE CASCADE,
                   ADD COLUMN language text NOT NULL DEFAULT 'both' CHECK (language IN ('cy', 'en', 'both'));
CREATE UNIQUE INDEX alerts_once_per_admin ON alerts (disabling_id, recipient) WHERE disabling_id IS NOT NULL;
