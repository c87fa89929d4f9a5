import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../cli/command.js';
import { migrationsDir } from '../../paths.js';
import type { Outcome } from '../../dispatch/types.js';
import type {
  Appended,
  DispatchCandidate,
  DispatchProgress,
  EventQuery,
  EventSummary,
  NewRequest,
  PluginCursor,
  PluginCursorPatch,
  Store,
  StoredEvent,
  StoreEvents,
  StoreReport,
} from '../types.js';
import { readMigrations } from './migrate.js';
import { Reader } from './reader.js';
import { RecentEvents } from './recent.js';
import { WriterThread } from './writer.js';

export interface SqliteStoreOptions {
  path: string;
  synchronous: 'full' | 'normal' | 'off' | 'extra';
  /** How long the writer waits for another process's lock before failing a batch. */
  busyTimeoutMs?: number;
  /** No writer thread and no migrations: the CLI's read-only commands, beside a running receiver. */
  readOnly?: boolean;
}

/**
 * The embedded store: one writer thread (group commit), one read-only connection, and the events
 * this process committed last in memory for the plugins that keep up (RecentEvents). Reads run on
 * the event loop (WAL readers never wait for the writer) and answer resolved promises.
 *
 * One receiver per file: it holds every plugin's lease. The CLI's writes (`plugins disable`,
 * `events replay`) go through their own writer and reach the receiver's dispatcher at its next poll.
 */
export class SqliteStore extends EventEmitter implements Store {
  readonly kind = 'sqlite';
  private readonly recent = new RecentEvents();

  private constructor(
    private readonly file: string,
    private readonly writer: WriterThread | undefined,
    private readonly reader: Reader,
    private readonly appliedNow: number[],
  ) {
    super();
    writer?.on('batch', (batch: StoreEvents['batch'][0]) => this.emit('batch', batch));
    writer?.on('restart', (err: Error) => this.emit('recovered', err));
  }

  static async open(opts: SqliteStoreOptions): Promise<SqliteStore> {
    if (opts.readOnly) return new SqliteStore(opts.path, undefined, openReader(opts.path), []);
    fs.mkdirSync(path.dirname(opts.path), { recursive: true });
    const { writer, applied } = await WriterThread.start({
      path: opts.path,
      synchronous: opts.synchronous,
      busyTimeoutMs: opts.busyTimeoutMs ?? 5000,
      migrationsDir,
    });
    return new SqliteStore(opts.path, writer, new Reader(opts.path), applied);
  }

  private get write(): WriterThread {
    if (!this.writer) throw new UsageError(`${this.file} is open read-only`);
    return this.writer;
  }

  async append(request: NewRequest, opts: { deadline: number }): Promise<Appended> {
    const { value, committedAt } = await this.write.callTimed('appendRequest', request, opts.deadline);
    this.recent.add(request, value.requestId, value.events);
    return { events: value.events, committedAt };
  }

  async getEvent(id: string): Promise<StoredEvent | undefined> {
    const event = this.reader.getEvent(id);
    if (event) this.recent.refresh(event);
    return event;
  }

  async listEvents(query: EventQuery): Promise<StoredEvent[]> {
    return this.reader.listEvents(query);
  }

  async searchEvents(query: EventQuery): Promise<EventSummary[]> {
    return this.reader.searchEvents(query);
  }

  async seqOf(id: string): Promise<number | undefined> {
    return this.reader.seqOf(id);
  }

  async latestSeq(): Promise<number> {
    return this.reader.latestSeq();
  }

  async countEvents(): Promise<number> {
    return this.reader.countEvents();
  }

  async prune(before: number): Promise<{ events: number }> {
    try {
      return await this.write.call('prune', { before });
    } finally {
      this.recent.clear();
    }
  }

  async updateValidation(updates: Parameters<Store['updateValidation']>[0]): Promise<{ queued: number }> {
    try {
      return await this.write.call('updateValidation', updates);
    } finally {
      this.recent.clear();
    }
  }

  async dispatchCandidates(afterSeq: number, limit: number): Promise<DispatchCandidate[]> {
    return this.recent.candidates(afterSeq, limit) ?? this.reader.plugins.dispatchCandidates(afterSeq, limit);
  }

  async dispatchEvents(seqs: number[]): Promise<StoredEvent[]> {
    // Oldest first, as the contract says (the dispatcher asks in that order already).
    const ordered = seqs.every((s, i) => i === 0 || seqs[i - 1]! < s) ? seqs : [...seqs].sort((a, b) => a - b);
    return this.recent.events(ordered) ?? this.reader.plugins.dispatchEvents(ordered);
  }

  async payloadOf(seq: number): Promise<Buffer | undefined> {
    return this.recent.payload(seq) ?? this.reader.plugins.payloadOf(seq);
  }

  async countEventsAfter(seq: number): Promise<number> {
    return this.reader.plugins.countEventsAfter(seq);
  }

  async pluginCursors(): Promise<PluginCursor[]> {
    return this.reader.plugins.pluginCursors();
  }

  async registerPlugin(plugin: Parameters<Store['registerPlugin']>[0]): Promise<PluginCursor> {
    return this.write.call('registerPlugin', plugin);
  }

  async updatePlugin(name: string, patch: PluginCursorPatch): Promise<PluginCursor | undefined> {
    return this.write.call('updatePlugin', { name, patch });
  }

  async leasePlugins(names: string[]): Promise<Set<string>> {
    return new Set(names);
  }

  async releasePlugins(): Promise<void> {}

  async recordDispatch(progress: DispatchProgress): Promise<void> {
    await this.write.call('recordDispatch', progress);
  }

  async outcomesFor(eventId: string): Promise<Outcome[]> {
    return this.reader.plugins.outcomesFor(eventId);
  }

  async nextRedelivery(plugin: string): Promise<{ id: number; eventId: string } | undefined> {
    return this.reader.plugins.nextRedelivery(plugin);
  }

  async enqueueRedelivery(eventIds: string[], plugin?: string): Promise<number> {
    return this.write.call('enqueueRedelivery', { eventIds, plugin });
  }

  async report(): Promise<StoreReport> {
    const applied = this.reader.appliedMigrations();
    const done = new Set(applied);
    const check = this.reader.quickCheck();
    return {
      location: this.file,
      applied,
      pending: readMigrations(migrationsDir)
        .map((m) => m.version)
        .filter((v) => !done.has(v)),
      appliedNow: this.appliedNow,
      events: this.reader.countEvents(),
      ...(check === 'ok' ? {} : { problem: `quick_check says ${check}` }),
    };
  }

  /** The read-only connection goes first so the writer, closing last, checkpoints and removes the WAL. */
  async close(): Promise<void> {
    this.reader.close();
    await this.writer?.close();
  }
}

/** A read-only look at a file a receiver (or `hookd migrate`) made: a clear word when there is none yet. */
function openReader(file: string): Reader {
  if (!fs.existsSync(file)) throw new UsageError(`no database at ${file} yet: start hookd (\`hookd serve\`) or run \`hookd migrate\``);
  try {
    return new Reader(file);
  } catch (err) {
    if (/no such table/.test((err as Error).message)) throw new UsageError(`${file} needs migrating first: run \`hookd migrate\``);
    throw err;
  }
}
