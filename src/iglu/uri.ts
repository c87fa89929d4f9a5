/**
 * Iglu schema URIs: `iglu:<vendor>/<name>/<format>/<MODEL-REVISION-ADDITION>`.
 * SchemaVer: MODEL ≥ 1, REVISION ≥ 0, ADDITION ≥ 0, decimal, no leading zeros.
 */
export interface SchemaVer {
  model: number;
  revision: number;
  addition: number;
}

export interface SchemaKey {
  vendor: string;
  name: string;
  format: string;
  version: SchemaVer;
}

export type ParsedUri = { ok: true; key: SchemaKey } | { ok: false; error: string };

const VENDOR = /^[a-zA-Z0-9_-]+(?:\.[a-zA-Z0-9_-]+)*$/;
const NAME = /^[a-zA-Z0-9_-]+$/;
const SCHEMAVER_PART = /^(?:0|[1-9][0-9]*)$/;

/** Parses a SchemaVer such as `1-0-2`; the error says which part is wrong. */
export function parseSchemaVer(text: string): { ok: true; version: SchemaVer } | { ok: false; error: string } {
  const parts = text.split('-');
  if (parts.length !== 3) {
    return { ok: false, error: `version '${text}' is not SchemaVer MODEL-REVISION-ADDITION (e.g. 1-0-0)` };
  }
  const labels = ['MODEL', 'REVISION', 'ADDITION'] as const;
  const numbers: number[] = [];
  for (const [i, part] of parts.entries()) {
    if (!SCHEMAVER_PART.test(part)) {
      const why = /^0[0-9]+$/.test(part) ? 'has a leading zero' : 'is not a non-negative integer';
      return { ok: false, error: `version '${text}': ${labels[i]} '${part}' ${why}` };
    }
    numbers.push(Number(part));
  }
  const [model, revision, addition] = numbers as [number, number, number];
  if (model < 1) return { ok: false, error: `version '${text}': MODEL must be at least 1` };
  if (!Number.isSafeInteger(model) || !Number.isSafeInteger(revision) || !Number.isSafeInteger(addition)) {
    return { ok: false, error: `version '${text}' has a part too large to be a number` };
  }
  return { ok: true, version: { model, revision, addition } };
}

/** Parses an Iglu URI; never throws, the error names exactly what is wrong. */
export function parseIgluUri(uri: unknown): ParsedUri {
  if (typeof uri !== 'string') return { ok: false, error: `schema must be a string 'iglu:vendor/name/format/version', got ${describe(uri)}` };
  if (!uri.startsWith('iglu:')) return { ok: false, error: `schema URI '${clip(uri)}' must start with 'iglu:'` };
  const parts = uri.slice('iglu:'.length).split('/');
  if (parts.length !== 4) {
    return { ok: false, error: `schema URI '${clip(uri)}' must have 4 parts vendor/name/format/version, found ${parts.length}` };
  }
  const [vendor, name, format, version] = parts as [string, string, string, string];
  if (!VENDOR.test(vendor)) {
    return { ok: false, error: `schema URI '${clip(uri)}': vendor '${vendor}' must be dot-separated [a-zA-Z0-9_-] segments` };
  }
  if (!NAME.test(name)) return { ok: false, error: `schema URI '${clip(uri)}': name '${name}' may only contain [a-zA-Z0-9_-]` };
  if (!NAME.test(format)) return { ok: false, error: `schema URI '${clip(uri)}': format '${format}' may only contain [a-zA-Z0-9_-]` };
  const ver = parseSchemaVer(version);
  if (!ver.ok) return { ok: false, error: `schema URI '${clip(uri)}': ${ver.error}` };
  return { ok: true, key: { vendor, name, format, version: ver.version } };
}

export function formatSchemaVer(v: SchemaVer): string {
  return `${v.model}-${v.revision}-${v.addition}`;
}

/** `<vendor>/<name>/<format>/<version>`: the path of a schema under a registry's `schemas/`. */
export function registryPath(key: SchemaKey): string {
  return `${key.vendor}/${key.name}/${key.format}/${formatSchemaVer(key.version)}`;
}

export function formatIgluUri(key: SchemaKey): string {
  return `iglu:${registryPath(key)}`;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${clip(JSON.stringify(value) ?? String(value))}`;
}

function clip(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
