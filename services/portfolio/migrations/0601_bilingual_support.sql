-- A support request's need and its triage reason are text people write: an English and a Welsh value
-- (shared/bilingual.py), two columns each. The one column each replaces held whatever language it was
-- typed in: a text with one of the commonest short words of Welsh goes to Welsh, any other to English
-- (as 0600 did for health reasons); staff correct a need's language on its triage page.
ALTER TABLE support_requests
    ADD COLUMN need_en text NOT NULL DEFAULT '',
    ADD COLUMN need_cy text NOT NULL DEFAULT '',
    ADD COLUMN reason_en text NOT NULL DEFAULT '',
    ADD COLUMN reason_cy text NOT NULL DEFAULT '';

UPDATE support_requests SET need_cy = btrim(need)
WHERE need ~* '(^|[^[:alpha:]])(mae|yn|yr|wedi|gyda|ddim|bydd|roedd|ein|eu|hefyd|ond|i''r|o''r|ar gyfer|aros|angen|oherwydd|hoffem|rydym)([^[:alpha:]]|$)';
UPDATE support_requests SET need_en = btrim(need) WHERE btrim(need) <> '' AND need_cy = '';
UPDATE support_requests SET reason_cy = btrim(reason)
WHERE reason ~* '(^|[^[:alpha:]])(mae|yn|yr|wedi|gyda|ddim|bydd|roedd|ein|eu|hefyd|ond|i''r|o''r|ar gyfer|aros|angen|oherwydd)([^[:alpha:]]|$)';
UPDATE support_requests SET reason_en = btrim(reason) WHERE btrim(reason) <> '' AND reason_cy = '';

ALTER TABLE support_requests DROP COLUMN need, DROP COLUMN reason;
