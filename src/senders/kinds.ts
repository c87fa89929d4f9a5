import type { VerifyRule } from '../verify/types.js';

/**
 * Sender presets. A sender is a row here, not a class: how it is verified, how its events are
 * identified (dedupe), which Iglu schema applies, and what the sender-side set-up looks like.
 * README → Senders documents every row.
 */
export const KIND_NAMES = ['jobserv', 'iglu', 'shotgrid', 'hkube', 'aurora', 'github', 'standard', 'hmac'] as const;
/** One name for the list the config schema's `kind` enum, the presets below and the CLI all use. */
export type Kind = (typeof KIND_NAMES)[number];

/** How the dedupe key of one event is found: a header, a payload field, or the sha256 of the body. */
export type DedupeRule =
  | { by: 'body-sha256' }
  | { by: 'header'; header: string }
  /** A dotted path into the (per-delivery) payload, e.g. `data.delivery_id`. */
  | { by: 'field'; path: string };

/** Which schema a payload is checked against. */
export type SchemaRule =
  | { by: 'none' }
  | { by: 'fixed'; uri: string }
  /** Self-describing JSON: the payload's own `schema` field. */
  | { by: 'self-describing' }
  /** HKube: progress events carry a `level`, result events do not. */
  | { by: 'hkube' };

export interface KindPreset {
  /** null: the source's config must say how (hmac kind). */
  verify: VerifyRule | null;
  /** Tried in order; the first that yields a value wins. body-sha256 always yields. */
  dedupe: DedupeRule[];
  schema: SchemaRule;
  /** Default body limit in bytes (shotgrid fits a full batch of 50 × 1 MB: README → Senders). */
  bodyLimit?: number;
  /** The Content-Type the real sender uses (for `hookd send`). */
  contentType: string;
  /** ShotGrid may batch deliveries in `data.deliveries[]`; each becomes its own event. */
  batch?: 'shotgrid';
}

export const HOOKD_VENDOR = 'dev.hookd';
export const SCHEMAS = {
  jobservBuild: `iglu:${HOOKD_VENDOR}.jobserv/build_complete/jsonschema/1-0-0`,
  shotgridDelivery: `iglu:${HOOKD_VENDOR}.shotgrid/event_delivery/jsonschema/1-0-0`,
  hkubeProgress: `iglu:${HOOKD_VENDOR}.hkube/progress/jsonschema/1-0-0`,
  hkubeResult: `iglu:${HOOKD_VENDOR}.hkube/result/jsonschema/1-0-0`,
  auroraTaskState: `iglu:${HOOKD_VENDOR}.aurora/task_state_change/jsonschema/1-0-0`,
} as const;

const TOKEN: VerifyRule = { type: 'token', header: 'x-hookd-token' };
const BODY: DedupeRule = { by: 'body-sha256' };

export const KINDS: Record<Kind, KindPreset> = {
  jobserv: {
    verify: { type: 'hmac', header: 'x-jobserv-sig', algorithm: 'sha256', encoding: 'hex', prefix: 'sha256:' },
    dedupe: [BODY],
    schema: { by: 'fixed', uri: SCHEMAS.jobservBuild },
    contentType: 'application/json',
  },
  iglu: { verify: TOKEN, dedupe: [BODY], schema: { by: 'self-describing' }, contentType: 'application/json; charset=utf-8' },
  shotgrid: {
    verify: { type: 'hmac', header: 'x-sg-signature', algorithm: 'sha1', encoding: 'hex', prefix: 'sha1=' },
    dedupe: [{ by: 'field', path: 'data.delivery_id' }, { by: 'header', header: 'x-sg-delivery-id' }, BODY],
    schema: { by: 'fixed', uri: SCHEMAS.shotgridDelivery },
    bodyLimit: 51 * 1024 * 1024,
    contentType: 'application/json',
    batch: 'shotgrid',
  },
  hkube: { verify: TOKEN, dedupe: [BODY], schema: { by: 'hkube' }, contentType: 'application/json' },
  aurora: {
    verify: TOKEN,
    dedupe: [BODY],
    schema: { by: 'fixed', uri: SCHEMAS.auroraTaskState },
    contentType: 'application/vnd.kafka.json.v1+json',
  },
  github: {
    verify: { type: 'hmac', header: 'x-hub-signature-256', algorithm: 'sha256', encoding: 'hex', prefix: 'sha256=' },
    dedupe: [{ by: 'header', header: 'x-github-delivery' }, BODY],
    schema: { by: 'none' },
    contentType: 'application/json',
  },
  standard: {
    verify: { type: 'standard', toleranceSeconds: 300 },
    dedupe: [{ by: 'header', header: 'webhook-id' }, { by: 'header', header: 'svix-id' }, BODY],
    schema: { by: 'none' },
    contentType: 'application/json',
  },
  hmac: { verify: null, dedupe: [BODY], schema: { by: 'none' }, contentType: 'application/json' },
};
