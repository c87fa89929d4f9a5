import { HookdError } from '../errors.js';
import type { SourceConfig } from '../config/load.js';
import type { CheckMode, SchemaService, SchemaVerdict } from '../iglu/index.js';
import { KINDS, SCHEMAS, type SchemaRule } from '../senders/kinds.js';

/**
 * Which schema a payload is checked against and what the check says: the one place ingest,
 * `hookd schemas check` and `hookd events revalidate` decide it, so the three never disagree.
 */

/** Validation errors kept on a quarantined event and sent in its 422 (capped: README → What the sender gets back). */
export const MAX_STORED_ERRORS = 20;

/** A source's rule as configured: its `schema:` setting, else its kind's preset (README → Senders). */
export function schemaRuleOf(source: Pick<SourceConfig, 'kind' | 'schema'>): SchemaRule {
  return source.schema ? { by: 'fixed', uri: source.schema } : KINDS[source.kind].schema;
}

/** How `payload` is checked under `rule`; null when the source checks no schema. */
export function checkModeFor(rule: SchemaRule, payload: unknown): CheckMode | null {
  switch (rule.by) {
    case 'none':
      return null;
    case 'self-describing':
      return 'self-describing';
    case 'fixed':
      return { uri: rule.uri };
    case 'hkube': {
      // Progress events carry a verbosity level; result events do not.
      const isProgress = payload !== null && typeof payload === 'object' && 'level' in payload;
      return { uri: isProgress ? SCHEMAS.hkubeProgress : SCHEMAS.hkubeResult };
    }
  }
}

/**
 * The verdict for one payload (one delivery of a batch). A source without a schema passes with
 * schema null. Registry outages throw the SchemaService's 503 HookdError.
 */
export async function checkPayload(schemas: SchemaService, rule: SchemaRule, payload: unknown, opts: { signal?: AbortSignal } = {}): Promise<SchemaVerdict> {
  const mode = checkModeFor(rule, payload);
  if (mode === null) return { schema: null, errors: [], outcome: 'valid' };
  return schemas.check(payload, mode, opts);
}

/**
 * ShotGrid batches (README → Senders): `{"timestamp", "data": {"deliveries": [...]}}` becomes one event per delivery, each
 * shaped as a single delivery `{"data": <delivery>, "timestamp": <batch timestamp>}`.
 * undefined when the payload is not a batch (a single delivery is checked as it is).
 */
export function splitShotgridBatch(parsed: unknown): { payload: unknown; bytes: Buffer }[] | undefined {
  const deliveries = (parsed as { data?: { deliveries?: unknown } } | null)?.data?.deliveries;
  if (!Array.isArray(deliveries)) return undefined;
  if (deliveries.length === 0) throw new HookdError(400, 'empty_batch', 'data.deliveries is empty');
  const timestamp = (parsed as { timestamp?: unknown }).timestamp;
  return deliveries.map((data) => {
    const payload = { data, timestamp };
    return { payload, bytes: Buffer.from(JSON.stringify(payload)) };
  });
}
