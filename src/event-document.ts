/**
 * An event as a JSON document: what a plugin's `handle(event)` gets (plus the raw body), what
 * `exec` writes to stdin, and the core of the admin API's event. One conversion for all three.
 */
export interface EventDocument {
  id: string;
  source: string;
  /** ISO 8601, UTC. */
  receivedAt: string;
  schema: string | null;
  headers: Record<string, string>;
  /** This event's own JSON, parsed (for a batch: the delivery, not the whole request); null if it is not JSON. */
  payload: unknown;
}

export function eventDocument(e: {
  id: string;
  source: string;
  receivedAt: number;
  schema: string | null;
  headers: Record<string, string>;
  payload: Uint8Array;
}): EventDocument {
  return {
    id: e.id,
    source: e.source,
    receivedAt: new Date(e.receivedAt).toISOString(),
    schema: e.schema,
    headers: e.headers,
    payload: parseJsonOrNull(e.payload),
  };
}

/** Stored payloads passed parsing at ingest; null only for what never was JSON. */
export function parseJsonOrNull(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch {
    return null;
  }
}
