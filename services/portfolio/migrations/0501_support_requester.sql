-- Who sent a support request while signed in (their account id, as events' actor_id holds it), so that
-- they can follow what became of it from their account; requests sent signed out are matched by address.

ALTER TABLE support_requests ADD COLUMN requester_id text;
CREATE INDEX support_requests_requester ON support_requests (requester_id) WHERE requester_id IS NOT NULL;
CREATE INDEX support_requests_contact ON support_requests (contact_email);
