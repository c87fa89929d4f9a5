// `npm run bench`: hookd against three baselines, same machine, same payloads, same load generator.
//
//   npm run bench                          # the default run: ~10 minutes
//   npm run bench -- --quick               # short rounds: ~2 minutes, for a trial or a noisy machine
//   npm run bench -- --preload 1000000     # also: throughput with 1M events already stored
//   npm run bench -- --store postgres --replicas 1,2,3   # also: hookd on PostgreSQL, 1-3 replicas
//   npm run bench -- --hookd ../green --no-build          # run the hookd built in another checkout
//   npm run bench -- --only hookd,minimal-pipeline   (targets: bare-http, bare-express, minimal-pipeline, hookd-noplugin, hookd)
//
// Every target runs as its own child process on loopback: bare node:http doing only the HMAC
// check, a bare Express 5 route reading the body, the minimal pipeline (bench/baselines/
// minimal-pipeline.mjs: the essential work with hookd's libraries, the reference of issue 13's
// targets), and `hookd serve` with its full pipeline
// (helmet, rate limit set high, pino access log to a file, verification, Iglu validation, durable
// commit with synchronous=FULL, one matching plugin; and once more without the plugin, to show
// what dispatch costs). Every request is a fresh signed JobServ build (~1.4 KB, a new build_id
// each time, so dedupe never short-circuits). Phases per target: paced open loop at 10/s, 100/s
// and 1000/s (bench/lib/paced.mjs says why not autocannon's overallRate); saturation, autocannon
// with 16 connections in a closed loop; and for hookd a big ShotGrid batch (50 × ~900 KB).
// Results: a table, the ratios to the minimal pipeline and the targets (met/missed) on stdout,
// all of it in bench/results.json.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { SECRET } from './lib/jobserv.mjs';
import { runLoad, BODY_BYTES } from './lib/load.mjs';
import { runPaced } from './lib/paced.mjs';
import { latencySummary, percentile } from './lib/stats.mjs';
import { ADMIN_TOKEN, cpuSeconds, hookdConfig, repoRoot, rssMb, startFlags, startHookd, startScript, tempDir, watchRss } from './lib/receiver.mjs';
import { SG_SECRET, postTimed, shotgridBatch } from './lib/shotgrid.mjs';
import { measureDesignChoices } from './lib/design.mjs';
import { preload } from './preload.mjs';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    hookd: { type: 'string' },
    preload: { type: 'string' },
    duration: { type: 'string' },
    'low-duration': { type: 'string' },
    rounds: { type: 'string' },
    warmup: { type: 'string' },
    rate: { type: 'string', default: '1000' },
    'low-rates': { type: 'string', default: '10,100' },
    connections: { type: 'string', default: '16' },
    batches: { type: 'string' },
    store: { type: 'string', default: 'sqlite' },
    replicas: { type: 'string', default: '1,2,3' },
    'pg-pool-size': { type: 'string', default: '8' },
    'pg-lease-ms': { type: 'string', default: '10000' },
    only: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
    'keep-dirs': { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(repoRoot, 'bench', 'results.json') },
  },
});
const QUICK = args.quick;
/** An option as given, else its --quick value, else its default. */
const opt = (name, quick, full) => Number(args[name] ?? (QUICK ? quick : full));
const DURATION = opt('duration', 4, 30);
const ROUNDS = Math.max(1, opt('rounds', 2, 6));
/** Each phase of each target runs in ROUNDS slices, the targets taking turns, so a slow minute of the machine falls on all of them alike. */
const SLICE = DURATION / ROUNDS;
/** The low paced rates (10/s, 100/s) run this long per target: at 10/s, 30 s is 300 requests, so p99 is the 3rd slowest. */
const LOW_DURATION = opt('low-duration', 5, DURATION);
const WARMUP = opt('warmup', 1, 3);
const RATE = Number(args.rate);
const LOW_RATES = args['low-rates'] === '' || args['low-rates'] === 'none' ? [] : args['low-rates'].split(',').map(Number);
const CONNECTIONS = Number(args.connections);
/** Big ShotGrid batches sent to hookd, one after another (0: none). */
const BATCHES = opt('batches', 1, 3);
const BATCH_SETTLE_MS = 5000;
const PRELOAD = args.preload ? Number(args.preload) : 0;
if (!['sqlite', 'postgres'].includes(args.store)) {
  console.error(`[bench] --store is sqlite or postgres, not ${args.store}`);
  process.exit(2);
}
const PG = args.store === 'postgres';
const REPLICAS = PG
  ? args.replicas
      .split(',')
      .map(Number)
      .filter((n) => n >= 1)
  : [];
const only = args.only ? new Set(args.only.split(',')) : null;
const PLUGIN_FILE = path.join(repoRoot, 'bench', 'plugins', 'bench-recorder.mjs');
const SHOTGRID_PLUGIN_FILE = path.join(repoRoot, 'bench', 'plugins', 'bench-shotgrid.mjs');
const RATE_LIMIT = { windowMs: 60_000, limit: 100_000_000 };
/**
 * The hookd under test: a checkout with package.json and a built dist/. Default: this repository.
 * `--hookd DIR` (or HOOKD_BENCH_ROOT) runs another build, e.g. a worktree at the last commit that
 * compiles, while the bench itself (harness, baselines, plugin) stays this checkout's.
 */
const hookdRoot = path.resolve(args.hookd ?? process.env.HOOKD_BENCH_ROOT ?? repoRoot);
const hookdBin = path.join(hookdRoot, 'dist', 'cli', 'main.js');
const hookdFlags = startFlags(hookdRoot);

const log = (...a) => console.error('[bench]', ...a);
/** A problem with how the bench was asked to run: printed as its message, without a stack. */
class BenchError extends Error {}
const dirs = [];
/** A temp dir removed at the end (unless --keep-dirs). */
const keep = (dir) => (dirs.push(dir), dir);

function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memGb: +(os.totalmem() / 2 ** 30).toFixed(1),
    kernel: os.release(),
    node: process.version,
    commit: git(['rev-parse', '--short', 'HEAD']),
    dirty: git(['status', '--porcelain', '--', 'src', 'migrations']) !== '',
    hookdRoot,
    benchCommit: git(['rev-parse', '--short', 'HEAD'], repoRoot),
  };
}

/** git in the hookd under test (`cwd` defaults to it). */
function git(argv, cwd = hookdRoot) {
  try {
    return execFileSync('git', argv, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

/**
 * One round of a load phase against a target (one server, or several replicas sharing the load):
 * the load generator's figures plus the server's CPU and RSS from /proc (and PostgreSQL's CPU).
 */
async function round(t, opts = {}) {
  if (t.servers) return t.roundAcross(t.servers, { connections: CONNECTIONS, duration: opts.duration ?? SLICE, ...opts });
  const server = t.server;
  const rss = watchRss(server.pid);
  const cpu0 = cpuSeconds(server.pid);
  const r = opts.rate
    ? await runPaced({ url: server.url, duration: SLICE, ...opts })
    : await runLoad({ url: server.url, connections: CONNECTIONS, duration: SLICE, ...opts });
  return { r, cpu: cpuSeconds(server.pid) - cpu0, rssMax: rss.stop().max };
}

/** A phase's rounds as one: throughput over their summed time, latency percentiles over every response. */
function combine(name, rounds) {
  const latencies = rounds.flatMap((x) => x.r.latencies).sort((a, b) => a - b);
  const sum = (f) => rounds.reduce((a, x) => a + f(x), 0);
  const requests = sum((x) => x.r.requests);
  const seconds = sum((x) => x.r.durationS);
  const cpu = sum((x) => x.cpu);
  const statuses = {};
  for (const x of rounds) for (const [code, n] of Object.entries(x.r.statuses)) statuses[code] = (statuses[code] ?? 0) + n;
  const pgCpu = rounds.some((x) => x.pgCpu !== undefined) ? sum((x) => x.pgCpu ?? 0) : undefined;
  return {
    phase: name,
    rps: requests / seconds,
    roundsRps: rounds.map((x) => Math.round(x.r.rps)),
    ...latencySummary(latencies),
    requests,
    statuses,
    errors: sum((x) => x.r.errors + (x.r.timeouts ?? 0)),
    rssMaxMb: Math.max(...rounds.map((x) => x.rssMax)),
    cpuUsPerReq: (1e6 * cpu) / Math.max(1, requests),
    cpuCores: cpu / seconds,
    ...(pgCpu !== undefined ? { pgCpuSeconds: pgCpu, pgCpuUsPerReq: (1e6 * pgCpu) / Math.max(1, requests) } : {}),
  };
}

/**
 * A data dir for hookd with the bench plugin installed (unless `plugin` is false); the plugin writes
 * one line per event it starts. Two sources: `foundries` (JobServ, the load) and `sg` (ShotGrid,
 * the big batch; the plugin does not match it). `storage` defaults to SQLite with synchronous=FULL.
 */
function hookdDir(label, { plugin = true, storage = { sqlite: { synchronous: 'full' } }, pluginLog } = {}) {
  const dir = keep(tempDir(`hookd-bench-${label}-`));
  fs.mkdirSync(path.join(dir, 'plugins'));
  if (plugin) fs.copyFileSync(PLUGIN_FILE, path.join(dir, 'plugins', 'bench-recorder.mjs'));
  const config = hookdConfig({
    secret: SECRET,
    server: { rateLimit: RATE_LIMIT },
    storage,
    plugins: { dir: './plugins' },
    sources: { foundries: { kind: 'jobserv', secret: SECRET }, sg: { kind: 'shotgrid', secret: SG_SECRET } },
  });
  fs.writeFileSync(path.join(dir, 'hookd.json'), JSON.stringify(config, null, 2));
  return { dir, config, pluginLog: pluginLog ?? path.join(dir, 'plugin-starts.log') };
}

async function startBenchHookd({ dir, config, pluginLog }) {
  return startHookd({ dir, config, bin: hookdBin, nodeArgs: hookdFlags, env: { BENCH_PLUGIN_LOG: pluginLog } });
}

/**
 * Dispatch lag per event: plugin start − receivedAt. receivedAt is taken when the body has been
 * read, before verification and the commit, so this overstates commit → plugin start by the ack
 * path (bounded by the ack latency measured in the same phase). Waits for the plugin to catch up.
 */
async function dispatchLag(pluginLog, acked, waitMs = 30_000) {
  const deadline = Date.now() + waitMs;
  let seen = new Map();
  for (;;) {
    seen = new Map();
    if (fs.existsSync(pluginLog)) {
      for (const line of fs.readFileSync(pluginLog, 'utf8').split('\n')) {
        const [id, receivedAt, startedAt] = line.split(' ');
        if (id && acked.has(id) && !seen.has(id)) seen.set(id, { receivedAt: Date.parse(receivedAt), startedAt: Number(startedAt) });
      }
    }
    if (seen.size >= acked.size || Date.now() > deadline) break;
    await sleep(250);
  }
  const lags = [...seen.values()].map((s) => s.startedAt - s.receivedAt).sort((a, b) => a - b);
  const afterAck = [...seen].map(([id, s]) => s.startedAt - acked.get(id)).sort((a, b) => a - b);
  return {
    events: acked.size,
    reached: seen.size,
    p50: percentile(lags, 50),
    p99: percentile(lags, 99),
    max: lags.at(-1) ?? NaN,
    // Plugin start − the client's receipt of the 200: negative when the plugin started first.
    afterAckP50: percentile(afterAck, 50),
    afterAckP99: percentile(afterAck, 99),
  };
}

/** hookd's own dispatch-lag histogram for the bench plugin (commit → handler start): cumulative bucket counts by upper bound (s). */
async function lagHistogram(server) {
  const res = await fetch(`${server.adminUrl}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  const buckets = new Map();
  for (const line of (await res.text()).split('\n')) {
    const m =
      /^hookd_plugin_dispatch_lag_seconds_bucket\{.*le="([^"]+)".*plugin="bench-recorder".*\} (\S+)$|^hookd_plugin_dispatch_lag_seconds_bucket\{.*plugin="bench-recorder".*le="([^"]+)".*\} (\S+)$/.exec(
        line,
      );
    if (m) buckets.set(Number((m[1] ?? m[3]).replace('+Inf', 'Infinity')), Number(m[2] ?? m[4]));
  }
  return buckets;
}

/** What a histogram gained between two scrapes, added to `into`. */
function addDiff(into, before, after) {
  for (const [b, n] of after) into.set(b, (into.get(b) ?? 0) + n - (before.get(b) ?? 0));
  return into;
}

/**
 * Dispatch lag as the target defines it, commit → plugin start, from the difference of hookd's
 * histogram over the phase. Whether p99 ≤ 20 ms is exact (20 ms is a bucket bound: the share of
 * events at or under it); p50/p99 are interpolated within their bucket, as Prometheus'
 * histogram_quantile does.
 */
function lagFromHistogram(diff) {
  const bounds = [...diff.keys()].sort((a, b) => a - b);
  const cum = bounds.map((b) => diff.get(b));
  const count = cum.at(-1) ?? 0;
  const quantile = (q) => {
    const rank = q * count;
    const i = cum.findIndex((c) => c >= rank);
    if (i < 0 || count === 0) return NaN;
    const lo = i === 0 ? 0 : bounds[i - 1];
    const hi = bounds[i];
    if (!Number.isFinite(hi)) return lo * 1000;
    const below = i === 0 ? 0 : cum[i - 1];
    return 1000 * (lo + ((hi - lo) * (rank - below)) / Math.max(1, cum[i] - below));
  };
  const within20 = cum[bounds.indexOf(0.02)] ?? NaN;
  return { count, p50: quantile(0.5), p99: quantile(0.99), shareWithin20ms: count ? within20 / count : NaN };
}

/** JIT warm-up at the paced rate (a saturation warm-up would leave the plugin a backlog to drain first). */
function warmUp(t) {
  return Promise.all((t.servers ?? [t.server]).map((server, _i, all) => runPaced({ url: server.url, rate: RATE / all.length, duration: WARMUP })));
}

/**
 * The big-batch phase: `BATCHES` ShotGrid batches of 50 deliveries of ~900 KB (~45 MB each), one
 * at a time, on a fresh connection each. Per batch: ms from the first byte sent to the end of the
 * answer, the ids answered, RSS peak while it was taken, and RSS BATCH_SETTLE_MS after the answer.
 */
async function bigBatches(t) {
  await addShotgridPlugin(t);
  const out = [];
  for (let i = 0; i < BATCHES; i++) {
    const { body, headers } = shotgridBatch();
    const rssBefore = rssMb(t.server.pid);
    const rss = watchRss(t.server.pid, 50);
    let answer;
    try {
      answer = await postTimed(`${t.server.url}/hooks/sg`, body, headers);
    } catch (err) {
      answer = { status: 0, ms: NaN, text: String(err) };
    }
    const during = rss.stop();
    await sleep(BATCH_SETTLE_MS);
    const sgLag = await shotgridPluginLag(t);
    let ids = 0;
    try {
      ids = JSON.parse(answer.text).ids?.length ?? 0;
    } catch {
      /* not JSON */
    }
    out.push({
      bytes: body.length,
      status: answer.status,
      ms: answer.ms,
      ids,
      rssBeforeMb: rssBefore,
      rssPeakMb: during.max,
      rssAfterMb: rssMb(t.server.pid),
      pluginLagAfter: sgLag,
      ...(answer.status === 200 ? {} : { answer: answer.text.slice(0, 300) }),
    });
    log(
      `big batch ${i + 1}/${BATCHES}, ${t.name}: ${(body.length / 2 ** 20).toFixed(1)} MiB → ${answer.status} in ${f(answer.ms)} ms, ${ids} ids; RSS ${f(rssBefore)} → peak ${f(during.max)} → ${f(out.at(-1).rssAfterMb)} MB ${BATCH_SETTLE_MS / 1000} s after; bench-shotgrid ${sgLag} behind`,
    );
  }
  return {
    batches: out,
    deliveries: 50,
    maxMs: Math.max(...out.map((b) => b.ms)),
    rssPeakMb: Math.max(...out.map((b) => b.rssPeakMb)),
    rssAfterMb: Math.max(...out.map((b) => b.rssAfterMb)),
    allAnswered: out.every((b) => b.status === 200 && b.ids === 50),
  };
}

/**
 * Before the big batches, hookd's plugin dir gets bench/plugins/bench-shotgrid.mjs (hot-loaded, as a
 * user adds one), so every delivery is dispatched too: a batch is answered, stored and handed over.
 * Resolves once hookd lists it as active.
 */
/** How many events bench-shotgrid has still to handle. */
async function shotgridPluginLag(t) {
  const res = await fetch(`${t.server.adminUrl}/api/plugins`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  return (await res.json()).plugins.find((p) => p.name === 'bench-shotgrid')?.lag ?? NaN;
}

async function addShotgridPlugin(t) {
  fs.copyFileSync(SHOTGRID_PLUGIN_FILE, path.join(t.setup.dir, 'plugins', 'bench-shotgrid.mjs'));
  const until = Date.now() + 20_000;
  for (;;) {
    const res = await fetch(`${t.server.adminUrl}/api/plugins`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const { plugins } = await res.json();
    if (plugins.some((p) => p.name === 'bench-shotgrid' && p.state === 'active')) return;
    if (Date.now() > until) throw new BenchError(`hookd did not load bench-shotgrid.mjs within 20 s: ${JSON.stringify(plugins)}`);
    await sleep(100);
  }
}

/** Waits until the plugin's record stops growing (it may still be working through a backlog). */
async function waitForDrain(pluginLog, quietMs = 1000, maxMs = 60_000) {
  const until = Date.now() + maxMs;
  let last = -1;
  while (Date.now() < until) {
    const size = fs.existsSync(pluginLog) ? fs.statSync(pluginLog).size : 0;
    if (size === last) return;
    last = size;
    await sleep(quietMs);
  }
  log('the plugin was still catching up; measuring anyway');
}

/**
 * A store holding `count` events, built once and cached in the temp dir (keyed by count,
 * migrations and this preloader), then copied for each run: the copy takes seconds, the build minutes.
 */
function preloadedDb(count) {
  const key = createHash('sha256')
    .update(String(count))
    .update(fs.readFileSync(path.join(repoRoot, 'bench', 'preload.mjs')))
    .update(
      fs
        .readdirSync(path.join(hookdRoot, 'migrations'))
        .sort()
        .map((f) => fs.readFileSync(path.join(hookdRoot, 'migrations', f), 'utf8'))
        .join('\n'),
    )
    .digest('hex')
    .slice(0, 12);
  const cached = path.join(os.tmpdir(), `hookd-bench-preload-${count}-${key}.db`);
  if (fs.existsSync(cached)) {
    log(`using the preloaded store ${cached}`);
    return cached;
  }
  const work = tempDir('hookd-bench-preload-');
  fs.writeFileSync(path.join(work, 'hookd.json'), JSON.stringify(hookdConfig({ secret: SECRET })));
  const migrated = spawnSync(process.execPath, [hookdBin, 'migrate'], {
    cwd: work,
    env: { ...process.env, HOOKD_DATA_DIR: path.join(work, 'data') },
    encoding: 'utf8',
  });
  if (migrated.status !== 0) throw new Error(`hookd migrate failed: ${migrated.stderr}`);
  const file = path.join(work, 'data', 'hookd.db');
  log(`preloading ${count} events (once; cached as ${cached})…`);
  let shown = 0;
  const ms = preload(file, count, {
    onProgress: (n) => {
      if (n - shown >= count / 10) ((shown = n), log(`  ${n} / ${count}`));
    },
  });
  log(`preloaded ${count} events in ${(ms / 1000).toFixed(0)} s (${(fs.statSync(file).size / 2 ** 30).toFixed(2)} GiB)`);
  fs.renameSync(file, cached);
  fs.rmSync(work, { recursive: true, force: true });
  return cached;
}

// ── report ────────────────────────────────────────────────────────────────────────────────

const f = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '—');
const non200 = (p) => p.requests - (p.statuses['200'] ?? 0) + p.errors;
/** A result's phases in the order they ran: the paced rates, low to high, then saturation. */
const phasesOf = (r) => [...(r.paced ?? []), r.saturation].filter(Boolean);

function table(results) {
  const rows = [['target', 'phase', 'req/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'RSS MB', 'CPU µs/req', 'non-200']];
  for (const r of results) {
    for (const p of phasesOf(r)) {
      rows.push([r.name, p.phase, f(p.rps), f(p.p50, 2), f(p.p99, 2), f(p.p999, 2), f(p.rssMaxMb), f(p.cpuUsPerReq), String(non200(p))]);
    }
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows
    .map((row, n) => {
      const line = '| ' + row.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') + ' |';
      return n === 0 ? line + '\n|' + widths.map((w, i) => (i < 2 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|' : line;
    })
    .join('\n');
}

const pacedAt = (r, rate) => r?.paced?.find((p) => p.rate === rate);

/** Every target's saturation throughput and paced p99s as multiples of the minimal pipeline's. */
function ratiosToMinimal(results) {
  const minimal = results.find((r) => r.name === 'minimal-pipeline');
  if (!minimal) return [];
  return results
    .filter((r) => r !== minimal)
    .map((r) => ({
      name: r.name,
      saturation: r.saturation.rps / minimal.saturation.rps,
      p99: Object.fromEntries((r.paced ?? []).map((p) => [p.rate, p.p99 / (pacedAt(minimal, p.rate)?.p99 ?? NaN)])),
    }));
}

function targets(results) {
  const by = (name) => results.find((r) => r.name === name);
  const hookd = by('hookd');
  const minimal = by('minimal-pipeline');
  const express = by('bare-express');
  const http = by('bare-http');
  const bare = by('hookd, no plugin');
  const checks = [];
  const info = (target, value, unit, detail) => checks.push({ target: `(info) ${target}`, value, unit, ok: null, ...(detail ? { detail } : {}) });
  if (hookd && minimal) {
    const ratio = hookd.saturation.rps / minimal.saturation.rps;
    checks.push({
      target: 'saturation: hookd ≥ 0.95 × the minimal pipeline',
      value: ratio,
      unit: '×',
      ok: ratio >= 0.95,
      detail: `${f(hookd.saturation.rps)} vs ${f(minimal.saturation.rps)} req/s`,
    });
  }
  if (bare && minimal) info('saturation: hookd without the plugin vs the minimal pipeline', bare.saturation.rps / minimal.saturation.rps, '×');
  if (minimal && express)
    info('saturation: the minimal pipeline vs bare Express (what the essential work costs)', minimal.saturation.rps / express.saturation.rps, '×');
  if (hookd && express) info('saturation: hookd vs bare Express', hookd.saturation.rps / express.saturation.rps, '×');
  if (hookd) {
    for (const rate of LOW_RATES) {
      const p = pacedAt(hookd, rate);
      if (!p) continue;
      checks.push({
        target: `p99 ack ≤ 5 ms at ${rate}/s, every answer a 200`,
        value: p.p99,
        unit: 'ms',
        ok: p.p99 <= 5 && non200(p) === 0,
        detail: `${p.requests} requests, ${non200(p)} not 200`,
      });
      if (minimal && pacedAt(minimal, rate)) info(`p99 ack of the minimal pipeline at ${rate}/s`, pacedAt(minimal, rate).p99, 'ms');
      if (http && pacedAt(http, rate)) info(`p99 ack of bare node:http at ${rate}/s (this machine's floor)`, pacedAt(http, rate).p99, 'ms');
    }
    const high = pacedAt(hookd, RATE);
    if (high && minimal && pacedAt(minimal, RATE)) {
      const m = pacedAt(minimal, RATE);
      checks.push({
        target: `p99 ack at ${RATE}/s ≤ 2 × the minimal pipeline's`,
        value: high.p99 / m.p99,
        unit: '×',
        ok: high.p99 <= 2 * m.p99,
        detail: `${f(high.p99, 2)} vs ${f(m.p99, 2)} ms`,
      });
    }
    if (high && http && pacedAt(http, RATE)) info(`p99 ack of bare node:http at ${RATE}/s (this machine's floor)`, pacedAt(http, RATE).p99, 'ms');
    const lag = hookd.dispatchLag;
    if (lag) {
      const c = lag.fromCommit;
      checks.push({
        target: `dispatch lag (commit → plugin start) p99 ≤ 20 ms at ${RATE}/s`,
        value: c.p99,
        unit: 'ms',
        ok: c.shareWithin20ms >= 0.99 && lag.reached === lag.events && c.count >= lag.events,
        detail: `${f(100 * c.shareWithin20ms, 2)} % within 20 ms; ${c.count} measured of ${lag.events}; ${lag.reached} reached the plugin`,
      });
      info(`receipt → plugin start p99 at ${RATE}/s (includes the ack path)`, lag.p99, 'ms');
    }
    const rss = Math.max(...phasesOf(hookd).map((p) => p.rssMaxMb));
    checks.push({ target: 'RSS ≤ 200 MB under load', value: rss, unit: 'MB', ok: rss <= 200 });
    const b = hookd.bigBatch;
    if (b) {
      checks.push({
        target: `big batch (50 × ~900 KB ShotGrid deliveries) answered ≤ 1.5 s`,
        value: b.maxMs,
        unit: 'ms',
        ok: b.allAnswered && b.maxMs <= 1500,
        detail: `slowest of ${b.batches.length}; ${b.batches.map((x) => `${x.status} in ${f(x.ms)} ms, ${x.ids} ids`).join('; ')}`,
      });
      checks.push({
        target: `RSS ≤ 200 MB ${BATCH_SETTLE_MS / 1000} s after a big batch`,
        value: b.rssAfterMb,
        unit: 'MB',
        ok: b.rssAfterMb <= 200,
        detail: `peak while answering ${f(b.rssPeakMb)} MB`,
      });
    }
  }
  for (const pre of results.filter((r) => r.preloaded)) {
    const empty = pre.plugin ? hookd : bare;
    if (!empty) continue;
    const ratio = pre.saturation.rps / empty.saturation.rps;
    const which = pre.plugin ? '' : ' (no plugin)';
    checks.push({ target: `throughput with ${pre.preloaded} stored within 10 % of empty${which}`, value: ratio, unit: '×', ok: ratio >= 0.9 });
    checks.push({
      target: `RSS ≤ 200 MB with ${pre.preloaded} stored${which}`,
      value: pre.saturation.rssMaxMb,
      unit: 'MB',
      ok: pre.saturation.rssMaxMb <= 200,
    });
  }
  for (const r of results.filter((x) => x.replicas)) {
    if (hookd)
      info(
        `saturation: ${r.name} vs hookd on SQLite`,
        r.saturation.rps / hookd.saturation.rps,
        '×',
        `${f(r.saturation.rps)} req/s, p50 ${f(r.saturation.p50, 2)} ms, p99 ${f(r.saturation.p99, 2)} ms`,
      );
    info(`PostgreSQL CPU per request, ${r.name}, saturation`, r.saturation.pgCpuUsPerReq, 'µs', `${f(r.saturation.pgCpuSeconds, 1)} s in all`);
    if (r.rate) info(`p99 ack at ${RATE}/s, ${r.name}`, r.rate.p99, 'ms', `PostgreSQL ${f(r.rate.pgCpuSeconds, 1)} s CPU`);
    if (r.dispatchLag)
      info(
        `receipt → plugin start p99 at ${RATE}/s, ${r.name}`,
        r.dispatchLag.p99,
        'ms',
        `${r.dispatchLag.reached}/${r.dispatchLag.events} acknowledged events reached the plugin`,
      );
  }
  return checks;
}

// ── PostgreSQL ────────────────────────────────────────────────────────────────────────────

/**
 * `--store postgres`: the PostgreSQL store and a database must both be there, else a clear error
 * before anything starts. Loads bench/lib/replicas.mjs (and with it the pg driver) only then.
 */
async function postgresPreflight() {
  const storeFile = path.join(hookdRoot, 'dist', 'store', 'postgres', 'index.js');
  if (!fs.existsSync(storeFile)) {
    throw new BenchError(
      `--store postgres: the hookd at ${hookdRoot} has no PostgreSQL store (${path.relative(hookdRoot, storeFile)} is missing). ` +
        'Build a hookd that has src/store/postgres/ (or point --hookd at one) and run again; without --store postgres the bench runs on SQLite only.',
    );
  }
  const lib = await import('./lib/replicas.mjs');
  try {
    await lib.dropSchema(await lib.freshSchema('hookd_bench_probe_'));
  } catch (err) {
    throw new BenchError(
      `--store postgres: cannot create a schema in PostgreSQL at ${lib.BENCH_DATABASE_URL} (HOOKD_BENCH_DATABASE_URL overrides it): ${err.message}`,
    );
  }
  return lib;
}

/**
 * hookd with the bench plugin on PostgreSQL as `n` replicas on one fresh schema, each in its own
 * dir, one plugin record for all (the plugin appends whole lines). The first replica starts alone
 * (it creates the tables), the others after it. Stopping stops them all and drops the schema.
 */
function pgSpec(lib, n) {
  const key = `pg-${n}`;
  const shared = path.join(keep(tempDir(`hookd-bench-${key}-log-`)), 'plugin-starts.log');
  const t = {
    key,
    name: `hookd, PostgreSQL, ${n} replica${n > 1 ? 's' : ''}`,
    plugin: true,
    replicas: n,
    setup: { pluginLog: shared },
    roundAcross: lib.roundAcross,
  };
  t.start = async () => {
    const schema = await lib.freshSchema();
    const storage = lib.postgresStorage(schema, { poolSize: Number(args['pg-pool-size']), leaseMs: Number(args['pg-lease-ms']) });
    const servers = [];
    const stop = async () => {
      for (const s of servers) await s.stop();
      await lib.dropSchema(schema).catch((err) => log(`could not drop schema ${schema}: ${err.message}`));
    };
    try {
      for (let i = 0; i < n; i++) {
        const setup = hookdDir(`${key}-${i + 1}`, { plugin: true, storage, pluginLog: shared });
        try {
          servers.push(await startBenchHookd(setup));
        } catch (err) {
          throw new BenchError(`${t.name}: replica ${i + 1} did not start (does this hookd accept storage.postgres?): ${err.message}`);
        }
      }
    } catch (err) {
      await stop();
      throw err;
    }
    t.servers = servers;
    return { pid: servers[0].pid, stop, schema };
  };
  return t;
}

// ── main ──────────────────────────────────────────────────────────────────────────────────

async function main() {
  const pgLib = PG ? await postgresPreflight() : null;
  if (!args['no-build']) {
    log(`building (npm run build in ${hookdRoot})…`);
    const built = spawnSync('npm', ['run', '--silent', 'build'], { cwd: hookdRoot, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
    if (built.status !== 0) {
      const lines = (built.stdout ?? '').trim().split('\n');
      throw new BenchError(
        `npm run build failed in ${hookdRoot}:\n${lines.slice(0, 15).join('\n')}${lines.length > 15 ? `\n… (${lines.length - 15} more lines)` : ''}\n` +
          'To bench another build meanwhile: --hookd DIR --no-build (README, Performance, Reproduce).',
      );
    }
  }
  if (!fs.existsSync(hookdBin)) throw new BenchError(`no hookd build at ${hookdBin}: run npm run build there (or drop --no-build)`);
  const started = Date.now();
  const info = { ...machine(), loadavgAtStart: os.loadavg().map((x) => +x.toFixed(2)) };
  log(
    `${info.cores} × ${info.cpu}, node ${info.node}, hookd ${info.commit}${info.dirty ? ' (uncommitted changes)' : ''} from ${hookdRoot}; load average ${info.loadavgAtStart.join(' ')}`,
  );
  log(
    `payload: ${BODY_BYTES} bytes; ${CONNECTIONS} connections; ${DURATION} s per phase in ${ROUNDS} rounds (paced ${[...LOW_RATES].join('/s, ')}${LOW_RATES.length ? '/s: ' + LOW_DURATION + ' s; ' : ''}${RATE}/s and saturation: ${DURATION} s), after ${WARMUP} s warm-up${QUICK ? ' (--quick)' : ''}`,
  );

  // Every target runs at once (an idle server costs nothing) and they take turns, round by round.
  const want = (key) => !only || only.has(key);
  const specs = [];
  const baseline = (key) => ({
    key,
    name: key,
    start: () => startScript({ script: path.join(repoRoot, 'bench', 'baselines', `${key}.mjs`), dir: keep(tempDir(`hookd-bench-${key}-`)) }),
  });
  const hookdSpec = (key, name, { plugin, preloaded = 0 }) => {
    const setup = hookdDir(key, { plugin });
    if (preloaded) {
      fs.mkdirSync(path.join(setup.dir, 'data'), { recursive: true });
      fs.copyFileSync(preloadedDb(preloaded), path.join(setup.dir, 'data', 'hookd.db'));
    }
    // A plugin new to a preloaded store starts after its newest event (its default `from`), as in production.
    return { key, name, plugin, preloaded, setup, start: () => startBenchHookd(setup) };
  };
  if (want('bare-http')) specs.push(baseline('bare-http'));
  if (want('bare-express')) specs.push(baseline('bare-express'));
  if (want('minimal-pipeline')) specs.push(baseline('minimal-pipeline'));
  if (want('hookd-noplugin')) specs.push(hookdSpec('hookd-noplugin', 'hookd, no plugin', { plugin: false }));
  if (want('hookd')) specs.push(hookdSpec('hookd', 'hookd', { plugin: true }));
  if (PRELOAD > 0) {
    // Compared like for like: each preloaded store against the empty-store run of the same configuration.
    if (want('hookd-noplugin')) specs.push(hookdSpec('preloaded-noplugin', `hookd, no plugin, ${PRELOAD} stored`, { plugin: false, preloaded: PRELOAD }));
    if (want('hookd')) specs.push(hookdSpec('preloaded', `hookd, ${PRELOAD} stored`, { plugin: true, preloaded: PRELOAD }));
  }
  for (const n of REPLICAS) specs.push(pgSpec(pgLib, n));

  const running = [];
  try {
    for (const t of specs) {
      t.server = await t.start();
      running.push(t);
      t.low = new Map(LOW_RATES.map((rate) => [rate, []]));
      t.paced = [];
      t.saturation = [];
      t.acked = new Map();
      t.lag = new Map();
    }
    log(`started: ${specs.map((t) => t.name).join('; ')}`);
    for (const t of specs) await warmUp(t);
    // Before each of a plugin's phases: it has caught up (no backlog working through someone else's turn).
    const ready = async (t) => t.plugin && (await waitForDrain(t.setup.pluginLog));

    // The rates CI senders produce: on the SQLite targets (the preloaded ones take saturation turns only).
    const pacedTargets = specs.filter((x) => !x.preloaded && !x.replicas);
    for (const rate of LOW_RATES) {
      for (let r = 1; r <= ROUNDS; r++) {
        for (const t of pacedTargets) {
          await ready(t);
          t.low.get(rate).push(await round(t, { rate, duration: LOW_DURATION / ROUNDS }));
          log(`round ${r}/${ROUNDS}, paced ${rate}/s, ${t.name}: p99 ${t.low.get(rate).at(-1).r.p99.toFixed(2)} ms`);
        }
      }
    }
    for (let r = 1; r <= ROUNDS; r++) {
      for (const t of specs.filter((x) => !x.preloaded)) {
        await ready(t);
        const scrape = t.plugin && !t.replicas;
        const before = scrape ? await lagHistogram(t.server) : null;
        t.paced.push(await round(t, { rate: RATE, onAck: (id, at) => t.acked.set(id, at) }));
        // The round's last events are still being handed over when its last answer arrives: scraped
        // at once, they fell between two rounds' scrapes and the histogram missed them.
        if (before) (await ready(t), addDiff(t.lag, before, await lagHistogram(t.server)));
        log(`round ${r}/${ROUNDS}, paced ${RATE}/s, ${t.name}: p99 ${t.paced.at(-1).r.p99.toFixed(2)} ms`);
      }
    }
    for (let r = 1; r <= ROUNDS; r++) {
      for (const t of specs) {
        await ready(t);
        t.saturation.push(await round(t));
        log(`round ${r}/${ROUNDS}, saturation, ${t.name}: ${t.saturation.at(-1).r.rps.toFixed(0)} req/s`);
      }
    }
    for (const t of specs.filter((x) => x.plugin && !x.preloaded)) {
      t.dispatchLag = { ...(await dispatchLag(t.setup.pluginLog, t.acked)), ...(t.replicas ? {} : { fromCommit: lagFromHistogram(t.lag) }) };
    }
    if (BATCHES > 0) {
      for (const t of specs.filter((x) => x.key === 'hookd')) {
        await ready(t);
        t.bigBatch = await bigBatches(t);
      }
    }
  } finally {
    for (const t of running) await t.server.stop();
    for (const t of specs.filter((x) => x.preloaded)) fs.rmSync(path.join(t.setup.dir, 'data'), { recursive: true, force: true }); // 2.4 GiB per million
  }

  // With every server stopped: the reasons behind three choices in src/ (bench/lib/design.mjs).
  log('design choices: timing each beside its alternative…');
  const designDir = keep(tempDir('hookd-bench-design-'));
  const designChoices = await measureDesignChoices({ dir: designDir, quick: QUICK, bodyBytes: BODY_BYTES });

  const results = specs.map((t) => ({
    name: t.name,
    ...(t.preloaded ? { preloaded: t.preloaded, plugin: t.plugin } : {}),
    ...(t.replicas ? { replicas: t.replicas, store: 'postgres' } : {}),
    saturation: combine(t.preloaded ? `saturation, ${t.preloaded} stored` : 'saturation', t.saturation),
    ...(t.paced.length ? { rate: { rate: RATE, ...combine(`paced ${RATE}/s`, t.paced) } } : {}),
    paced: [
      ...[...t.low].filter(([, rounds]) => rounds.length).map(([rate, rounds]) => ({ rate, ...combine(`paced ${rate}/s`, rounds) })),
      ...(t.paced.length ? [{ rate: RATE, ...combine(`paced ${RATE}/s`, t.paced) }] : []),
    ],
    ...(t.dispatchLag ? { dispatchLag: t.dispatchLag } : {}),
    ...(t.bigBatch ? { bigBatch: t.bigBatch } : {}),
  }));
  for (const r of results) {
    for (const p of phasesOf(r))
      log(`${r.name}, ${p.phase}: ${p.rps.toFixed(0)} req/s (rounds ${p.roundsRps.join(', ')}), p99 ${p.p99.toFixed(2)} ms, RSS ${p.rssMaxMb.toFixed(0)} MB`);
  }

  const checks = targets(results);
  const ratios = ratiosToMinimal(results);
  const report = {
    at: new Date().toISOString(),
    machine: { ...info, loadavgAtEnd: os.loadavg().map((x) => +x.toFixed(2)) },
    settings: {
      payloadBytes: BODY_BYTES,
      connections: CONNECTIONS,
      durationS: DURATION,
      rounds: ROUNDS,
      warmupS: WARMUP,
      rate: RATE,
      synchronous: 'full',
      preload: PRELOAD,
      hookdNodeFlags: hookdFlags,
      lowRates: LOW_RATES,
      lowDurationS: LOW_DURATION,
      batches: BATCHES,
      batchSettleMs: BATCH_SETTLE_MS,
      quick: QUICK,
      store: args.store,
      replicas: REPLICAS,
    },
    results,
    ratiosToMinimalPipeline: ratios,
    designChoices,
    targets: checks,
    targetsMet: checks.filter((c) => c.ok === true).length,
    targetsMissed: checks.filter((c) => c.ok === false).length,
    wallSeconds: Math.round((Date.now() - started) / 1000),
  };
  fs.writeFileSync(args.out, JSON.stringify(report, null, 2) + '\n');

  console.log(
    `\nhookd bench — ${info.cores} × ${info.cpu}, node ${info.node}, hookd ${info.commit} (${hookdRoot}), load average ${info.loadavgAtStart[0]} → ${report.machine.loadavgAtEnd[0]}${QUICK ? ', --quick' : ''}`,
  );
  console.log(
    `payload ${BODY_BYTES} B signed JobServ build; ${CONNECTIONS} connections; ${DURATION} s per phase (${LOW_RATES.length ? `${LOW_DURATION} s at ${LOW_RATES.join('/s, ')}/s` : 'no low rates'}); latency = request sent → answer received\n`,
  );
  console.log(table(results));
  if (ratios.length) {
    console.log('\nratios to the minimal pipeline (saturation req/s; paced p99, lower is better)');
    for (const x of ratios)
      console.log(
        `  ${x.name}: saturation ${f(x.saturation, 2)}×; p99 ${Object.entries(x.p99)
          .map(([rate, v]) => `${f(v, 2)}× at ${rate}/s`)
          .join(', ')}`,
      );
  }
  const hookd = results.find((r) => r.name === 'hookd');
  if (hookd?.dispatchLag) {
    const l = hookd.dispatchLag;
    console.log(
      `\ndispatch lag at ${RATE}/s, commit → plugin start (hookd_plugin_dispatch_lag_seconds): p50 ${f(l.fromCommit.p50, 1)} ms, p99 ${f(l.fromCommit.p99, 1)} ms, ${f(100 * l.fromCommit.shareWithin20ms, 2)} % within 20 ms (${l.fromCommit.count} events)`,
    );
    console.log(
      `receipt → plugin start (the plugin's own record): p50 ${f(l.p50, 1)} ms, p99 ${f(l.p99, 1)} ms, max ${f(l.max, 1)} ms; ${l.reached}/${l.events} acknowledged events reached the plugin`,
    );
  }
  if (hookd?.bigBatch) {
    for (const [i, b] of hookd.bigBatch.batches.entries())
      console.log(
        `big batch ${i + 1}: ${(b.bytes / 2 ** 20).toFixed(1)} MiB, ${b.status} in ${f(b.ms)} ms (${b.ids} ids); RSS ${f(b.rssBeforeMb)} → peak ${f(b.rssPeakMb)} → ${f(b.rssAfterMb)} MB ${BATCH_SETTLE_MS / 1000} s after; bench-shotgrid ${b.pluginLagAfter} events behind then`,
      );
  }
  console.log('\ndesign choices, each timed beside its alternative (the figures src/ comments refer to)');
  for (const d of designChoices)
    console.log(`  ${d.name} (${d.where}): ${d.choice} ${f(d.chosen, 2)} ${d.unit}; ${d.alternative} ${f(d.instead, 2)} (${f(d.instead / d.chosen, 1)}×)`);
  console.log(`\ntargets (${report.targetsMet} met, ${report.targetsMissed} missed)`);
  for (const c of checks) {
    const mark = c.ok === null ? '   ' : c.ok ? 'met' : 'MISSED';
    console.log(
      `  ${mark.padEnd(6)} ${c.target}: ${f(c.value, c.unit === '×' ? 2 : 1)}${c.unit === '×' ? '×' : ' ' + c.unit}${c.detail ? ` (${c.detail})` : ''}`,
    );
  }
  console.log(`\nwrote ${path.relative(process.cwd(), args.out) || args.out} (${report.wallSeconds} s)`);
  if (!args['keep-dirs']) for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  else log(`kept: ${dirs.join(' ')}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err instanceof BenchError ? `[bench] ${err.message}` : err);
    process.exit(1);
  },
);
