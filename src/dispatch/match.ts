import { isDeepStrictEqual } from 'node:util';
import { valueAt } from '../value-at.js';
import type { LogLevel, WhereCondition } from './plugin.js';

/** What a matcher looks at; the payload is parsed only if a condition needs it. */
export interface MatchInput {
  source: string;
  schema: string | null;
  payload: () => unknown;
}

/** `needsPayload`: a `where` looks into the payload, so the caller reads it (from the store) before asking. */
export type Matcher = ((event: MatchInput) => boolean) & { readonly needsPayload: boolean };

/** HKube's order of levels (README → Matching); warn and warning are the same. */
export const LEVELS: Record<LogLevel, number> = { trace: 0, silly: 1, debug: 2, info: 3, warn: 4, warning: 4, error: 5, critical: 6 };

export class MatchError extends Error {}

/**
 * Compiles a plugin's `match` once, at load: a plugin declared from a file is checked here (the
 * config's builtins are also checked by the config schema), and a mistake names the bad field.
 */
export function compileMatch(spec: unknown): Matcher {
  if (spec === undefined || spec === null) return Object.assign(() => true, { needsPayload: false });
  if (typeof spec !== 'object' || Array.isArray(spec)) throw new MatchError('match must be an object with source, schema and/or where');
  const m = spec as Record<string, unknown>;
  for (const key of Object.keys(m)) {
    if (!['source', 'schema', 'where'].includes(key)) throw new MatchError(`match has an unknown field '${key}' (use source, schema, where)`);
  }
  const tests: ((e: MatchInput) => boolean)[] = [];
  if (m.source !== undefined) {
    const names = new Set(stringList(m.source, 'match.source'));
    tests.push((e) => names.has(e.source));
  }
  if (m.schema !== undefined) {
    const patterns = stringList(m.schema, 'match.schema').map(schemaPattern);
    tests.push((e) => e.schema !== null && patterns.some((re) => re.test(e.schema!)));
  }
  if (m.where !== undefined) {
    const list = Array.isArray(m.where) ? m.where : [m.where];
    const conditions = list.map((c, i) => compileCondition(c, `match.where[${i}]`));
    tests.push((e) => {
      const payload = e.payload();
      return conditions.every((test) => test(payload));
    });
  }
  return Object.assign((e: MatchInput) => tests.every((test) => test(e)), { needsPayload: m.where !== undefined });
}

function stringList(value: unknown, where: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || !list.every((v) => typeof v === 'string' && v.length > 0)) {
    throw new MatchError(`${where} must be a non-empty string or a list of them`);
  }
  return list as string[];
}

/** `*` matches any run of characters inside one part of the URI (never a `/`); everything else is literal. */
export function schemaPattern(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/]*');
  return new RegExp(`^${body}$`);
}

function compileCondition(c: unknown, where: string): (payload: unknown) => boolean {
  if (!c || typeof c !== 'object' || Array.isArray(c)) throw new MatchError(`${where} must be an object like {path, equals}`);
  const cond = c as Record<string, unknown>;
  if (typeof cond.path !== 'string' || cond.path === '') throw new MatchError(`${where}.path must be a dotted path into the payload`);
  const ops = Object.keys(cond).filter((k) => k !== 'path');
  if (ops.length !== 1 || !['equals', 'in', 'exists', 'atLeast'].includes(ops[0]!)) {
    throw new MatchError(`${where} needs exactly one of equals, in, exists, atLeast`);
  }
  const get = pathGetter(cond.path);
  const w = c as WhereCondition;
  if ('equals' in w) {
    const expected = w.equals;
    return (p) => isDeepStrictEqual(get(p), expected);
  }
  if ('in' in w) {
    if (!Array.isArray(w.in)) throw new MatchError(`${where}.in must be a list`);
    const options = w.in;
    return (p) => {
      const v = get(p);
      return options.some((o) => isDeepStrictEqual(v, o));
    };
  }
  if ('exists' in w) {
    if (typeof w.exists !== 'boolean') throw new MatchError(`${where}.exists must be true or false`);
    const wanted = w.exists;
    return (p) => (get(p) !== undefined) === wanted;
  }
  const floor = typeof w.atLeast === 'string' ? LEVELS[w.atLeast.toLowerCase() as LogLevel] : undefined;
  if (floor === undefined) throw new MatchError(`${where}.atLeast must be one of ${Object.keys(LEVELS).join(', ')}`);
  return (p) => {
    const v = get(p);
    const level = typeof v === 'string' ? LEVELS[v.toLowerCase() as LogLevel] : undefined;
    return level !== undefined && level >= floor;
  };
}

function pathGetter(path: string): (value: unknown) => unknown {
  const keys = path.split('.');
  return (value) => valueAt(value, keys);
}
