-- Who follows what, and every email the notifier has decided to send.

CREATE TABLE subscriptions (
    id          uuid PRIMARY KEY,
    email       text NOT NULL,
    language    text NOT NULL DEFAULT 'both',   -- cy, en or both (Welsh first)
    scope       text NOT NULL DEFAULT 'portfolio',
    confirmed   boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (email, scope)
);

-- One row per (event, recipient): a redelivered event can never make a second email.
CREATE TABLE deliveries (
    id            uuid PRIMARY KEY,
    event_id      uuid NOT NULL,
    event_type    text NOT NULL,
    recipient     text NOT NULL,
    language      text NOT NULL,
    subject       text NOT NULL,
    body          text NOT NULL,
    status        text NOT NULL DEFAULT 'pending',   -- pending, sent, failed
    attempts      integer NOT NULL DEFAULT 0,
    next_attempt  timestamptz NOT NULL DEFAULT now(),
    last_error    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    sent_at       timestamptz,
    UNIQUE (event_id, recipient)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt) WHERE status = 'pending';

CREATE TABLE consumer_state (
    consumer    text PRIMARY KEY,
    stream_seq  bigint NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE dead_letters (
    consumer    text NOT NULL,
    stream_seq  bigint NOT NULL,
    subject     text NOT NULL,
    payload     text NOT NULL,
    reason      text NOT NULL,
    failed_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, stream_seq)
);
