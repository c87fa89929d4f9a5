import type Database from 'better-sqlite3';
import type { DispatchProgress } from '../../types.js';

/**
 * One step of a plugin: its outcomes, its cursor and its failure count in one transaction, so a
 * crash never leaves a cursor past an event whose outcome was not written (or the reverse).
 */
export function prepareRecordDispatch(db: Database.Database) {
  // An event pruned meanwhile has no outcome to keep: the WHERE EXISTS skips it instead of failing the step.
  const upsertOutcome = db.prepare(
    `INSERT INTO plugin_outcomes (event_id, plugin, status, attempts, error, output, updated_at)
     SELECT @eventId, @plugin, @status, @attempts, @error, @output, @now WHERE EXISTS (SELECT 1 FROM events WHERE id = @eventId)
     ON CONFLICT (event_id, plugin) DO UPDATE SET status = excluded.status, attempts = excluded.attempts,
       error = excluded.error, output = excluded.output, updated_at = excluded.updated_at`,
  );
  const moveCursor = db.prepare('UPDATE plugin_cursors SET cursor = MAX(cursor, ?), updated_at = ? WHERE plugin = ?');
  const setFailures = db.prepare('UPDATE plugin_cursors SET failures = ?, updated_at = ? WHERE plugin = ?');
  const setLastError = db.prepare('UPDATE plugin_cursors SET last_error = ?, updated_at = ? WHERE plugin = ?');
  const dropRedelivery = db.prepare('DELETE FROM plugin_redeliveries WHERE id = ?');
  return (p: DispatchProgress): null => {
    const now = Date.now();
    for (const o of p.outcomes) upsertOutcome.run({ ...o, plugin: p.plugin, now });
    if (p.cursor !== undefined) moveCursor.run(p.cursor, now, p.plugin);
    if (p.failures !== undefined) setFailures.run(p.failures, now, p.plugin);
    if (p.lastError !== undefined) setLastError.run(p.lastError, now, p.plugin);
    if (p.redelivered !== undefined) dropRedelivery.run(p.redelivered);
    return null;
  };
}
