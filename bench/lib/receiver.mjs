// Start hookd (or a baseline server) as a child process on loopback and watch it from outside:
// the harness only ever talks HTTP to it, reads its RSS from /proc, and signals it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const hookdBin = path.join(repoRoot, 'dist', 'cli', 'main.js');
export const ADMIN_TOKEN = 'test-admin-token-not-real';

export function tempDir(prefix = 'hookd-bench-') {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A port nobody listens on right now (the child binds it a moment later). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Resident set of a process (all its threads), in MB; null once it is gone. */
export function rssMb(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** CPU seconds (user + system, all threads) a process has used so far; null once it is gone. */
export function cpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return null;
  }
}
const CLOCK_TICKS = 100; // USER_HZ on Linux

/** CPU seconds of the main thread (`main`) and of every other thread, by `name:tid`. */
export function threadCpuSeconds(pid) {
  const out = {};
  try {
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      try {
        const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        out[String(tid) === String(pid) ? 'main' : `${name}:${tid}`] = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
      } catch {
        /* thread ended */
      }
    }
  } catch {
    /* process gone */
  }
  return out;
}

/** Samples a process's RSS every `everyMs` until stopped; `.max` and `.samples`. */
export function watchRss(pid, everyMs = 200) {
  const samples = [];
  const take = () => {
    const v = rssMb(pid);
    if (v !== null) samples.push(v);
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    samples,
    stop() {
      clearInterval(timer);
      take();
      return { max: Math.max(...samples), last: samples.at(-1) ?? null, samples: samples.length };
    },
  };
}

/** Default config for a hookd under test: one jobserv source with a literal test secret. */
export function hookdConfig({ secret, server = {}, plugins, storage, log = { level: 'info' }, sources } = {}) {
  return {
    server: { host: '127.0.0.1', ...server },
    admin: { host: '127.0.0.1', token: ADMIN_TOKEN },
    log,
    ...(storage ? { storage } : {}),
    ...(plugins ? { plugins } : {}),
    sources: sources ?? { foundries: { kind: 'jobserv', secret } },
  };
}

/**
 * The Node flags `npm start` runs hookd with (package.json), so the bench and the fault tests
 * measure hookd as it is started in production, not a differently tuned process. `root`: the
 * hookd checkout whose package.json and dist/ are run (the bench's `--hookd`).
 */
export function startFlags(root = repoRoot) {
  const { scripts } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const m = /^node((?:\s+--\S+)*)\s+dist\/cli\/main\.js serve$/.exec(scripts.start ?? '');
  if (!m) throw new Error(`package.json's start script is not "node [--flags] dist/cli/main.js serve": ${scripts.start}`);
  return m[1].trim().split(/\s+/).filter(Boolean);
}

/**
 * Runs `hookd serve` in `dir` (hookd.json written there, data in dir/data unless dataDir says
 * otherwise). Logs go straight to dir/hookd.log from the child: no pipe through the harness.
 */
export async function startHookd({
  dir,
  config,
  env = {},
  dataDir = path.join(dir, 'data'),
  nodeArgs = startFlags(),
  bin = hookdBin,
  logFile = path.join(dir, 'hookd.log'),
  readyTimeoutMs = 20_000,
}) {
  fs.writeFileSync(path.join(dir, 'hookd.json'), JSON.stringify(config, null, 2));
  const port = await freePort();
  const adminPort = await freePort();
  return startChild({
    command: process.execPath,
    args: [...nodeArgs, bin, 'serve'],
    cwd: dir,
    env: { ...process.env, PORT: String(port), HOOKD_ADMIN_PORT: String(adminPort), HOOKD_DATA_DIR: dataDir, ...env },
    port,
    adminPort,
    logFile,
    readyTimeoutMs,
  });
}

/** Runs a baseline server script with PORT set; it must answer GET /healthz. */
export async function startScript({ script, dir, env = {}, nodeArgs = [], logFile = path.join(dir, `${path.basename(script)}.log`) }) {
  const port = await freePort();
  return startChild({
    command: process.execPath,
    args: [...nodeArgs, script],
    cwd: dir,
    env: { ...process.env, PORT: String(port), ...env },
    port,
    logFile,
    readyTimeoutMs: 10_000,
  });
}

async function startChild({ command, args, cwd, env, port, adminPort, logFile, readyTimeoutMs }) {
  const log = fs.openSync(logFile, 'a');
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let gone = null;
  exited.then((r) => (gone = r));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (gone) throw new Error(`${args.join(' ')} exited (${JSON.stringify(gone)}) before it was ready; log:\n${tail(logFile)}`);
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${args.join(' ')} was not ready within ${readyTimeoutMs} ms; log:\n${tail(logFile)}`);
    }
    await sleep(50);
  }
  return {
    child,
    pid: child.pid,
    url,
    adminUrl: adminPort ? `http://127.0.0.1:${adminPort}` : undefined,
    logFile,
    exited,
    /** Graceful stop (SIGTERM), SIGKILL after `graceMs`. */
    async stop(graceMs = 15_000) {
      if (gone) return gone;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const r = await exited;
      clearTimeout(timer);
      return r;
    },
    async kill() {
      if (gone) return gone;
      child.kill('SIGKILL');
      return exited;
    },
  };
}

export function tail(file, lines = 30) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
