-- The Merkle tree's hashes move into the rows of the events whose appends stored them: the
-- event at seq s stored the hashes numbered 2(s−1) − popcount(s−1) up to 2s − popcount(s)
-- (its leaf, then the subtrees it completes), 32 bytes each, in that order. A load then writes
-- one row per event and no second table, and a tree hash is read from its event's row.
ALTER TABLE dossierledger_events ADD COLUMN nodes bytea;

UPDATE dossierledger_events e SET nodes = (
    SELECT string_agg(t.hash, ''::bytea ORDER BY t.idx) FROM dossierledger_tree t
    WHERE t.idx >= 2 * (e.seq - 1) - bit_count((e.seq - 1)::bit(64)) AND t.idx < 2 * e.seq - bit_count(e.seq::bit(64)));

ALTER TABLE dossierledger_events ALTER COLUMN nodes SET NOT NULL;

DROP TABLE dossierledger_tree;
