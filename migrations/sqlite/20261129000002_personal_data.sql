-- The personal data of the person registry (GDPR art. 4): display names and e-mail addresses.
-- Kept beside the log, never in it: the log, which can never be edited, names people by id
-- only, so erasing a person deletes their row here and leaves the hash chain and every
-- workshop's history intact. Unlike the events, rows here may be deleted (an erasure, or a
-- registration whose append failed); nothing here is derived from the log or rebuilt from it.
CREATE TABLE personal_data (
    person_id       TEXT    PRIMARY KEY,
    display_name    TEXT    NOT NULL,
    email           TEXT    NOT NULL,
    -- The address as compared for duplicates (lower case): one person per address.
    email_key       TEXT    NOT NULL UNIQUE,
    organization_id TEXT,
    -- When the row was written, in microseconds since the epoch.
    recorded_at     INTEGER  NOT NULL
);
