import { isUtf8 } from 'node:buffer';
import type { Outcome } from '../dispatch/types.js';
import { parseJsonOrNull } from '../event-document.js';
import type { EventSummary, StoredEvent } from '../store/types.js';
import { explainQuarantine } from './explain.js';

/**
 * The JSON shape of an event in the admin API, the SSE stream and `hookd events … --json`
 * (README → Admin API): one shape everywhere, so a script written against one works against the others.
 */
export interface EventSummaryJson {
  id: string;
  seq: number;
  source: string;
  receivedAt: string;
  status: StoredEvent['status'];
  schema: string | null;
  contentType: string | null;
  size: number;
  /** Plain words for a quarantine; null when accepted. */
  reason: string | null;
  outcomes: { plugin: string; status: Outcome['status'] }[];
}

export interface EventDetailJson extends Omit<EventSummaryJson, 'outcomes'> {
  requestId: string;
  /** Position in a batch request (ShotGrid); 0 otherwise. */
  item: number;
  dedupeKey: string;
  headers: Record<string, string>;
  /** The raw request body as text when it is valid UTF-8, else null. */
  body: string | null;
  /** The raw request body, always. */
  bodyBase64: string;
  /** This event's own JSON, parsed (for a batch: the delivery, not the whole request). */
  payload: unknown;
  errors: { path: string; message: string }[] | null;
  outcomes: Outcome[];
}

export function summaryJson(e: EventSummary | StoredEvent, outcomes: Outcome[]): EventSummaryJson {
  return {
    id: e.id,
    seq: e.seq,
    source: e.source,
    receivedAt: new Date(e.receivedAt).toISOString(),
    status: e.status,
    schema: e.schema,
    contentType: e.contentType,
    size: 'size' in e ? e.size : e.payload.length,
    reason: e.status === 'quarantined' ? explainQuarantine(e.schema, e.errors) : null,
    outcomes: outcomes.map((o) => ({ plugin: o.plugin, status: o.status })),
  };
}

export function detailJson(e: StoredEvent, outcomes: Outcome[]): EventDetailJson {
  return {
    ...summaryJson(e, outcomes),
    requestId: e.requestId,
    item: e.item,
    dedupeKey: e.dedupeKey,
    headers: e.headers,
    body: isUtf8(e.body) ? e.body.toString('utf8') : null,
    bodyBase64: e.body.toString('base64'),
    payload: parseJsonOrNull(e.payload),
    errors: e.errors,
    outcomes,
  };
}
