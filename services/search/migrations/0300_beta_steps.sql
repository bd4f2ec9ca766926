-- Beta has two steps now: documents indexed as beta are in private beta, as the portfolio's own
-- projects are (its migration 0300), and as version 1 events read forward (shared/events.py).
UPDATE documents SET phase = 'private_beta' WHERE phase = 'beta';
