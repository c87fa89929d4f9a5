import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type pg from 'pg';
import { UsageError } from '../../cli/command.js';
import type { Outcome } from '../../dispatch/types.js';
import type {
  Appended,
  DispatchCandidate,
  DispatchProgress,
  EventQuery,
  EventSummary,
  NewRequest,
  OpenStoreOptions,
  PluginCursor,
  PluginCursorPatch,
  PostgresStorageConfig,
  Store,
  StoredEvent,
  StoreReport,
} from '../types.js';
import { GroupCommit, storeError } from './append.js';
import { ensureSchema, newPool, redactedUrl } from './connect.js';
import { channelOf, Listener } from './listen.js';
import { appliedVersions, migrate, shippedMigrations } from './migrate.js';
import { PluginWrites } from './plugins.js';
import { eventQuery } from './query.js';
import {
  BODYLESS_COLUMNS,
  EVENT_COLUMNS,
  FROM,
  PLUGIN_COLUMNS,
  SUMMARY_COLUMNS,
  toEvent,
  toPluginCursor,
  toSummary,
  type EventRow,
  type PluginRow,
  type SummaryRow,
} from './rows.js';

/**
 * The store for several replicas on one PostgreSQL database (`storage.postgres`): the same
 * contract as the SQLite store (src/store/types.ts), each replica with its own pool. Appends go
 * through group commit under one advisory lock (the ordering rule); each plugin runs on the replica
 * holding its lease; a NOTIFY after each commit wakes the other replicas.
 */
export class PostgresStore extends EventEmitter implements Store {
  readonly kind = 'postgres';
  private readonly commits: GroupCommit | undefined;
  private readonly plugins: PluginWrites | undefined;
  private readonly held = new Set<string>();
  private closed = false;

  private constructor(
    /** This running store, in NOTIFY payloads and as the owner of its plugin leases. */
    private readonly instance: string,
    private readonly cfg: PostgresStorageConfig,
    private readonly pool: pg.Pool,
    private readonly listener: Listener | undefined,
    private readonly appliedNow: number[],
    readOnly: boolean,
  ) {
    super();
    if (readOnly) return;
    const channel = channelOf(cfg);
    const notify = (client: pg.ClientBase) => client.query('SELECT pg_notify($1, $2)', [channel, this.instance]);
    this.commits = new GroupCommit({
      pool,
      channel,
      instance: this.instance,
      onBatch: (b) => this.emit('batch', b),
      onRecovered: (cause) => this.emit('recovered', cause),
    });
    this.plugins = new PluginWrites(pool, this.instance, cfg.leaseMs, notify);
  }

  static async open(cfg: PostgresStorageConfig, opts: OpenStoreOptions = {}): Promise<PostgresStore> {
    const readOnly = opts.readOnly === true;
    if (!readOnly) await ensureSchema(cfg);
    const pool = newPool(cfg);
    try {
      let applied: number[] = [];
      if (readOnly) {
        if ((await appliedVersions(pool)) === undefined) throw new UsageError(`${redactedUrl(cfg)} needs migrating first: run \`hookd migrate\``);
      } else {
        applied = await migrate(pool);
      }
      const instance = randomUUID();
      let opened: PostgresStore | undefined = undefined;
      const listener = readOnly
        ? undefined
        : new Listener(cfg, instance, {
            changed: () => opened?.emit('changed'),
            recovered: (cause) => opened?.emit('recovered', cause),
          });
      opened = new PostgresStore(instance, cfg, pool, listener, applied, readOnly);
      try {
        await listener?.start();
      } catch (err) {
        await listener?.stop();
        throw err;
      }
      return opened;
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
  }

  private get writes(): { commits: GroupCommit; plugins: PluginWrites } {
    if (!this.commits || !this.plugins) throw new UsageError(`${redactedUrl(this.cfg)} is open read-only`);
    if (this.closed) throw storeError(new Error('the store is closed'));
    return { commits: this.commits, plugins: this.plugins };
  }

  append(request: NewRequest, opts: { deadline: number }): Promise<Appended> {
    try {
      return this.writes.commits.append(request, opts.deadline);
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  private async rows<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    try {
      return (await this.pool.query<R>(text, values)).rows;
    } catch (err) {
      throw storeError(err);
    }
  }

  async getEvent(id: string): Promise<StoredEvent | undefined> {
    const [row] = await this.rows<EventRow>(`SELECT ${EVENT_COLUMNS} ${FROM} WHERE e.id = $1`, [id]);
    return row && toEvent(row);
  }

  async listEvents(query: EventQuery): Promise<StoredEvent[]> {
    const { text, values } = eventQuery(EVENT_COLUMNS, query);
    return (await this.rows<EventRow>(text, values)).map(toEvent);
  }

  async searchEvents(query: EventQuery): Promise<EventSummary[]> {
    const { text, values } = eventQuery(SUMMARY_COLUMNS, query);
    return (await this.rows<SummaryRow>(text, values)).map(toSummary);
  }

  async seqOf(id: string): Promise<number | undefined> {
    return (await this.rows<{ seq: number }>('SELECT seq FROM events WHERE id = $1', [id]))[0]?.seq;
  }

  async latestSeq(): Promise<number> {
    return (await this.rows<{ seq: number }>('SELECT COALESCE(MAX(seq), 0)::bigint AS seq FROM events'))[0]!.seq;
  }

  async countEvents(): Promise<number> {
    return (await this.rows<{ n: number }>('SELECT COUNT(*) AS n FROM events'))[0]!.n;
  }

  async prune(before: number): Promise<{ events: number }> {
    void this.writes; // read-only: a UsageError
    const [row] = await this.rows<{ events: number }>(
      `WITH gone AS (DELETE FROM events WHERE received_at < $1 RETURNING request_id),
            orphans AS (DELETE FROM requests r WHERE r.received_at < $1
                          AND NOT EXISTS (SELECT 1 FROM events e WHERE e.request_id = r.id AND e.received_at >= $1))
       SELECT COUNT(*)::bigint AS events FROM gone`,
      [before],
    );
    return { events: row!.events };
  }

  async updateValidation(updates: Parameters<Store['updateValidation']>[0]): Promise<{ queued: number }> {
    return this.writes.plugins.updateValidation(updates).catch(rethrow);
  }

  async dispatchCandidates(afterSeq: number, limit: number): Promise<DispatchCandidate[]> {
    return this.rows<DispatchCandidate>('SELECT seq, id, source, status, schema FROM events WHERE seq > $1 ORDER BY seq LIMIT $2', [afterSeq, limit]);
  }

  async dispatchEvents(seqs: number[]): Promise<StoredEvent[]> {
    if (seqs.length === 0) return [];
    // The bodies apart, once per request: the events of a ShotGrid batch share one, and reading it
    // with every row sent a 45 MB batch's body 50 times over the wire.
    const rows = await this.rows<Omit<EventRow, 'body'>>(`SELECT ${BODYLESS_COLUMNS} ${FROM} WHERE e.seq = ANY($1::bigint[]) ORDER BY e.seq`, [seqs]);
    const ids = [...new Set(rows.map((r) => r.request_id))];
    const bodies = new Map(
      (await this.rows<{ id: string; body: Buffer }>('SELECT id, body FROM requests WHERE id = ANY($1::text[])', [ids])).map((r) => [r.id, r.body]),
    );
    return rows.map((row) => toEvent({ ...row, body: bodies.get(row.request_id)! }));
  }

  async payloadOf(seq: number): Promise<Buffer | undefined> {
    return (await this.rows<{ payload: Buffer }>(`SELECT COALESCE(e.payload, r.body) AS payload ${FROM} WHERE e.seq = $1`, [seq]))[0]?.payload;
  }

  async countEventsAfter(seq: number): Promise<number> {
    return (await this.rows<{ n: number }>('SELECT COUNT(*) AS n FROM events WHERE seq > $1', [seq]))[0]!.n;
  }

  async pluginCursors(): Promise<PluginCursor[]> {
    return (await this.rows<PluginRow>(`SELECT ${PLUGIN_COLUMNS} FROM plugin_cursors ORDER BY plugin`)).map(toPluginCursor);
  }

  registerPlugin(plugin: Parameters<Store['registerPlugin']>[0]): Promise<PluginCursor> {
    return this.call(() => this.writes.plugins.register(plugin));
  }

  updatePlugin(name: string, patch: PluginCursorPatch): Promise<PluginCursor | undefined> {
    return this.call(() => this.writes.plugins.update(name, patch));
  }

  async leasePlugins(names: string[]): Promise<Set<string>> {
    const held = await this.call(() => this.writes.plugins.lease(names));
    for (const name of names) {
      if (held.has(name)) this.held.add(name);
      else this.held.delete(name);
    }
    return held;
  }

  async releasePlugins(names: string[]): Promise<void> {
    await this.call(() => this.writes.plugins.release(names));
    for (const name of names) this.held.delete(name);
  }

  recordDispatch(progress: DispatchProgress): Promise<void> {
    return this.call(() => this.writes.plugins.record(progress));
  }

  async outcomesFor(eventId: string): Promise<Outcome[]> {
    return this.rows<Outcome>(
      'SELECT event_id AS "eventId", plugin, status, attempts, error, output, updated_at AS "updatedAt" FROM plugin_outcomes WHERE event_id = $1 ORDER BY plugin',
      [eventId],
    );
  }

  async nextRedelivery(plugin: string): Promise<{ id: number; eventId: string } | undefined> {
    return (
      await this.rows<{ id: number; eventId: string }>('SELECT id, event_id AS "eventId" FROM plugin_redeliveries WHERE plugin = $1 ORDER BY id LIMIT 1', [
        plugin,
      ])
    )[0];
  }

  enqueueRedelivery(eventIds: string[], plugin?: string): Promise<number> {
    return this.call(() => this.writes.plugins.enqueue(eventIds, plugin));
  }

  async report(): Promise<StoreReport> {
    const applied = (await appliedVersions(this.pool).catch(rethrow)) ?? [];
    const done = new Set(applied);
    return {
      location: redactedUrl(this.cfg),
      applied,
      pending: shippedMigrations()
        .map((m) => m.version)
        .filter((v) => !done.has(v)),
      appliedNow: this.appliedNow,
      events: applied.length ? await this.countEvents() : 0,
    };
  }

  /** Lets queued appends commit, hands this replica's plugins over, closes the connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.commits?.drain();
    if (this.held.size) await this.plugins?.release([...this.held]).catch(() => undefined);
    this.closed = true;
    await this.listener?.stop();
    await this.pool.end().catch(() => undefined);
  }

  /** A write: a HookdError (lease_lost, read-only) as it is, anything else as a 503. */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      return rethrow(err);
    }
  }
}

function rethrow(err: unknown): never {
  if (err instanceof UsageError || (err instanceof Error && err.name === 'HookdError')) throw err;
  throw storeError(err);
}
