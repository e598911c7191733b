-- The key the nodes of one database present to each other when they open the channel that
-- forwards mutations to the writer (the server's `forward.rs`): whoever can read the database is
-- a node, and no client of the API ever can. Two UUIDs from PostgreSQL's strong random source,
-- 244 random bits; one row, made once.
CREATE TABLE cluster_key (
    id smallint PRIMARY KEY CHECK (id = 1),
    key text NOT NULL
);
INSERT INTO cluster_key (id, key) VALUES (1, replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''));
