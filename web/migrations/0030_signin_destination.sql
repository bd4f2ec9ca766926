-- Where a sign-in link leads once used: the page the person was trying to reach when they asked for
-- it (a path on this site, checked when the link is made), so the link alone carries nothing a
-- stranger could point elsewhere. Invitations last longer than the 15 minutes of a sign-in link;
-- each link keeps its own expiry, so nothing else changes for them.
ALTER TABLE signin_links ADD COLUMN destination text NOT NULL DEFAULT '/';
