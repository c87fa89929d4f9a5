import type pg from 'pg';
import { unavailable } from '../../errors.js';
import { idFactory } from '../ids.js';
import type { Appended, AppendResult, NewRequest } from '../types.js';
import { inTransaction, isConnectionError } from './connect.js';

/** Most requests in one transaction, and about the most bytes (a ShotGrid batch of 45 MB commits alone). */
const MAX_REQUESTS = 500;
const MAX_BYTES = 16 * 1024 * 1024;

interface Waiter {
  request: NewRequest;
  resolve: (value: Appended) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
  /** Answered (committed, failed, or its deadline passed). */
  settled: boolean;
  /** In the transaction being committed: past its deadline it may still be stored. */
  taken: boolean;
}

export interface GroupCommitOptions {
  pool: pg.Pool;
  /** Sent with every commit (pg_notify inside the transaction): other replicas' dispatchers wake. */
  channel: string;
  instance: string;
  onBatch: (batch: { size: number; ms: number }) => void;
  /** A commit succeeded after one failed: the connection is back. */
  onRecovered: (cause: Error) => void;
}

/**
 * Group commit on PostgreSQL: appends that arrive while a transaction is in flight wait and go
 * into the next one, as multi-row inserts. Every transaction first takes one advisory lock (per
 * schema), so appends of all replicas commit one after another and seqs become visible in order:
 * once a read has seen seq N, no smaller seq can appear later (the ordering rule plugin cursors
 * rely on). A request is answered only after COMMIT; at its deadline it is answered 503 whatever
 * the transaction is doing.
 */
export class GroupCommit {
  private queue: Waiter[] = [];
  /** The loop that commits what is queued, while there is any (see kick). */
  private running: Promise<void> | undefined;
  private active = false;
  private readonly nextId = idFactory();
  private failure: Error | undefined;

  constructor(private readonly opts: GroupCommitOptions) {}

  append(request: NewRequest, deadline: number): Promise<Appended> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        request,
        resolve,
        reject,
        settled: false,
        taken: false,
        timer: setTimeout(
          () => {
            if (waiter.settled) return;
            waiter.settled = true;
            if (!waiter.taken) this.queue = this.queue.filter((w) => w !== waiter); // never stored
            reject(unavailable('commit_timeout', 'the event could not be committed before the ack deadline; retry'));
          },
          Math.max(0, deadline - Date.now()),
        ),
      };
      this.queue.push(waiter);
      this.kick();
    });
  }

  /**
   * Starts the loop unless it runs. `active` is cleared by the loop itself, in the same turn as it
   * finds the queue empty: an append made by a caller resuming from the last answer (before a
   * .finally() would run) must start a new loop, not join one that has just ended.
   */
  private kick(): void {
    if (this.active) return;
    this.active = true;
    this.running = this.run();
  }

  /** Resolves once everything queued is answered. */
  async drain(): Promise<void> {
    while (this.active) await this.running;
  }

  private async run(): Promise<void> {
    await null; // `active` is set before the loop can end
    for (;;) {
      if (this.queue.length === 0) {
        this.active = false; // in the same turn as the check: see kick()
        return;
      }
      const batch = this.take();
      if (batch.length === 0) continue;
      const started = performance.now();
      try {
        const results = await this.commit(batch.map((w) => w.request));
        const committedAt = Date.now();
        this.opts.onBatch({ size: batch.length, ms: performance.now() - started });
        if (this.failure) {
          this.opts.onRecovered(this.failure);
          this.failure = undefined;
        }
        batch.forEach((w, i) => this.settle(w, () => w.resolve({ events: results[i]!, committedAt })));
      } catch (err) {
        // One request a constraint refuses must not fail the others: alone, each gets its own answer.
        if (batch.length > 1 && !isConnectionError(err)) {
          for (const w of batch) {
            try {
              const [one] = await this.commit([w.request]);
              const committedAt = Date.now();
              this.settle(w, () => w.resolve({ events: one!, committedAt }));
            } catch (alone) {
              this.settle(w, () => w.reject(storeError(alone)));
            }
          }
          continue;
        }
        this.failure = err as Error;
        for (const w of batch) this.settle(w, () => w.reject(storeError(err)));
      }
    }
  }

  private take(): Waiter[] {
    const batch: Waiter[] = [];
    let bytes = 0;
    while (this.queue.length && batch.length < MAX_REQUESTS) {
      const next = this.queue[0]!;
      const size = next.request.body.byteLength + next.request.events.reduce((n, e) => n + (e.payload?.byteLength ?? 0), 0);
      if (batch.length && bytes + size > MAX_BYTES) break;
      this.queue.shift();
      if (next.settled) continue;
      next.taken = true;
      bytes += size;
      batch.push(next);
    }
    return batch;
  }

  private settle(w: Waiter, answer: () => void): void {
    if (w.settled) return;
    w.settled = true;
    clearTimeout(w.timer);
    answer();
  }

  /** One transaction for these requests; answers each request's events in order. */
  private async commit(requests: NewRequest[]): Promise<AppendResult[][]> {
    const reqIds = requests.map(() => this.nextId());
    const ev = {
      ids: [] as string[],
      req: [] as number[],
      item: [] as number[],
      payload: [] as (Buffer | null)[],
      schema: [] as (string | null)[],
      key: [] as string[],
      status: [] as string[],
      errors: [] as (string | null)[],
    };
    requests.forEach((r, i) => {
      r.events.forEach((e, item) => {
        ev.ids.push(item === 0 ? reqIds[i]! : this.nextId());
        ev.req.push(i);
        ev.item.push(item);
        ev.payload.push(e.payload ? toBuffer(e.payload) : null);
        ev.schema.push(e.schema);
        ev.key.push(e.dedupeKey);
        ev.status.push(e.status);
        ev.errors.push(e.errors ? JSON.stringify(e.errors) : null);
      });
    });
    const sourceOf = ev.req.map((i) => requests[i]!.source);
    const receivedOf = ev.req.map((i) => requests[i]!.receivedAt);
    const requestOf = ev.req.map((i) => reqIds[i]!);

    return inTransaction(this.opts.pool, async (client) => {
      await client.query("SELECT pg_advisory_xact_lock(hashtext('hookd.append.' || current_schema()))");
      await client.query(
        `INSERT INTO requests (id, source, received_at, content_type, headers, body)
         SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::bytea[])`,
        [
          reqIds,
          requests.map((r) => r.source),
          requests.map((r) => r.receivedAt),
          requests.map((r) => r.contentType),
          requests.map((r) => JSON.stringify(r.headers)),
          requests.map((r) => toBuffer(r.body)),
        ],
      );
      // Seqs in receipt order: the rows go in as they came (WITH ORDINALITY … ORDER BY).
      const inserted = await client.query<{ id: string; seq: number }>(
        `INSERT INTO events (id, source, received_at, request_id, item, payload, schema, dedupe_key, status, errors)
         SELECT id, source, received_at, request_id, item, payload, schema, dedupe_key, status, errors
           FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::int[], $6::bytea[], $7::text[], $8::text[], $9::text[], $10::text[])
                WITH ORDINALITY AS t(id, source, received_at, request_id, item, payload, schema, dedupe_key, status, errors, n)
          ORDER BY n
         ON CONFLICT (source, dedupe_key) DO NOTHING
         RETURNING id, seq`,
        [ev.ids, sourceOf, receivedOf, requestOf, ev.item, ev.payload, ev.schema, ev.key, ev.status, ev.errors],
      );
      const seqOf = new Map(inserted.rows.map((r) => [r.id, r.seq]));
      // Duplicates (of an event stored before, by any replica, or earlier in this batch) answer the first.
      const dupes = ev.ids.map((id, k) => (seqOf.has(id) ? -1 : k)).filter((k) => k >= 0);
      const first = new Map<string, { id: string; status: 'accepted' | 'quarantined'; errors: string | null }>();
      if (dupes.length) {
        const found = await client.query<{ source: string; dedupe_key: string; id: string; status: 'accepted' | 'quarantined'; errors: string | null }>(
          `SELECT e.source, e.dedupe_key, e.id, e.status, e.errors FROM events e
             JOIN unnest($1::text[], $2::text[]) AS k(source, dedupe_key) ON e.source = k.source AND e.dedupe_key = k.dedupe_key`,
          [dupes.map((k) => sourceOf[k]!), dupes.map((k) => ev.key[k]!)],
        );
        for (const r of found.rows) first.set(`${r.source}\n${r.dedupe_key}`, r);
      }
      // A request none of whose events is new is not kept (as on SQLite).
      const keep = new Set(ev.req.filter((_, k) => seqOf.has(ev.ids[k]!)));
      const orphans = reqIds.filter((_, i) => !keep.has(i));
      if (orphans.length) await client.query('DELETE FROM requests WHERE id = ANY($1::text[])', [orphans]);
      await client.query('SELECT pg_notify($1, $2)', [this.opts.channel, this.opts.instance]);

      const out: AppendResult[][] = requests.map(() => []);
      ev.ids.forEach((id, k) => {
        const seq = seqOf.get(id);
        if (seq !== undefined) {
          out[ev.req[k]!]!.push({ id, status: ev.status[k] as 'accepted' | 'quarantined', duplicate: false, seq });
          return;
        }
        const f = first.get(`${sourceOf[k]}\n${ev.key[k]}`);
        if (!f) throw new Error(`dedupe: no stored event for key ${ev.key[k]}`);
        out[ev.req[k]!]!.push({ id: f.id, status: f.status, duplicate: true, errors: f.errors ? JSON.parse(f.errors) : null });
      });
      return out;
    });
  }
}

/** Every store failure is the receiver's problem, never the sender's: 503, retry. */
export function storeError(err: unknown): Error {
  if (isConnectionError(err)) return unavailable('store_unavailable', 'the event store (PostgreSQL) is unreachable; retry', 5, err);
  const code = (err as { code?: string }).code;
  if (code === '53100') return unavailable('store_full', 'the event store is out of disk space; retry', 30, err);
  return unavailable('store_error', `the event could not be stored (${code ?? (err as Error).message}); retry`, 5, err);
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
