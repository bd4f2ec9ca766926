-- The web's housekeeping (web/housekeeping.py) deletes expired sign-in links and spent rate-limit
-- counts on a schedule; these indexes keep each pass to the rows it deletes, however many a burst of
-- sign-in attempts left behind. Sessions stay few (one per person signed in) and are scanned.
CREATE INDEX signin_links_expiry ON signin_links (expires_at);
CREATE INDEX rate_limits_window ON rate_limits (window_start);
