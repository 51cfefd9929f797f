-- The store's settings (the time tolerance, the log's origin), as one JSON document.
CREATE TABLE dossierledger_settings (
    id       integer PRIMARY KEY CHECK (id = 1),
    settings text    NOT NULL
);
