-- A project's conversation: comments between CDPS staff and the project's partner, and staff-only notes.
-- A deleted comment keeps its row (its place in the thread) without its text; its tombstone is its
-- portfolio.comment.deleted event in the audit log.

CREATE TABLE comments (
    id           uuid PRIMARY KEY,
    project_id   uuid NOT NULL REFERENCES projects (id),
    author_id    text NOT NULL,
    author_role  text NOT NULL,
    internal     boolean NOT NULL DEFAULT false,
    body_en      text NOT NULL DEFAULT '',
    body_cy      text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    edited_at    timestamptz,
    deleted_at   timestamptz,
    version      integer NOT NULL DEFAULT 1
);
CREATE INDEX comments_project ON comments (project_id, created_at, id);
