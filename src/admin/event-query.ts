import { HookdError } from '../errors.js';
import type { EventQuery } from '../store/types.js';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

/** The filters a person gives, as text: `?source=…` on the admin API, `--source …` on the CLI. */
export interface EventFilterInput {
  source?: string | undefined;
  status?: string | undefined;
  schema?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
  search?: string | undefined;
  /** Events with an outcome for this plugin (with `outcome`: of that status). */
  plugin?: string | undefined;
  /** Events with a plugin outcome of this status: pending, done, failed or skipped. */
  outcome?: string | undefined;
  limit?: string | undefined;
}

const OUTCOMES = ['pending', 'done', 'failed', 'skipped'] as const;

/** Turns filter text into a store query; a bad value is a 400 with the field's name. */
export function eventQueryFrom(input: EventFilterInput, now = Date.now()): EventQuery {
  const q: EventQuery = { limit: DEFAULT_LIMIT };
  if (input.source) q.source = input.source;
  if (input.status) {
    if (input.status !== 'accepted' && input.status !== 'quarantined')
      throw badFilter('status', `'${input.status}' is not a status; use accepted or quarantined`);
    q.status = input.status;
  }
  if (input.schema) q.schema = input.schema;
  if (input.since) q.since = parseTime(input.since, now, 'since');
  if (input.until) q.until = parseTime(input.until, now, 'until');
  if (input.search) q.text = input.search;
  if (input.outcome && !(OUTCOMES as readonly string[]).includes(input.outcome)) {
    throw badFilter('outcome', `'${input.outcome}' is not a plugin outcome; use ${OUTCOMES.join(', ')}`);
  }
  if (input.plugin || input.outcome) {
    q.outcome = {
      ...(input.plugin ? { plugin: input.plugin } : {}),
      ...(input.outcome ? { status: input.outcome as (typeof OUTCOMES)[number] } : {}),
    };
  }
  if (input.limit) {
    const n = Number(input.limit);
    if (!Number.isInteger(n) || n < 1) throw badFilter('limit', `limit takes a whole number from 1 to ${MAX_LIMIT}`);
    q.limit = Math.min(n, MAX_LIMIT);
  }
  return q;
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `2024-05-01`, `2024-05-01T10:00:00Z`, epoch milliseconds, or a time ago: `90s`, `15m`, `2h`, `7d`. */
export function parseTime(value: string, now: number, field: string): number {
  const ago = /^(\d+)([smhd])$/.exec(value.trim());
  if (ago) return now - Number(ago[1]) * UNITS[ago[2]!]!;
  if (/^\d{10,}$/.test(value.trim())) return Number(value);
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw badFilter(field, `'${value}' is not a time; use an ISO date, epoch ms, or an age like 15m, 2h, 7d`);
  return t;
}

/** Opaque to clients: they pass `next` back as `?cursor=`; it only says where the last page ended. */
export function encodeCursor(seq: number): string {
  return Buffer.from(`seq:${seq}`).toString('base64url');
}

export function decodeCursor(cursor: string): number {
  const m = /^seq:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) throw badFilter('cursor', 'cursor is not one this server gave out');
  return Number(m[1]);
}

function badFilter(field: string, message: string): HookdError {
  return new HookdError(400, 'bad_filter', message, { body: { field } });
}
