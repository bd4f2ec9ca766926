-- Engagements are edited and ended under If-Match: each has a version, which is its event sequence.

ALTER TABLE engagements ADD COLUMN version integer NOT NULL DEFAULT 1;
