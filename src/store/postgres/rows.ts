import type { EventSummary, PluginCursor, StoredEvent } from '../types.js';

/** The columns and row shapes of src/store/sqlite/reader.ts, in PostgreSQL's types. */
/** An event's columns but its request's body, which the events of a ShotGrid batch share. */
export const BODYLESS_COLUMNS = `e.seq, e.id, e.source, e.received_at, e.request_id, e.item, e.payload, e.schema, e.dedupe_key,
  e.status, e.errors, r.content_type, r.headers`;
export const EVENT_COLUMNS = `${BODYLESS_COLUMNS}, r.body`;
export const FROM = 'FROM events e JOIN requests r ON r.id = e.request_id';
export const SUMMARY_COLUMNS = `e.seq, e.id, e.source, e.received_at, e.request_id, e.item, e.schema, e.dedupe_key,
  e.status, e.errors, r.content_type, length(COALESCE(e.payload, r.body)) AS size`;
export const PLUGIN_COLUMNS = 'plugin, origin, file, hash, present, state, state_version, cursor, failures, last_error, updated_at';

export interface EventRow {
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
export type SummaryRow = Omit<EventRow, 'payload' | 'headers' | 'body'> & { size: number };

export interface PluginRow {
  plugin: string;
  origin: PluginCursor['origin'];
  file: string | null;
  hash: string | null;
  present: boolean;
  state: PluginCursor['state'];
  state_version: number;
  cursor: number;
  failures: number;
  last_error: string | null;
  updated_at: number;
}

function common(r: SummaryRow | EventRow) {
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

export function toEvent(r: EventRow): StoredEvent {
  return { ...common(r), headers: JSON.parse(r.headers) as Record<string, string>, body: r.body, payload: r.payload ?? r.body };
}

export function toSummary(r: SummaryRow): EventSummary {
  return { ...common(r), size: r.size };
}

export function toPluginCursor(r: PluginRow): PluginCursor {
  return {
    plugin: r.plugin,
    origin: r.origin,
    file: r.file,
    hash: r.hash,
    present: r.present,
    state: r.state,
    stateVersion: r.state_version,
    cursor: r.cursor,
    failures: r.failures,
    lastError: r.last_error,
    updatedAt: r.updated_at,
  };
}
