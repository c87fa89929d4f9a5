import type Database from 'better-sqlite3';
import type { PluginCursor, PluginCursorPatch } from '../../types.js';
import { PLUGIN_CURSOR_COLUMNS, toPluginCursor, type PluginCursorRow } from './registerPlugin.js';

const COLUMN: Record<keyof PluginCursorPatch, string> = {
  state: 'state',
  hash: 'hash',
  present: 'present',
  failures: 'failures',
  lastError: 'last_error',
  origin: 'origin',
  file: 'file',
};

/** Sets a plugin's state (enable/disable/deactivate) and bookkeeping; a state change bumps state_version. */
export function prepareUpdatePlugin(db: Database.Database) {
  const select = db.prepare(`SELECT ${PLUGIN_CURSOR_COLUMNS} FROM plugin_cursors WHERE plugin = ?`);
  const statements = new Map<string, Database.Statement>();
  return ({ name, patch }: { name: string; patch: PluginCursorPatch }): PluginCursor | undefined => {
    const current = select.get(name) as PluginCursorRow | undefined;
    if (!current) return undefined;
    const keys = (Object.keys(patch) as (keyof PluginCursorPatch)[]).filter((k) => patch[k] !== undefined && k in COLUMN).sort();
    const bump = patch.state !== undefined && patch.state !== current.state;
    const sets = [...keys.map((k) => `${COLUMN[k]} = @${k}`), 'updated_at = @now', ...(bump ? ['state_version = state_version + 1'] : [])];
    const sql = `UPDATE plugin_cursors SET ${sets.join(', ')} WHERE plugin = @name`;
    let stmt = statements.get(sql);
    if (!stmt) statements.set(sql, (stmt = db.prepare(sql)));
    const values: Record<string, unknown> = { name, now: Date.now() };
    for (const k of keys) values[k] = k === 'present' ? (patch.present ? 1 : 0) : patch[k];
    stmt.run(values);
    return toPluginCursor(select.get(name) as PluginCursorRow);
  };
}
