-- A search's audience and filters are read from its text indexes, not from each match's row (issue 22):
-- the indexes hold who may see a document and the fields a search filters on (btree_gin), so a
-- public search's bitmap holds only public matches and a filter on kind, health, phase or a tag is
-- applied before any row is read. A count visits one row per counted match, on a page of its own
-- (rows are wide): as the public, "prescriptions" matched 17,251 documents, 8,284 of them public,
-- and the count read 14,967 pages; through this index it reads 7,749. Searches as staff, with no
-- condition on the audience, use the same indexes for the text alone.
--
-- The title index holds them too: otherwise PostgreSQL answers "public" from the text index alone
-- (a bitmap of every public document, 300,000 on the bench corpus) to combine with the title matches.
CREATE EXTENSION IF NOT EXISTS btree_gin;
DROP INDEX documents_tsv;
CREATE INDEX documents_search ON documents USING gin (visibility, kind, health, phase, tags, tsv);
DROP INDEX documents_title_tsv;
CREATE INDEX documents_title_search ON documents USING gin (visibility, kind, health, phase, tags, title_tsv);
