-- The Welsh analyser with a dictionary (issue 22): derived Welsh terms in a space of their own
-- (services/search/welsh.py). The search vectors are now made by the indexer's statement from the
-- English text and the analyser's Welsh terms, instead of generated from stored Welsh term columns:
-- rows are smaller (the Welsh terms were stored twice) and the analysis can use the dictionary.
--
-- Existing rows keep empty vectors until the index is rebuilt from the stream: the search service
-- does that by itself when it starts and finds the index made by another analyser (index_state).

DROP INDEX documents_tsv;
ALTER TABLE documents
    DROP COLUMN tsv,
    DROP COLUMN title_tsv,
    DROP COLUMN title_cy_terms,
    DROP COLUMN body_cy_terms,
    DROP COLUMN tags_text,
    ADD COLUMN tsv tsvector NOT NULL DEFAULT '',
    ADD COLUMN title_tsv tsvector NOT NULL DEFAULT '';
CREATE INDEX documents_tsv ON documents USING gin (tsv);

-- Which analysis the index was built with; the service rebuilds the index when its own differs.
CREATE TABLE index_state (
    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    analyser   integer NOT NULL
);
-- 1: the analyser before this migration (its rows need rebuilding); 2: this one (an empty index).
INSERT INTO index_state (analyser) SELECT CASE WHEN EXISTS (SELECT 1 FROM documents) THEN 1 ELSE 2 END;
