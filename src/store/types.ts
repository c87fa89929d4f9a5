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
  | { id: string; status: EventStatus; duplicate: false }
  /** Already stored under the same dedupe key: the first event's id, status and errors. */
  | { id: string; status: EventStatus; duplicate: true; errors: ValidationIssue[] | null };

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

export interface Store {
  /** Commits a request and its events in one group transaction; rejects with a 503 HookdError past the deadline. */
  append(request: NewRequest, opts: { deadline: number }): Promise<AppendResult[]>;
  getEvent(id: string): StoredEvent | undefined;
  /** Newest first (unless query.order says otherwise). */
  listEvents(query: EventQuery): StoredEvent[];
  /** The same filters, without bodies or headers: what the admin API and `events list` show. */
  searchEvents(query: EventQuery): EventSummary[];
  /** seq of an event, for `?before=<id>` pagination. */
  seqOf(id: string): number | undefined;
  /** Oldest first, seq > afterSeq: the dispatcher's read. */
  eventsAfter(afterSeq: number, limit: number): StoredEvent[];
  latestSeq(): number;
  countEvents(): number;
  /** Deletes events received before `before` (ms) and requests left without events. */
  prune(before: number): Promise<{ events: number }>;
  /** Re-check results: set status/errors/schema of stored events (revalidate). */
  updateValidation(updates: { id: string; status: EventStatus; schema: string | null; errors: ValidationIssue[] | null }[]): Promise<void>;
  close(): Promise<void>;
}
