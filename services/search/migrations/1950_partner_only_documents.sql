-- Measures (by name) and phase-change reasons are indexed (issue 23), and a project's health reason
-- with its summary. Some of them are read only by staff and the project's own partner, even when the
-- project is public (an unpublished measure; a phase change's reason, shown in the project's history):
-- their documents say so, and follow their project's audience without ever becoming public.
ALTER TABLE documents ADD COLUMN partner_only boolean NOT NULL DEFAULT false;

-- An index holding documents was built without them: the service rebuilds it from the stream when it
-- starts (services/search/reindex.py rebuild_if_outdated), as it does for another analyser.
UPDATE index_state SET analyser = 0 WHERE EXISTS (SELECT 1 FROM documents);
