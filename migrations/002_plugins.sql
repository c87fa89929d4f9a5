-- Dispatch (README → Plugins): one durable cursor per plugin, every (event, plugin) outcome, and a
-- per-plugin queue of events to hand over again (replay, revalidate), consumed ahead of the cursor.
CREATE TABLE plugin_cursors (
  plugin        TEXT PRIMARY KEY,
  origin        TEXT NOT NULL CHECK (origin IN ('file', 'exec', 'forward')),
  file          TEXT,
  hash          TEXT,                          -- sha256 of the plugin file (or config entry) last loaded
  present       INTEGER NOT NULL DEFAULT 1,    -- 0: its file or config entry is gone; the row and cursor are kept
  state         TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'deactivated', 'disabled')),
  state_version INTEGER NOT NULL DEFAULT 0,    -- bumped on every state change, so a receiver sees one the CLI made
  cursor        INTEGER NOT NULL,              -- seq of the last event this plugin is finished with
  failures      INTEGER NOT NULL DEFAULT 0,    -- consecutive failed attempts on the current event
  last_error    TEXT,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);

CREATE TABLE plugin_outcomes (
  event_id   TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  plugin     TEXT NOT NULL,
  status     TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed', 'skipped')),
  attempts   INTEGER NOT NULL DEFAULT 0,
  error      TEXT,
  output     TEXT,                             -- what the plugin returned, exec's output or forward's answer, truncated
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (event_id, plugin)
) WITHOUT ROWID;

CREATE TABLE plugin_redeliveries (
  id        INTEGER PRIMARY KEY AUTOINCREMENT,
  plugin    TEXT NOT NULL,
  event_id  TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  queued_at INTEGER NOT NULL,
  UNIQUE (plugin, event_id)
);
CREATE INDEX plugin_redeliveries_next ON plugin_redeliveries (plugin, id);
CREATE INDEX plugin_redeliveries_event ON plugin_redeliveries (event_id);
