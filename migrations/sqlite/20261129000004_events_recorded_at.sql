-- `asOfTime` questions ("the log as it was at this instant") find the last position recorded at
-- or before an instant; this index answers them without reading the log.
CREATE INDEX events_recorded_at ON events (recorded_at, position);
