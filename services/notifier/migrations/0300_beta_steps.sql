-- Beta has two steps now. The week's events kept for weeknote drafts are the notifier's copies,
-- not the history: they are read forward here once, as shared/events.py reads version 1 events
-- from the stream (beta was the first step: private beta). Published weeknotes stay as written.
UPDATE week_events SET data = jsonb_set(data, '{project,phase}', '"private_beta"')
WHERE type LIKE 'portfolio.project.%' AND data -> 'project' ->> 'phase' = 'beta';
UPDATE week_events SET data = jsonb_set(data, '{from_phase}', '"private_beta"')
WHERE type = 'portfolio.project.phase_changed' AND data ->> 'from_phase' = 'beta';
UPDATE week_events SET data = jsonb_set(data, '{to_phase}', '"private_beta"')
WHERE type = 'portfolio.project.phase_changed' AND data ->> 'to_phase' = 'beta';
