import type { Outcome, OutcomeStatus, PluginState } from '../dispatch/types.js';
import type { ValidationIssue } from '../iglu/index.js';

/**
 * The store behind the ingest and dispatch stages. Nothing outside src/store writes SQL: a
 * PostgreSQL store slots in beside SQLite by implementing this interface.
 */
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

export interface Store {
  /** Commits a request and its events in one group transaction; rejects with a 503 HookdError past the deadline. */
  append(request: NewRequest, opts: { deadline: number }): Promise<Appended>;
  getEvent(id: string): StoredEvent | undefined;
  /** Newest first (unless query.order says otherwise). */
  listEvents(query: EventQuery): StoredEvent[];
  /** The same filters, without bodies or headers: what the admin API and `events list` show. */
  searchEvents(query: EventQuery): EventSummary[];
  /** seq of an event, for `?before=<id>` pagination. */
  seqOf(id: string): number | undefined;
  latestSeq(): number;
  countEvents(): number;
  /** Deletes events received before `before` (ms) and requests left without events. */
  prune(before: number): Promise<{ events: number }>;
  /** Re-check results: set status/errors/schema of stored events (revalidate). */
  updateValidation(updates: { id: string; status: EventStatus; schema: string | null; errors: ValidationIssue[] | null }[]): Promise<void>;
  /** Dispatch: the next events after a plugin's cursor, oldest first, without their bytes. */
  dispatchCandidates(afterSeq: number, limit: number): DispatchCandidate[];
  /** Dispatch: these events (seqs from dispatchCandidates) with their bytes, oldest first, in one read; pruned ones are missing. */
  dispatchEvents(seqs: number[]): StoredEvent[];
  /** One event's own JSON bytes (the body, or its batch delivery), for a plugin's `where`. */
  payloadOf(seq: number): Buffer | undefined;
  /** How many events were committed after seq (a plugin's lag). */
  countEventsAfter(seq: number): number;
  pluginCursors(): PluginCursor[];
  /** Creates the plugin's row at `cursor` if it has none, marks it present; answers the stored row. */
  registerPlugin(plugin: { name: string; origin: PluginCursor['origin']; file: string | null; cursor: number }): Promise<PluginCursor>;
  /** Answers the updated row, or undefined for an unknown plugin. A state change bumps stateVersion. */
  updatePlugin(name: string, patch: PluginCursorPatch): Promise<PluginCursor | undefined>;
  recordDispatch(progress: DispatchProgress): Promise<void>;
  /** Every recorded (event, plugin) outcome of one event, by plugin name. */
  outcomesFor(eventId: string): Outcome[];
  /** The oldest queued redelivery for a plugin. */
  nextRedelivery(plugin: string): { id: number; eventId: string } | undefined;
  /**
   * Queues stored events to be handed again to `plugin`, or to every plugin present; the
   * dispatcher takes them ahead of each cursor. Call it after a revalidation is committed (a
   * redelivery of an event still quarantined is dropped). Answers how many (event, plugin) pairs
   * were queued; unknown ids are ignored.
   */
  enqueueRedelivery(eventIds: string[], plugin?: string): Promise<number>;
  close(): Promise<void>;
}
