-- A follower may also hear once a day: a daily digest, on days when something changed.
ALTER TABLE subscriptions DROP CONSTRAINT subscriptions_rhythm_check;
ALTER TABLE subscriptions ADD CONSTRAINT subscriptions_rhythm_check CHECK (rhythm IN ('immediate', 'daily', 'weekly'));
