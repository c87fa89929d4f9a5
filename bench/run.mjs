// `npm run bench`: hookd against two baselines, same machine, same payloads, same load generator.
//
//   npm run bench                          # the default run: a few minutes
//   npm run bench -- --preload 1000000     # also: throughput with 1M events already stored
//   npm run bench -- --duration 5 --no-build
//   npm run bench -- --only hookd,bare-express   (targets: bare-http, bare-express, hookd-noplugin, hookd)
//
// Every target runs as its own child process on loopback: bare node:http doing only the HMAC
// check, a bare Express 5 route reading the body, and `hookd serve` with its full pipeline
// (helmet, rate limit set high, pino access log to a file, verification, Iglu validation, durable
// commit with synchronous=FULL, one matching plugin; and once more without the plugin, to show
// what dispatch costs). Every request is a fresh signed JobServ build (~1.4 KB, a new build_id
// each time, so dedupe never short-circuits). Two phases per target: saturation, autocannon with
// 16 connections in a closed loop; and a fixed offered rate, paced open loop (bench/lib/paced.mjs
// says why not autocannon's overallRate). Results: a table on stdout and bench/results.json.
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
import { ADMIN_TOKEN, cpuSeconds, hookdBin, hookdConfig, repoRoot, startFlags, startHookd, startScript, tempDir, watchRss } from './lib/receiver.mjs';
import { preload } from './preload.mjs';

const { values: args } = parseArgs({
  options: {
    preload: { type: 'string' },
    duration: { type: 'string', default: '30' },
    rounds: { type: 'string', default: '6' },
    warmup: { type: 'string', default: '3' },
    rate: { type: 'string', default: '1000' },
    connections: { type: 'string', default: '16' },
    only: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
    'keep-dirs': { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(repoRoot, 'bench', 'results.json') },
  },
});
const DURATION = Number(args.duration);
const ROUNDS = Math.max(1, Number(args.rounds));
/** Each phase of each target runs in ROUNDS slices, the targets taking turns, so a slow minute of the machine falls on all of them alike. */
const SLICE = DURATION / ROUNDS;
const WARMUP = Number(args.warmup);
const RATE = Number(args.rate);
const CONNECTIONS = Number(args.connections);
const PRELOAD = args.preload ? Number(args.preload) : 0;
const only = args.only ? new Set(args.only.split(',')) : null;
const PLUGIN_FILE = path.join(repoRoot, 'bench', 'plugins', 'bench-recorder.mjs');
const RATE_LIMIT = { windowMs: 60_000, limit: 100_000_000 };

const log = (...a) => console.error('[bench]', ...a);
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
  };
}

function git(argv) {
  try {
    return execFileSync('git', argv, { cwd: repoRoot, encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

/** One round of a load phase against a running server: the load generator's figures plus the server's CPU and RSS from /proc. */
async function round(server, opts = {}) {
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
  return {
    phase: name,
    rps: requests / seconds,
    roundsRps: rounds.map((x) => Math.round(x.r.rps)),
    ...latencySummary(latencies),
    requests,
    statuses,
    errors: sum((x) => x.r.errors + x.r.timeouts),
    rssMaxMb: Math.max(...rounds.map((x) => x.rssMax)),
    cpuUsPerReq: (1e6 * cpu) / Math.max(1, requests),
    cpuCores: cpu / seconds,
  };
}

/** A data dir for hookd with the bench plugin installed (unless `plugin` is false); the plugin writes one line per event it starts. */
function hookdDir(label, { plugin = true } = {}) {
  const dir = keep(tempDir(`hookd-bench-${label}-`));
  fs.mkdirSync(path.join(dir, 'plugins'));
  if (plugin) fs.copyFileSync(PLUGIN_FILE, path.join(dir, 'plugins', 'bench-recorder.mjs'));
  const config = hookdConfig({
    secret: SECRET,
    server: { rateLimit: RATE_LIMIT },
    storage: { sqlite: { synchronous: 'full' } },
    plugins: { dir: './plugins' },
  });
  fs.writeFileSync(path.join(dir, 'hookd.json'), JSON.stringify(config, null, 2));
  return { dir, config, pluginLog: path.join(dir, 'plugin-starts.log') };
}

async function startBenchHookd({ dir, config, pluginLog }) {
  return startHookd({ dir, config, env: { BENCH_PLUGIN_LOG: pluginLog } });
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
function warmUp(server) {
  return runPaced({ url: server.url, rate: RATE, duration: WARMUP });
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
        .readdirSync(path.join(repoRoot, 'migrations'))
        .sort()
        .map((f) => fs.readFileSync(path.join(repoRoot, 'migrations', f), 'utf8'))
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

function table(results) {
  const rows = [['target', 'phase', 'req/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'RSS MB', 'CPU µs/req', 'non-200']];
  for (const r of results) {
    for (const p of [r.saturation, r.rate].filter(Boolean)) {
      const non200 = p.requests - (p.statuses['200'] ?? 0) + p.errors;
      rows.push([r.name, p.phase, f(p.rps), f(p.p50, 2), f(p.p99, 2), f(p.p999, 2), f(p.rssMaxMb), f(p.cpuUsPerReq), String(non200)]);
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

function targets(results) {
  const by = Object.fromEntries(results.map((r) => [r.name, r]));
  const hookd = by.hookd;
  const express = by['bare-express'];
  const http = by['bare-http'];
  const checks = [];
  if (hookd && express) {
    checks.push({
      target: 'saturation ≥ 0.9 × bare Express',
      value: hookd.saturation.rps / express.saturation.rps,
      unit: '×',
      ok: hookd.saturation.rps >= 0.9 * express.saturation.rps,
    });
  }
  if (hookd && http) checks.push({ target: '(info) saturation vs bare node:http', value: hookd.saturation.rps / http.saturation.rps, unit: '×', ok: null });
  const bare = by['hookd, no plugin'];
  if (bare && express)
    checks.push({ target: '(info) saturation without the plugin vs bare Express', value: bare.saturation.rps / express.saturation.rps, unit: '×', ok: null });
  if (hookd) {
    checks.push({ target: `p99 ack ≤ 5 ms at ${RATE}/s`, value: hookd.rate.p99, unit: 'ms', ok: hookd.rate.p99 <= 5 });
    if (express) checks.push({ target: `(info) p99 ack vs bare Express at ${RATE}/s`, value: hookd.rate.p99 / express.rate.p99, unit: '×', ok: null });
    // What this machine allows at all: the same paced load against a server that only checks an HMAC.
    if (http) checks.push({ target: `(info) p99 ack of bare node:http at ${RATE}/s (this machine's floor)`, value: http.rate.p99, unit: 'ms', ok: null });
    const lag = hookd.dispatchLag;
    const c = lag.fromCommit;
    checks.push({
      target: `dispatch lag (commit → plugin start) p99 ≤ 20 ms at ${RATE}/s`,
      value: c.p99,
      unit: 'ms',
      ok: c.shareWithin20ms >= 0.99 && lag.reached === lag.events && c.count >= lag.events,
    });
    checks.push({ target: `(info) receipt → plugin start p99 at ${RATE}/s (includes the ack path)`, value: lag.p99, unit: 'ms', ok: null });
    const rss = Math.max(hookd.saturation.rssMaxMb, hookd.rate.rssMaxMb);
    checks.push({ target: 'RSS ≤ 200 MB under load', value: rss, unit: 'MB', ok: rss <= 200 });
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
  return checks;
}

// ── main ──────────────────────────────────────────────────────────────────────────────────

async function main() {
  if (!args['no-build']) {
    log('building (npm run build)…');
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const started = Date.now();
  const info = { ...machine(), loadavgAtStart: os.loadavg().map((x) => +x.toFixed(2)) };
  log(
    `${info.cores} × ${info.cpu}, node ${info.node}, hookd ${info.commit}${info.dirty ? ' (uncommitted changes)' : ''}; load average ${info.loadavgAtStart.join(' ')}`,
  );
  log(`payload: ${BODY_BYTES} bytes; ${CONNECTIONS} connections; ${DURATION} s per phase in ${ROUNDS} rounds, after ${WARMUP} s warm-up`);

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
  if (want('hookd-noplugin')) specs.push(hookdSpec('hookd-noplugin', 'hookd, no plugin', { plugin: false }));
  if (want('hookd')) specs.push(hookdSpec('hookd', 'hookd', { plugin: true }));
  if (PRELOAD > 0) {
    // Compared like for like: each preloaded store against the empty-store run of the same configuration.
    if (want('hookd-noplugin')) specs.push(hookdSpec('preloaded-noplugin', `hookd, no plugin, ${PRELOAD} stored`, { plugin: false, preloaded: PRELOAD }));
    if (want('hookd')) specs.push(hookdSpec('preloaded', `hookd, ${PRELOAD} stored`, { plugin: true, preloaded: PRELOAD }));
  }

  const running = [];
  try {
    for (const t of specs) {
      t.server = await t.start();
      running.push(t);
      t.paced = [];
      t.saturation = [];
      t.acked = new Map();
      t.lag = new Map();
    }
    log(`started: ${specs.map((t) => t.name).join('; ')}`);
    for (const t of specs) await warmUp(t.server);
    // Before each of a plugin's phases: it has caught up (no backlog working through someone else's turn).
    const ready = async (t) => t.plugin && (await waitForDrain(t.setup.pluginLog));

    for (let r = 1; r <= ROUNDS; r++) {
      for (const t of specs.filter((x) => !x.preloaded)) {
        await ready(t);
        const before = t.plugin ? await lagHistogram(t.server) : null;
        t.paced.push(await round(t.server, { rate: RATE, onAck: (id, at) => t.acked.set(id, at) }));
        // The round's last events are still being handed over when its last answer arrives: scraped
        // at once, they fell between two rounds' scrapes and the histogram missed them.
        if (before) (await ready(t), addDiff(t.lag, before, await lagHistogram(t.server)));
        log(`round ${r}/${ROUNDS}, paced ${RATE}/s, ${t.name}: p99 ${t.paced.at(-1).r.p99.toFixed(2)} ms`);
      }
    }
    for (let r = 1; r <= ROUNDS; r++) {
      for (const t of specs) {
        await ready(t);
        t.saturation.push(await round(t.server));
        log(`round ${r}/${ROUNDS}, saturation, ${t.name}: ${t.saturation.at(-1).r.rps.toFixed(0)} req/s`);
      }
    }
    for (const t of specs.filter((x) => x.plugin && !x.preloaded)) {
      t.dispatchLag = { ...(await dispatchLag(t.setup.pluginLog, t.acked)), fromCommit: lagFromHistogram(t.lag) };
    }
  } finally {
    for (const t of running) await t.server.stop();
    for (const t of specs.filter((x) => x.preloaded)) fs.rmSync(path.join(t.setup.dir, 'data'), { recursive: true, force: true }); // 2.4 GiB per million
  }

  const results = specs.map((t) => ({
    name: t.name,
    ...(t.preloaded ? { preloaded: t.preloaded, plugin: t.plugin } : {}),
    saturation: combine(t.preloaded ? `saturation, ${t.preloaded} stored` : 'saturation', t.saturation),
    ...(t.paced.length ? { rate: combine(`paced ${RATE}/s`, t.paced) } : {}),
    ...(t.dispatchLag ? { dispatchLag: t.dispatchLag } : {}),
  }));
  for (const r of results) {
    for (const p of [r.saturation, r.rate].filter(Boolean))
      log(`${r.name}, ${p.phase}: ${p.rps.toFixed(0)} req/s (rounds ${p.roundsRps.join(', ')}), p99 ${p.p99.toFixed(2)} ms, RSS ${p.rssMaxMb.toFixed(0)} MB`);
  }

  const checks = targets(results);
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
      hookdNodeFlags: startFlags(),
    },
    results,
    targets: checks,
    wallSeconds: Math.round((Date.now() - started) / 1000),
  };
  fs.writeFileSync(args.out, JSON.stringify(report, null, 2) + '\n');

  console.log(`\nhookd bench — ${info.cores} × ${info.cpu}, node ${info.node}, load average ${info.loadavgAtStart[0]} → ${report.machine.loadavgAtEnd[0]}`);
  console.log(`payload ${BODY_BYTES} B signed JobServ build; ${CONNECTIONS} connections; ${DURATION} s per phase; latency = request sent → answer received\n`);
  console.log(table(results));
  const hookd = results.find((r) => r.name === 'hookd');
  if (hookd) {
    const l = hookd.dispatchLag;
    console.log(
      `\ndispatch lag at ${RATE}/s, commit → plugin start (hookd_plugin_dispatch_lag_seconds): p50 ${f(l.fromCommit.p50, 1)} ms, p99 ${f(l.fromCommit.p99, 1)} ms, ${f(100 * l.fromCommit.shareWithin20ms, 2)} % within 20 ms (${l.fromCommit.count} events)`,
    );
    console.log(
      `receipt → plugin start (the plugin's own record): p50 ${f(l.p50, 1)} ms, p99 ${f(l.p99, 1)} ms, max ${f(l.max, 1)} ms; ${l.reached}/${l.events} acknowledged events reached the plugin`,
    );
  }
  console.log('\ntargets');
  for (const c of checks) {
    const mark = c.ok === null ? ' ' : c.ok ? '✓' : '✗';
    console.log(`  ${mark} ${c.target}: ${f(c.value, c.unit === '×' ? 2 : 1)}${c.unit === '×' ? '×' : ' ' + c.unit}`);
  }
  console.log(`\nwrote ${path.relative(process.cwd(), args.out) || args.out} (${report.wallSeconds} s)`);
  if (!args['keep-dirs']) for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  else log(`kept: ${dirs.join(' ')}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
