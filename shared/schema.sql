-- The tables whose shape is a contract between the services and shared/, written once.
--
-- Each part below is what one piece of shared code needs in a service's schema: `outbox` for a
-- service that emits events (shared/outbox.py), `consumer` for one that reads the stream
-- (shared/consumer.py), `idempotency` for one whose POSTs honour Idempotency-Key
-- (shared/idempotency.py). A service names its parts beside its migrations folder
-- (shared/db.py: Migrations); the migration runner applies them to the service's schema before
-- its own migrations, and applies a part again only when its text has changed. So every
-- statement here is idempotent (IF NOT EXISTS; to change a table later, add statements such as
-- ALTER TABLE ... ADD COLUMN IF NOT EXISTS at the end of its part) and fit for a schema that
-- already holds the tables: the services' first migrations created these same tables before
-- this file existed, and tests/test_migrations.py checks that an installation upgraded from
-- then and a fresh one end with identical schemas.

-- part: outbox

-- The outbox and audit log in one. position: the outbox order (taken before commit, so it can
-- have holes; see shared/outbox.py). (aggregate_id, aggregate_seq) is gapless per aggregate: the
-- audit trail of each record.
CREATE TABLE IF NOT EXISTS events (
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
CREATE INDEX IF NOT EXISTS events_unpublished ON events (position) WHERE published_at IS NULL;

-- part: consumer

-- How far this service has applied the stream (for lag, and where a rebuild catches up from).
CREATE TABLE IF NOT EXISTS consumer_state (
    consumer    text PRIMARY KEY,
    stream_seq  bigint NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Events that failed MAX_DELIVER times, with the reason; they never block the stream.
CREATE TABLE IF NOT EXISTS dead_letters (
    consumer    text NOT NULL,
    stream_seq  bigint NOT NULL,
    subject     text NOT NULL,
    payload     text NOT NULL,
    reason      text NOT NULL,
    failed_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, stream_seq)
);

-- part: idempotency

-- The Idempotency-Key of each POST a caller made, with the 2xx answer it got (status, headers,
-- body), kept until expires_at (24 h) so that a repeat gets the same answer. A row without an
-- answer exists only inside the transaction of its first request.
CREATE TABLE IF NOT EXISTS idempotency_keys (
    caller       text NOT NULL,
    key          text NOT NULL,
    fingerprint  bytea NOT NULL,
    status       integer,
    headers      jsonb,
    body         bytea,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    PRIMARY KEY (caller, key)
);
CREATE INDEX IF NOT EXISTS idempotency_keys_expiry ON idempotency_keys (expires_at);
