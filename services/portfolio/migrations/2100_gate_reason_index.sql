-- A phase change's reason to pass its gate without a met assessment is kept only in its event, as
-- its reason is, and so are its translations (portfolio.project.gate_reason_translated): the
-- Missing translations page reads those naming each phase change, by type, as 1600's index lets it
-- read the translations of a phase change's reason.
CREATE INDEX IF NOT EXISTS events_gate_reasons ON events (aggregate_id, aggregate_seq)
    WHERE type = 'portfolio.project.gate_reason_translated';
