import type Database from 'better-sqlite3';
import { idFactory } from '../../ids.js';
import type { AppendResult, NewRequest } from '../../types.js';

/**
 * Inserts a request and its events; an event whose (source, dedupe_key) is already stored is not
 * inserted and answers with the first event's id. A request none of whose events is new is not kept.
 */
export function prepareAppendRequest(db: Database.Database) {
  // One writer assigns every id, so ULIDs sort in commit order even within a millisecond.
  const nextId = idFactory();
  const insertRequest = db.prepare('INSERT INTO requests (id, source, received_at, content_type, headers, body) VALUES (?, ?, ?, ?, ?, ?)');
  const insertEvent = db.prepare(
    `INSERT INTO events (id, source, received_at, request_id, item, payload, schema, dedupe_key, status, errors)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, dedupe_key) DO NOTHING`,
  );
  const findDuplicate = db.prepare('SELECT id, status, errors FROM events WHERE source = ? AND dedupe_key = ?');
  const deleteRequest = db.prepare('DELETE FROM requests WHERE id = ?');

  return (req: NewRequest): { requestId: string; events: AppendResult[] } => {
    const requestId = nextId();
    insertRequest.run(requestId, req.source, req.receivedAt, req.contentType, JSON.stringify(req.headers), toBuffer(req.body));
    let stored = 0;
    const results = req.events.map((ev, item): AppendResult => {
      const id = item === 0 ? requestId : nextId();
      const info = insertEvent.run(
        id,
        req.source,
        req.receivedAt,
        requestId,
        item,
        ev.payload ? toBuffer(ev.payload) : null,
        ev.schema,
        ev.dedupeKey,
        ev.status,
        ev.errors ? JSON.stringify(ev.errors) : null,
      );
      if (info.changes === 1) {
        stored++;
        return { id, status: ev.status, duplicate: false, seq: Number(info.lastInsertRowid) };
      }
      const first = findDuplicate.get(req.source, ev.dedupeKey) as { id: string; status: 'accepted' | 'quarantined'; errors: string | null };
      return { id: first.id, status: first.status, duplicate: true, errors: first.errors ? JSON.parse(first.errors) : null };
    });
    if (stored === 0) deleteRequest.run(requestId);
    return { requestId, events: results };
  };
}

/** Buffers cross the worker boundary as plain Uint8Arrays. */
export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
