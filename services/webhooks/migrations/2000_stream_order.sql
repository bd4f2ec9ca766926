-- An endpoint gets its deliveries in the stream's order, and none before every earlier event of the
-- stream has been applied. Events reach the consumer out of that order after a crash (those a dead
-- process had fetched come back when JetStream's ack wait runs out; later ones come at once) and
-- between replicas, so the order the consumer recorded deliveries in (`position`) was not enough.
-- `stream_seq` is the event's sequence in the stream; deliveries recorded before this migration
-- keep 0 and their recorded order among themselves.
ALTER TABLE deliveries ADD COLUMN stream_seq bigint NOT NULL DEFAULT 0;
DROP INDEX deliveries_waiting;
CREATE INDEX deliveries_waiting ON deliveries (endpoint_id, stream_seq, position) WHERE status = 'pending';

-- JetStream's ack floor for the webhooks consumer, as last heard: every event of the stream up to
-- it has been applied (its deliveries recorded). A delivery is sent only once it is at or below.
CREATE TABLE applied_floor (
    only_row    boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    stream_seq  bigint NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO applied_floor (stream_seq) VALUES (0);
