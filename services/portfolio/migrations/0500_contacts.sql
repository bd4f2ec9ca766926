-- A partner's contacts are people of kind partner_contact: their role, whether they get the partner's
-- project emails, and a version (If-Match on edits). Removing a contact deletes the row.

ALTER TABLE people
    ADD COLUMN role            text NOT NULL DEFAULT '',
    ADD COLUMN project_emails  boolean NOT NULL DEFAULT true,
    ADD COLUMN version         integer NOT NULL DEFAULT 1;

CREATE INDEX people_partner ON people (partner_id, name) WHERE kind = 'partner_contact';
