-- The documents that follow their project's audience and title (services/search/domain.py
-- FOLLOW_THEIR_PROJECT: updates, published assessments, measures, phase changes) are found by their
-- project through this index, as updates alone were (0002): a project whose audience or title changes
-- would otherwise scan every document of those kinds.
DROP INDEX documents_project_updates;
CREATE INDEX documents_project_followers ON documents (project_id)
    WHERE kind IN ('update', 'assessment', 'measure', 'phase_change');
