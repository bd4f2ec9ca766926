-- Since 1700 every active admin is emailed when an endpoint is disabled (asked of the web at the
-- time), so the address of whoever registered or last changed an endpoint was written and never read.
ALTER TABLE endpoints DROP COLUMN admin_email, DROP COLUMN changed_by_email;
