-- Emails to the admin who registered an endpoint, written in the transaction that disabled it (so
-- none is lost, and none is sent for a disabling that rolled back), sent by the alerts job.
CREATE TABLE alerts (
    id           uuid PRIMARY KEY,
    endpoint_id  uuid NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
    recipient    text NOT NULL,
    subject      text NOT NULL,
    body         text NOT NULL,
    attempts     integer NOT NULL DEFAULT 0,
    next_attempt timestamptz NOT NULL DEFAULT now(),
    last_error   text,
    sent_at      timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alerts_waiting ON alerts (next_attempt) WHERE sent_at IS NULL;

-- Whoever last changed an endpoint is told too (the admin who registered it may have left).
ALTER TABLE endpoints ADD COLUMN changed_by_email text;
