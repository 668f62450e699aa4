-- What operators follow live on GET /events: every event any process announces, in the order it committed.
-- AUTOINCREMENT: an id is never handed out twice, even once pruning has emptied the table, so a client's
-- Last-Event-ID always names the same place in the stream.
CREATE TABLE events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  type TEXT NOT NULL,
  -- What the event is about: a device id, an enrollment reference, a job or run id.
  subject TEXT,
  data TEXT NOT NULL,
  at TEXT NOT NULL
) STRICT;

-- Since when the device has been announced online (device.online); NULL once device.offline was announced, or
-- before its first heartbeat. Set and cleared only by conditional updates, so each API replica that sees a
-- transition races the others for it and exactly one announces it.
ALTER TABLE devices ADD COLUMN online_since TEXT;
-- The offline sweep reads only devices announced online, oldest heartbeat first.
CREATE INDEX devices_online_by_last_seen ON devices (last_seen_at) WHERE online_since IS NOT NULL;
