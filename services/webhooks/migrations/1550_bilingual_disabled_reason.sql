-- Why an endpoint turned itself off is read by admins in Welsh and in English (shared/bilingual.py):
-- two columns, both empty while it is on. The one column they replace held English only, so what
-- it held is the English; the Welsh of an endpoint off before this stays empty (the page shows the
-- English, marked as English only) until it is turned on again.
ALTER TABLE endpoints
    ADD COLUMN disabled_reason_en text NOT NULL DEFAULT '',
    ADD COLUMN disabled_reason_cy text NOT NULL DEFAULT '';

UPDATE endpoints SET disabled_reason_en = btrim(disabled_reason) WHERE disabled_reason IS NOT NULL;

ALTER TABLE endpoints DROP COLUMN disabled_reason;
