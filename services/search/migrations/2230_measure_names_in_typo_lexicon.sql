-- A measure's name joins the typo lexicon (issue 23: "did you mean" for a misspelt measure name, for
-- whoever may read the measure). The words are folded by the service's own analyser, so an index
-- holding measures is rebuilt from the stream when the service starts (reindex.rebuild_if_outdated).
UPDATE index_state SET analyser = 0 WHERE EXISTS (SELECT 1 FROM documents WHERE kind = 'measure');
