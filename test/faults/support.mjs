// Shared by the fault tests: a hookd child process on a temp data dir (from bench/lib), signed
// JobServ bodies, raw-socket requests for what fetch cannot express, and direct reads of the
// SQLite file. Not a test file itself (the fault tests are test/faults/*.fault.mjs).
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import http from 'node:http';
import Database from 'better-sqlite3';
import { SECRET, pythonJsonDumps, jobservBuild, signature, SIG_HEADER } from '../../bench/lib/jobserv.mjs';
import { hookdConfig, repoRoot, startHookd, rssMb, watchRss } from '../../bench/lib/receiver.mjs';
// Removed once the fault test is done, unless HOOKD_KEEP_TEST_DIRS is set (as for every test).
import { tempDir } from '../helpers/hookd.js';

export { SECRET, pythonJsonDumps, jobservBuild, signature, SIG_HEADER, hookdConfig, repoRoot, startHookd, tempDir, rssMb, watchRss };

export const PLUGIN_FILE = path.join(repoRoot, 'bench', 'plugins', 'bench-recorder.mjs');

/** A dir with hookd.json, a plugins dir holding the recording plugin, and where its record goes. */
export function receiverDir({ prefix = 'hookd-fault-', server = {}, plugin = false, storage, dataDir } = {}) {
  const dir = tempDir(prefix);
  let plugins;
  if (plugin) {
    fs.mkdirSync(path.join(dir, 'plugins'));
    fs.copyFileSync(PLUGIN_FILE, path.join(dir, 'plugins', 'bench-recorder.mjs'));
    plugins = { dir: './plugins' };
  }
  const config = hookdConfig({ secret: SECRET, server, plugins, storage, log: { level: 'info' } });
  return { dir, config, dataDir: dataDir ?? path.join(dir, 'data'), pluginLog: path.join(dir, 'plugin-starts.log') };
}

/** Starts hookd for a receiverDir(); the plugin (if any) writes its record to setup.pluginLog. */
export function start(setup, extra = {}) {
  return startHookd({
    dir: setup.dir,
    config: setup.config,
    dataDir: setup.dataDir,
    env: { BENCH_PLUGIN_LOG: setup.pluginLog, ...(extra.env ?? {}) },
    ...extra,
  });
}

let buildSeq = 1_000_000 + Math.floor(Math.random() * 1000) * 100_000;
/** A signed JobServ build never sent before by this process. */
export function freshBuild() {
  const body = Buffer.from(pythonJsonDumps(jobservBuild(buildSeq++)));
  return { body, headers: { 'content-type': 'application/json', [SIG_HEADER]: signature(body) } };
}

/** POST with keep-alive through one agent; resolves {status, json, headers} or {error}. */
export const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
export function post(url, body, headers, { timeoutMs = 10_000, path: p = '/hooks/foundries' } = {}) {
  return new Promise((resolve) => {
    const req = http.request(`${url}${p}`, { method: 'POST', agent, headers: { ...headers, 'content-length': body.length }, timeout: timeoutMs }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode, headers: res.headers, json, text });
      });
      res.on('error', (error) => resolve({ error }));
    });
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.on('error', (error) => resolve({ error }));
    req.end(body);
  });
}

/**
 * Writes raw bytes to the ingest port and collects what comes back until the server closes the
 * connection, nothing arrives for `idleMs` after a complete-looking answer, or `timeoutMs` passes.
 * `parts` is a list of Buffers/strings, or {delayMs} entries to pause between writes.
 * Answers every HTTP status line seen (a lie about Content-Length can produce two answers).
 */
export function rawExchange(port, parts, { timeoutMs = 15_000, idleMs = 250 } = {}) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks = [];
    let idle;
    let settled = false;
    const started = Date.now();
    const finish = (how) => {
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
    socket.on('data', (c) => {
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
        await new Promise((r) => socket.write(part, () => r()));
      }
    });
  });
}

/** Runs `fn` over `items` with at most `limit` in flight; answers results in order. */
export async function pool(items, limit, fn) {
  const out = new Array(items.length);
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
export function storedEvents(dbFile) {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    return new Map(
      db
        .prepare('SELECT id, status FROM events')
        .all()
        .map((r) => [r.id, r.status]),
    );
  } finally {
    db.close();
  }
}

/** Event ids the recording plugin has started on (each line: id receivedAt startedAt). */
export function pluginSaw(pluginLog) {
  if (!fs.existsSync(pluginLog)) return new Set();
  return new Set(
    fs
      .readFileSync(pluginLog, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' ')[0]),
  );
}

/** Lines of hookd's JSON log at `level` or above (pino: 50 error, 60 fatal). */
export function logLinesAtLeast(logFile, level) {
  if (!fs.existsSync(logFile)) return [];
  return fs
    .readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => {
      try {
        return JSON.parse(l);
      } catch {
        return null;
      }
    })
    .filter((l) => l && l.level >= level);
}

export function portOf(url) {
  return Number(new URL(url).port);
}
