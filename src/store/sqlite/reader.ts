import Database from 'better-sqlite3';
import type { EventQuery, StoredEvent } from '../types.js';

const COLUMNS = `e.seq, e.id, e.source, e.received_at, e.request_id, e.item, e.payload, e.schema, e.dedupe_key,
  e.status, e.errors, r.content_type, r.headers, r.body`;
const FROM = 'FROM events e JOIN requests r ON r.id = e.request_id';

interface Row {
  seq: number; id: string; source: string; received_at: number; request_id: string; item: number;
  payload: Buffer | null; schema: string | null; dedupe_key: string; status: 'accepted' | 'quarantined';
  errors: string | null; content_type: string | null; headers: string; body: Buffer;
}

/**
 * Reads on the event loop through a read-only connection: in WAL mode they never wait for the
 * writer thread, and every statement is prepared once.
 */
export class Reader {
  private readonly db: Database.Database;
  private readonly byId: Database.Statement;
  private readonly after: Database.Statement;
  private readonly latest: Database.Statement;
  private readonly count: Database.Statement;
  private readonly lists = new Map<string, Database.Statement>();

  constructor(path: string) {
    this.db = new Database(path, { readonly: true, fileMustExist: true });
    // A reader never waits long: an admin page must not freeze the event loop.
    this.db.pragma('busy_timeout = 200');
    this.byId = this.db.prepare(`SELECT ${COLUMNS} ${FROM} WHERE e.id = ?`);
    this.after = this.db.prepare(`SELECT ${COLUMNS} ${FROM} WHERE e.seq > ? ORDER BY e.seq LIMIT ?`);
    this.latest = this.db.prepare('SELECT COALESCE(MAX(seq), 0) FROM events').pluck();
    this.count = this.db.prepare('SELECT COUNT(*) FROM events').pluck();
  }

  getEvent(id: string): StoredEvent | undefined {
    const row = this.byId.get(id) as Row | undefined;
    return row && toEvent(row);
  }

  eventsAfter(afterSeq: number, limit: number): StoredEvent[] {
    return (this.after.all(afterSeq, limit) as Row[]).map(toEvent);
  }

  listEvents(q: EventQuery): StoredEvent[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (q.source !== undefined) (where.push('e.source = ?'), params.push(q.source));
    if (q.status !== undefined) (where.push('e.status = ?'), params.push(q.status));
    if (q.schema !== undefined) (where.push('e.schema = ?'), params.push(q.schema));
    if (q.beforeSeq !== undefined) (where.push('e.seq < ?'), params.push(q.beforeSeq));
    const sql = `SELECT ${COLUMNS} ${FROM} ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY e.seq DESC LIMIT ?`;
    let stmt = this.lists.get(sql);
    if (!stmt) this.lists.set(sql, (stmt = this.db.prepare(sql)));
    return (stmt.all(...params, q.limit) as Row[]).map(toEvent);
  }

  latestSeq(): number {
    return this.latest.get() as number;
  }

  countEvents(): number {
    return this.count.get() as number;
  }

  close(): void {
    this.db.close();
  }
}

function toEvent(r: Row): StoredEvent {
  return {
    seq: r.seq,
    id: r.id,
    source: r.source,
    receivedAt: r.received_at,
    requestId: r.request_id,
    item: r.item,
    schema: r.schema,
    dedupeKey: r.dedupe_key,
    status: r.status,
    errors: r.errors ? JSON.parse(r.errors) : null,
    contentType: r.content_type,
    headers: JSON.parse(r.headers),
    body: r.body,
    payload: r.payload ?? r.body,
  };
}
