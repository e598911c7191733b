-- The event log. Every fact Officina knows is a row here, and rows are never changed or removed.
CREATE TABLE events (
    -- Global, gap-free, strictly increasing in commit order; assigned by the single writer.
    position        INTEGER PRIMARY KEY CHECK (position > 0),
    stream_id       TEXT    NOT NULL CHECK (length(stream_id) > 0),
    stream_version  INTEGER NOT NULL CHECK (stream_version > 0),
    event_id        TEXT    NOT NULL UNIQUE,
    event_type      TEXT    NOT NULL,
    schema_version  INTEGER NOT NULL CHECK (schema_version > 0),
    -- Canonical JSON text (sorted keys, no insignificant whitespace): exactly the bytes that are hashed.
    payload         TEXT    NOT NULL,
    metadata        TEXT    NOT NULL,
    -- Microseconds since the Unix epoch, UTC.
    recorded_at     INTEGER NOT NULL,
    previous_hash   BLOB    NOT NULL CHECK (length(previous_hash) = 32),
    hash            BLOB    NOT NULL CHECK (length(hash) = 32),
    UNIQUE (stream_id, stream_version)
);

-- Following one stream (a workshop's activity) from a position reads this index, not the log.
CREATE INDEX events_stream_position ON events (stream_id, position);

-- The result of every append that carried an idempotency key, so that a retry returns it.
CREATE TABLE idempotency_keys (
    idempotency_key TEXT    PRIMARY KEY,
    stream_id       TEXT    NOT NULL,
    first_position  INTEGER NOT NULL,
    last_position   INTEGER NOT NULL,
    stream_version  INTEGER NOT NULL
);

-- Append-only is enforced here, by the database, not by the application's good manners.
CREATE TRIGGER events_reject_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'officina: the events table is append-only; UPDATE is rejected');
END;

CREATE TRIGGER events_reject_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'officina: the events table is append-only; DELETE is rejected');
END;

CREATE TRIGGER idempotency_keys_reject_update BEFORE UPDATE ON idempotency_keys
BEGIN
    SELECT RAISE(ABORT, 'officina: the idempotency_keys table is append-only; UPDATE is rejected');
END;

CREATE TRIGGER idempotency_keys_reject_delete BEFORE DELETE ON idempotency_keys
BEGIN
    SELECT RAISE(ABORT, 'officina: the idempotency_keys table is append-only; DELETE is rejected');
END;
