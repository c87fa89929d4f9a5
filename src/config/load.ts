import fs from 'node:fs';
import path from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import bytes from 'bytes';
import YAML from 'yaml';
import { configSchema } from './schema.js';
import { DEFAULTS, DEFAULT_SOURCES } from './defaults.js';
import type { HookdConfig } from './types.js';

export type { HookdConfig, SourceConfig, SecretRef, SecretSpec } from './types.js';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid config:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadOptions {
  /** --config FILE; otherwise HOOKD_CONFIG, then ./hookd.yaml, ./hookd.yml, ./hookd.json. */
  configFile?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

const validateConfig = new Ajv({ allErrors: true, allowUnionTypes: true }).compile(configSchema);

/** Short env names (README → Configuration), beside the generic HOOKD_<SECTION>_<KEY>. */
const SHORT_ENV: Record<string, string[]> = {
  PORT: ['server', 'port'],
  HOOKD_ADMIN_PORT: ['admin', 'port'],
  HOOKD_ADMIN_TOKEN: ['admin', 'token'],
  HOOKD_DATABASE_URL: ['storage', 'postgres', 'url'],
};

/** `storage.postgres` beyond its url, when it is chosen. */
export const POSTGRES_DEFAULTS = { poolSize: 10, leaseMs: 3000, schema: null };

export function loadConfig(opts: LoadOptions = {}): HookdConfig {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const file = findConfigFile(opts.configFile ?? env.HOOKD_CONFIG, cwd);
  const fromFile = file ? readConfigFile(file) : {};
  const baseDir = file ? path.dirname(file) : cwd;

  const merged = deepMerge(structuredClone(DEFAULTS) as Record<string, unknown>, fromFile);
  if (!('sources' in fromFile)) merged.sources = structuredClone(DEFAULT_SOURCES);
  const envProblems = applyEnv(merged, env);

  if (!validateConfig(merged)) {
    throw new ConfigError([...envProblems, ...describeErrors(validateConfig.errors ?? [])]);
  }
  if (envProblems.length) throw new ConfigError(envProblems);
  const raw = merged as unknown as Omit<HookdConfig, 'file' | 'baseDir' | 'dataDir'> & { server: { bodyLimit: string | number } };

  // HOOKD_DATA_DIR is relative to where hookd runs; paths in the file are relative to the file.
  const dataDir = path.resolve(cwd, env.HOOKD_DATA_DIR ?? 'data');
  const inFile = (p: string) => path.resolve(baseDir, p);
  return {
    ...raw,
    file,
    baseDir,
    dataDir,
    server: { ...raw.server, bodyLimit: parseSize(raw.server.bodyLimit) },
    storage: {
      sqlite: {
        synchronous: raw.storage.sqlite.synchronous,
        path: raw.storage.sqlite.path ? inFile(raw.storage.sqlite.path) : path.join(dataDir, 'hookd.db'),
      },
      ...(raw.storage.postgres ? { postgres: { ...POSTGRES_DEFAULTS, ...raw.storage.postgres } } : {}),
    },
    iglu: raw.iglu.resolver ? { resolver: inFile(raw.iglu.resolver) } : {},
    plugins: { ...raw.plugins, dir: inFile(raw.plugins.dir) },
  };
}

/** `1mb` = 1 MiB, as the bytes package (and Express) read it. */
export function parseSize(value: string | number): number {
  if (typeof value === 'number') return value;
  const parsed = bytes.parse(value);
  if (parsed === null || !Number.isFinite(parsed) || parsed <= 0) throw new ConfigError([`bad size: ${value}`]);
  return Math.floor(parsed);
}

function findConfigFile(explicit: string | undefined, cwd: string): string | null {
  if (explicit) {
    const file = path.resolve(cwd, explicit);
    if (!fs.existsSync(file)) throw new ConfigError([`config file not found: ${file}`]);
    return file;
  }
  for (const name of ['hookd.yaml', 'hookd.yml', 'hookd.json']) {
    const file = path.join(cwd, name);
    if (fs.existsSync(file)) return file;
  }
  return null;
}

function readConfigFile(file: string): Record<string, unknown> {
  const text = fs.readFileSync(file, 'utf8');
  let parsed: unknown;
  try {
    parsed = file.endsWith('.json') ? JSON.parse(text) : YAML.parse(text);
  } catch (err) {
    throw new ConfigError([`${file}: not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`]);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError([`${file}: the top level must be a mapping`]);
  return parsed as Record<string, unknown>;
}

/**
 * Environment beats file. Every leaf of DEFAULTS (plus iglu.resolver, storage.sqlite.path,
 * admin.token) has HOOKD_<SECTION>_<KEY> with camelCase keys in SNAKE_CASE; HOOKD_SOURCES takes
 * the whole sources map as JSON or YAML. Values are read as YAML scalars, so `9000` is a number,
 * `false` a boolean and `loopback` a string; the schema check then names any bad one.
 */
function applyEnv(config: Record<string, unknown>, env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  const set = (keys: string[], text: string) => {
    let value: unknown;
    try {
      value = YAML.parse(text);
    } catch {
      value = text;
    }
    // Secrets and paths stay strings even when they look like numbers.
    if (['token', 'path', 'resolver', 'dir', 'host', 'url', 'schema'].includes(keys.at(-1)!)) value = text;
    let node = config;
    for (const key of keys.slice(0, -1)) {
      if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    node[keys.at(-1)!] = value;
  };
  for (const keys of envKeys()) {
    const name = envName(keys);
    const text = env[name];
    if (text !== undefined && text !== '') set(keys, text);
  }
  for (const [name, keys] of Object.entries(SHORT_ENV)) {
    const text = env[name];
    if (text !== undefined && text !== '') set(keys, text);
  }
  if (env.HOOKD_SOURCES) {
    try {
      config.sources = YAML.parse(env.HOOKD_SOURCES);
    } catch (err) {
      problems.push(`HOOKD_SOURCES: not valid JSON or YAML: ${(err as Error).message}`);
    }
  }
  return problems;
}

/** The setting paths that have an env override, for load and for `hookd doctor` / the README. */
export function envKeys(): string[][] {
  const keys: string[][] = [];
  const walk = (node: Record<string, unknown>, prefix: string[]) => {
    for (const [key, value] of Object.entries(node)) {
      if (value && typeof value === 'object' && !Array.isArray(value) && key !== 'rateLimit') walk(value as Record<string, unknown>, [...prefix, key]);
      else keys.push([...prefix, key]);
    }
  };
  walk(DEFAULTS as unknown as Record<string, unknown>, []);
  keys.push(['storage', 'sqlite', 'path'], ['iglu', 'resolver'], ['admin', 'token']);
  for (const key of ['url', 'poolSize', 'leaseMs', 'schema']) keys.push(['storage', 'postgres', key]);
  return keys;
}

export function envName(keys: string[]): string {
  return 'HOOKD_' + keys.map((k) => k.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_');
}

function describeErrors(errors: ErrorObject[]): string[] {
  // oneOf failures repeat every branch's complaint; keep the most specific line per path.
  const seen = new Map<string, string>();
  for (const e of errors) {
    const where = e.instancePath || '/';
    let what = e.message ?? 'is invalid';
    if (e.keyword === 'additionalProperties') what = `has unknown field '${(e.params as { additionalProperty: string }).additionalProperty}'`;
    else if (e.keyword === 'enum') what = `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map(String).join(', ')}`;
    else if (e.keyword === 'required') what = `is missing required field '${(e.params as { missingProperty: string }).missingProperty}'`;
    else if (e.keyword === 'propertyNames') what = 'has a source name that is not [A-Za-z0-9_.-] (max 64)';
    if (e.keyword === 'oneOf' && seen.has(where)) continue;
    if (!seen.has(where) || e.keyword !== 'oneOf') seen.set(where, what);
  }
  return [...seen].map(([where, what]) => `${where}: ${what}`);
}

function deepMerge(target: Record<string, unknown>, source: Record<string, unknown>): Record<string, unknown> {
  for (const [key, value] of Object.entries(source)) {
    const current = target[key];
    if (value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object' && !Array.isArray(current) && key !== 'sources') {
      deepMerge(current as Record<string, unknown>, value as Record<string, unknown>);
    } else {
      target[key] = value;
    }
  }
  return target;
}
