-- A measure's values event says which way its newest value crossed the target (version 2 of
-- portfolio.measure.values_recorded: "crossing", reached or fell_back) where it said only that it
-- reached it ("crossed_target"). The week's events kept for weeknote drafts are the notifier's copies,
-- not the history: they are read forward here once, as shared/events.py reads version 1 from the
-- stream. Only measures that reached their target were kept. Published weeknotes stay as written.
UPDATE week_events
SET data = (data - 'crossed_target')
    || jsonb_build_object('crossing', CASE WHEN (data ->> 'crossed_target')::boolean THEN 'reached' END)
WHERE type = 'portfolio.measure.values_recorded' AND data ? 'crossed_target';
