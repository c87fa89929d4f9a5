import type { EventQuery } from '../types.js';
import { FROM } from './rows.js';

/**
 * The SQL for `listEvents` / `searchEvents`: the filters of src/store/sqlite/reader.ts with the
 * same meaning. LIKE patterns escape with `!`, so a user's `%`, `_` or `\` is taken literally.
 */
export function eventQuery(columns: string, q: EventQuery): { text: string; values: unknown[] } {
  const where: string[] = [];
  const values: unknown[] = [];
  const add = (clause: (n: string) => string, value: unknown) => {
    values.push(value);
    where.push(clause(`$${values.length}`));
  };
  if (q.source !== undefined) add((n) => `e.source = ${n}`, q.source);
  if (q.status !== undefined) add((n) => `e.status = ${n}`, q.status);
  if (q.schema !== undefined) {
    // `*` is the only wildcard a user types.
    if (q.schema.includes('*')) add((n) => `e.schema LIKE ${n} ESCAPE '!'`, likeEscape(q.schema).replace(/\*/g, '%'));
    else add((n) => `e.schema = ${n}`, q.schema);
  }
  if (q.since !== undefined) add((n) => `e.received_at >= ${n}`, q.since);
  if (q.until !== undefined) add((n) => `e.received_at < ${n}`, q.until);
  if (q.text !== undefined) {
    // The bytes as text, as encode(…, 'escape') shows them: case-insensitive for ASCII, like SQLite's LIKE.
    add((n) => `encode(COALESCE(e.payload, r.body), 'escape') ILIKE ${n} ESCAPE '!'`, `%${likeEscape(escapeFormat(q.text))}%`);
  }
  if (q.outcome && (q.outcome.status !== undefined || q.outcome.plugin !== undefined)) {
    const o: string[] = ['o.event_id = e.id'];
    if (q.outcome.plugin !== undefined) {
      values.push(q.outcome.plugin);
      o.push(`o.plugin = $${values.length}`);
    }
    if (q.outcome.status !== undefined) {
      values.push(q.outcome.status);
      o.push(`o.status = $${values.length}`);
    }
    where.push(`EXISTS (SELECT 1 FROM plugin_outcomes o WHERE ${o.join(' AND ')})`);
  }
  if (q.beforeSeq !== undefined) add((n) => `e.seq < ${n}`, q.beforeSeq);
  if (q.afterSeq !== undefined) add((n) => `e.seq > ${n}`, q.afterSeq);
  values.push(q.limit);
  const text = `SELECT ${columns} ${FROM} ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY e.seq ${q.order === 'oldest' ? 'ASC' : 'DESC'} LIMIT $${values.length}`;
  return { text, values };
}

function likeEscape(text: string): string {
  return text.replace(/[!%_]/g, '!$&');
}

/** A search string as PostgreSQL's `escape` encoding writes bytes: NUL and bytes ≥ 0x80 as \ooo, a backslash doubled. */
function escapeFormat(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    if (byte === 0 || byte >= 0x80) out += '\\' + byte.toString(8).padStart(3, '0');
    else if (byte === 0x5c) out += '\\\\';
    else out += String.fromCharCode(byte);
  }
  return out;
}
