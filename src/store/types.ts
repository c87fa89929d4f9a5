import type { Outcome, OutcomeStatus, PluginState } from '../dispatch/types.js';
import type { ValidationIssue } from '../iglu/index.js';

export type EventStatus = 'accepted' | 'quarantined';

export interface NewEvent {
  dedupeKey: string;
  schema: string | null;
  status: EventStatus;
  errors: ValidationIssue[] | null;
  /** Set when the event is one delivery of a batch: its own JSON. Otherwise the request body is the payload. */
  payload?: Buffer;
}

export interface NewRequest {
  source: string;
  receivedAt: number;
  contentType: string | null;
  headers: Record<string, string>;
  body: Buffer;
  events: NewEvent[];
}

export type AppendResult =
  | { id: string; status: EventStatus; duplicate: false; seq: number }
  /** Already stored under the same dedupe key: the first event's id, status and errors. */
  | { id: string; status: EventStatus; duplicate: true; errors: ValidationIssue[] | null };

/** A request's events as stored, and when the transaction holding them committed (epoch ms): where dispatch lag starts. */
export interface Appended {
  events: AppendResult[];
  committedAt: number;
}

export interface StoredEvent {
  seq: number;
  id: string;
  source: string;
  receivedAt: number;
  requestId: string;
  item: number;
  schema: string | null;
  dedupeKey: string;
  status: EventStatus;
  errors: ValidationIssue[] | null;
  contentType: string | null;
  headers: Record<string, string>;
  /** The exact bytes of the request as received. */
  body: Buffer;
  /** This event's JSON bytes: the body, or the batch delivery. */
  payload: Buffer;
}

export interface EventQuery {
  source?: string;
  status?: EventStatus;
  /** An exact schema URI, or a pattern with `*` (e.g. `iglu:dev.hookd.jobserv/*`). */
  schema?: string;
  /** Received at or after this time (ms since the epoch). */
  since?: number;
  /** Received before this time (ms since the epoch). */
  until?: number;
  /** A substring of the event's body, case-insensitive for ASCII. */
  text?: string;
  /** Events with a recorded plugin outcome: of this status, for this plugin, or both. */
  outcome?: { status?: OutcomeStatus; plugin?: string };
  /** Only events with seq below this (pagination, newest first). */
  beforeSeq?: number;
  /** Only events with seq above this (following new events). */
  afterSeq?: number;
  /** Newest first unless 'oldest'. */
  order?: 'newest' | 'oldest';
  limit: number;
}

/** An event without its bytes, for listings: a batch's shared body is never loaded per row. */
export type EventSummary = Omit<StoredEvent, 'body' | 'payload' | 'headers'> & {
  /** Bytes of this event's JSON (the body, or the batch delivery). */
  size: number;
};

/** A plugin's durable place in the event stream (src/dispatch). */
export interface PluginCursor {
  plugin: string;
  origin: 'file' | 'exec' | 'forward';
  file: string | null;
  /** sha256 of the plugin file (or config entry) last loaded: a changed file re-activates a deactivated plugin. */
  hash: string | null;
  /** false once its file or config entry is gone; the row and its cursor are kept for when it returns. */
  present: boolean;
  state: PluginState;
  /** Bumped on every state change, so a receiver notices one made by another process (the CLI). */
  stateVersion: number;
  /** seq of the last event this plugin is finished with. */
  cursor: number;
  failures: number;
  lastError: string | null;
  updatedAt: number;
}

/** What the dispatcher needs to decide whether an event matches, without any bytes (see payloadOf). */
export interface DispatchCandidate {
  seq: number;
  id: string;
  source: string;
  status: EventStatus;
  schema: string | null;
}

/** One step of a plugin's progress, committed together: outcomes, the cursor, the failure count. */
export interface DispatchProgress {
  plugin: string;
  outcomes: { eventId: string; status: OutcomeStatus; attempts: number; error: string | null; output: string | null }[];
  /** Moves the cursor forward (never back). */
  cursor?: number;
  failures?: number;
  lastError?: string | null;
  /** A redelivery queue row this step finished with. */
  redelivered?: number;
}

export type PluginCursorPatch = Partial<Pick<PluginCursor, 'state' | 'hash' | 'present' | 'failures' | 'lastError' | 'origin' | 'file'>>;

/** What a store tells the receiver, besides the answers to its calls. */
export interface StoreEvents {
  /** A group transaction committed: how many requests it held and how long it took (ms). */
  batch: [{ size: number; ms: number }];
  /**
   * Another process may have changed something the dispatcher reads: events committed by another
   * replica, plugin states or redeliveries changed by the CLI. A hint to look now instead of at the
   * next poll (PostgreSQL: LISTEN/NOTIFY); the poll stays the guarantee.
   */
  changed: [];
  /** The store recovered from an internal failure (SQLite: the writer thread died and was restarted; PostgreSQL: a lost connection). */
  recovered: [Error];
}

/** What `hookd doctor` and `hookd migrate` report about a store. */
export interface StoreReport {
  /** Where the data lives: the SQLite file, or the PostgreSQL URL without its password. */
  location: string;
  /** Migration versions recorded as applied, in order. */
  applied: number[];
  /** Migration versions shipped with this hookd and not applied yet. */
  pending: number[];
  /** Versions applied when this store was opened (a writable open applies what is pending). */
  appliedNow: number[];
  events: number;
  /** A problem the store found in itself (SQLite quick_check), if any. */
  problem?: string;
}

/**
 * The store behind ingest, dispatch, the admin API and the CLI. Nothing outside src/store writes SQL:
 * SQLite (src/store/sqlite, the embedded default) and PostgreSQL (src/store/postgres, for several
 * replicas on one database) implement this interface, and the contract suite
 * (test/store-contract.test.ts) runs the same behaviours against both. Open one with `openStore`
 * (src/store/open.ts).
 *
 * Every method is asynchronous. The rules callers rely on:
 * - **Durability.** `append` resolves only after the transaction holding the request is committed
 *   (fsync'd); it rejects with a 503 HookdError (`store_unavailable`) once `deadline` has passed
 *   without a commit, and a request that rejected may or may not have been stored (never half of it).
 * - **Dedupe.** One event per dedupe key, whichever process stores it first; a later append of the
 *   same key answers the first event's id, status and errors (`duplicate: true`).
 * - **Ordering.** `seq` grows in receipt order, and an event's seq is visible to reads only after every
 *   smaller seq is (or never will be): once a read has seen seq N, no event with a smaller seq appears
 *   later. Plugin cursors rely on this — a cursor at N never skips an event committed after it was read.
 * - **Dispatch.** A plugin is run by one process at a time: the one holding its lease (`leasePlugins`).
 *   `recordDispatch` commits outcomes, cursor and failure count in one transaction; the cursor never
 *   moves back.
 * - **Reads after writes.** A read started after a write resolved sees that write.
 */
export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Commits a request and its events in one group transaction; rejects with a 503 HookdError past the deadline. */
  append(request: NewRequest, opts: { deadline: number }): Promise<Appended>;
  getEvent(id: string): Promise<StoredEvent | undefined>;
  /** Newest first (unless query.order says otherwise). */
  listEvents(query: EventQuery): Promise<StoredEvent[]>;
  /** The same filters, without bodies or headers: what the admin API and `events list` show. */
  searchEvents(query: EventQuery): Promise<EventSummary[]>;
  /** seq of an event, for `?before=<id>` pagination. */
  seqOf(id: string): Promise<number | undefined>;
  /** The highest visible seq (0 for an empty store). */
  latestSeq(): Promise<number>;
  countEvents(): Promise<number>;
  /** Deletes events received before `before` (ms) and requests left without events. */
  prune(before: number): Promise<{ events: number }>;
  /**
   * Re-check results (revalidate), in one transaction: sets status/schema/errors of stored events and
   * queues every event now `accepted` for redelivery to every plugin present (as enqueueRedelivery),
   * so a crash cannot leave a released event behind every cursor. Answers the (event, plugin) pairs queued.
   */
  updateValidation(updates: { id: string; status: EventStatus; schema: string | null; errors: ValidationIssue[] | null }[]): Promise<{ queued: number }>;
  /** Dispatch: the next events after a plugin's cursor, oldest first, without their bytes. */
  dispatchCandidates(afterSeq: number, limit: number): Promise<DispatchCandidate[]>;
  /** Dispatch: these events (seqs from dispatchCandidates) with their bytes, oldest first, in one read; pruned ones are missing. */
  dispatchEvents(seqs: number[]): Promise<StoredEvent[]>;
  /** One event's own JSON bytes (the body, or its batch delivery), for a plugin's `where`. */
  payloadOf(seq: number): Promise<Buffer | undefined>;
  /** How many events were committed after seq (a plugin's lag). */
  countEventsAfter(seq: number): Promise<number>;
  pluginCursors(): Promise<PluginCursor[]>;
  /** Creates the plugin's row at `cursor` if it has none, marks it present; answers the stored row. */
  registerPlugin(plugin: { name: string; origin: PluginCursor['origin']; file: string | null; cursor: number }): Promise<PluginCursor>;
  /** Answers the updated row, or undefined for an unknown plugin. A state change bumps stateVersion. */
  updatePlugin(name: string, patch: PluginCursorPatch): Promise<PluginCursor | undefined>;
  /**
   * Dispatch across processes: takes or renews this store's lease on each named plugin and answers the
   * names it holds now; a name held by another live process is left out. A lease not renewed expires
   * (PostgreSQL: `storage.postgres.leaseMs`, so a dead replica's plugins move within that), and
   * `releasePlugins` hands them over at once. SQLite has one receiver per file and holds every name.
   */
  leasePlugins(names: string[]): Promise<Set<string>>;
  releasePlugins(names: string[]): Promise<void>;
  /** Rejects with a 409 HookdError `lease_lost` (nothing written) when another process holds the plugin's lease. */
  recordDispatch(progress: DispatchProgress): Promise<void>;
  /** Every recorded (event, plugin) outcome of one event, by plugin name. */
  outcomesFor(eventId: string): Promise<Outcome[]>;
  /** The oldest queued redelivery for a plugin. */
  nextRedelivery(plugin: string): Promise<{ id: number; eventId: string } | undefined>;
  /**
   * Queues stored events to be handed again to `plugin`, or to every plugin present; the
   * dispatcher takes them ahead of each cursor (a redelivery of an event still quarantined is
   * dropped). Answers how many (event, plugin) pairs were queued; unknown ids are ignored.
   */
  enqueueRedelivery(eventIds: string[], plugin?: string): Promise<number>;
  /** Migrations, size and self-check, for `doctor`. */
  report(): Promise<StoreReport>;
  on<K extends keyof StoreEvents>(event: K, listener: (...args: StoreEvents[K]) => void): this;
  off<K extends keyof StoreEvents>(event: K, listener: (...args: StoreEvents[K]) => void): this;
  /** Finishes what is queued, releases leases, closes connections. */
  close(): Promise<void>;
}

/** How `openStore` opens a store. */
export interface OpenStoreOptions {
  /**
   * Reads only (the CLI's `events list|show|tail`, `plugins list`): no writer, no migrations; a
   * write rejects. SQLite fails with a UsageError when the file does not exist or is not migrated.
   */
  readOnly?: boolean;
  /** How long a write waits for a lock held by another process (ms). */
  busyTimeoutMs?: number;
}

/**
 * `storage` in the config. SQLite is the default; a `postgres` entry (or HOOKD_DATABASE_URL) chooses PostgreSQL.
 * Derived from the config schema (src/config/types.ts).
 */
export type { StorageConfig, SqliteStorageConfig, PostgresStorageConfig } from '../config/types.js';
