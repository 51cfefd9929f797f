-- The log: one row per event, its record byte for byte as every backend stores it (the hash
-- chain covers these bytes), with the fields a query needs beside it.
CREATE TABLE dossierledger_events (
    seq      bigint PRIMARY KEY,
    id       text   NOT NULL UNIQUE,
    stream   text   NOT NULL,
    version  bigint NOT NULL,
    recorded bigint NOT NULL,
    record   bytea  NOT NULL,
    UNIQUE (stream, version)
);

-- Recording times never decrease along the log: the first event at or after an instant.
CREATE INDEX dossierledger_events_recorded ON dossierledger_events (recorded, seq);

-- The Merkle tree's complete-subtree hashes, numbered in the order appends create them.
CREATE TABLE dossierledger_tree (
    idx  bigint PRIMARY KEY,
    hash bytea  NOT NULL
);
