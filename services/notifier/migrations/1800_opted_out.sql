-- Addresses that asked to be sent nothing more ("To stop these emails" in an email that belongs to no
-- subscription, or "stop everything" on the manage page). Emails to people who follow nothing (a
-- partner's contacts, the other side of a conversation, a support requester) are not written for
-- them; a subscription confirmed later is a new consent, and sign-in links and invitations, asked
-- for a moment ago, still go.
CREATE TABLE opted_out (
    email          text PRIMARY KEY,
    opted_out_at   timestamptz NOT NULL DEFAULT now()
);
