-- CDPS_WELSH_BEFORE_PUBLISHING=required: an email about text people wrote in English only (an update,
-- a phase change's or a health change's reason) is 'held' until its Welsh is filled in on Missing
-- translations; the translation's event fills it into the notice and the email goes.
ALTER TABLE deliveries DROP CONSTRAINT deliveries_status_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check
    CHECK (status IN ('pending', 'held', 'sent', 'failed', 'cancelled'));
CREATE INDEX deliveries_held ON deliveries (event_id) WHERE status = 'held';
