-- The typo correction may only suggest a word the caller could have found (issue 22): the words of
-- every title are kept per document, so a candidate from the lexicon is checked against the
-- documents the caller may see (their visibility is read from documents, never copied here).
-- title_terms stays the distinct pool that trigram similarity searches; title_words says where
-- each word is now (a renamed record's old words are removed with it).

CREATE TABLE title_words (
    document_id uuid NOT NULL,
    term        text NOT NULL,
    PRIMARY KEY (document_id, term)
);
CREATE INDEX title_words_term ON title_words (term);

-- Existing documents, folded as services/search/welsh.py folds (lower case, the Welsh and common
-- Latin accents dropped); the next rebuild (`cdps search reindex`) writes them from the stream.
INSERT INTO title_words (document_id, term)
SELECT DISTINCT d.id, word
FROM documents d,
     regexp_split_to_table(
         translate(lower(d.title_en || ' ' || d.title_cy), 'âêîôûŵŷäëïöüÿáéíóúẃýàèìòùẁỳ', 'aeiouwyaeiouyaeiouwyaeiouwy'),
         '[^a-z0-9]+') AS word
WHERE d.kind <> 'update' AND length(word) >= 3;
