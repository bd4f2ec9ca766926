-- A project's health reason is text people write: an English and a Welsh value (shared/bilingual.py),
-- two columns, either may be empty. The one column it replaces held whatever language the reason
-- was typed in: a reason with one of the commonest short words of Welsh goes to Welsh, any other
-- to English (SQL cannot run shared/language.py; events read forward use it). A lead who finds one
-- on the wrong side moves it on the Missing translations page.
ALTER TABLE projects
    ADD COLUMN health_reason_en text NOT NULL DEFAULT '',
    ADD COLUMN health_reason_cy text NOT NULL DEFAULT '';

UPDATE projects SET health_reason_cy = btrim(health_reason)
WHERE health_reason ~* '(^|[^[:alpha:]])(mae|yn|yr|wedi|gyda|ddim|bydd|roedd|ein|eu|hefyd|ond|i''r|o''r|ar gyfer|aros|angen|oherwydd)([^[:alpha:]]|$)';
UPDATE projects SET health_reason_en = btrim(health_reason)
WHERE btrim(health_reason) <> '' AND health_reason_cy = '';

ALTER TABLE projects DROP COLUMN health_reason;
