-- Ranking over every match without reading every match (issue 22): title matches are found through
-- their own index, and text matches are read newest first until a page is full, so a word in
-- 40,000 documents costs a page of rows, not 40,000 (measured by make bench).
CREATE INDEX documents_title_tsv ON documents USING gin (title_tsv);
CREATE INDEX documents_newest ON documents (occurred_on DESC, id);
