// Shared by the dispatch tests: a real receiver in a temp dir, signed webhooks, polling helpers.
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import YAML from 'yaml';
import { loadConfig } from '../../dist/config/load.js';
import { createLogger } from '../../dist/log.js';
import { startHookd } from '../../dist/serve.js';
import { SECRET, jobservBuild, post, repoRoot, signedHeaders, tempDir as helperTempDir } from './hookd.js';
import type { HookdConfig } from '../../dist/config/load.js';
import type { Hookd } from '../../dist/serve.js';
import type { Kind } from '../../dist/senders/kinds.js';
import type { ConfigInput, Posted } from './hookd.js';

export { SECRET, jobservBuild, repoRoot };
export const TOKEN = 'test-token-not-real';
export const cliPath = path.join(repoRoot, 'dist', 'cli', 'main.js');

export function tempDir(prefix = 'hookd-dispatch-'): string {
  return helperTempDir(prefix);
}

/** A config for tests: loopback, ports 0, no rate limit, fast dispatch timings. */
export function testConfig({ plugins = {}, sources }: { plugins?: Record<string, unknown>; sources?: Record<string, unknown> } = {}): ConfigInput {
  return {
    server: { port: 0, host: '127.0.0.1', rateLimit: false },
    admin: { port: 0, token: 'test-admin-token-not-real' },
    storage: { sqlite: { synchronous: 'normal' } },
    plugins: { dir: './plugins', attempts: 3, timeoutMs: 2000, backoffMs: 20, pollMs: 100, ...plugins },
    sources: sources ?? { jobserv: { kind: 'jobserv', secret: SECRET } },
  };
}

/** Writes hookd.yaml (and plugins/) into `dir`; answers the loaded config. */
export function prepare(dir: string, config: ConfigInput, env: Record<string, string> = {}): HookdConfig {
  fs.mkdirSync(path.join(dir, 'plugins'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'hookd.yaml'), YAML.stringify(config));
  return loadConfig({ cwd: dir, env: { HOOKD_DATA_DIR: path.join(dir, 'data'), ...env } });
}

/** Starts hookd in-process; log lines at error and above are kept in `logs`. */
export interface Started {
  hookd: Hookd;
  dir: string;
  config: HookdConfig;
  /** Parsed log lines at error and above. */
  logs: Record<string, unknown>[];
  url: string;
}

export async function startIn(dir: string, config: ConfigInput, { env = {} }: { env?: Record<string, string> } = {}): Promise<Started> {
  const cfg = prepare(dir, config, env);
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      cb();
    },
  });
  const logger = createLogger({ level: 'error', destination });
  const hookd = await startHookd(cfg, { logger, env: { HOOKD_DATA_DIR: path.join(dir, 'data'), ...env }, announce: () => {} });
  return { hookd, dir, config: cfg, logs, url: hookd.ingestUrl };
}

/** Writes a plugin file into dir/plugins (made if need be). */
export function writePlugin(dir: string, file: string, code: string): string {
  const target = path.join(dir, 'plugins', file);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target + '.tmp', code);
  fs.renameSync(target + '.tmp', target); // atomic: the watcher never sees half a file
  return target;
}

/** A plugin that appends `<event id>\n` to a file (its `out`), optionally matching and failing first. */
export function appenderPlugin(
  out: string,
  { name, match, extra = '', before = '' }: { name?: string; match?: unknown; extra?: string; before?: string } = {},
): string {
  return `import fs from 'node:fs';
export default {
  ${name ? `name: ${JSON.stringify(name)},` : ''}
  ${match ? `match: ${JSON.stringify(match)},` : ''}
  ${extra}
  async handle(event, ctx) {
    ${before}
    fs.appendFileSync(${JSON.stringify(out)}, event.id + '\\n');
    return 'ok ' + event.id;
  },
};
`;
}

/** POSTs a signed (or token-carrying) webhook as the source's sender would; answers status, json and ms. */
export interface Sent extends Pick<Posted, 'status' | 'json' | 'text'> {
  ms: number;
}

export async function send(
  url: string,
  source: string,
  kind: Kind,
  body: unknown,
  { secret = kind === 'jobserv' || kind === 'shotgrid' ? SECRET : TOKEN, headers = {} }: { secret?: string; headers?: Record<string, string> } = {},
): Promise<Sent> {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  const started = performance.now();
  const res = await post(`${url}/hooks/${source}`, bytes, { ...signedHeaders(kind, secret, bytes), ...headers });
  return { status: res.status, json: res.json, text: res.text, ms: performance.now() - started };
}

export async function sendBuild(url: string, buildId: number, status = 'PASSED', source = 'jobserv'): Promise<string> {
  const res = await send(url, source, 'jobserv', jobservBuild(buildId, status));
  if (res.status !== 200) throw new Error(`unexpected ${res.status}: ${res.text}`);
  return res.json.id as string;
}

/** Polls until fn() is truthy (answers it) or fails after `timeout` ms with `what`. */
export async function waitFor<T>(fn: () => T | Promise<T>, what: string, { timeout = 20_000, interval = 20 } = {}): Promise<NonNullable<T>> {
  const until = Date.now() + timeout;
  for (;;) {
    const value = await fn();
    if (value) return value as NonNullable<T>;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

export function lines(file: string): string[] {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Resolves once `plugin` has passed over the stored event `eventId` (handed it over or skipped it)
 * and committed its cursor there: what a test awaits before asserting that the plugin did not get
 * something, instead of sleeping and hoping the dispatcher was done by then.
 * `hookd` may be a receiver or just a store and the dispatcher over it (a test that builds its own).
 */
export async function caughtUp(hookd: Pick<Hookd, 'store' | 'dispatcher'>, plugin: string, eventId: string, timeoutMs = 20_000): Promise<void> {
  const event = await hookd.store.getEvent(eventId);
  if (!event) throw new Error(`event ${eventId} is not stored`);
  let onIdle: ((e: { plugin: string; cursor: number }) => void) | undefined;
  const idle = new Promise<void>((resolve) => {
    onIdle = (e) => {
      if (e.plugin === plugin && e.cursor >= event.seq) resolve();
    };
    hookd.dispatcher.on('idle', onIdle);
  });
  try {
    const status = (await hookd.dispatcher.list()).find((p) => p.name === plugin);
    if (!status) throw new Error(`no plugin ${plugin}`);
    if (status.cursor >= event.seq) return;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${plugin} did not get past ${eventId} within ${timeoutMs} ms`)), timeoutMs);
    });
    await Promise.race([idle, late]).finally(() => clearTimeout(timer));
  } finally {
    hookd.dispatcher.off('idle', onIdle!);
  }
}
