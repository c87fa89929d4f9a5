import { existsSync } from 'node:fs';
import { HookdError } from '../errors.js';
import { HOOKD_VENDOR } from '../senders/kinds.js';
import { embeddedRegistryDir } from '../paths.js';
import { embeddedRepository, httpRepository, type Repository } from './registries.js';
import { readResolverConfig } from './resolver-config.js';
import { Resolver, type ResolverLogger } from './resolver.js';
import { formatIgluUri, parseIgluUri, type SchemaKey } from './uri.js';
import { SchemaValidators, type ValidationIssue } from './validate.js';

export type { ValidationIssue } from './validate.js';
export { MAX_ISSUES, MAX_MESSAGE_CHARS } from './validate.js';
export { parseIgluUri, formatIgluUri, parseSchemaVer, registryPath, type SchemaKey, type SchemaVer } from './uri.js';
export { ResolverConfigError } from './resolver-config.js';

export interface SchemaVerdict {
  /** The schema URI checked against; null when the payload named none usable (bad envelope or URI). */
  schema: string | null;
  /** Empty = valid. */
  errors: ValidationIssue[];
  /**
   * Why: `valid`; `invalid` (fails its schema); `malformed` (not self-describing JSON or a bad
   * Iglu URI — schema is null); `not_found` (no registry has the schema; can be revalidated later).
   */
  outcome: 'valid' | 'invalid' | 'malformed' | 'not_found';
}

export type CheckMode = 'self-describing' | { uri: string };

export interface SchemaService {
  /**
   * mode 'self-describing': payload must be {schema: "iglu:…", data: …}; data is validated against schema.
   * mode {uri}: the whole payload is validated against that schema.
   * Throws a 503 HookdError (code registry_unavailable, Retry-After) when a registry cannot answer
   * and no other has the schema, or when opts.signal fires first.
   */
  check(payload: unknown, mode: CheckMode, opts?: { signal?: AbortSignal }): Promise<SchemaVerdict>;
  /** For `hookd schemas resolve`: which repository answered, and the schema. Throws 400/404/503 HookdErrors. */
  resolve(uri: string, opts?: { signal?: AbortSignal }): Promise<{ repository: string; schema: object }>;
  /** The repositories a schema is looked up in, in order (for `hookd doctor` and `schemas resolve`). */
  repositories(uri: string): Array<{ name: string; kind: 'embedded' | 'http'; location: string }>;
  /** Forget cached lookups, e.g. before `events revalidate`. Compiled validators follow. */
  clearCache(): void;
}

export interface SchemaServiceOptions {
  /** Path to a Snowplow resolver-config JSON file; without one only hookd's embedded registry is used. */
  resolverConfig?: string | undefined;
  logger?: ResolverLogger | undefined;
  /** Connect + read timeout for each HTTP registry request (default 2000 ms). */
  registryTimeoutMs?: number | undefined;
  /** Where hookd's own registry lives (default `<package>/registry`); for tests. */
  embeddedRegistry?: string | undefined;
  /** The clock for cacheTtl and registry back-off (default Date.now); tests move it instead of waiting. */
  now?: (() => number) | undefined;
}

/** Name of hookd's own embedded registry in messages and `schemas resolve` output. */
export const HOOKD_REGISTRY = 'hookd embedded registry';
const DEFAULT_CACHE_SIZE = 500;
const DEFAULT_REGISTRY_TIMEOUT_MS = 2000;

export async function createSchemaService(opts: SchemaServiceOptions = {}): Promise<SchemaService> {
  const config = opts.resolverConfig ? await readResolverConfig(opts.resolverConfig) : undefined;
  const timeoutMs = opts.registryTimeoutMs ?? DEFAULT_REGISTRY_TIMEOUT_MS;
  const repositories: Repository[] = (config?.repositories ?? []).map((r) => {
    const info = { name: r.name, priority: r.priority, vendorPrefixes: r.vendorPrefixes };
    if ('embedded' in r.connection) {
      if (!existsSync(r.connection.embedded.path)) {
        opts.logger?.warn({ repository: r.name, path: r.connection.embedded.path }, 'embedded schema registry directory does not exist');
      }
      return embeddedRepository({ ...info, root: r.connection.embedded.path });
    }
    return httpRepository({ ...info, ...r.connection.http, timeoutMs });
  });
  const fallback = embeddedRepository({
    name: HOOKD_REGISTRY,
    priority: 0,
    vendorPrefixes: [HOOKD_VENDOR],
    root: opts.embeddedRegistry ?? embeddedRegistryDir,
  });
  const resolver = new Resolver({
    repositories,
    fallback,
    cacheSize: config?.cacheSize ?? DEFAULT_CACHE_SIZE,
    cacheTtl: config?.cacheTtl ?? undefined,
    logger: opts.logger,
    ...(opts.now ? { now: opts.now } : {}),
  });
  const validators = new SchemaValidators(opts.logger);

  return {
    async check(payload, mode, { signal } = {}) {
      const target = mode === 'self-describing' ? readEnvelope(payload) : readFixedSchema(payload, mode.uri);
      if (!target.ok) return { schema: null, errors: [target.issue], outcome: 'malformed' };
      const { key, data, schemaPath } = target;
      const uri = formatIgluUri(key);
      const found = await resolver.lookup(key, signal);
      if (!found.found) {
        const message = `schema ${uri} not found in any registry (tried: ${found.tried.join(', ')})`;
        return { schema: uri, errors: [{ path: schemaPath, message }], outcome: 'not_found' };
      }
      const errors = validators.validate(uri, found.schema, data);
      return { schema: uri, errors, outcome: errors.length === 0 ? 'valid' : 'invalid' };
    },

    async resolve(uri, { signal } = {}) {
      const parsed = parseIgluUri(uri);
      if (!parsed.ok) throw new HookdError(400, 'invalid_schema_uri', parsed.error);
      const found = await resolver.lookup(parsed.key, signal);
      if (!found.found) {
        throw new HookdError(404, 'schema_not_found', `schema ${formatIgluUri(parsed.key)} not found in any registry (tried: ${found.tried.join(', ')})`);
      }
      return { repository: found.repository, schema: found.schema };
    },

    repositories(uri) {
      const parsed = parseIgluUri(uri);
      if (!parsed.ok) throw new HookdError(400, 'invalid_schema_uri', parsed.error);
      return resolver.order(parsed.key).map((r) => ({ name: r.name, kind: r.kind, location: r.location }));
    },

    clearCache() {
      resolver.clearCache();
    },
  };
}

type Target = { ok: true; key: SchemaKey; data: unknown; schemaPath: string } | { ok: false; issue: ValidationIssue };

/** Self-describing JSON: `{"schema": "iglu:…", "data": …}`. Errors point at what is wrong. */
function readEnvelope(payload: unknown): Target {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    const got = payload === null ? 'null' : Array.isArray(payload) ? 'an array' : typeof payload;
    return malformed('', `self-describing JSON must be an object {"schema": "iglu:…", "data": …}, got ${got}`);
  }
  const envelope = payload as Record<string, unknown>;
  if (!('schema' in envelope)) {
    return malformed('/schema', `missing 'schema': self-describing JSON must be {"schema": "iglu:vendor/name/format/version", "data": …}`);
  }
  const parsed = parseIgluUri(envelope['schema']);
  if (!parsed.ok) return malformed('/schema', parsed.error);
  if (!('data' in envelope)) return malformed('/data', `missing 'data': self-describing JSON must carry its payload in 'data'`);
  return { ok: true, key: parsed.key, data: envelope['data'], schemaPath: '/schema' };
}

function readFixedSchema(payload: unknown, uri: string): Target {
  const parsed = parseIgluUri(uri);
  if (!parsed.ok) return malformed('', `configured ${parsed.error}`);
  return { ok: true, key: parsed.key, data: payload, schemaPath: '' };
}

function malformed(path: string, message: string): Target {
  return { ok: false, issue: { path, message } };
}
