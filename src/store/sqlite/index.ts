import fs from 'node:fs';
import path from 'node:path';
import { migrationsDir } from '../../paths.js';
import type { Outcome } from '../../dispatch/types.js';
import type {
  Appended, DispatchCandidate, DispatchProgress, EventQuery, EventSummary, NewRequest, PluginCursor, PluginCursorPatch, Store, StoredEvent,
} from '../types.js';
import { Reader } from './reader.js';
import { RecentEvents } from './recent.js';
import { WriterThread } from './writer.js';

export interface SqliteStoreOptions {
  path: string;
  synchronous: 'full' | 'normal' | 'off' | 'extra';
  /** How long the writer waits for another process's lock before failing a batch. */
  busyTimeoutMs?: number;
}

/**
 * The embedded store: one writer thread (group commit), one read-only connection, and the events
 * this process committed last in memory for the plugins that keep up (RecentEvents).
 */
export class SqliteStore implements Store {
  private readonly recent = new RecentEvents();

  private constructor(
    readonly writer: WriterThread,
    private readonly reader: Reader,
    readonly appliedMigrations: number[],
  ) {}

  static async open(opts: SqliteStoreOptions): Promise<SqliteStore> {
    fs.mkdirSync(path.dirname(opts.path), { recursive: true });
    const { writer, applied } = await WriterThread.start({
      path: opts.path,
      synchronous: opts.synchronous,
      busyTimeoutMs: opts.busyTimeoutMs ?? 5000,
      migrationsDir,
    });
    return new SqliteStore(writer, new Reader(opts.path), applied);
  }

  async append(request: NewRequest, opts: { deadline: number }): Promise<Appended> {
    const { value, committedAt } = await this.writer.callTimed('appendRequest', request, opts.deadline);
    this.recent.add(request, value.requestId, value.events);
    return { events: value.events, committedAt };
  }

  getEvent(id: string): StoredEvent | undefined {
    const event = this.reader.getEvent(id);
    if (event) this.recent.refresh(event);
    return event;
  }

  listEvents(query: EventQuery): StoredEvent[] {
    return this.reader.listEvents(query);
  }

  searchEvents(query: EventQuery): EventSummary[] {
    return this.reader.searchEvents(query);
  }

  seqOf(id: string): number | undefined {
    return this.reader.seqOf(id);
  }

  latestSeq(): number {
    return this.reader.latestSeq();
  }

  countEvents(): number {
    return this.reader.countEvents();
  }

  async prune(before: number): Promise<{ events: number }> {
    try {
      return await this.writer.call('prune', { before });
    } finally {
      this.recent.clear();
    }
  }

  async updateValidation(updates: Parameters<Store['updateValidation']>[0]): Promise<void> {
    try {
      await this.writer.call('updateValidation', updates);
    } finally {
      this.recent.clear();
    }
  }

  dispatchCandidates(afterSeq: number, limit: number): DispatchCandidate[] {
    return this.recent.candidates(afterSeq, limit) ?? this.reader.plugins.dispatchCandidates(afterSeq, limit);
  }

  dispatchEvents(seqs: number[]): StoredEvent[] {
    return this.recent.events(seqs) ?? this.reader.plugins.dispatchEvents(seqs);
  }

  payloadOf(seq: number): Buffer | undefined {
    return this.recent.payload(seq) ?? this.reader.plugins.payloadOf(seq);
  }

  countEventsAfter(seq: number): number {
    return this.reader.plugins.countEventsAfter(seq);
  }

  pluginCursors(): PluginCursor[] {
    return this.reader.plugins.pluginCursors();
  }

  registerPlugin(plugin: Parameters<Store['registerPlugin']>[0]): Promise<PluginCursor> {
    return this.writer.call('registerPlugin', plugin);
  }

  async updatePlugin(name: string, patch: PluginCursorPatch): Promise<PluginCursor | undefined> {
    return this.writer.call('updatePlugin', { name, patch });
  }

  async recordDispatch(progress: DispatchProgress): Promise<void> {
    await this.writer.call('recordDispatch', progress);
  }

  outcomesFor(eventId: string): Outcome[] {
    return this.reader.plugins.outcomesFor(eventId);
  }

  nextRedelivery(plugin: string): { id: number; eventId: string } | undefined {
    return this.reader.plugins.nextRedelivery(plugin);
  }

  enqueueRedelivery(eventIds: string[], plugin?: string): Promise<number> {
    return this.writer.call('enqueueRedelivery', { eventIds, plugin });
  }

  /** The read-only connection goes first so the writer, closing last, checkpoints and removes the WAL. */
  async close(): Promise<void> {
    this.reader.close();
    await this.writer.close();
  }
}
