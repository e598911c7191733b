-- The event log. Every fact Officina knows is a row here, and rows are never changed or removed.
CREATE TABLE events (
    -- Global, gap-free, strictly increasing in commit order; assigned by the writer while it holds
    -- the append lock, never by a sequence (sequence values become visible out of commit order).
    position        BIGINT      PRIMARY KEY CHECK (position > 0),
    stream_id       TEXT        NOT NULL CHECK (length(stream_id) > 0),
    stream_version  BIGINT      NOT NULL CHECK (stream_version > 0),
    event_id        UUID        NOT NULL UNIQUE,
    event_type      TEXT        NOT NULL,
    schema_version  INTEGER     NOT NULL CHECK (schema_version > 0),
    -- `json` (not `jsonb`) keeps the canonical text byte for byte: it is exactly what is hashed.
    payload         JSON        NOT NULL,
    metadata        JSON        NOT NULL,
    recorded_at     TIMESTAMPTZ NOT NULL,
    previous_hash   BYTEA       NOT NULL CHECK (length(previous_hash) = 32),
    hash            BYTEA       NOT NULL CHECK (length(hash) = 32),
    UNIQUE (stream_id, stream_version)
);

-- Following one stream (a workshop's activity) from a position reads this index, not the log.
CREATE INDEX events_stream_position ON events (stream_id, position);

-- The result of every append that carried an idempotency key, so that a retry returns it.
CREATE TABLE idempotency_keys (
    idempotency_key TEXT   PRIMARY KEY,
    stream_id       TEXT   NOT NULL,
    first_position  BIGINT NOT NULL,
    last_position   BIGINT NOT NULL,
    stream_version  BIGINT NOT NULL
);

-- Append-only is enforced here, by the database, not by the application's good manners.
CREATE FUNCTION officina_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'officina: the % table is append-only; % is rejected', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TRIGGER events_reject_update_delete BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION officina_reject_change();
CREATE TRIGGER events_reject_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION officina_reject_change();
CREATE TRIGGER idempotency_keys_reject_update_delete BEFORE UPDATE OR DELETE ON idempotency_keys
    FOR EACH ROW EXECUTE FUNCTION officina_reject_change();
CREATE TRIGGER idempotency_keys_reject_truncate BEFORE TRUNCATE ON idempotency_keys
    FOR EACH STATEMENT EXECUTE FUNCTION officina_reject_change();

-- Every committed append wakes the followers of every process sharing this database. The
-- notification carries only the new head position: it is a wake-up, never the data. PostgreSQL
-- delivers it at commit, and folds identical notifications of one transaction into one.
CREATE FUNCTION officina_notify_head() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('officina_events', (SELECT max(position) FROM events)::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER events_notify_head AFTER INSERT ON events
    FOR EACH STATEMENT EXECUTE FUNCTION officina_notify_head();
