-- Faster queries and typo tolerance through a lexicon (measured by make bench; see docs/architecture.md).
--
-- * An update is matched on its own text only. It still shows its project's title, but matching
--   that title made every update of a project a hit for the project's name (tens of thousands of
--   hits for one place name in the benchmark corpus, all to be counted): the project itself is
--   the hit for its title.
-- * title_tsv: the document's own title alone, so ranking can ask "is this a title match?" with a
--   small inline vector instead of ranking every match's whole tsvector.
-- * tags_text: a project's tags are words people search for ("forms", "cloud"), so they are matched too.
-- * title_terms: every folded word of every title, once. The typo fallback finds the nearest words
--   here by trigram similarity and searches again with them: a few thousand words to compare
--   instead of a trigram index over every document (which also cost every write).

CREATE TABLE title_terms (term text PRIMARY KEY);
INSERT INTO title_terms
SELECT DISTINCT word FROM documents, regexp_split_to_table(title_folded, '[^a-z0-9]+') AS word
WHERE length(word) >= 3;
CREATE INDEX title_terms_trgm ON title_terms USING gin (term gin_trgm_ops);

ALTER TABLE documents DROP COLUMN title_folded;
ALTER TABLE documents ADD COLUMN tags_text text NOT NULL DEFAULT '';
UPDATE documents SET tags_text = array_to_string(tags, ' ');
ALTER TABLE documents DROP COLUMN tsv;
ALTER TABLE documents
    ADD COLUMN tsv tsvector GENERATED ALWAYS AS (
        CASE WHEN kind = 'update' THEN ''::tsvector ELSE
            setweight(to_tsvector('english', title_en), 'A') ||
            setweight(to_tsvector('simple', title_cy_terms), 'A')
        END ||
        setweight(to_tsvector('english', body_en), 'B') ||
        setweight(to_tsvector('simple', body_cy_terms), 'B') ||
        setweight(to_tsvector('english', tags_text), 'B')
    ) STORED,
    ADD COLUMN title_tsv tsvector GENERATED ALWAYS AS (
        CASE WHEN kind = 'update' THEN ''::tsvector
             ELSE to_tsvector('english', title_en) || to_tsvector('simple', title_cy_terms) END
    ) STORED;
CREATE INDEX documents_tsv ON documents USING gin (tsv);
-- Filter-only searches ("every beta project tagged cloud") start from the kind.
CREATE INDEX documents_kind ON documents (kind, occurred_on DESC);
