-- A phase change's reason is kept only in its event (the project's history is its events), and so
-- are its translations (portfolio.project.phase_reason_translated): the Missing translations page
-- reads every phase change and the translations naming each, by type, without reading every event.
CREATE INDEX IF NOT EXISTS events_phase_reasons ON events (aggregate_id, aggregate_seq)
    WHERE type IN ('portfolio.project.phase_changed', 'portfolio.project.phase_reason_translated');
