-- The key the nodes of one database present to each other when they open the channel that
-- forwards mutations to the writer (the server's `forward.rs`). One process appends to a SQLite
-- file, so nothing is forwarded there; the table exists so that both backends keep the same
-- schema. 256 random bits; one row, made once.
CREATE TABLE cluster_key (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    key TEXT NOT NULL
);
INSERT INTO cluster_key (id, key) VALUES (1, lower(hex(randomblob(32))));
