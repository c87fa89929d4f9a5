-- As migrations/002_plugins.sql, plus the leases that let one replica at a time run a plugin.
CREATE TABLE plugin_cursors (
  plugin        TEXT PRIMARY KEY,
  origin        TEXT NOT NULL CHECK (origin IN ('file', 'exec', 'forward')),
  file          TEXT,
  hash          TEXT,
  present       BOOLEAN NOT NULL DEFAULT TRUE,
  state         TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'deactivated', 'disabled')),
  state_version INTEGER NOT NULL DEFAULT 0,
  cursor        BIGINT NOT NULL,
  failures      INTEGER NOT NULL DEFAULT 0,
  last_error    TEXT,
  created_at    BIGINT NOT NULL,
  updated_at    BIGINT NOT NULL
);

CREATE TABLE plugin_outcomes (
  event_id   TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  plugin     TEXT NOT NULL,
  status     TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed', 'skipped')),
  attempts   INTEGER NOT NULL DEFAULT 0,
  error      TEXT,
  output     TEXT,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (event_id, plugin)
);

CREATE TABLE plugin_redeliveries (
  id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  plugin    TEXT NOT NULL,
  event_id  TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  queued_at BIGINT NOT NULL,
  UNIQUE (plugin, event_id)
);
CREATE INDEX plugin_redeliveries_next ON plugin_redeliveries (plugin, id);
CREATE INDEX plugin_redeliveries_event ON plugin_redeliveries (event_id);

-- Who runs each plugin: the replica (owner: a random id per running store) whose lease has not
-- expired. Expiry is on the database's clock, so replicas' clocks need not agree.
CREATE TABLE plugin_leases (
  plugin     TEXT PRIMARY KEY,
  owner      TEXT NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL
);
