import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { registryPath, type SchemaKey } from './uri.js';

/**
 * A place schemas are looked up: a directory laid out like a static registry (`embedded`) or a
 * static HTTP registry. `fetchSchema` answers the schema, null for "not here", or throws a
 * RegistryFailure when it cannot say (unreachable, timeout, 5xx, unreadable file).
 */
export interface Repository {
  readonly name: string;
  readonly priority: number;
  readonly vendorPrefixes: readonly string[];
  readonly kind: 'embedded' | 'http';
  /** Where it reads from, for logs and `hookd doctor` (never includes the apikey). */
  readonly location: string;
  fetchSchema(key: SchemaKey): Promise<object | null>;
}

export class RegistryFailure extends Error {
  constructor(
    readonly repository: string,
    message: string,
    opts?: { cause?: unknown },
  ) {
    super(message, opts);
    this.name = 'RegistryFailure';
  }
}

interface RepositoryInfo {
  name: string;
  priority: number;
  vendorPrefixes: readonly string[];
}

/** `<root>/schemas/<vendor>/<name>/<format>/<version>`, read from disk on each (uncached) lookup. */
export function embeddedRepository(info: RepositoryInfo & { root: string }): Repository {
  const schemasDir = path.resolve(info.root, 'schemas');
  return {
    ...info,
    kind: 'embedded',
    location: schemasDir,
    async fetchSchema(key) {
      const file = path.join(schemasDir, registryPath(key));
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return null;
        throw new RegistryFailure(info.name, `cannot read ${file}: ${(err as Error).message}`, { cause: err });
      }
      return parseSchemaText(info.name, text, file);
    },
  };
}

/**
 * A static HTTP registry: GET `<uri>/schemas/<vendor>/<name>/<format>/<version>`, with an `apikey`
 * header when configured. 404 is "not here"; anything else that is not 200 is a failure. The whole
 * exchange (connect, headers, body) must finish within timeoutMs.
 */
export function httpRepository(info: RepositoryInfo & { uri: string; apikey?: string | null; timeoutMs: number }): Repository {
  const { base, authorization } = splitCredentials(info.uri.replace(/\/+$/, ''));
  const headers: Record<string, string> = { accept: 'application/json' };
  if (info.apikey) headers['apikey'] = info.apikey;
  if (authorization) headers['authorization'] = authorization;
  return {
    name: info.name,
    priority: info.priority,
    vendorPrefixes: info.vendorPrefixes,
    kind: 'http',
    location: base,
    async fetchSchema(key) {
      const schemaPath = `/schemas/${registryPath(key)}`;
      const url = `${base}${schemaPath}`;
      const signal = AbortSignal.timeout(info.timeoutMs);
      try {
        const res = await fetch(url, { headers, signal });
        if (res.status === 404) {
          await res.body?.cancel();
          return null;
        }
        if (res.status !== 200) {
          await res.body?.cancel();
          const hint = res.status === 401 || res.status === 403 ? ' (check the apikey)' : '';
          throw new RegistryFailure(info.name, `GET ${url} answered HTTP ${res.status}${hint}`);
        }
        return parseSchemaText(info.name, await res.text(), url);
      } catch (err) {
        if (err instanceof RegistryFailure) throw err;
        const why = signal.aborted ? `timed out after ${info.timeoutMs} ms` : describeNetworkError(err);
        throw new RegistryFailure(info.name, `GET ${url} failed: ${why}`, { cause: err });
      }
    },
  };
}

/**
 * fetch() refuses URLs with user:password, and they must not reach messages or logs: move them to
 * a Basic authorization header.
 */
function splitCredentials(uri: string): { base: string; authorization?: string } {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return { base: uri };
  }
  if (!url.username && !url.password) return { base: uri };
  const userinfo = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  url.username = '';
  url.password = '';
  return { base: url.toString().replace(/\/+$/, ''), authorization: `Basic ${Buffer.from(userinfo).toString('base64')}` };
}

function parseSchemaText(repository: string, text: string, where: string): object {
  let schema: unknown;
  try {
    schema = JSON.parse(text);
  } catch (err) {
    throw new RegistryFailure(repository, `${where} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) {
    throw new RegistryFailure(repository, `${where} is not a JSON Schema object`);
  }
  return schema;
}

/** fetch() hides the useful part (ECONNREFUSED, ENOTFOUND, …) in `cause`. */
function describeNetworkError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return `${cause.code}${cause.message ? ` ${cause.message}` : ''}`;
  return (err as Error).message ?? String(err);
}
