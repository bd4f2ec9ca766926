-- Webhook endpoints that admins registered, and every delivery of an event to one of them.

-- An endpoint: where to POST, what it wants, and the secrets it is signed with. `secret` is the
-- Standard Webhooks secret (whsec_ + base64 of 32 random bytes), shown to the admin once; after a
-- rotation the previous one also signs until `previous_until`. `next_send_at` paces deliveries to
-- this endpoint (its rate limit); `failing_since` is the first failure since its last success.
CREATE TABLE endpoints (
    id              uuid PRIMARY KEY,
    url             text NOT NULL,
    description     text NOT NULL DEFAULT '',
    event_types     text[] NOT NULL,
    partner_id      uuid,
    internal        boolean NOT NULL DEFAULT false,
    enabled         boolean NOT NULL DEFAULT true,
    disabled_reason text,
    secret          text NOT NULL,
    previous_secret text,
    previous_until  timestamptz,
    admin_email     text,             -- who registered it: told when it is disabled for failing
    next_send_at    timestamptz NOT NULL DEFAULT now(),
    failing_since   timestamptz,
    version         integer NOT NULL DEFAULT 1,
    created_by      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- What is sent for an event, stored once however many endpoints get it: the public envelope,
-- exactly the bytes that are signed and posted.
CREATE TABLE messages (
    event_id     uuid PRIMARY KEY,
    event_type   text NOT NULL,
    occurred_at  timestamptz NOT NULL,
    body         text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- One row per (event, endpoint), recorded by the consumer before it acks the event. Its id is the
-- `webhook-id` of every attempt. `position` is the order the consumer recorded it in (stream
-- order): an endpoint gets its deliveries one at a time, in that order.
CREATE TABLE deliveries (
    id              uuid PRIMARY KEY,
    position        bigint GENERATED ALWAYS AS IDENTITY,
    endpoint_id     uuid NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
    event_id        uuid NOT NULL REFERENCES messages (event_id),
    event_type      text NOT NULL,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    retry_from      timestamptz NOT NULL DEFAULT now(),   -- its day of retries counts from here
    next_attempt    timestamptz NOT NULL DEFAULT now(),
    last_status     integer,
    last_error      text,
    last_latency_ms integer,
    created_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX deliveries_waiting ON deliveries (endpoint_id, position) WHERE status = 'pending';
CREATE INDEX deliveries_log ON deliveries (endpoint_id, created_at DESC);

CREATE TABLE delivery_attempts (
    delivery_id   uuid NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    attempt       integer NOT NULL,
    attempted_at  timestamptz NOT NULL DEFAULT now(),
    outcome       text NOT NULL CHECK (outcome IN ('delivered', 'failed', 'unknown', 'refused', 'gone')),
    status_code   integer,
    latency_ms    integer,
    detail        text NOT NULL DEFAULT '',
    PRIMARY KEY (delivery_id, attempt)
);
