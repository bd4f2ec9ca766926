-- Who follows what, what the notifier knows about the portfolio, and every email it decided to send.

-- A follower of a project, a partner or the whole portfolio. Public sign-ups start unconfirmed
-- (double opt-in); staff and partner users who follow from their account start confirmed.
-- `audience` fixes what the follower may hear about (see domain.may_see).
CREATE TABLE subscriptions (
    id            uuid PRIMARY KEY,
    email         text NOT NULL,
    language      text NOT NULL DEFAULT 'both' CHECK (language IN ('cy', 'en', 'both')),
    target_kind   text NOT NULL DEFAULT 'portfolio' CHECK (target_kind IN ('portfolio', 'project', 'partner')),
    target_id     uuid,
    rhythm        text NOT NULL DEFAULT 'immediate' CHECK (rhythm IN ('immediate', 'weekly')),
    audience      text NOT NULL DEFAULT 'public' CHECK (audience IN ('public', 'partner', 'staff')),
    account_id    text,             -- identity.sub of a follower who subscribed from their account
    partner_id    uuid,             -- the organisation of a partner-audience follower
    confirmed     boolean NOT NULL DEFAULT false,
    confirmed_at  timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((target_kind = 'portfolio') = (target_id IS NULL)),
    CHECK (audience <> 'partner' OR partner_id IS NOT NULL),
    UNIQUE NULLS NOT DISTINCT (email, target_kind, target_id)
);
CREATE INDEX subscriptions_by_target ON subscriptions (target_kind, target_id) WHERE confirmed;
CREATE INDEX subscriptions_by_account ON subscriptions (account_id) WHERE account_id IS NOT NULL;

-- Names and visibility of projects and partners, kept from their events (newest aggregate_seq
-- wins), so emails can name a partner and a confirmation can name what is being followed.
CREATE TABLE targets (
    kind        text NOT NULL CHECK (kind IN ('project', 'partner')),
    id          uuid NOT NULL,
    seq         integer NOT NULL,
    slug        text NOT NULL,
    name_en     text NOT NULL,
    name_cy     text NOT NULL,
    visibility  text NOT NULL,      -- public, partner or internal (partners: public, or internal when inactive)
    partner_id  uuid,
    PRIMARY KEY (kind, id)
);

-- Who asked for support, so the triage outcome can be sent to them: SupportTriaged does not carry
-- the contact. Removed once the outcome email is recorded (it is personal data).
CREATE TABLE support_contacts (
    request_id     uuid PRIMARY KEY,
    contact_name   text NOT NULL,
    contact_email  text NOT NULL,
    organisation   text NOT NULL,
    language       text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);

-- What a delivery is about, stored once however many recipients it has: an event envelope (with
-- names looked up when it arrived), a confirmation request or a weekly digest. Emails are
-- rendered from this when sent, so a corrected template applies to mail still waiting.
CREATE TABLE notices (
    id          uuid PRIMARY KEY,   -- the event id, or a generated id for confirmations and digests
    type        text NOT NULL,
    payload     jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- One row per (event, recipient): a redelivered event can never make a second email.
CREATE TABLE deliveries (
    id               uuid PRIMARY KEY,
    event_id         uuid NOT NULL REFERENCES notices (id),
    event_type       text NOT NULL,
    template         text NOT NULL,
    recipient        text NOT NULL,
    language         text NOT NULL CHECK (language IN ('cy', 'en', 'both')),
    subscription_id  uuid,          -- no foreign key: the log outlives an unsubscription
    subject          text,          -- filled in when first rendered
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'cancelled')),
    attempts         integer NOT NULL DEFAULT 0,
    budget_from      integer NOT NULL DEFAULT 0,   -- attempts at the last manual retry: a fresh allowance
    next_attempt     timestamptz NOT NULL DEFAULT now(),
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz,
    UNIQUE (event_id, recipient)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt) WHERE status = 'pending';
CREATE INDEX deliveries_log ON deliveries (created_at DESC);
CREATE INDEX deliveries_by_recipient ON deliveries (recipient, created_at DESC);

-- Every SMTP conversation about a delivery, with the server's answer.
CREATE TABLE delivery_attempts (
    delivery_id   uuid NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    attempt       integer NOT NULL,
    attempted_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    outcome       text NOT NULL CHECK (outcome IN ('sent', 'temporary', 'permanent')),
    smtp_code     integer,
    detail        text NOT NULL DEFAULT '',
    PRIMARY KEY (delivery_id, attempt)
);

-- Events a weekly follower will read in their next digest.
CREATE TABLE digest_items (
    subscription_id  uuid NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    event_id         uuid NOT NULL REFERENCES notices (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    digest_id        uuid,          -- the digest notice that carried it; null while waiting
    PRIMARY KEY (subscription_id, event_id)
);
CREATE INDEX digest_items_waiting ON digest_items (subscription_id) WHERE digest_id IS NULL;

-- The installation-wide send rate: every replica reserves the next free slot here before each
-- email, so the configured emails/second holds however many replicas run.
CREATE TABLE send_pacing (
    id       integer PRIMARY KEY CHECK (id = 1),
    next_at  timestamptz NOT NULL
);
INSERT INTO send_pacing VALUES (1, '-infinity');
