-- The same tables as migrations/001_events.sql, in PostgreSQL's types. Times are ms since the
-- epoch (BIGINT) as in SQLite; bodies are BYTEA, exactly the bytes received. seq is an identity
-- column: values are taken in each transaction, and appends are serialised (an advisory lock in
-- src/store/postgres/append.ts) so they also become visible in seq order.
CREATE TABLE requests (
  id           TEXT PRIMARY KEY,
  source       TEXT NOT NULL,
  received_at  BIGINT NOT NULL,
  content_type TEXT,
  headers      TEXT NOT NULL,
  body         BYTEA NOT NULL
);

CREATE TABLE events (
  seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id           TEXT NOT NULL UNIQUE,
  source       TEXT NOT NULL,
  received_at  BIGINT NOT NULL,
  request_id   TEXT NOT NULL REFERENCES requests(id) ON DELETE CASCADE,
  item         INTEGER NOT NULL DEFAULT 0,
  payload      BYTEA,
  schema       TEXT,
  dedupe_key   TEXT NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('accepted', 'quarantined')),
  errors       TEXT
);

CREATE UNIQUE INDEX events_dedupe ON events (source, dedupe_key);
CREATE INDEX events_received_at ON events (received_at);
CREATE INDEX events_request ON events (request_id);
CREATE INDEX events_source_seq ON events (source, seq);
CREATE INDEX events_status_seq ON events (status, seq);
