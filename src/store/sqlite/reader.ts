import Database from 'better-sqlite3';
import type { Outcome } from '../../dispatch/types.js';
import type { DispatchCandidate, EventQuery, EventSummary, PluginCursor, StoredEvent } from '../types.js';
import { PLUGIN_CURSOR_COLUMNS, toPluginCursor, type PluginCursorRow } from './ops/registerPlugin.js';

/** An event's columns but its request's body, which the events of a ShotGrid batch share. */
const EVENT_COLUMNS = `e.seq, e.id, e.source, e.received_at, e.request_id, e.item, e.payload, e.schema, e.dedupe_key,
  e.status, e.errors, r.content_type, r.headers`;
const COLUMNS = `${EVENT_COLUMNS}, r.body`;
const FROM = 'FROM events e JOIN requests r ON r.id = e.request_id';
/** A listing never loads bodies: a ShotGrid batch's body is shared by up to 50 events. */
const SUMMARY_COLUMNS = `e.seq, e.id, e.source, e.received_at, e.request_id, e.item, e.schema, e.dedupe_key,
  e.status, e.errors, r.content_type, length(COALESCE(e.payload, r.body)) AS size`;

interface Row {
  seq: number;
  id: string;
  source: string;
  received_at: number;
  request_id: string;
  item: number;
  payload: Buffer | null;
  schema: string | null;
  dedupe_key: string;
  status: 'accepted' | 'quarantined';
  errors: string | null;
  content_type: string | null;
  headers: string;
  body: Buffer;
}
type SummaryRow = Omit<Row, 'payload' | 'headers' | 'body'> & { size: number };

/**
 * Reads on the event loop through a read-only connection: in WAL mode they never wait for the
 * writer thread, and every statement is prepared once.
 */
export class Reader {
  private readonly db: Database.Database;
  private readonly byId: Database.Statement;
  private readonly latest: Database.Statement;
  private readonly count: Database.Statement;
  private readonly seqById: Database.Statement;
  /** One statement per combination of filters, prepared the first time it is asked for. */
  private readonly lists = new Map<string, Database.Statement>();
  private readonly dispatch: DispatchReads;

  constructor(path: string) {
    this.db = new Database(path, { readonly: true, fileMustExist: true });
    // A reader never waits long: an admin page must not freeze the event loop.
    this.db.pragma('busy_timeout = 200');
    this.byId = this.db.prepare(`SELECT ${COLUMNS} ${FROM} WHERE e.id = ?`);
    this.latest = this.db.prepare('SELECT COALESCE(MAX(seq), 0) FROM events').pluck();
    this.count = this.db.prepare('SELECT COUNT(*) FROM events').pluck();
    this.seqById = this.db.prepare('SELECT seq FROM events WHERE id = ?').pluck();
    this.dispatch = new DispatchReads(this.db);
  }

  /** The dispatcher's reads (src/dispatch): cursors, outcomes, the redelivery queue. */
  get plugins(): DispatchReads {
    return this.dispatch;
  }

  getEvent(id: string): StoredEvent | undefined {
    const row = this.byId.get(id) as Row | undefined;
    return row && toEvent(row);
  }

  listEvents(q: EventQuery): StoredEvent[] {
    const { stmt, params } = this.query(COLUMNS, q);
    return (stmt.all(...params) as Row[]).map(toEvent);
  }

  searchEvents(q: EventQuery): EventSummary[] {
    const { stmt, params } = this.query(SUMMARY_COLUMNS, q);
    return (stmt.all(...params) as SummaryRow[]).map(toSummary);
  }

  seqOf(id: string): number | undefined {
    return this.seqById.get(id) as number | undefined;
  }

  private query(columns: string, q: EventQuery): { stmt: Database.Statement; params: (string | number)[] } {
    const where: string[] = [];
    const params: (string | number)[] = [];
    const add = (clause: string, value: string | number) => (where.push(clause), params.push(value));
    if (q.source !== undefined) add('e.source = ?', q.source);
    if (q.status !== undefined) add('e.status = ?', q.status);
    if (q.schema !== undefined) {
      // `*` is the only wildcard a user types; GLOB's others ([ and ?) are taken literally.
      if (q.schema.includes('*')) add('e.schema GLOB ?', q.schema.replace(/[[?]/g, '[$&]'));
      else add('e.schema = ?', q.schema);
    }
    if (q.since !== undefined) add('e.received_at >= ?', q.since);
    if (q.until !== undefined) add('e.received_at < ?', q.until);
    if (q.text !== undefined) add("CAST(COALESCE(e.payload, r.body) AS TEXT) LIKE ? ESCAPE '\\'", `%${q.text.replace(/[\\%_]/g, '\\$&')}%`);
    if (q.outcome && (q.outcome.status !== undefined || q.outcome.plugin !== undefined)) {
      const o: string[] = ['o.event_id = e.id'];
      if (q.outcome.plugin !== undefined) {
        o.push('o.plugin = ?');
        params.push(q.outcome.plugin);
      }
      if (q.outcome.status !== undefined) {
        o.push('o.status = ?');
        params.push(q.outcome.status);
      }
      where.push(`EXISTS (SELECT 1 FROM plugin_outcomes o WHERE ${o.join(' AND ')})`);
    }
    if (q.beforeSeq !== undefined) add('e.seq < ?', q.beforeSeq);
    if (q.afterSeq !== undefined) add('e.seq > ?', q.afterSeq);
    const sql = `SELECT ${columns} ${FROM} ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY e.seq ${q.order === 'oldest' ? 'ASC' : 'DESC'} LIMIT ?`;
    let stmt = this.lists.get(sql);
    if (!stmt) this.lists.set(sql, (stmt = this.db.prepare(sql)));
    params.push(q.limit);
    return { stmt, params };
  }

  /** Migration versions recorded as applied, in order. */
  appliedMigrations(): number[] {
    return this.db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all() as number[];
  }

  /** SQLite's own consistency check: 'ok', or what it found. */
  quickCheck(): string {
    return String(this.db.pragma('quick_check', { simple: true }));
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

/** The columns an event and its summary share. */
function common(r: SummaryRow | Row) {
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
    errors: r.errors ? (JSON.parse(r.errors) as StoredEvent['errors']) : null,
    contentType: r.content_type,
  };
}

function toEvent(r: Row): StoredEvent {
  return { ...common(r), headers: JSON.parse(r.headers), body: r.body, payload: r.payload ?? r.body };
}

function toSummary(r: SummaryRow): EventSummary {
  return { ...common(r), size: r.size };
}

/** Reads for the dispatch stage, prepared once. */
export class DispatchReads {
  private readonly candidates: Database.Statement;
  private readonly events: Database.Statement;
  private readonly body: Database.Statement;
  private readonly payload: Database.Statement;
  private readonly countAfter: Database.Statement;
  private readonly cursors: Database.Statement;
  private readonly outcomes: Database.Statement;
  private readonly next: Database.Statement;

  constructor(db: Database.Database) {
    this.candidates = db.prepare('SELECT seq, id, source, status, schema FROM events WHERE seq > ? ORDER BY seq LIMIT ?');
    // The seqs go in as one JSON array: one prepared statement for a batch of any size.
    // Without the body: each row would carry its own copy of the request's, and a plugin catching
    // up on a 45 MB ShotGrid batch read 50 of them at once (2 GB, seconds of the thread that acks).
    this.events = db.prepare(`SELECT ${EVENT_COLUMNS} ${FROM} WHERE e.seq IN (SELECT value FROM json_each(?)) ORDER BY e.seq`);
    this.body = db.prepare('SELECT body FROM requests WHERE id = ?').pluck();
    // Only this event's own JSON: a batch's shared body is read only for a non-batch event (COALESCE).
    this.payload = db.prepare(`SELECT COALESCE(e.payload, r.body) ${FROM} WHERE e.seq = ?`).pluck();
    this.countAfter = db.prepare('SELECT COUNT(*) FROM events WHERE seq > ?').pluck();
    this.cursors = db.prepare(`SELECT ${PLUGIN_CURSOR_COLUMNS} FROM plugin_cursors ORDER BY plugin`);
    this.outcomes = db.prepare(
      'SELECT event_id AS eventId, plugin, status, attempts, error, output, updated_at AS updatedAt FROM plugin_outcomes WHERE event_id = ? ORDER BY plugin',
    );
    this.next = db.prepare('SELECT id, event_id AS eventId FROM plugin_redeliveries WHERE plugin = ? ORDER BY id LIMIT 1');
  }

  dispatchCandidates(afterSeq: number, limit: number): DispatchCandidate[] {
    return this.candidates.all(afterSeq, limit) as DispatchCandidate[];
  }

  dispatchEvents(seqs: number[]): StoredEvent[] {
    const bodies = new Map<string, Buffer>();
    return (this.events.all(JSON.stringify(seqs)) as Omit<Row, 'body'>[]).map((row) => {
      // The events of one request (a ShotGrid batch) share its body: read once, one Buffer, which
      // also crosses to a plugin's thread once per batch instead of once per event.
      let body = bodies.get(row.request_id);
      if (!body) bodies.set(row.request_id, (body = this.body.get(row.request_id) as Buffer));
      return toEvent({ ...row, body });
    });
  }

  payloadOf(seq: number): Buffer | undefined {
    return this.payload.get(seq) as Buffer | undefined;
  }

  countEventsAfter(seq: number): number {
    return this.countAfter.get(seq) as number;
  }

  pluginCursors(): PluginCursor[] {
    return (this.cursors.all() as PluginCursorRow[]).map(toPluginCursor);
  }

  outcomesFor(eventId: string): Outcome[] {
    return this.outcomes.all(eventId) as Outcome[];
  }

  nextRedelivery(plugin: string): { id: number; eventId: string } | undefined {
    return this.next.get(plugin) as { id: number; eventId: string } | undefined;
  }
}
