import type Database from 'better-sqlite3';
import type { PluginCursor } from '../../types.js';

export const PLUGIN_CURSOR_COLUMNS = 'plugin, origin, file, hash, present, state, state_version, cursor, failures, last_error, updated_at';

export interface PluginCursorRow {
  plugin: string;
  origin: PluginCursor['origin'];
  file: string | null;
  hash: string | null;
  present: number;
  state: PluginCursor['state'];
  state_version: number;
  cursor: number;
  failures: number;
  last_error: string | null;
  updated_at: number;
}

export function toPluginCursor(r: PluginCursorRow): PluginCursor {
  return {
    plugin: r.plugin,
    origin: r.origin,
    file: r.file,
    hash: r.hash,
    present: r.present === 1,
    state: r.state,
    stateVersion: r.state_version,
    cursor: r.cursor,
    failures: r.failures,
    lastError: r.last_error,
    updatedAt: r.updated_at,
  };
}

/**
 * A loaded plugin gets a cursor row the first time it is seen (at `cursor`: the newest event, or 0
 * for `from: "beginning"`); a plugin seen before keeps its cursor, state and failures.
 */
export function prepareRegisterPlugin(db: Database.Database) {
  const insert = db.prepare(
    `INSERT INTO plugin_cursors (plugin, origin, file, present, cursor, created_at, updated_at)
     VALUES (@name, @origin, @file, 1, @cursor, @now, @now)
     ON CONFLICT (plugin) DO UPDATE SET origin = excluded.origin, file = excluded.file, present = 1, updated_at = excluded.updated_at`,
  );
  const select = db.prepare(`SELECT ${PLUGIN_CURSOR_COLUMNS} FROM plugin_cursors WHERE plugin = ?`);
  return (p: { name: string; origin: PluginCursor['origin']; file: string | null; cursor: number }): PluginCursor => {
    insert.run({ ...p, now: Date.now() });
    return toPluginCursor(select.get(p.name) as PluginCursorRow);
  };
}
