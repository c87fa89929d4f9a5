import { HookdError } from '../errors.js';
import type { SchemaService, SchemaVerdict, ValidationIssue } from '../iglu/index.js';
import type { EventStatus, Store, StoredEvent } from '../store/types.js';
import type { SchemaRule } from '../senders/kinds.js';
import { parseJsonBody } from './parse.js';
import { checkPayload, MAX_STORED_ERRORS } from './schema-check.js';

/**
 * `hookd events revalidate` (README → Schemas, Commands): quarantined events are checked again against the schemas as they
 * are now (a fixed schema, a user registry added ahead of the embedded one); those that pass become
 * `accepted` and are queued for the plugins, those that still fail get their current errors.
 */

export interface RevalidateFilter {
  source?: string | undefined;
  /** The stored schema URI, exact or with `*` (e.g. `iglu:com.snowplowanalytics.factotum/*`). */
  schema?: string | undefined;
}

export interface RevalidateDeps {
  store: Store;
  /** A fresh service (or one whose cache was cleared), so changed registries are seen. */
  schemas: SchemaService;
  /** Each configured source's schema rule now; an event of a source no longer configured is left alone. */
  ruleFor(source: string): SchemaRule | undefined;
}

export interface RevalidatedEvent {
  id: string;
  source: string;
  receivedAt: number;
  /** The schema URI stored before this run. */
  previousSchema: string | null;
  schema: string | null;
  /** `released`: now accepted and queued for the plugins; `unchecked`: left as it was (see reason). */
  result: 'released' | 'quarantined' | 'unchecked';
  outcome: SchemaVerdict['outcome'] | null;
  errors: ValidationIssue[];
  /** Why an event was left unchecked: a stable code and a sentence. */
  reason?: { code: 'source_not_configured' | 'registry_unavailable' | string; message: string };
}

export interface RevalidateSummary {
  checked: number;
  released: number;
  stillQuarantined: number;
  /** Not checked: the source is no longer configured, or a registry could not answer. */
  unchecked: number;
  /** True when some event could not be checked because a registry failed (run again later). */
  registryFailed: boolean;
  /** (event, plugin) pairs queued for delivery. */
  queued: number;
}

const PAGE = 200;

export async function revalidateQuarantined(
  { store, schemas, ruleFor }: RevalidateDeps,
  filter: RevalidateFilter,
  opts: { onEvent?: (e: RevalidatedEvent) => void; signal?: AbortSignal } = {},
): Promise<RevalidateSummary> {
  schemas.clearCache();
  const summary: RevalidateSummary = { checked: 0, released: 0, stillQuarantined: 0, unchecked: 0, registryFailed: false, queued: 0 };
  let afterSeq = 0;
  for (;;) {
    const page = await store.listEvents({
      status: 'quarantined',
      ...(filter.source !== undefined ? { source: filter.source } : {}),
      ...(filter.schema !== undefined ? { schema: filter.schema } : {}),
      afterSeq,
      order: 'oldest',
      limit: PAGE,
    });
    if (page.length === 0) break;
    afterSeq = page.at(-1)!.seq;

    const results: RevalidatedEvent[] = [];
    for (const event of page) results.push(await recheck(event, schemas, ruleFor(event.source), opts.signal));

    // One transaction per page, holding the new statuses and the redeliveries of those released.
    const updates = results
      .filter((r) => r.result !== 'unchecked')
      .map((r) => ({
        id: r.id,
        status: (r.result === 'released' ? 'accepted' : 'quarantined') as EventStatus,
        schema: r.schema,
        errors: r.result === 'released' ? null : r.errors,
      }));
    if (updates.length) summary.queued += (await store.updateValidation(updates)).queued;

    for (const r of results) {
      if (r.result === 'unchecked') summary.unchecked++;
      else {
        summary.checked++;
        if (r.result === 'released') summary.released++;
        else summary.stillQuarantined++;
      }
      if (r.reason?.code === 'registry_unavailable') summary.registryFailed = true;
      opts.onEvent?.(r);
    }
    if (page.length < PAGE) break;
  }
  return summary;
}

async function recheck(event: StoredEvent, schemas: SchemaService, rule: SchemaRule | undefined, signal: AbortSignal | undefined): Promise<RevalidatedEvent> {
  const base = { id: event.id, source: event.source, receivedAt: event.receivedAt, previousSchema: event.schema };
  const unchecked = (code: string, message: string): RevalidatedEvent => ({
    ...base,
    schema: event.schema,
    result: 'unchecked',
    outcome: null,
    errors: event.errors ?? [],
    reason: { code, message },
  });
  if (!rule) return unchecked('source_not_configured', `source '${event.source}' is no longer configured`);
  let verdict: SchemaVerdict;
  try {
    // Stored bytes passed parsing at ingest; this is the same reading, for the same payload.
    verdict = await checkPayload(schemas, rule, parseJsonBody(event.payload), signal ? { signal } : {});
  } catch (err) {
    if (!(err instanceof HookdError)) throw err;
    return unchecked(err.code, err.message);
  }
  const valid = verdict.outcome === 'valid';
  return {
    ...base,
    schema: verdict.schema,
    result: valid ? 'released' : 'quarantined',
    outcome: verdict.outcome,
    errors: valid ? [] : verdict.errors.slice(0, MAX_STORED_ERRORS),
  };
}
