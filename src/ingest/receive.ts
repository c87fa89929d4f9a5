import { setMaxListeners } from 'node:events';
import { HookdError } from '../errors.js';
import { releaseSoon } from '../memory.js';
import type { Source } from '../config/sources.js';
import type { SchemaService } from '../iglu/index.js';
import type { IngestObserver } from './observer.js';
import type { NewEvent, Store } from '../store/types.js';
import type { HeaderBag } from '../verify/types.js';
import { verify } from '../verify/verify.js';
import { refuseContentType } from './content-type.js';
import { dedupeKey } from './dedupe.js';
import { parseJsonBody } from './parse.js';
import { checkPayload, MAX_STORED_ERRORS, splitShotgridBatch } from './schema-check.js';

/** One webhook as the HTTP layer hands it over: the exact bytes and the headers, nothing parsed. */
export interface IncomingWebhook {
  source: Source;
  headers: HeaderBag;
  query: URLSearchParams;
  body: Buffer;
  receivedAt: number;
  /** When the sender must have its answer (epoch ms). */
  deadline: number;
}

/** What the sender gets (README → What the sender gets back). Errors are thrown as HookdError instead. */
export interface IngestAnswer {
  status: 200 | 422;
  body: Record<string, unknown>;
  /** New events committed by this request. */
  committed: { ids: string[]; statuses: ('accepted' | 'quarantined')[]; seqs: number[]; at: number };
}

export interface IngestDeps {
  store: Store;
  schemas: SchemaService;
  /** Told of every commit ('committed'): the dispatcher's wake, metrics, the live stream. */
  observer?: IngestObserver;
}

/**
 * The ingest path after the body is read: 415 → 401 → 400 → 422 in the order the README's answers table gives, then one
 * commit. Nothing is stored unless it verified; nothing verified is thrown away.
 */
export function createIngest({ store, schemas, observer }: IngestDeps) {
  // An AbortSignal.timeout() per request costs a live timer and several times the CPU (the bench's
  // "design choices: deadline signal"); requests whose deadlines fall in the same 10 ms share one
  // signal, which fires at most 10 ms before a request's own deadline.
  let shared: { at: number; signal: AbortSignal } | undefined;
  const signalBy = (deadline: number): AbortSignal => {
    const at = deadline - (deadline % 10);
    if (shared?.at !== at) {
      shared = { at, signal: AbortSignal.timeout(Math.max(1, at - Date.now())) };
      setMaxListeners(0, shared.signal); // one listener per registry lookup in flight, however many
    }
    return shared.signal;
  };

  return async function ingest(hook: IncomingWebhook): Promise<IngestAnswer> {
    const { source, headers, body } = hook;
    const contentType = typeof headers['content-type'] === 'string' ? headers['content-type'] : undefined;
    const refused = refuseContentType(contentType);
    if (refused) throw refused;

    const verdict = verify(source.verify, source.credentials, { body, headers, query: hook.query });
    if (!verdict.ok) {
      // A fixed message: the reason goes to logs and metrics, never the expected value.
      throw new HookdError(401, 'unauthorized', 'signature or token missing or invalid', { body: { reason: verdict.reason } });
    }

    const parsed = parseJsonBody(body);
    const items = source.batch === 'shotgrid' ? splitShotgridBatch(parsed) : undefined;
    const isBatch = items !== undefined;
    const each = items ?? [{ payload: parsed, bytes: undefined }];

    const signal = signalBy(hook.deadline);
    const events: NewEvent[] = [];
    for (const item of each) {
      // invalid, malformed and not_found alike are kept as quarantined: nothing verified is thrown away.
      const { schema, errors, outcome } = await checkPayload(schemas, source.schema, item.payload, { signal });
      const valid = outcome === 'valid';
      events.push({
        dedupeKey: dedupeKey(source.dedupe, headers, item.payload, item.bytes ?? body),
        schema,
        status: valid ? 'accepted' : 'quarantined',
        errors: valid ? null : errors.slice(0, MAX_STORED_ERRORS),
        ...(item.bytes ? { payload: exactSize(item.bytes) } : {}),
      });
    }

    const { events: results, committedAt } = await store.append(
      {
        source: source.name,
        receivedAt: hook.receivedAt,
        contentType: contentType ?? null,
        headers: storableHeaders(headers, source.secretHeaders),
        body: exactSize(body),
        events,
      },
      { deadline: hook.deadline },
    );
    releaseSoon(body.length);
    const committed = { ids: [] as string[], statuses: [] as ('accepted' | 'quarantined')[], seqs: [] as number[], at: committedAt };
    for (const r of results) {
      if (r.duplicate) continue;
      committed.ids.push(r.id);
      committed.statuses.push(r.status);
      committed.seqs.push(r.seq);
    }
    // After this answer is on its way: the caller's continuation (writing the 200) runs in this
    // microtask drain, a nextTick only after it.
    if (observer && committed.ids.length) process.nextTick(() => observer.emit('committed', { source: source.name, ...committed }));

    if (isBatch) {
      const list = results.map((r) => ({ id: r.id, status: r.duplicate ? 'duplicate' : r.status }));
      return { status: 200, body: { status: 'accepted', ids: results.map((r) => r.id), items: list }, committed };
    }
    const r = results[0]!;
    if (r.status === 'quarantined') {
      // A resend of the same bytes gets the same 422 with the same id.
      const errors = r.duplicate ? r.errors : events[0]!.errors;
      return { status: 422, body: { status: 'quarantined', id: r.id, errors: errors ?? [] }, committed };
    }
    return { status: 200, body: { id: r.id, status: r.duplicate ? 'duplicate' : 'accepted' }, committed };
  };
}

/**
 * The same bytes in a buffer of their own. The store posts them to its writer thread, which copies
 * a Buffer's whole backing store: a small body is a slice of Node's 8 KiB pool and would cross as
 * 8 KiB (the bench's "design choices: writer hand-off" times both).
 */
function exactSize(bytes: Buffer): Buffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes;
  const copy = new Uint8Array(bytes);
  return Buffer.from(copy.buffer, 0, copy.byteLength);
}

/** README → Storage: drop Authorization, Cookie and the token header; keep signature headers. */
export function storableHeaders(headers: HeaderBag, secret: Set<string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || secret.has(name)) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
