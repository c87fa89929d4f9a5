-- Requests keep the exact signed bytes once; events point at them (a ShotGrid batch is one
-- request and many events). Ids are ULIDs assigned by the single writer, so they sort in commit
-- order; seq is the dispatch cursor's position and is never reused (AUTOINCREMENT).
CREATE TABLE requests (
  id           TEXT PRIMARY KEY,
  source       TEXT NOT NULL,
  received_at  INTEGER NOT NULL,            -- ms since the epoch
  content_type TEXT,
  headers      TEXT NOT NULL,               -- JSON object, secrets removed
  body         BLOB NOT NULL
);

CREATE TABLE events (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  id           TEXT NOT NULL UNIQUE,
  source       TEXT NOT NULL,
  received_at  INTEGER NOT NULL,
  request_id   TEXT NOT NULL REFERENCES requests(id) ON DELETE CASCADE,
  item         INTEGER NOT NULL DEFAULT 0,  -- position in a batch
  payload      BLOB,                        -- this event's own JSON when it is one delivery of a batch; NULL: the request body
  schema       TEXT,
  dedupe_key   TEXT NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('accepted', 'quarantined')),
  errors       TEXT                         -- JSON array of {path, message}
);

-- Dedupe is guaranteed here, not by a cache.
CREATE UNIQUE INDEX events_dedupe ON events (source, dedupe_key);
CREATE INDEX events_received_at ON events (received_at);
CREATE INDEX events_request ON events (request_id);
CREATE INDEX events_source_seq ON events (source, seq);
CREATE INDEX events_status_seq ON events (status, seq);
