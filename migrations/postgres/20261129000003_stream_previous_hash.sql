-- Each event also names the hash of the previous event of its own stream (32 zero bytes for a
-- stream's first event), and the event's hash covers it: so a workshop's events form their own
-- verifiable chain, which its auditors can check without the rest of the log. Events appended
-- before this column existed have none, and keep the hash they were given.
ALTER TABLE events ADD COLUMN stream_previous_hash BYTEA;
