-- The text people write in an assessment is bilingual (shared/bilingual.py): the panel's override
-- reason and an action's dropped reason become two columns each; inside the JSON of the panel and the
-- ratings, a member's role and a not-assessed reason become {"en": ..., "cy": ...}. Each one string
-- held whatever language it was typed in: a text with one of the commonest short words of Welsh (or a
-- word of an assessor's part) goes to Welsh, any other to English, as 0600 and 0601 did.
CREATE FUNCTION pg_temp.bilingual(text) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN btrim(coalesce($1, '')) = '' THEN jsonb_build_object('en', '', 'cy', '')
        WHEN $1 ~* '(^|[^[:alpha:]])(mae|yn|yr|wedi|gyda|ddim|bydd|roedd|ein|eu|hefyd|ond|i''r|o''r|ar gyfer|aros|angen|oherwydd|prif|aseswr|ymchwil|defnyddwyr|technoleg)([^[:alpha:]]|$)'
            THEN jsonb_build_object('en', '', 'cy', btrim($1))
        ELSE jsonb_build_object('en', btrim($1), 'cy', '')
    END
$$;

ALTER TABLE assessments
    ADD COLUMN override_reason_en text NOT NULL DEFAULT '',
    ADD COLUMN override_reason_cy text NOT NULL DEFAULT '';
UPDATE assessments SET
    override_reason_en = pg_temp.bilingual(override_reason) ->> 'en',
    override_reason_cy = pg_temp.bilingual(override_reason) ->> 'cy',
    panel = coalesce((SELECT jsonb_agg(m || jsonb_build_object('role', pg_temp.bilingual(m ->> 'role')) ORDER BY i)
                      FROM jsonb_array_elements(panel) WITH ORDINALITY AS e (m, i)), '[]'),
    ratings = coalesce((SELECT jsonb_agg(r || jsonb_build_object('reason', pg_temp.bilingual(r ->> 'reason')) ORDER BY i)
                        FROM jsonb_array_elements(ratings) WITH ORDINALITY AS e (r, i)), '[]');
ALTER TABLE assessments DROP COLUMN override_reason;

ALTER TABLE assessment_actions
    ADD COLUMN reason_en text NOT NULL DEFAULT '',
    ADD COLUMN reason_cy text NOT NULL DEFAULT '';
UPDATE assessment_actions SET reason_en = pg_temp.bilingual(reason) ->> 'en', reason_cy = pg_temp.bilingual(reason) ->> 'cy';
ALTER TABLE assessment_actions DROP COLUMN reason;
