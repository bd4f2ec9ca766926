-- Beta has two steps now, private and public (the GOV.UK Service Manual's). A project in the one
-- beta phase was in its first step, so it is in private beta: no gate is skipped by the move.
-- The events keep what they said (history is not rewritten): shared/events.py reads their
-- version 1 forward when they are read.
UPDATE projects SET phase = 'private_beta' WHERE phase = 'beta';
