import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseIgluUri } from './uri.js';

/**
 * A Snowplow resolver config, read as-is:
 * `{"schema": "iglu:com.snowplowanalytics.iglu/resolver-config/jsonschema/1-0-x", "data": {…}}`.
 * hookd reads 1-0-0 to 1-0-3 (apikey arrived in 1-0-1, cacheTtl in 1-0-2, nulls in 1-0-3) and
 * accepts the 1-0-3 shape under any of them.
 */
export interface ResolverConfig {
  cacheSize: number;
  /** Seconds; null or absent = never expire. */
  cacheTtl: number | null;
  repositories: RepositoryConfig[];
}

export interface RepositoryConfig {
  name: string;
  priority: number;
  vendorPrefixes: string[];
  /** embedded.path is resolved against the config file's directory. */
  connection: { embedded: { path: string } } | { http: { uri: string; apikey: string | null } };
}

export class ResolverConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResolverConfigError';
  }
}

const VENDOR = 'com.snowplowanalytics.iglu';
const MAX_ADDITION = 3;

/** Reads and checks a resolver config file; embedded paths come back absolute. */
export async function readResolverConfig(file: string): Promise<ResolverConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ResolverConfigError(`resolver config ${file}: cannot read it: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ResolverConfigError(`resolver config ${file}: not valid JSON: ${(err as Error).message}`);
  }
  return parseResolverConfig(json, { source: file, baseDir: path.dirname(path.resolve(file)) });
}

export function parseResolverConfig(json: unknown, opts: { source: string; baseDir: string }): ResolverConfig {
  const fail = (field: string, what: string): never => {
    throw new ResolverConfigError(`resolver config ${opts.source}: ${field} ${what}`);
  };
  const root = object(json, 'the file', fail);
  const parsed = parseIgluUri(root['schema']);
  if (!parsed.ok) fail('schema', `is not an Iglu URI (${parsed.error})`);
  else {
    const { vendor, name, format, version } = parsed.key;
    if (vendor !== VENDOR || name !== 'resolver-config' || format !== 'jsonschema') {
      fail('schema', `must be iglu:${VENDOR}/resolver-config/jsonschema/1-0-x, got ${String(root['schema'])}`);
    }
    if (version.model !== 1 || version.revision !== 0 || version.addition > MAX_ADDITION) {
      fail('schema', `version ${String(root['schema']).split('/').pop()} is not supported (hookd reads 1-0-0 to 1-0-${MAX_ADDITION})`);
    }
  }
  const data = object(root['data'], 'data', fail);
  onlyKeys(data, 'data', ['cacheSize', 'cacheTtl', 'repositories'], fail);

  const cacheSize = data['cacheSize'];
  if (typeof cacheSize !== 'number' || !Number.isFinite(cacheSize) || cacheSize < 0) {
    fail('data.cacheSize', `must be a number ≥ 0, got ${show(cacheSize)}`);
  }
  const cacheTtl = data['cacheTtl'] ?? null;
  if (cacheTtl !== null && (typeof cacheTtl !== 'number' || !Number.isInteger(cacheTtl) || cacheTtl < 0)) {
    fail('data.cacheTtl', `must be an integer number of seconds ≥ 0 or null, got ${show(cacheTtl)}`);
  }
  if (!Array.isArray(data['repositories'])) fail('data.repositories', `must be an array, got ${show(data['repositories'])}`);
  const repositories = (data['repositories'] as unknown[]).map((item, i) => repository(item, `data.repositories[${i}]`));

  return { cacheSize: cacheSize as number, cacheTtl: cacheTtl as number | null, repositories };

  function repository(item: unknown, at: string): RepositoryConfig {
    const repo = object(item, at, fail);
    onlyKeys(repo, at, ['name', 'priority', 'vendorPrefixes', 'connection'], fail);
    const { name, priority, vendorPrefixes, connection } = repo;
    if (typeof name !== 'string' || name === '') fail(`${at}.name`, `must be a non-empty string, got ${show(name)}`);
    if (typeof priority !== 'number' || !Number.isFinite(priority)) fail(`${at}.priority`, `must be a number, got ${show(priority)}`);
    if (!Array.isArray(vendorPrefixes) || vendorPrefixes.some((p) => typeof p !== 'string')) {
      fail(`${at}.vendorPrefixes`, `must be an array of strings, got ${show(vendorPrefixes)}`);
    }
    const conn = object(connection, `${at}.connection`, fail);
    const kinds = Object.keys(conn);
    if (kinds.length !== 1 || (kinds[0] !== 'embedded' && kinds[0] !== 'http')) {
      fail(`${at}.connection`, `must have exactly one of 'embedded' or 'http', got ${show(kinds)}`);
    }
    const base = { name: name as string, priority: priority as number, vendorPrefixes: vendorPrefixes as string[] };
    if (kinds[0] === 'embedded') {
      const embedded = object(conn['embedded'], `${at}.connection.embedded`, fail);
      onlyKeys(embedded, `${at}.connection.embedded`, ['path'], fail);
      if (typeof embedded['path'] !== 'string' || embedded['path'] === '') {
        fail(`${at}.connection.embedded.path`, `must be a non-empty string, got ${show(embedded['path'])}`);
      }
      return { ...base, connection: { embedded: { path: path.resolve(opts.baseDir, embedded['path'] as string) } } };
    }
    const http = object(conn['http'], `${at}.connection.http`, fail);
    onlyKeys(http, `${at}.connection.http`, ['uri', 'apikey'], fail);
    const uri = http['uri'];
    if (typeof uri !== 'string' || !isHttpUrl(uri)) fail(`${at}.connection.http.uri`, `must be an http(s) URL, got ${show(uri)}`);
    const apikey = http['apikey'] ?? null;
    if (apikey !== null && typeof apikey !== 'string') fail(`${at}.connection.http.apikey`, `must be a string or null, got ${show(apikey)}`);
    return { ...base, connection: { http: { uri: uri as string, apikey: apikey as string | null } } };
  }
}

function object(value: unknown, at: string, fail: (field: string, what: string) => never): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return fail(at, `must be an object, got ${show(value)}`);
  return value as Record<string, unknown>;
}

function onlyKeys(obj: Record<string, unknown>, at: string, allowed: string[], fail: (field: string, what: string) => never): void {
  const extra = Object.keys(obj).filter((k) => !allowed.includes(k));
  if (extra.length > 0) fail(at, `has unknown field${extra.length > 1 ? 's' : ''} ${extra.map((k) => `'${k}'`).join(', ')} (allowed: ${allowed.join(', ')})`);
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
