-- A phase change's reason to pass a gate without a met assessment is indexed, as its reason is (issue
-- 21): a document of its own, which portfolio.project.gate_reason_translated rewrites. An index holding
-- documents was built without them: the service rebuilds it from the stream when it starts
-- (services/search/reindex.py rebuild_if_outdated), as migration 1950 had it do.
UPDATE index_state SET analyser = 0 WHERE EXISTS (SELECT 1 FROM documents);
