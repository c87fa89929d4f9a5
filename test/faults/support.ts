// Shared by the fault tests: a hookd child process on a temp data dir (from bench/lib), signed
// JobServ bodies, raw-socket requests for what fetch cannot express, and direct reads of the
// SQLite file. Not a test file itself (the fault tests are test/faults/*.fault.ts).
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import http from 'node:http';
import Database from 'better-sqlite3';
import { SECRET, pythonJsonDumps, jobservBuild, signature, SIG_HEADER } from '../../bench/lib/jobserv.mjs';
import { hookdConfig, repoRoot, startHookd, rssMb, watchRss } from '../../bench/lib/receiver.mjs';
import type { Child, HookdJson, RssWatch, StartHookdOptions } from '../../bench/lib/receiver.mjs';
// Removed once the fault test is done, unless HOOKD_KEEP_TEST_DIRS is set (as for every test).
import { tempDir } from '../helpers/hookd.js';

export { SECRET, pythonJsonDumps, jobservBuild, signature, SIG_HEADER, hookdConfig, repoRoot, startHookd, tempDir, rssMb, watchRss };
export type { Child, RssWatch };

export const PLUGIN_FILE = path.join(repoRoot, 'bench', 'plugins', 'bench-recorder.mjs');

/** Where a fault test's receiver lives: its dir (hookd.json, log), data dir and the plugin's record. */
export interface Setup {
  dir: string;
  config: HookdJson;
  dataDir: string;
  pluginLog: string;
}

export interface ReceiverDirOptions {
  prefix?: string;
  server?: Record<string, unknown>;
  plugin?: boolean;
  storage?: Record<string, unknown>;
  dataDir?: string;
}

/** A dir with hookd.json, a plugins dir holding the recording plugin, and where its record goes. */
export function receiverDir({ prefix = 'hookd-fault-', server = {}, plugin = false, storage, dataDir }: ReceiverDirOptions = {}): Setup {
  const dir = tempDir(prefix);
  let plugins: Record<string, unknown> | undefined;
  if (plugin) {
    fs.mkdirSync(path.join(dir, 'plugins'));
    fs.copyFileSync(PLUGIN_FILE, path.join(dir, 'plugins', 'bench-recorder.mjs'));
    plugins = { dir: './plugins' };
  }
  const config = hookdConfig({ secret: SECRET, server, plugins, storage, log: { level: 'info' } });
  return { dir, config, dataDir: dataDir ?? path.join(dir, 'data'), pluginLog: path.join(dir, 'plugin-starts.log') };
}

/** Starts hookd for a receiverDir(); the plugin (if any) writes its record to setup.pluginLog. */
export function start(setup: Setup, extra: Partial<StartHookdOptions> = {}): Promise<Child> {
  return startHookd({
    dir: setup.dir,
    config: setup.config,
    dataDir: setup.dataDir,
    env: { BENCH_PLUGIN_LOG: setup.pluginLog, ...(extra.env ?? {}) },
    ...extra,
  });
}

/** A webhook's exact bytes and the headers to send them with. */
export interface Signed {
  body: Buffer;
  headers: Record<string, string>;
}

let buildSeq = 1_000_000 + Math.floor(Math.random() * 1000) * 100_000;
/** A signed JobServ build never sent before by this process. */
export function freshBuild(): Signed {
  const body = Buffer.from(pythonJsonDumps(jobservBuild(buildSeq++)));
  return { body, headers: { 'content-type': 'application/json', [SIG_HEADER]: signature(body) } };
}

/** What post() answers: the response, or the error that cut the exchange (reset, client timeout). */
export type Answer =
  | {
      status: number;
      headers: http.IncomingHttpHeaders;
      /** The body parsed as JSON (undefined if it is not JSON); tests read the fields they assert. */
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as Posted.json in ../helpers/hookd.ts
      json: any;
      text: string;
      error?: never;
    }
  | { error: NodeJS.ErrnoException; status?: never; headers?: never; json?: never; text?: never };

/** POST with keep-alive through one agent; resolves {status, json, headers} or {error}. */
export const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
export function post(
  url: string,
  body: Buffer,
  headers: Record<string, string>,
  { timeoutMs = 10_000, path: p = '/hooks/foundries' }: { timeoutMs?: number; path?: string } = {},
): Promise<Answer> {
  return new Promise((resolve) => {
    const req = http.request(`${url}${p}`, { method: 'POST', agent, headers: { ...headers, 'content-length': body.length }, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        // A response that ended has its status code.
        resolve({ status: res.statusCode!, headers: res.headers, json, text });
      });
      res.on('error', (error) => resolve({ error }));
    });
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.on('error', (error) => resolve({ error }));
    req.end(body);
  });
}

/** One write to the raw socket, or a pause between writes. */
export type Part = Buffer | string | { delayMs: number };

export interface Exchange {
  /** Every HTTP status line seen, in order. */
  statuses: number[];
  /** Why collecting stopped. */
  how: 'closed' | 'idle' | 'timeout' | 'reset';
  ms: number;
  /** The first 2,000 characters received (latin1). */
  raw: string;
  retryAfter: string | undefined;
}

/**
 * Writes raw bytes to the ingest port and collects what comes back until the server closes the
 * connection, nothing arrives for `idleMs` after a complete-looking answer, or `timeoutMs` passes.
 * `parts` is a list of Buffers/strings, or {delayMs} entries to pause between writes.
 * Answers every HTTP status line seen (a lie about Content-Length can produce two answers).
 */
export function rawExchange(
  port: number,
  parts: readonly Part[],
  { timeoutMs = 15_000, idleMs = 250 }: { timeoutMs?: number; idleMs?: number } = {},
): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let idle: NodeJS.Timeout | undefined;
    let settled = false;
    const started = Date.now();
    const finish = (how: Exchange['how']) => {
      if (settled) return;
      settled = true;
      clearTimeout(idle);
      clearTimeout(overall);
      socket.destroy();
      const raw = Buffer.concat(chunks).toString('latin1');
      const statuses = [...raw.matchAll(/HTTP\/1\.[01] (\d{3})/g)].map((m) => Number(m[1]));
      const retryAfter = /\r\nretry-after: *(\S+)/i.exec(raw)?.[1];
      resolve({ statuses, how, ms: Date.now() - started, raw: raw.slice(0, 2000), retryAfter });
    };
    const overall = setTimeout(() => finish('timeout'), timeoutMs);
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      clearTimeout(idle);
      idle = setTimeout(() => finish('idle'), idleMs);
    });
    socket.on('end', () => finish('closed'));
    socket.on('close', () => finish('closed'));
    socket.on('error', () => finish('reset'));
    socket.on('connect', async () => {
      for (const part of parts) {
        if (settled || socket.destroyed) return;
        if (part && typeof part === 'object' && 'delayMs' in part) {
          await new Promise((r) => setTimeout(r, part.delayMs));
          continue;
        }
        // A server that already answered and closed may reset the rest: that is fine.
        await new Promise<void>((r) => socket.write(part, () => r()));
      }
    });
  });
}

/** Runs `fn` over `items` with at most `limit` in flight; answers results in order. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i], i);
      }
    }),
  );
  return out;
}

/** Event ids (and statuses) stored in a hookd database, read with a separate read-only connection. */
export function storedEvents(dbFile: string): Map<string, string> {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    return new Map((db.prepare('SELECT id, status FROM events').all() as { id: string; status: string }[]).map((r) => [r.id, r.status]));
  } finally {
    db.close();
  }
}

/** Event ids the recording plugin has started on (each line: id receivedAt startedAt). */
export function pluginSaw(pluginLog: string): Set<string> {
  if (!fs.existsSync(pluginLog)) return new Set();
  return new Set(
    fs
      .readFileSync(pluginLog, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' ')[0]),
  );
}

/** One line of hookd's JSON log (pino). */
export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** Lines of hookd's JSON log (pino), parsed; a line that is not JSON is left out. */
export function logLines(logFile: string): LogLine[] {
  if (!fs.existsSync(logFile)) return [];
  return fs
    .readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => {
      try {
        return JSON.parse(l) as LogLine;
      } catch {
        return null;
      }
    })
    .filter((l): l is LogLine => l !== null);
}

/** Lines of hookd's JSON log at `level` or above (pino: 50 error, 60 fatal). */
export function logLinesAtLeast(logFile: string, level: number): LogLine[] {
  return logLines(logFile).filter((l) => l.level >= level);
}

export function portOf(url: string): number {
  return Number(new URL(url).port);
}
