-- What a keyed request asked for: a digest of the operation and its input, recorded with the key
-- so that the same key sent with a different request is refused (IDEMPOTENCY_KEY_REUSED) instead
-- of being answered as a replay of the first one. Rows written before this column existed have
-- none, and are answered as replays, as they were then.
ALTER TABLE idempotency_keys ADD COLUMN request_fingerprint TEXT;
