// A real receiver on loopback with a real SQLite file in a temp dir, for tests.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after } from 'node:test';
import YAML from 'yaml';
import { loadConfig } from '../../dist/config/load.js';
import { createLogger } from '../../dist/log.js';
import { startHookd } from '../../dist/serve.js';
import { sign } from '../../dist/verify/index.js';
import { KINDS } from '../../dist/senders/kinds.js';
import type { Kind } from '../../dist/senders/kinds.js';
import type { HookdConfig } from '../../dist/config/load.js';
import type { Hookd } from '../../dist/serve.js';
import type { StoredEvent } from '../../dist/store/types.js';

export { pythonJsonDumps } from '../fixtures/python-json.mjs';

export const SECRET = 'test-secret-not-real';
export const repoRoot = path.resolve(new URL('../..', import.meta.url).pathname);

const made: string[] = [];

/**
 * A temp dir, removed once the test file's tests are done (`node --test` runs each file in its own
 * process; a root after() hook runs before it is torn down, whatever handles are still open),
 * unless HOOKD_KEEP_TEST_DIRS is set to look at what a failing test left behind.
 */
export function tempDir(prefix = 'hookd-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

after(() => {
  if (process.env.HOOKD_KEEP_TEST_DIRS) return;
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
});

/** hookd.yaml as a test writes it: the user's input, before defaults (HookdConfig is after). */
export type ConfigInput = Record<string, unknown>;

export interface ConfigOverrides {
  server?: Record<string, unknown>;
  admin?: Record<string, unknown>;
  sources?: Record<string, unknown>;
  [section: string]: unknown;
}

/** Default test config: ports 0, no rate limit, one jobserv source with a literal fake secret. */
export function baseConfig(overrides: ConfigOverrides = {}): ConfigInput {
  return {
    server: { port: 0, host: '127.0.0.1', rateLimit: false, ...(overrides.server ?? {}) },
    admin: { port: 0, token: 'test-admin-token-not-real', ...(overrides.admin ?? {}) },
    log: { level: 'debug' },
    sources: overrides.sources ?? { foundries: { kind: 'jobserv', secret: SECRET } },
    ...Object.fromEntries(Object.entries(overrides).filter(([k]) => !['server', 'admin', 'sources'].includes(k))),
  };
}

export interface Receiver {
  hookd: Hookd;
  dir: string;
  config: HookdConfig;
  /** The log lines (NDJSON strings) at debug and above. */
  logs: string[];
  /** The once-only secret banners. */
  announced: string[];
  url: string;
}

/** Writes hookd.yaml into `dir` and starts hookd in-process; logs are captured in `logs`. */
export async function startReceiver(
  config: ConfigInput = baseConfig(),
  { dir = tempDir(), env = {} }: { dir?: string; env?: Record<string, string> } = {},
): Promise<Receiver> {
  fs.writeFileSync(path.join(dir, 'hookd.yaml'), YAML.stringify(config));
  const fullEnv = { HOOKD_DATA_DIR: path.join(dir, 'data'), ...env };
  const cfg = loadConfig({ cwd: dir, env: fullEnv });
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  const logger = createLogger({ level: 'debug', destination });
  const announced: string[] = [];
  const hookd = await startHookd(cfg, { logger, env: fullEnv, announce: (t) => announced.push(t) });
  return { hookd, dir, config: cfg, logs: lines, announced, url: hookd.ingestUrl };
}

/** The stored event with this id; fails the test if there is none. */
export async function storedEvent(r: Pick<Receiver, 'hookd'>, id: string): Promise<StoredEvent> {
  const event = await r.hookd.store.getEvent(id);
  if (!event) throw new Error(`event ${id} is not stored`);
  return event;
}

export function signedHeaders(kind: Kind, secret: string, body: string | Buffer, extra: Record<string, string> = {}): Record<string, string> {
  const rule = KINDS[kind].verify;
  if (!rule) throw new Error(`kind ${kind} has no fixed rule: sign with the source's own verify`);
  return { 'content-type': KINDS[kind].contentType, ...sign(rule, secret, Buffer.from(body)), ...extra };
}

export interface Posted {
  status: number;
  headers: Headers;
  /** The body parsed as JSON (undefined if it is not JSON); tests narrow it to what they expect. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a test reads the fields it asserts
  json: any;
  text: string;
}

/** POST raw bytes; answers {status, headers, json, text}. */
export async function post(url: string, body: string | Buffer | Uint8Array, headers: Record<string, string> = {}): Promise<Posted> {
  const res = await fetch(url, { method: 'POST', body, headers });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

export function jobservBuild(buildId = 67, status = 'PASSED'): Record<string, unknown> {
  return {
    build_id: buildId,
    url: `https://api.foundries.io/projects/andy-corp/lmp/builds/${buildId}/`,
    status,
    runs: [
      {
        name: 'build-amd64-partner',
        url: `https://api.foundries.io/projects/andy-corp/lmp/builds/${buildId}/runs/build-amd64-partner/`,
        status,
        log_url: `https://api.foundries.io/projects/andy-corp/lmp/builds/${buildId}/runs/build-amd64-partner/console.log`,
        web_url: `https://ci.foundries.io/projects/andy-corp/lmp/builds/${buildId}/build-amd64-partner/`,
        created: '2021-07-26T18:10:37+00:00',
        completed: '2021-07-26T18:11:42+00:00',
        host_tag: 'amd64-partner',
      },
    ],
    web_url: `https://ci.foundries.io/projects/andy-corp/lmp/builds/${buildId}`,
    trigger_name: 'containers-devel',
    created: '2021-07-26T18:10:33+00:00',
    completed: '2021-07-26T18:19:24+00:00',
  };
}

/** The senders' signature test vectors (a copy of the shared vectors, kept in the repo so CI needs nothing beside it). */
/** One signed delivery as its sender computed it. */
export interface Vector {
  scheme: Kind;
  secret: string;
  body: string;
  headers: Record<string, string>;
  /** Unix seconds the vector's timestamp is valid at (Standard Webhooks). */
  now?: number;
}

export function readVectors(): Vector[] {
  return JSON.parse(fs.readFileSync(path.join(repoRoot, 'test', 'fixtures', 'vectors', 'signatures.json'), 'utf8')) as Vector[];
}
